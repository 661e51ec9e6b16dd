//! Bulk deletion through the library against the emulator's own capacity, measured by wrk.
//!
//! - **The server** is the emulator, built with the bench's profile (release under `cargo
//!   bench`), in a process of its own ([`EmulatorProcess`]) on a multi-thread runtime, as the
//!   `adapty-emulator` binary runs it.
//! - **The baseline** is [wrk](https://github.com/wg/wrk), an HTTP load tool we did not write:
//!   64 connections, one thread per core, for a few seconds; each request deletes one seeded
//!   profile (`DELETE` with the API key and a distinct `adapty-customer-user-id`; a script gives
//!   each thread its own range of IDs). Its `Requests/sec` is the emulator's capacity for the
//!   request on this machine.
//! - **The variants** delete 10,000 seeded profiles with a fresh `v1::Client` (its default retry
//!   policy and timeouts), on a multi-thread runtime of one worker per core (wrk's thread count),
//!   at 64 in flight (wrk's connections): `delete_profiles(.., Bulk::new(64))`, and a hand-written
//!   `buffer_unordered(64)` loop of `delete_profile` calls. Throughput is deletions over the
//!   wall time from the first request to the last outcome.
//! - **A reference**: the same loop with raw `reqwest` (the SDK's headers, redirects off), the
//!   HTTP client a hand-written integration would use and the one the SDK itself falls back to
//!   behind a proxy, so the report shows what the SDK's own transport saves.
//!
//! Every run starts from the same store: emptied, then the same number of profiles seeded (what
//! wrk needs for its duration, with a margin), so the server does the same work per request on
//! every side. Each run's result is checked: every SDK deletion succeeded and the store lost
//! exactly those profiles; wrk's non-2xx answers and socket errors are counted and reported.
//!
//! Each round runs wrk, the bulk API, the loop and raw reqwest (the order reversed every other
//! round), and gives one ratio per variant: its deletions per second ÷ wrk's. On a machine whose
//! cores the server shares with the client, the ratio is what the client's own cost per request
//! leaves of the server's capacity. The report also shows each side's client CPU per deletion
//! (the bench process's, or wrk's) and the server's.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use adapty_api::bulk::{self, Bulk, OutcomeKind};
use adapty_api::reqwest::header::{AUTHORIZATION, HeaderValue, USER_AGENT};
use adapty_api::reqwest::{self, Method, StatusCode};
use adapty_api::v1::Client;
use adapty_api::{ApiKey, ProfileSelector};
use futures_util::StreamExt as _;

use crate::emulator::{EmulatorProcess, ID_PREFIX, KEY, customer_user_id, process_cpu};
use crate::wrk::{self, ScriptFile};
use crate::{Comparison, Cost, Measure, Settings, median};

/// Calls (and wrk connections) in flight.
pub const CONCURRENCY: usize = 64;

/// What `cargo bench` prints where wrk is missing.
pub const WRK_MISSING: &str = "wrk not found: skipping the bulk comparison (apt-get install wrk)";

/// Which client deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// wrk.
    Wrk,
    /// `delete_profiles` with `Bulk::new(64)`.
    BulkApi,
    /// A hand-written `buffer_unordered(64)` loop of `delete_profile`.
    Loop,
    /// The same loop with raw `reqwest` requests.
    Reqwest,
}

/// One run of one side.
#[derive(Debug, Clone, Copy)]
pub struct RunResult {
    /// Deletions completed.
    pub deletions: u64,
    /// Wall time of the run.
    pub wall: Duration,
    /// CPU time of the client (the bench process, or wrk).
    pub client_cpu: Duration,
    /// CPU time of the emulator process.
    pub server_cpu: Duration,
    /// wrk's non-2xx answers (0 for the SDK sides, whose every answer is checked).
    pub non_2xx: u64,
    /// wrk's socket errors.
    pub socket_errors: u64,
}

impl RunResult {
    /// Deletions per second.
    pub fn rate(&self) -> f64 {
        self.deletions as f64 / self.wall.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    /// The cost of `ops` deletions at this run's rate and CPU per deletion.
    fn cost_of(&self, ops: usize) -> Cost {
        let scale = ops as f64 / (self.deletions.max(1) as f64);
        Cost {
            cpu: self.client_cpu.mul_f64(scale),
            wall: self.wall.mul_f64(scale),
        }
    }

    fn server_cpu_per_op(&self) -> f64 {
        self.server_cpu.as_secs_f64() / self.deletions.max(1) as f64
    }
}

/// The emulator, the client runtime, and what a run needs.
pub struct BulkBench {
    emulator: EmulatorProcess,
    rt: tokio::runtime::Runtime,
    threads: usize,
    profiles: usize,
    wrk_seconds: u32,
    /// Profiles seeded before every run: what wrk needs for its duration, with a margin.
    seeded: usize,
}

impl BulkBench {
    /// Starts the emulator process and the client runtime.
    pub fn new(settings: Settings) -> Result<Self, Box<dyn std::error::Error>> {
        let threads = std::thread::available_parallelism().map_or(2, usize::from);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()?;
        Ok(Self {
            emulator: EmulatorProcess::start()?,
            rt,
            threads,
            profiles: settings.bulk_profiles,
            wrk_seconds: settings.wrk_seconds,
            // A first guess, corrected by the warm-up run (see `calibrate`).
            seeded: settings
                .bulk_profiles
                .max(20_000 * settings.wrk_seconds as usize),
        })
    }

    /// Profiles seeded before each run.
    pub fn seeded(&self) -> usize {
        self.seeded
    }

    /// Runs one side once, from a freshly seeded store.
    pub fn run(&mut self, side: Side) -> Result<RunResult, String> {
        self.emulator.seed(self.seeded).map_err(|e| e.to_string())?;
        match side {
            Side::Wrk => self.run_wrk(),
            Side::BulkApi | Side::Loop | Side::Reqwest => self.run_sdk(side),
        }
    }

    /// Warm-up runs of every side, which also size the seed so that wrk never runs out of
    /// profiles: seeded ≥ 1.5 × wrk's rate × its duration.
    pub fn calibrate(&mut self) -> Result<(), String> {
        for _ in 0..6 {
            let run = self.run(Side::Wrk)?;
            let needed = self.needed(&run);
            if needed <= self.seeded && run.non_2xx == 0 {
                break;
            }
            // Ran out (or nearly): what this run needed, or twice as much when the run's own
            // rate was held down by running out.
            self.seeded = if needed > self.seeded {
                needed
            } else {
                self.seeded * 2
            };
        }
        for side in [Side::BulkApi, Side::Loop, Side::Reqwest] {
            self.run(side)?;
        }
        Ok(())
    }

    /// The seed a wrk run like `run` needs (1.5 × what it deleted, a margin for one thread
    /// running faster than the other).
    fn needed(&self, run: &RunResult) -> usize {
        let per_duration = run.rate() * f64::from(self.wrk_seconds);
        (per_duration * 1.5) as usize + self.profiles
    }

    fn run_wrk(&mut self) -> Result<RunResult, String> {
        let per_thread = self.seeded / self.threads;
        let script = ScriptFile::new(&wrk::delete_script(
            KEY,
            crate::calls::sdk_user_agent(),
            ID_PREFIX,
            per_thread,
        ))
        .map_err(|e| format!("cannot write wrk's script: {e}"))?;
        let before = self.emulator.stats().map_err(|e| e.to_string())?;
        let run = wrk::run(
            self.emulator.base_url(),
            self.threads,
            CONCURRENCY,
            self.wrk_seconds,
            script.path(),
        )
        .map_err(|e| e.to_string())?;
        let after = self.emulator.stats().map_err(|e| e.to_string())?;
        let report = run.report;
        // The store lost what wrk saw deleted, plus at most the requests in flight at its end.
        let deleted = before.profiles.saturating_sub(after.profiles) as u64;
        let answered_ok = report.requests.saturating_sub(report.non_2xx);
        if deleted < answered_ok || deleted > answered_ok + CONCURRENCY as u64 {
            return Err(format!(
                "wrk reported {answered_ok} deletions but the store lost {deleted} profiles"
            ));
        }
        let wall = Duration::from_secs_f64(report.requests as f64 / report.requests_per_sec);
        Ok(RunResult {
            deletions: report.requests,
            wall,
            client_cpu: run.cpu,
            server_cpu: after.cpu.saturating_sub(before.cpu),
            non_2xx: report.non_2xx,
            socket_errors: report.socket_errors,
        })
    }

    fn run_sdk(&mut self, side: Side) -> Result<RunResult, String> {
        // Everything is built before the clock starts; the future does nothing until spawned.
        let ids: Vec<String> = (0..self.profiles).map(customer_user_id).collect();
        let work: Pin<Box<dyn Future<Output = Tally> + Send>> = match side {
            Side::BulkApi | Side::Loop => {
                let client = Client::builder(ApiKey::new(KEY).map_err(|e| e.to_string())?)
                    .base_url(self.emulator.base_url())
                    .build()
                    .map_err(|e| e.to_string())?;
                let who = ids
                    .iter()
                    .map(|id| ProfileSelector::customer_user_id(id.as_str()))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| e.to_string())?;
                if side == Side::BulkApi {
                    Box::pin(async move {
                        let run = client.delete_profiles(bulk::iter(who), Bulk::new(CONCURRENCY));
                        tally(run.map(|outcome| match outcome.kind {
                            OutcomeKind::Succeeded(_) => Ok(()),
                            _ => Err(format!(
                                "{} {}: {:?}",
                                outcome.label(),
                                outcome.index,
                                outcome.error()
                            )),
                        }))
                        .await
                    })
                } else {
                    Box::pin(async move {
                        let client = &client;
                        let calls = futures_util::stream::iter(who)
                            .map(|who| async move { client.delete_profile(&who).await })
                            .buffer_unordered(CONCURRENCY);
                        tally(calls.map(|result| result.map(drop).map_err(|e| format!("{e:?}"))))
                            .await
                    })
                }
            }
            Side::Reqwest => {
                let raw = RawClient::new(self.emulator.base_url()).map_err(|e| e.to_string())?;
                Box::pin(async move {
                    let raw = &raw;
                    let calls = futures_util::stream::iter(ids)
                        .map(|id| async move { raw.delete(&id).await })
                        .buffer_unordered(CONCURRENCY);
                    tally(calls).await
                })
            }
            Side::Wrk => return Err("wrk is not an SDK side".to_owned()),
        };
        let before = self.emulator.stats().map_err(|e| e.to_string())?;
        let cpu = process_cpu();
        let started = Instant::now();
        let task = self.rt.spawn(work);
        let (deletions, failure) = self.rt.block_on(task).map_err(|e| e.to_string())?;
        let wall = started.elapsed();
        let client_cpu = process_cpu().saturating_sub(cpu);
        let after = self.emulator.stats().map_err(|e| e.to_string())?;
        if let Some(failure) = failure {
            return Err(format!("{side:?}: a deletion failed: {failure}"));
        }
        let lost = before.profiles.saturating_sub(after.profiles);
        if deletions != self.profiles as u64 || lost != self.profiles {
            return Err(format!(
                "{side:?}: {deletions} deletions succeeded and the store lost {lost} profiles, \
                 not {}",
                self.profiles
            ));
        }
        Ok(RunResult {
            deletions,
            wall,
            client_cpu,
            server_cpu: after.cpu.saturating_sub(before.cpu),
            non_2xx: 0,
            socket_errors: 0,
        })
    }
}

/// Raw `reqwest` deletions: the SDK's request (URL, `Authorization`, `User-Agent`, the identity
/// header) on a client built as the SDK builds its reqwest fallback (no redirects), the body read
/// whole.
struct RawClient {
    http: reqwest::Client,
    url: reqwest::Url,
    authorization: HeaderValue,
    user_agent: HeaderValue,
}

impl RawClient {
    fn new(base_url: &str) -> Result<Self, Box<dyn std::error::Error>> {
        let mut authorization = HeaderValue::from_str(&format!("Api-Key {KEY}"))?;
        authorization.set_sensitive(true);
        Ok(Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .retry(reqwest::retry::never())
                .build()?,
            url: format!("{base_url}{}", adapty_emulator::PROFILES_PATH).parse()?,
            authorization,
            user_agent: HeaderValue::from_static(crate::calls::sdk_user_agent()),
        })
    }

    async fn delete(&self, customer_user_id: &str) -> Result<(), String> {
        let mut request = reqwest::Request::new(Method::DELETE, self.url.clone());
        let headers = request.headers_mut();
        headers.insert(AUTHORIZATION, self.authorization.clone());
        headers.insert(USER_AGENT, self.user_agent.clone());
        let id = HeaderValue::from_str(customer_user_id).map_err(|e| e.to_string())?;
        headers.insert("adapty-customer-user-id", id);
        let response = self
            .http
            .execute(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        response.bytes().await.map_err(|e| e.to_string())?;
        if status == StatusCode::NO_CONTENT {
            Ok(())
        } else {
            Err(format!("raw reqwest: status {status}"))
        }
    }
}

/// Successes, and the first failure.
type Tally = (u64, Option<String>);

/// Counts the successes of a stream of results, and keeps the first failure.
async fn tally(results: impl futures_util::Stream<Item = Result<(), String>>) -> Tally {
    let mut results = std::pin::pin!(results);
    let (mut succeeded, mut failure) = (0, None);
    while let Some(result) = results.next().await {
        match result {
            Ok(()) => succeeded += 1,
            Err(e) => {
                failure.get_or_insert(e);
            }
        }
    }
    (succeeded, failure)
}

/// The bulk comparisons: the bulk API, the hand-written loop and raw reqwest, each against wrk.
/// Where wrk is missing, says so and returns none.
pub fn compare_all(settings: Settings) -> Vec<Comparison> {
    if !wrk::available() {
        println!("{WRK_MISSING}");
        return Vec::new();
    }
    let mut bench = BulkBench::new(settings).expect("the bulk bench starts");
    bench.calibrate().expect("the bulk bench's warm-up runs");
    let mut runs: Vec<[RunResult; 4]> = Vec::with_capacity(settings.bulk_rounds);
    for round in 0..settings.bulk_rounds {
        let mut order = [Side::Wrk, Side::BulkApi, Side::Loop, Side::Reqwest];
        if round % 2 == 1 {
            order.reverse();
        }
        let mut results = [None; 4];
        for side in order {
            let result = bench.run(side).expect("a bulk bench run");
            results[side as usize] = Some(result);
        }
        let [Some(wrk), Some(bulk), Some(hand), Some(raw)] = results else {
            unreachable!("every side ran");
        };
        runs.push([wrk, bulk, hand, raw]);
        // A wrk run that came near the end of its profiles: seed more from now on.
        bench.seeded = bench.seeded.max(bench.needed(&wrk));
    }
    let ops = settings.bulk_profiles;
    let wrk_costs: Vec<Cost> = runs.iter().map(|r| r[0].cost_of(ops)).collect();
    let non_2xx: u64 = runs.iter().map(|r| r[0].non_2xx).sum();
    let socket_errors: u64 = runs.iter().map(|r| r[0].socket_errors).sum();
    let requests: u64 = runs.iter().map(|r| r[0].deletions).sum();
    let server = |i: usize| {
        let mut per_op: Vec<f64> = runs.iter().map(|r| r[i].server_cpu_per_op()).collect();
        per_op.sort_by(f64::total_cmp);
        median(&per_op) * 1e6
    };
    let comparison = |i: usize, variant: &'static str| Comparison {
        name: format!("delete {ops} profiles, {CONCURRENCY} in flight"),
        variant,
        baseline: "wrk",
        measure: Measure::Throughput,
        ops,
        variant_costs: runs.iter().map(|r| r[i].cost_of(ops)).collect(),
        baseline_costs: wrk_costs.clone(),
        notes: vec![
            format!(
                "server CPU per op {:.1} µs vs {:.1} µs",
                server(i),
                server(0)
            ),
            format!(
                "wrk: {requests} requests, {non_2xx} non-2xx, {socket_errors} socket errors; \
                 {} profiles seeded per run",
                bench.seeded()
            ),
        ],
    };
    vec![
        comparison(1, "delete_profiles"),
        comparison(2, "hand-written loop"),
        comparison(3, "raw reqwest loop"),
    ]
}
