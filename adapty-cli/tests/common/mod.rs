//! Helpers of the CLI's tests: an emulator, the real `adapty` binary as a child process, temporary
//! files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use adapty_emulator::{Emulator, RunningEmulator};
use tokio::io::AsyncWriteExt as _;
use tokio::process::Command;

/// The key the emulator accepts: recognizable, so a test can tell it never reaches the output.
pub const KEY: &str = "secret_test_KEYMUSTNOTLEAK_7f3a";

/// The part of [`KEY`] searched for in outputs.
pub const KEY_MARK: &str = "KEYMUSTNOTLEAK";

/// The `adapty` binary of this build.
pub const BIN: &str = env!("CARGO_BIN_EXE_adapty");

/// An emulator on a free loopback port.
pub async fn emulator() -> RunningEmulator {
    Emulator::new()
        .api_key(KEY)
        .start()
        .await
        .expect("the emulator starts")
}

/// `adapty --base-url URL ARGS...` with the key in `ADAPTY_API_KEY`.
pub fn adapty(base_url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("--base-url")
        .arg(base_url)
        .args(args)
        .env("ADAPTY_API_KEY", KEY)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// What a finished `adapty` printed, and its exit code.
#[derive(Debug)]
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// Both outputs, for assertions on what was printed anywhere.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The JSON of stdout's only line.
    pub fn json(&self) -> serde_json::Value {
        assert_eq!(self.stdout.lines().count(), 1, "one line: {self:?}");
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }

    /// A `key=value` of the `summary:` line on stderr.
    pub fn summary(&self, key: &str) -> u64 {
        let line = self
            .stderr
            .lines()
            .find(|l| l.starts_with("summary: "))
            .unwrap_or_else(|| panic!("no summary: {self:?}"));
        let value = line
            .split_whitespace()
            .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key} in {line}"));
        value
            .parse()
            .unwrap_or_else(|e| panic!("{key}={value}: {e}"))
    }
}

/// Runs `command` to the end (at most a minute), feeding `stdin` if given.
pub async fn run(mut command: Command, stdin: Option<&[u8]>) -> Ran {
    if stdin.is_some() {
        command.stdin(Stdio::piped());
    }
    let mut child = command.spawn().expect("adapty starts");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(bytes).await.expect("write stdin");
        drop(pipe);
    }
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("adapty ends within a minute")
        .expect("adapty's output");
    Ran {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A fresh, empty directory for one test.
pub fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("adapty-cli-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The path as a `&str` argument.
pub fn arg(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// The journal's records (its complete lines).
pub fn journal(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Seeds `n` profiles with customer user IDs `{prefix}0`, `{prefix}1`, ... and returns their
/// profile IDs, in order.
pub fn seed_profiles(emulator: &RunningEmulator, prefix: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            emulator
                .seed(serde_json::json!({"customer_user_id": format!("{prefix}{i}")}))
                .expect("seed")
                .to_string()
        })
        .collect()
}

/// The lines of an ID file: each ID and a line break.
pub fn lines(ids: &[String]) -> String {
    ids.iter().map(|id| format!("{id}\n")).collect()
}
