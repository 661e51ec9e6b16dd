//! The `adapty` command line, as a library: `src/main.rs` parses the arguments ([`cli::Cli`])
//! and calls [`run`]; everything else is here, where it can be tested.
//!
//! - [`cli`]: the commands and options (clap);
//! - [`key`]: the API key, from `--api-key-file` or `ADAPTY_API_KEY`, never printed;
//! - [`profile`]: `adapty profile get|create|update|delete`, and the bulk delete;
//! - [`input`]: reading the IDs of a bulk delete (lines or CSV), with line-numbered problems;
//! - [`journal`]: the JSON-lines journal that makes a bulk delete resumable;
//! - [`progress`]: the progress bar or plain progress lines.
//!
//! Exit codes ([`Exit`]): 0 all done, 1 something failed or some input was bad, 2 could not
//! start, 130 interrupted.

use std::fmt;
use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use adapty_api::{ApiKey, v1, v2};

pub mod cli;
pub mod input;
pub mod journal;
pub mod key;
pub mod profile;
pub mod progress;

use cli::{ApiVersion, Cli, Command};

/// How a command ended, as the process's exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: everything asked for is done.
    Success,
    /// 1: a call failed, or some input lines were skipped (invalid or duplicate).
    Failed,
    /// 2: could not start (usage, no key, unreadable file or journal, bad base URL).
    CouldNotStart,
    /// 130: interrupted by Ctrl-C (or SIGTERM).
    Interrupted,
}

impl Exit {
    /// The exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failed => 1,
            Exit::CouldNotStart => 2,
            Exit::Interrupted => 130,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

/// A reason the command could not start (exit code 2). Its text never holds the API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fatal(String);

impl Fatal {
    /// A reason, for the user.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for Fatal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The options every command shares.
#[derive(Debug, Clone)]
pub struct Global {
    /// `--base-url`.
    pub base_url: String,
    /// `--api-key-file`.
    pub api_key_file: Option<PathBuf>,
    /// `--api-version`.
    pub api_version: ApiVersion,
}

impl Global {
    /// The API key, from `--api-key-file` or the environment.
    pub fn api_key(&self) -> Result<ApiKey, Fatal> {
        key::resolve(self.api_key_file.as_deref(), std::env::var_os(key::ENV_VAR))
    }

    /// A client of the chosen API version, with the key and the base URL.
    pub fn client(&self) -> Result<Api, Fatal> {
        let key = self.api_key()?;
        let agent = concat!("adapty-cli/", env!("CARGO_PKG_VERSION"));
        let built = match self.api_version {
            ApiVersion::V1 => v1::Client::builder(key)
                .base_url(&self.base_url)
                .user_agent_suffix(agent)
                .build()
                .map(Api::V1),
            ApiVersion::V2 => v2::Client::builder(key)
                .base_url(&self.base_url)
                .user_agent_suffix(agent)
                .build()
                .map(Api::V2),
        };
        built.map_err(|e| Fatal::new(format!("cannot set up the client: {e}")))
    }
}

/// A client of one API version.
#[derive(Debug, Clone)]
#[allow(
    clippy::large_enum_variant,
    reason = "one value per process, never moved in a loop"
)]
pub enum Api {
    /// `--api-version v1`.
    V1(v1::Client),
    /// `--api-version v2`.
    V2(v2::Client),
}

/// Runs the parsed command line and returns the exit code; errors go to stderr.
pub fn run(cli: Cli) -> ExitCode {
    let global = Global {
        base_url: cli.base_url,
        api_key_file: cli.api_key_file,
        api_version: cli.api_version,
    };
    let result = match cli.command {
        Command::Profile(command) => profile::run(&global, command),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(fatal) => {
            eprintln!("adapty: {fatal}");
            Exit::CouldNotStart.into()
        }
    }
}

/// A Tokio runtime for a command's calls.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Fatal> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Fatal::new(format!("cannot start the async runtime: {e}")))
}

/// An error of a call with the errors it chains (e.g. why a connection failed), on one line.
/// None of them holds the API key: the client never puts it in an error.
pub fn describe(error: &adapty_api::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Prints `value` on stdout: pretty on a terminal, one compact line otherwise. A closed stdout
/// (`adapty ... | head`) is not an error.
pub(crate) fn print_json(value: &serde_json::Value) {
    let stdout = std::io::stdout();
    let text = if stdout.is_terminal() {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    if let Ok(text) = text {
        let _ = writeln!(stdout.lock(), "{text}");
    }
}
