//! [wrk](https://github.com/wg/wrk), the HTTP load tool the bulk benchmark measures the emulator's
//! own capacity with: its script, its run and the parsing of its report.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// What one wrk run reported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WrkReport {
    /// `Requests/sec`: completed requests over the run's duration.
    pub requests_per_sec: f64,
    /// Completed requests (`N requests in ...`).
    pub requests: u64,
    /// `Non-2xx or 3xx responses` (0 when wrk prints no such line).
    pub non_2xx: u64,
    /// The sum of `Socket errors` (connect, read, write, timeout; 0 when wrk prints none).
    pub socket_errors: u64,
}

/// Why wrk could not give a report.
#[derive(Debug)]
pub enum WrkError {
    /// No `wrk` on the `PATH`.
    NotFound,
    /// wrk could not be run, or failed.
    Failed(String),
}

impl std::fmt::Display for WrkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound => f.write_str("wrk not found"),
            Self::Failed(why) => write!(f, "wrk failed: {why}"),
        }
    }
}

impl std::error::Error for WrkError {}

/// Whether `wrk` can be started (it is on the `PATH`).
pub fn available() -> bool {
    match Command::new("wrk").arg("--version").output() {
        Ok(_) => true,
        Err(e) => e.kind() != io::ErrorKind::NotFound,
    }
}

/// The Lua script of the deletions: each request is `DELETE` of one seeded profile, named by its
/// customer user ID, with the SDK's headers (`Authorization`, `User-Agent`). wrk calls `setup`
/// once per thread, so thread `k` deletes the profiles from `k * per_thread` on: no two threads
/// (and no two requests) name the same profile.
pub fn delete_script(key: &str, user_agent: &str, prefix: &str, per_thread: usize) -> String {
    format!(
        r#"-- Written by adapty-bench: one DELETE per seeded profile, a distinct ID range per thread.
local threads = 0
function setup(thread)
  thread:set("next_id", threads * {per_thread})
  threads = threads + 1
end
local path = "{path}"
local headers = {{
  ["Authorization"] = "Api-Key {key}",
  ["User-Agent"] = "{user_agent}",
}}
function request()
  headers["adapty-customer-user-id"] = "{prefix}" .. next_id
  next_id = next_id + 1
  return wrk.format("DELETE", path, headers)
end
"#,
        path = adapty_emulator::PROFILES_PATH,
    )
}

/// A script in a file of its own (readable by this user only: it holds the API key), removed on
/// drop.
#[derive(Debug)]
pub struct ScriptFile(PathBuf);

impl ScriptFile {
    /// Writes `script` into a new file in the temporary directory.
    pub fn new(script: &str) -> io::Result<Self> {
        use std::os::unix::fs::OpenOptionsExt;
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("adapty-bench-{}-{n}.lua", std::process::id()));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        let file_guard = Self(path);
        file.write_all(script.as_bytes())?;
        Ok(file_guard)
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScriptFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// What a run costs the wrk process: its CPU time (user and system, all threads).
#[derive(Debug, Clone, Copy)]
pub struct WrkRun {
    /// The report.
    pub report: WrkReport,
    /// wrk's CPU time.
    pub cpu: Duration,
}

/// Runs `wrk -t threads -c connections -d seconds -s script url` and parses its report.
pub fn run(
    url: &str,
    threads: usize,
    connections: usize,
    seconds: u32,
    script: &Path,
) -> Result<WrkRun, WrkError> {
    let before = children_cpu();
    let output = Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .arg("-s")
        .arg(script)
        .arg(url)
        .output()
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => WrkError::NotFound,
            _ => WrkError::Failed(e.to_string()),
        })?;
    let cpu = children_cpu().saturating_sub(before);
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(WrkError::Failed(format!(
            "{}: {}{}",
            output.status,
            stdout.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let report = parse(&stdout).map_err(WrkError::Failed)?;
    Ok(WrkRun { report, cpu })
}

/// The CPU time of the children this process has waited for (wrk's runs; the emulator process
/// runs until the end).
fn children_cpu() -> Duration {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_CHILDREN)
        .map(|usage| {
            let time = |t: nix::sys::time::TimeVal| {
                Duration::new(
                    u64::try_from(t.tv_sec()).unwrap_or(0),
                    u32::try_from(t.tv_usec()).unwrap_or(0) * 1_000,
                )
            };
            time(usage.user_time()) + time(usage.system_time())
        })
        .unwrap_or_default()
}

/// Reads wrk's report (its default output).
pub fn parse(output: &str) -> Result<WrkReport, String> {
    let mut requests_per_sec = None;
    let mut requests = None;
    let mut non_2xx = 0;
    let mut socket_errors = 0;
    for line in output.lines().map(str::trim) {
        if let Some(rate) = line.strip_prefix("Requests/sec:") {
            requests_per_sec = rate.trim().parse::<f64>().ok();
        } else if let Some(count) = line.strip_prefix("Non-2xx or 3xx responses:") {
            non_2xx = count
                .trim()
                .parse()
                .map_err(|_| format!("unreadable line {line:?}"))?;
        } else if let Some(errors) = line.strip_prefix("Socket errors:") {
            // `connect 0, read 0, write 0, timeout 0`
            for part in errors.split(',') {
                let count = part
                    .split_whitespace()
                    .nth(1)
                    .and_then(|n| n.parse::<u64>().ok());
                socket_errors += count.ok_or_else(|| format!("unreadable line {line:?}"))?;
            }
        } else if let Some((count, _)) = line.split_once(" requests in ") {
            requests = count.trim().parse().ok();
        }
    }
    match (requests_per_sec, requests) {
        (Some(requests_per_sec), Some(requests)) if requests_per_sec.is_finite() => Ok(WrkReport {
            requests_per_sec,
            requests,
            non_2xx,
            socket_errors,
        }),
        _ => Err(format!("no Requests/sec in wrk's output: {output:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// wrk 4.1's output of a run that met 404s and socket errors.
    const WITH_ERRORS: &str = "Running 2s test @ http://127.0.0.1:18080
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.98ms    1.13ms  20.53ms   93.25%
    Req/Sec    36.68k     6.74k   46.27k    82.50%
  145966 requests in 2.00s, 15.31MB read
  Socket errors: connect 0, read 3, write 0, timeout 12
  Non-2xx or 3xx responses: 41980
Requests/sec:  72906.92
Transfer/sec:      7.65MB
";

    /// A clean run: no error lines at all.
    const CLEAN: &str = "Running 2s test @ http://127.0.0.1:18080
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.98ms    1.13ms  20.53ms   93.25%
    Req/Sec    36.68k     6.74k   46.27k    82.50%
  145966 requests in 2.00s, 15.31MB read
Requests/sec:  72906.92
Transfer/sec:      7.65MB
";

    #[test]
    fn the_report_is_read_with_and_without_error_lines() {
        assert_eq!(
            parse(WITH_ERRORS),
            Ok(WrkReport {
                requests_per_sec: 72906.92,
                requests: 145966,
                non_2xx: 41980,
                socket_errors: 15,
            })
        );
        assert_eq!(
            parse(CLEAN),
            Ok(WrkReport {
                requests_per_sec: 72906.92,
                requests: 145966,
                non_2xx: 0,
                socket_errors: 0,
            })
        );
    }

    #[test]
    fn an_output_without_a_rate_is_an_error() {
        let cut = CLEAN.replace("Requests/sec:  72906.92\n", "");
        assert!(parse(&cut).is_err());
        assert!(parse("").is_err());
        assert!(parse(&WITH_ERRORS.replace("read 3", "read x")).is_err());
    }

    #[test]
    fn the_script_gives_each_thread_its_own_range() {
        let script = delete_script("k", "adapty-rs/0", "bulk-", 5000);
        assert!(script.contains(r#"thread:set("next_id", threads * 5000)"#));
        assert!(script.contains(r#""Api-Key k""#));
        assert!(script.contains(r#"headers["adapty-customer-user-id"] = "bulk-" .. next_id"#));
        assert!(script.contains(r#"wrk.format("DELETE", path, headers)"#));
        assert!(script.contains(r#"local path = "/api/v1/server-side-api/profiles/""#));
    }
}
