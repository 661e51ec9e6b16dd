//! The emulator in a process of its own, for the bulk benchmark: the bench binary starts itself
//! again with [`SERVE_ENV`] set, and that copy serves `adapty_emulator` on a multi-thread Tokio
//! runtime (the configuration of the `adapty-emulator` binary's `#[tokio::main]`), built with the
//! bench's profile (release under `cargo bench`).
//!
//! A process of its own keeps the server apart from whichever client is measured: wrk and the SDK
//! both talk to it from another process, so neither shares its address space, allocator or
//! scheduler threads with the server, and the bench process's CPU time is the SDK's alone.
//!
//! The parent drives it through its standard input, one command a line, and reads one answer a
//! line: `seed N` (empty the store, then store the profiles [`customer_user_id`]`(0)` to
//! `customer_user_id(N - 1)`; answers `seeded N`), `stats` (answers `stats PROFILES CPU_NANOS`,
//! the profiles stored and the process's CPU time so far). End of input stops it.

use std::io::{self, BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::time::Duration;

/// The environment variable that makes the bench binary serve the emulator instead of running
/// the benchmarks (see [`serve_if_asked`]).
pub const SERVE_ENV: &str = "ADAPTY_BENCH_SERVE_EMULATOR";

/// The API key the emulator accepts: a bench constant for a loopback server, never a real key.
pub const KEY: &str = "secret_bench_key";

/// The customer user ID of the `n`th seeded profile (`bulk-<n>`); wrk's script makes the same.
pub fn customer_user_id(n: usize) -> String {
    format!("{ID_PREFIX}{n}")
}

/// The prefix of every seeded customer user ID.
pub const ID_PREFIX: &str = "bulk-";

/// What the emulator process reports about itself.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    /// Profiles stored.
    pub profiles: usize,
    /// CPU time of the whole process (every server thread) so far.
    pub cpu: Duration,
}

/// Serves the emulator and returns its exit code when this process was started as the bench's
/// emulator (with [`SERVE_ENV`] set); `None` otherwise. The bench's `main` calls it first.
pub fn serve_if_asked() -> Option<ExitCode> {
    std::env::var_os(SERVE_ENV)?;
    Some(match serve() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("adapty-bench emulator: {e}");
            ExitCode::FAILURE
        }
    })
}

fn serve() -> Result<(), Box<dyn std::error::Error>> {
    // `#[tokio::main]`'s runtime: multi-thread, one worker per core.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let emulator = rt.block_on(
        adapty_emulator::Emulator::new()
            .listen(([127, 0, 0, 1], 0).into())
            .api_key(KEY)
            .start(),
    )?;
    let mut out = io::stdout().lock();
    writeln!(out, "url {}", emulator.base_url())?;
    out.flush()?;
    for line in io::stdin().lock().lines() {
        let line = line?;
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("seed"), Some(count)) => {
                let count: usize = count.parse()?;
                emulator.reset();
                for n in 0..count {
                    emulator
                        .seed(serde_json::json!({ "customer_user_id": customer_user_id(n) }))?;
                }
                writeln!(out, "seeded {}", emulator.profile_count())?;
            }
            (Some("stats"), None) => {
                let cpu = process_cpu();
                writeln!(out, "stats {} {}", emulator.profile_count(), cpu.as_nanos())?;
            }
            _ => return Err(format!("unknown command {line:?}").into()),
        }
        out.flush()?;
    }
    rt.block_on(emulator.shutdown())?;
    Ok(())
}

/// The CPU time this process has used, all threads together.
pub fn process_cpu() -> Duration {
    use nix::time::{ClockId, clock_gettime};
    clock_gettime(ClockId::CLOCK_PROCESS_CPUTIME_ID)
        .map(Duration::from)
        .unwrap_or_default()
}

/// The emulator process; dropping it stops the process.
#[derive(Debug)]
pub struct EmulatorProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    base_url: String,
}

impl EmulatorProcess {
    /// Starts this executable again as the emulator and waits for its URL. The executable's
    /// `main` must call [`serve_if_asked`] first.
    pub fn start() -> io::Result<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .env(SERVE_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err(io::Error::other("the emulator process has no pipes"));
        };
        let mut process = Self {
            child,
            stdin,
            stdout: BufReader::new(stdout),
            base_url: String::new(),
        };
        let line = process.answer()?;
        match line.strip_prefix("url ") {
            Some(url) => process.base_url = url.to_owned(),
            None => return Err(unexpected(&line)),
        }
        Ok(process)
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Empties the store and seeds `count` profiles, `customer_user_id(0..count)`.
    pub fn seed(&mut self, count: usize) -> io::Result<()> {
        writeln!(self.stdin, "seed {count}")?;
        self.stdin.flush()?;
        let line = self.answer()?;
        match line.strip_prefix("seeded ").map(str::parse::<usize>) {
            Some(Ok(seeded)) if seeded == count => Ok(()),
            _ => Err(unexpected(&line)),
        }
    }

    /// The profiles stored and the process's CPU time so far.
    pub fn stats(&mut self) -> io::Result<Stats> {
        writeln!(self.stdin, "stats")?;
        self.stdin.flush()?;
        let line = self.answer()?;
        let mut words = line.split_whitespace();
        match (
            words.next(),
            words.next().and_then(|w| w.parse().ok()),
            words.next().and_then(|w| w.parse::<u64>().ok()),
        ) {
            (Some("stats"), Some(profiles), Some(nanos)) => Ok(Stats {
                profiles,
                cpu: Duration::from_nanos(nanos),
            }),
            _ => Err(unexpected(&line)),
        }
    }

    fn answer(&mut self) -> io::Result<String> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the emulator process ended",
            ));
        }
        Ok(line.trim_end().to_owned())
    }
}

fn unexpected(line: &str) -> io::Error {
    io::Error::other(format!(
        "unexpected answer from the emulator process: {line:?}"
    ))
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
