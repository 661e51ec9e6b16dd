//! The bulk API (`adapty_api::bulk`) on the wire: one outcome per input, "not found" as an
//! outcome, one shared pause on `429`, bounded concurrency, lazy input, graceful cancellation,
//! and 10,000 deletions through injected faults, against the emulator and wiremock on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adapty_api::bulk::{self, Bulk, Cancel, OutcomeKind};
use adapty_api::{ApiKey, ProfileSelector, RetryPolicy, v1, v2};
use adapty_emulator::{Emulator, Fault, Operation, RunningEmulator};
use futures_util::StreamExt as _;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "secret_live_bulk.Hq4Lp0Vz7";

fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(5)
        .with_base_delay(Duration::from_millis(10))
        .with_max_delay(Duration::from_millis(40))
}

fn v1_client(base_url: &str) -> v1::Client {
    v1::Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(base_url)
        .retry_policy(quick_retries())
        .build()
        .unwrap()
}

async fn emulator() -> RunningEmulator {
    Emulator::new().api_key(KEY).start().await.unwrap()
}

fn user(i: usize) -> ProfileSelector {
    ProfileSelector::customer_user_id(format!("bulk-{i}")).unwrap()
}

/// Seeds profiles `bulk-0` .. `bulk-{n-1}`.
fn seed(emulator: &RunningEmulator, n: usize) {
    for i in 0..n {
        emulator
            .seed(serde_json::json!({"customer_user_id": format!("bulk-{i}")}))
            .unwrap();
    }
}

#[tokio::test]
async fn every_input_gets_one_outcome_and_a_missing_profile_is_not_a_failure() {
    let emulator = emulator().await;
    seed(&emulator, 300);
    let client = v1_client(emulator.base_url());
    // 300 seeded profiles and 20 that do not exist, interleaved.
    let inputs: Vec<usize> = (0..320)
        .map(|i| if i % 16 == 15 { 10_000 + i } else { i - i / 16 })
        .collect();
    let mut run =
        client.delete_profiles(bulk::iter(inputs.iter().map(|&i| user(i))), Bulk::new(16));
    let progress = run.progress();
    let mut indexes = BTreeSet::new();
    let (mut deleted, mut missing) = (0, 0);
    while let Some(outcome) = run.next().await {
        assert!(
            indexes.insert(outcome.index),
            "index {} twice",
            outcome.index
        );
        // Each outcome carries its own input.
        assert_eq!(outcome.input, user(inputs[outcome.index as usize]));
        match &outcome.kind {
            OutcomeKind::Succeeded(response) => {
                assert_eq!(response.status(), 204);
                assert_eq!(outcome.label(), "succeeded");
                deleted += 1;
            }
            OutcomeKind::NotFound(error) => {
                assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
                assert_eq!(outcome.label(), "not_found");
                assert!(outcome.request_id().is_some());
                missing += 1;
            }
            other => panic!("#{}: {other:?}", outcome.index),
        }
    }
    assert_eq!(indexes, (0..320).collect());
    assert_eq!((deleted, missing), (300, 20));
    assert_eq!(emulator.profile_count(), 0);
    let counts = progress.counts();
    assert_eq!(
        (
            counts.started,
            counts.in_flight,
            counts.succeeded,
            counts.not_found,
            counts.failed
        ),
        (320, 0, 300, 20, 0)
    );
    assert_eq!(counts.finished(), 320);
}

#[tokio::test]
async fn v2_deletes_and_v1_updates_in_bulk() {
    let emulator = emulator().await;
    seed(&emulator, 50);
    let base = emulator.base_url();
    let v1 = v1_client(base);
    let mut changes = v1::types::ProfileRequest::default();
    changes.email = Some("bulk@example.com".into());
    let updates = bulk::iter((0..50).map(|i| (user(i), changes.clone())));
    let updated: Vec<_> = v1.update_profiles(updates, Bulk::new(8)).collect().await;
    assert_eq!(updated.len(), 50);
    for outcome in &updated {
        let OutcomeKind::Succeeded(profile) = &outcome.kind else {
            panic!("{outcome:?}")
        };
        assert_eq!(profile.email.as_deref(), Some("bulk@example.com"));
    }

    let v2 = v2::Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(base)
        .build()
        .unwrap();
    let run = v2.delete_profiles(bulk::iter((0..60).map(user)), Bulk::new(8));
    let labels: Vec<&str> = run.map(|o| o.label()).collect().await;
    assert_eq!(labels.iter().filter(|l| **l == "succeeded").count(), 50);
    assert_eq!(labels.iter().filter(|l| **l == "not_found").count(), 10);
    assert_eq!(emulator.profile_count(), 0);
}

/// Answers `204` after `delay`, except the `rate_limit_at`-th request (from 0), which gets `429`
/// with `Retry-After: 1`; records when each request arrived.
struct Recorder {
    arrivals: Mutex<Vec<Instant>>,
    rate_limit_at: Option<usize>,
    delay: Duration,
}

impl Respond for Recorder {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut arrivals = self.arrivals.lock().unwrap();
        arrivals.push(Instant::now());
        if Some(arrivals.len() - 1) == self.rate_limit_at {
            return ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(serde_json::json!({
                    "errors": [{"source": "non_field_errors", "errors": ["Too many requests."]}],
                    "error_code": "rate_limited",
                    "status_code": 429
                }));
        }
        ResponseTemplate::new(204).set_delay(self.delay)
    }
}

async fn recording_server(recorder: Arc<Recorder>) -> MockServer {
    let server = MockServer::start().await;
    struct Shared(Arc<Recorder>);
    impl Respond for Shared {
        fn respond(&self, request: &Request) -> ResponseTemplate {
            self.0.respond(request)
        }
    }
    Mock::given(wiremock::matchers::any())
        .respond_with(Shared(recorder))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_429_pauses_the_whole_run_and_concurrency_stays_bounded() {
    let delay = Duration::from_millis(50);
    let recorder = Arc::new(Recorder {
        arrivals: Mutex::default(),
        rate_limit_at: Some(20),
        delay,
    });
    let server = recording_server(recorder.clone()).await;
    let client = v1_client(&server.uri());
    let started = Instant::now();
    let run = client.delete_profiles(bulk::iter((0..120).map(user)), Bulk::new(8));
    let progress = run.progress();
    let outcomes: Vec<_> = run.collect().await;
    let elapsed = started.elapsed();

    assert_eq!(outcomes.len(), 120);
    assert!(
        outcomes.iter().all(|o| o.label() == "succeeded"),
        "the 429'd call was retried"
    );
    let counts = progress.counts();
    assert_eq!(counts.rate_limited, 1);
    assert!(
        elapsed >= Duration::from_secs(1),
        "the run waited out Retry-After: {elapsed:?}"
    );

    let arrivals = recorder.arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 121, "120 deletions and one retry");
    // Nothing was sent during the pause: from shortly after the 429 until its Retry-After ended.
    let limited = arrivals[20];
    let during_pause = arrivals
        .iter()
        .filter(|&&t| {
            t > limited + Duration::from_millis(150) && t < limited + Duration::from_millis(950)
        })
        .count();
    assert_eq!(
        during_pause, 0,
        "requests sent while the run should have paused"
    );
    // Each call holds its slot for at least `delay`, so no window shorter than that sees more
    // arrivals than the limit allows.
    let window = delay - Duration::from_millis(10);
    let most = arrivals
        .iter()
        .map(|&from| {
            arrivals
                .iter()
                .filter(|&&t| t >= from && t < from + window)
                .count()
        })
        .max()
        .unwrap();
    assert!(
        most <= 8,
        "{most} requests within {window:?}: more than 8 in flight"
    );
    // After the pause the run resumed at half the limit: the first window after it holds at most 4.
    let resumed: Vec<_> = arrivals
        .iter()
        .filter(|&&t| t >= limited + Duration::from_millis(950))
        .collect();
    let first = *resumed[0];
    let right_after = resumed.iter().filter(|&&&t| t < first + window).count();
    assert!(
        right_after <= 5,
        "{right_after} requests right after the pause (limit 4, plus the retry)"
    );
}

#[tokio::test]
async fn cancel_stops_new_calls_and_lets_the_calls_in_flight_finish() {
    let recorder = Arc::new(Recorder {
        arrivals: Mutex::default(),
        rate_limit_at: None,
        delay: Duration::from_millis(100),
    });
    let server = recording_server(recorder.clone()).await;
    let client = v1_client(&server.uri());
    let pulled = Arc::new(AtomicU64::new(0));
    let counter = pulled.clone();
    // An endless input: only what can start is ever taken from it.
    let inputs = bulk::iter((0..).map(move |i| {
        counter.fetch_add(1, Ordering::SeqCst);
        user(i)
    }));
    let cancel = Cancel::new();
    let mut run = client.delete_profiles(inputs, Bulk::new(10).cancel_on(&cancel));
    let progress = run.progress();
    let mut outcomes = Vec::new();
    while let Some(outcome) = run.next().await {
        outcomes.push(outcome);
        if outcomes.len() == 15 {
            // At most the limit is in flight, and at most one input beyond them was pulled.
            assert!(pulled.load(Ordering::SeqCst) <= 15 + 10 + 1);
            cancel.cancel();
        }
    }
    let counts = progress.counts();
    assert_eq!(
        outcomes.len() as u64,
        counts.started,
        "every started call yielded its outcome"
    );
    assert!((15..=25).contains(&outcomes.len()), "{}", outcomes.len());
    assert!(
        outcomes.iter().all(|o| o.label() == "succeeded"),
        "in-flight calls finished"
    );
    assert_eq!(counts.in_flight, 0);
    assert_eq!(pulled.load(Ordering::SeqCst), counts.started);
    assert_eq!(
        recorder.arrivals.lock().unwrap().len() as u64,
        counts.started
    );
}

/// 10,000 deletions at concurrency 64 while the emulator answers some with `429` (Retry-After
/// 1 s), `503` and dropped connections: every profile ends deleted or reported, none twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_deletions_through_faults() {
    const N: usize = 10_000;
    let emulator = Arc::new(emulator().await);
    seed(&emulator, N);
    let client = v1_client(emulator.base_url());

    // Faults arrive in bursts while the run goes on: every 25 ms a few 503s and dropped
    // connections, and three 429s spread over the run.
    let injector = {
        let emulator = emulator.clone();
        tokio::spawn(async move {
            let mut injected = (0u32, 0u32, 0u32);
            for round in 0u32.. {
                if emulator.profile_count() < 200 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
                if emulator.pending_faults() > 0 {
                    continue;
                }
                let delete = Some(Operation::Delete);
                emulator
                    .inject(delete, Fault::ServerError { status: 503 }, 3)
                    .unwrap();
                emulator.inject(delete, Fault::DropConnection, 2).unwrap();
                injected.1 += 3;
                injected.2 += 2;
                if round % 40 == 10 && injected.0 < 3 {
                    emulator
                        .inject(
                            delete,
                            Fault::RateLimited {
                                retry_after_secs: 1,
                            },
                            1,
                        )
                        .unwrap();
                    injected.0 += 1;
                }
            }
            injected
        })
    };
    let started = Instant::now();
    let run = client.delete_profiles(bulk::iter((0..N).map(user)), Bulk::new(64));
    let progress = run.progress();
    let mut seen = vec![0u8; N];
    let mut failed = Vec::new();
    let mut run = run;
    while let Some(outcome) = run.next().await {
        seen[outcome.index as usize] += 1;
        match &outcome.kind {
            OutcomeKind::Succeeded(_) => {}
            OutcomeKind::Failed(error) => failed.push((outcome.index, error.to_string())),
            other => panic!("#{}: {other:?}", outcome.index),
        }
    }
    let elapsed = started.elapsed();
    let (rate_limits, errors, drops) = injector.await.unwrap();
    emulator.clear_faults();
    let counts = progress.counts();
    println!(
        "10,000 deletions in {:.1} s: {} succeeded, {} failed after retries; injected {} 429s, \
         {} 503s, {} dropped connections; the run saw {} 429s",
        elapsed.as_secs_f64(),
        counts.succeeded,
        counts.failed,
        rate_limits,
        errors,
        drops,
        counts.rate_limited
    );
    assert!(
        seen.iter().all(|&n| n == 1),
        "every input has exactly one outcome"
    );
    assert_eq!(counts.succeeded + counts.failed, N as u64);
    // A failed deletion was never processed (the faults come before the handler): it is still
    // there, and every other profile is gone.
    assert_eq!(emulator.profile_count(), failed.len(), "{failed:?}");
    assert!(counts.rate_limited >= 1 && rate_limits >= 1);
    assert!(errors > 0 && drops > 0);
}
