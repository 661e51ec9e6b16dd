//! `adapty`: parses the command line and hands it to the library (`adapty_cli`).

use clap::Parser as _;

fn main() -> std::process::ExitCode {
    adapty_cli::run(adapty_cli::cli::Cli::parse())
}
