//! `cargo xtask`: maintainer tasks of the adapty-rs workspace.
//!
//! - `cargo xtask generate`: regenerate the client code from the specs in `openapi/`.
//! - `cargo xtask generate --check`: fail (exit 1) when the committed code is stale.

use std::process::ExitCode;

use xtask::{GENERATE_COMMAND, check, workspace_root, write_all};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  generate          regenerate adapty-api's client code from the specs in openapi/
  generate --check  exit 1 when the committed generated code differs from the specs
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = workspace_root();
    match args.as_slice() {
        ["generate"] => match write_all(&root) {
            Ok(changed) if changed.is_empty() => {
                println!("generated code is up to date");
                ExitCode::SUCCESS
            }
            Ok(changed) => {
                for file in changed {
                    println!("wrote {file}");
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        ["generate", "--check"] => match check(&root) {
            Ok(stale) if stale.is_empty() => {
                println!("generated code is up to date");
                ExitCode::SUCCESS
            }
            Ok(stale) => {
                for s in &stale {
                    eprintln!("{}", s.diff);
                    eprintln!(
                        "error: {} is stale: it differs from what {} gives now",
                        s.file, s.target.spec
                    );
                }
                eprintln!("run `{GENERATE_COMMAND}` and commit the result");
                ExitCode::FAILURE
            }
            Err(e) => fail(&e),
        },
        ["help" | "--help" | "-h"] => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("error: {e:#}");
    ExitCode::FAILURE
}
