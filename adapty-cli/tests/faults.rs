//! The big one: 10,000 profiles deleted by the real binary while the emulator throws 429s (with
//! `Retry-After`), 503s and dropped connections; the first run is killed (SIGKILL) half-way and a
//! rerun with the same journal finishes. Nothing is deleted twice from the journal's point of
//! view, every ID ends done, and a last run sends nothing.
//!
//! `cargo test -p adapty-cli --test faults -- --nocapture` prints the figures.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use adapty_emulator::{Fault, Operation, RunningEmulator};
use common::{adapty, arg, emulator, journal, lines, run, seed_profiles, temp_dir};
use serde_json::Value;

const PROFILES: usize = 10_000;
const KILL_AT: usize = 4_000;

/// Until `stop`, queues faults for v2's delete every 100 ms: a few slow answers (so the killed
/// run is still going when the journal reaches [`KILL_AT`]), 503s and dropped connections, and
/// every 1.5 s a 429 with `Retry-After: 1`.
fn inject_faults(
    emulator: Arc<RunningEmulator>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<u32> {
    tokio::spawn(async move {
        let delete = Operation::v2("delete_profile").expect("a v2 operation");
        let mut tick = 0u32;
        let mut rate_limits = 0;
        while !stop.load(Ordering::SeqCst) {
            emulator
                .inject(Some(delete), Fault::Delay { millis: 15 }, 150)
                .expect("delay");
            if tick.is_multiple_of(3) {
                emulator
                    .inject(Some(delete), Fault::ServerError { status: 503 }, 4)
                    .expect("503");
                emulator
                    .inject(Some(delete), Fault::DropConnection, 3)
                    .expect("drop");
            }
            if tick % 15 == 7 {
                emulator
                    .inject(
                        Some(delete),
                        Fault::RateLimited {
                            retry_after_secs: 1,
                        },
                        2,
                    )
                    .expect("429");
                rate_limits += 2;
            }
            tick += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        emulator.clear_faults();
        rate_limits
    })
}

/// Checks one run's part of the journal: at most one record per ID (exactly one for each of
/// `expected`, when given), and none for an ID done before the run. Returns the run's records by
/// ID.
fn check_run(
    records: &[Value],
    done_before: &HashSet<String>,
    expected: Option<&HashSet<String>>,
) -> HashMap<String, String> {
    let mut by_id = HashMap::new();
    for record in records {
        let id = record["id"].as_str().expect("an id").to_owned();
        let outcome = record["outcome"].as_str().expect("an outcome").to_owned();
        assert!(
            ["deleted", "not_found", "failed"].contains(&outcome.as_str()),
            "{record}"
        );
        assert!(
            !done_before.contains(&id),
            "{id} was done already: {record}"
        );
        assert!(
            by_id.insert(id.clone(), outcome).is_none(),
            "{id} has two records in one run"
        );
        if outcome_of(record) == "failed" {
            assert!(record["error"].is_string(), "{record}");
        } else {
            assert!(record["error"].is_null(), "{record}");
        }
    }
    if let Some(expected) = expected {
        let got: HashSet<_> = by_id.keys().cloned().collect();
        assert_eq!(&got, expected, "every ID to do has exactly one record");
    }
    by_id
}

fn outcome_of(record: &Value) -> &str {
    record["outcome"].as_str().unwrap_or_default()
}

fn done_ids(runs: &[HashMap<String, String>]) -> HashSet<String> {
    runs.iter()
        .flat_map(|run| run.iter())
        .filter(|(_, outcome)| *outcome != "failed")
        .map(|(id, _)| id.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_deletions_with_faults_a_kill_and_a_resume() {
    let emulator = Arc::new(emulator().await);
    let url = emulator.base_url().to_owned();
    let dir = temp_dir("faults");
    let ids = seed_profiles(&emulator, "bulk-", PROFILES);
    let text = lines(&ids);
    let all: HashSet<String> = ids.into_iter().collect();
    let file = dir.join("ids.txt");
    std::fs::write(&file, text).unwrap();
    let journal_path = dir.join("journal.jsonl");
    let args = [
        "profile",
        "delete",
        "--from",
        arg(&file),
        "--journal",
        arg(&journal_path),
        "--concurrency",
        "64",
    ];
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let injector = inject_faults(emulator.clone(), stop.clone());

    // Run 1: killed (SIGKILL) once the journal holds KILL_AT lines.
    let mut child = adapty(&url, &args).spawn().expect("adapty starts");
    loop {
        let lines = std::fs::read(&journal_path)
            .map(|b| b.iter().filter(|&&c| c == b'\n').count())
            .unwrap_or(0);
        if lines >= KILL_AT {
            break;
        }
        if let Some(status) = child.try_wait().expect("child status") {
            panic!("run 1 ended ({status}) before it could be killed, at {lines} lines");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().await.expect("SIGKILL");
    let killed_after = started.elapsed();
    let bytes = std::fs::read(&journal_path).unwrap();
    let torn = !bytes.ends_with(b"\n");
    let complete = &bytes[..bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)];
    let run1_records: Vec<Value> = String::from_utf8_lossy(complete)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a complete record"))
        .collect();
    let run1 = check_run(&run1_records, &HashSet::new(), None);
    let done_after_1 = done_ids(std::slice::from_ref(&run1));
    assert!(run1.len() >= KILL_AT, "{}", run1.len());
    assert!(run1.len() < PROFILES, "killed half-way");

    // Run 2: same journal, faults still coming, and first 192 503s: each of the first 64 calls
    // gets one on all 3 of its attempts and fails, for run 3 to try again.
    let delete = Operation::v2("delete_profile").expect("a v2 operation");
    emulator.clear_faults();
    emulator
        .inject(Some(delete), Fault::ServerError { status: 503 }, 192)
        .unwrap();
    let second = run(adapty(&url, &args), None).await;
    let run2_records = journal(&journal_path)[run1_records.len()..].to_vec();
    let to_do_2: HashSet<_> = all.difference(&done_after_1).cloned().collect();
    let run2 = check_run(&run2_records, &done_after_1, Some(&to_do_2));
    assert!(
        matches!(second.code, Some(0 | 1)),
        "run 2 finishes (1 when some deletions failed): {second:?}"
    );
    assert_eq!(
        second.summary("already_done"),
        done_after_1.len() as u64,
        "run 2 counts the journal's done IDs as already done: {second:?}"
    );
    let failed_2 = second.summary("failed");
    assert_eq!(
        run2.values().filter(|o| *o == "failed").count() as u64,
        failed_2
    );
    assert!(
        failed_2 > 0,
        "the burst of 503s made some deletions fail: {second:?}"
    );
    assert_eq!(second.code, Some(1));
    assert!(
        second.stderr.contains(&format!("{failed_2} deletion")),
        "{second:?}"
    );
    assert!(
        second.stderr.contains("failed: Adapty answered 503"),
        "failures are reported with the line and the error: {second:?}"
    );
    assert!(
        second.stderr.contains("progress: "),
        "plain progress lines when stderr is not a terminal: {second:?}"
    );
    stop.store(true, Ordering::SeqCst);
    let rate_limits_injected = injector.await.expect("injector");
    let mut runs = vec![run1, run2];
    let mut summaries = vec![second];

    // Run 3 (and more while any failed): no more faults, the failed IDs are tried again.
    while summaries.last().and_then(|s| s.code) != Some(0) {
        assert!(
            runs.len() < 5,
            "the runs do not converge: {:?}",
            summaries.last()
        );
        let done = done_ids(&runs);
        let ran = run(adapty(&url, &args), None).await;
        let before: usize = runs.iter().map(HashMap::len).sum::<usize>();
        let records = journal(&journal_path)[before..].to_vec();
        let to_do: HashSet<_> = all.difference(&done).cloned().collect();
        runs.push(check_run(&records, &done, Some(&to_do)));
        assert_eq!(ran.summary("already_done"), done.len() as u64, "{ran:?}");
        summaries.push(ran);
    }
    assert_eq!(emulator.profile_count(), 0, "every profile is gone");
    let finished_after = started.elapsed();

    // Over the whole journal: every ID done, none deleted twice.
    let records = journal(&journal_path);
    let mut deleted: HashMap<&str, usize> = HashMap::new();
    for record in &records {
        if outcome_of(record) == "deleted" {
            *deleted.entry(record["id"].as_str().unwrap()).or_default() += 1;
        }
    }
    assert!(deleted.values().all(|&n| n == 1), "an ID deleted twice");
    assert_eq!(done_ids(&runs), all, "every ID ends deleted or not found");

    // A last run sends nothing: it says so, and a fault queued for a deletion stays queued.
    emulator
        .inject(Some(delete), Fault::ServerError { status: 503 }, 1)
        .unwrap();
    let last = run(adapty(&url, &args), None).await;
    assert_eq!(last.code, Some(0), "{last:?}");
    assert_eq!(last.summary("already_done"), PROFILES as u64);
    for key in ["deleted", "not_found", "failed"] {
        assert_eq!(last.summary(key), 0, "{key}: {last:?}");
    }
    assert_eq!(emulator.pending_faults(), 1, "no request was sent");
    assert_eq!(
        journal(&journal_path).len(),
        records.len(),
        "nothing journaled"
    );

    // The figures.
    let mut failed_earlier = HashSet::new();
    let mut retried = 0;
    for run in &runs {
        retried += run.keys().filter(|id| failed_earlier.contains(*id)).count();
        failed_earlier.extend(
            run.iter()
                .filter(|(_, outcome)| *outcome == "failed")
                .map(|(id, _)| id.clone()),
        );
    }
    let failures: usize = runs
        .iter()
        .map(|run| run.values().filter(|o| *o == "failed").count())
        .sum();
    let not_found: usize = runs
        .iter()
        .map(|run| run.values().filter(|o| *o == "not_found").count())
        .sum();
    let seen_429: u64 = summaries.iter().map(|s| s.summary("rate_limited")).sum();
    println!("bulk delete of {PROFILES} profiles, --concurrency 64, v2, faults injected:");
    println!(
        "  run 1 killed (SIGKILL) after {:.2}s with {} records in the journal{}",
        killed_after.as_secs_f64(),
        runs[0].len(),
        if torn { " and a torn last line" } else { "" }
    );
    for (i, summary) in summaries.iter().enumerate() {
        let line = summary
            .stderr
            .lines()
            .find(|l| l.starts_with("summary: "))
            .unwrap_or_default();
        println!("  run {} (exit {:?}): {line}", i + 2, summary.code);
    }
    println!(
        "  total {:.2}s to every profile deleted; 429 answers seen by the runs that finished: \
         {seen_429} (queued by the injector: {rate_limits_injected}, some of them served to the killed run or cleared); failures: {failures}; \
         retried in a later run: {retried}; not found (deleted by the killed run, unjournaled): \
         {not_found}",
        finished_after.as_secs_f64()
    );
    println!(
        "  last run: {}",
        last.stderr
            .lines()
            .find(|l| l.starts_with("summary: "))
            .unwrap_or_default()
    );
    std::fs::remove_dir_all(&dir).ok();
}
