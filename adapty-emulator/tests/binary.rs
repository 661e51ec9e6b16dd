//! The `adapty-emulator` binary: prints its base URL, serves, and refuses a bad command line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_adapty-emulator");

/// Kills the child when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str], env: &[(&str, &str)]) -> (Running, String) {
    let mut command = Command::new(BINARY);
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env_remove("ADAPTY_EMULATOR_API_KEYS");
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (Running(child), line.trim().to_owned())
}

async fn status(url: &str, key: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{url}/api/v1/server-side-api/profiles/"))
        .header("authorization", format!("Api-Key {key}"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn prints_its_base_url_and_serves_the_keys_given() {
    let (_child, url) = start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--api-key",
            "one",
            "--api-key",
            "two",
        ],
        &[],
    );
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(status(&url, "one").await, 200);
    assert_eq!(status(&url, "two").await, 200);
    assert_eq!(status(&url, "three").await, 401);
    // The control API is off by default.
    let health = reqwest::get(format!("{url}/__emulator/health"))
        .await
        .unwrap();
    assert_eq!(health.status(), 404);
}

#[tokio::test]
async fn keys_from_the_environment_and_the_control_api_flag() {
    let (_child, url) = start(
        &["--control-api"],
        &[("ADAPTY_EMULATOR_API_KEYS", "env1,env2")],
    );
    assert_eq!(status(&url, "env1").await, 200);
    assert_eq!(status(&url, "env2").await, 200);
    assert_eq!(status(&url, "env3").await, 401, "only the listed keys");
    let health = reqwest::get(format!("{url}/__emulator/health"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[test]
fn a_bad_command_line_is_refused_with_a_message() {
    let no_key = Command::new(BINARY)
        .env_remove("ADAPTY_EMULATOR_API_KEYS")
        .output()
        .unwrap();
    assert!(!no_key.status.success());
    assert!(String::from_utf8_lossy(&no_key.stderr).contains("--api-key"));

    let bad_addr = Command::new(BINARY)
        .args(["--api-key", "k", "--listen", "localhost"])
        .output()
        .unwrap();
    assert!(!bad_addr.status.success());
    assert!(String::from_utf8_lossy(&bad_addr.stderr).contains("--listen"));

    let bad_key = Command::new(BINARY)
        .args(["--api-key", "has space"])
        .output()
        .unwrap();
    assert!(!bad_key.status.success());
    assert!(String::from_utf8_lossy(&bad_key.stderr).contains("API key"));
}

#[test]
fn starting_outside_a_runtime_is_an_error_not_a_panic() {
    // Polled by a bare executor (no Tokio runtime): `start` says what is missing.
    let result = block_on(adapty_emulator::Emulator::new().api_key("k").start());
    assert!(
        matches!(result, Err(adapty_emulator::StartError::NoRuntime)),
        "{result:?}"
    );
}

/// Polls a future to completion on this thread, without any runtime.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}

#[tokio::test]
async fn debug_output_hides_the_api_keys() {
    let config = adapty_emulator::Emulator::new().api_key("secret_do_not_print");
    assert!(!format!("{config:?}").contains("secret_do_not_print"));
    let running = config.start().await.unwrap();
    let shown = format!("{running:?}");
    assert!(!shown.contains("secret_do_not_print"), "{shown}");
    assert!(shown.contains("1 redacted"), "{shown}");
}

/// Listening beyond loopback is allowed but said loudly; on loopback nothing is said.
#[test]
fn listening_beyond_loopback_is_warned_about() {
    let warning = |listen: &str| -> String {
        let mut child = Command::new(BINARY)
            .args(["--listen", listen, "--api-key", "secret_warn"])
            .env_remove("ADAPTY_EMULATOR_API_KEYS")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The first stdout line (the URL) comes after any warning was written.
        let mut url = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut url)
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut said = String::new();
        // The serving line ends what the start writes to stderr.
        while stderr.read_line(&mut said).unwrap_or(0) > 0 && !said.contains("Ctrl-C stops") {}
        child.kill().unwrap();
        child.wait().unwrap();
        said
    };
    let wide = warning("0.0.0.0:0");
    assert!(wide.contains("WARNING"), "{wide}");
    assert!(wide.contains("reachable from the network"), "{wide}");
    let local = warning("127.0.0.1:0");
    assert!(!local.contains("WARNING"), "{local}");
}

/// SIGTERM stops the binary within the shutdown grace even while a client holds a half-sent
/// request open.
#[cfg(unix)]
#[test]
fn sigterm_stops_the_binary_despite_a_half_sent_request() {
    use std::io::Write;
    use std::time::{Duration, Instant};

    let (mut running, url) = start(&[], &[("ADAPTY_EMULATOR_API_KEYS", "secret_term")]);
    let child = &mut running.0;
    let address = url.trim_start_matches("http://").to_owned();
    let mut held = std::net::TcpStream::connect(&address).unwrap();
    // The request line and one header, never the blank line that ends the head.
    held.write_all(b"GET /api/v1/server-side-api/profiles/ HTTP/1.1\r\nhost: x\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    let limit = adapty_emulator::SHUTDOWN_GRACE + Duration::from_secs(5);
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            assert!(exit.success(), "{exit:?}");
            break;
        }
        assert!(
            started.elapsed() < limit,
            "still running after {:?}",
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(held);
}
