//! `adapty-emulator`: serves the emulated Adapty server-side API (v1 and v2) until Ctrl-C or
//! SIGTERM.

use std::net::SocketAddr;
use std::process::ExitCode;

use adapty_emulator::Emulator;
use clap::Parser;
use uuid::Uuid;

/// A local emulator of Adapty's server-side API (v1's profiles and all of v2), for tests.
///
/// Prints its base URL on the first line of standard output once it accepts connections.
#[derive(Debug, Parser)]
#[command(name = "adapty-emulator", version)]
struct Args {
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,

    /// A secret API key to accept (`Authorization: Api-Key <KEY>`). Repeat it for more keys, or
    /// give a comma-separated list in ADAPTY_EMULATOR_API_KEYS, which keeps the keys out of the
    /// process list (a key given here is visible to every user of the machine, e.g. in `ps`).
    #[arg(
        long = "api-key",
        value_name = "KEY",
        env = "ADAPTY_EMULATOR_API_KEYS",
        value_delimiter = ',',
        required = true
    )]
    api_keys: Vec<String>,

    /// The `app_id` of every profile (default: a random UUID).
    #[arg(long)]
    app_id: Option<Uuid>,

    /// Serve the control API under /__emulator/ (health, reset, seed, fault injection).
    #[arg(long)]
    control_api: bool,

    /// Give every profile created through the API a fixed set of demo purchases (access levels,
    /// a subscription, a one-time purchase), e.g. for conformance tools.
    #[arg(long)]
    demo_purchases: bool,

    /// The app's catalog for the v2 operations (access levels, virtual currencies, products,
    /// paywalls), a JSON file in the format the crate README describes (default: the built-in
    /// catalog).
    #[arg(long, value_name = "FILE")]
    catalog: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut emulator = Emulator::new()
        .listen(args.listen)
        .control_api(args.control_api)
        .demo_purchases(args.demo_purchases);
    for key in args.api_keys {
        emulator = emulator.api_key(key);
    }
    if let Some(app_id) = args.app_id {
        emulator = emulator.app_id(app_id);
    }
    if let Some(path) = &args.catalog {
        let catalog = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()));
        match catalog {
            Ok(catalog) => emulator = emulator.catalog(catalog),
            Err(e) => {
                eprintln!(
                    "adapty-emulator: cannot read the catalog {}: {e}",
                    path.display()
                );
                return ExitCode::FAILURE;
            }
        }
    }
    let running = match emulator.start().await {
        Ok(running) => running,
        Err(e) => {
            eprintln!("adapty-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", running.base_url());
    if !running.local_addr().ip().is_loopback() {
        eprintln!(
            "adapty-emulator: WARNING: listening on {}, not a loopback address: the emulator and \
             its keys are reachable from the network. It is a test tool with no TLS; listen on \
             127.0.0.1 unless other machines must reach it.",
            running.local_addr()
        );
    }
    eprintln!(
        "adapty-emulator: serving {}{} and /api/v2/server-side-api/ (control API {}); Ctrl-C stops",
        running.base_url(),
        adapty_emulator::PROFILES_PATH,
        if args.control_api { "on" } else { "off" }
    );
    wait_for_stop().await;
    match running.shutdown().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("adapty-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Ctrl-C, or SIGTERM on Unix.
async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
