//! `adapty profile delete --from FILE` through the real binary, against the emulator: bad input
//! lines reported with their numbers while the valid ones are deleted, CSV columns, the dry run,
//! and a graceful Ctrl-C.

mod common;

use std::time::Duration;

use adapty_emulator::{Fault, Operation};
use common::{KEY_MARK, adapty, arg, emulator, journal, lines, run, seed_profiles, temp_dir};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_lines_are_reported_with_their_numbers_and_the_valid_ones_are_deleted() {
    let emulator = emulator().await;
    let url = emulator.base_url().to_owned();
    let dir = temp_dir("bulk-lines");
    let ids = seed_profiles(&emulator, "u", 4);
    let absent = "00000000-0000-4000-8000-00000000abcd";
    let file = dir.join("ids.txt");
    std::fs::write(
        &file,
        format!(
            "# profiles to delete\n{}\nnot-a-uuid\n{}\n\n{}\n{}\n{absent}\n",
            ids[0],
            ids[1],
            ids[0],
            ids[2].to_uppercase()
        ),
    )
    .unwrap();
    let journal_path = dir.join("journal.jsonl");
    let ran = run(
        adapty(
            &url,
            &[
                "profile",
                "delete",
                "--from",
                arg(&file),
                "--journal",
                arg(&journal_path),
            ],
        ),
        None,
    )
    .await;
    assert_eq!(ran.code, Some(1), "bad lines make exit 1: {ran:?}");
    let name = arg(&file);
    assert!(
        ran.stderr
            .contains(&format!("{name}:3: invalid profile_id: not a UUID")),
        "{ran:?}"
    );
    assert!(
        ran.stderr
            .contains(&format!("{name}:6: duplicate of line 2")),
        "{ran:?}"
    );
    for (key, value) in [
        ("deleted", 3),
        ("not_found", 1),
        ("failed", 0),
        ("already_done", 0),
        ("invalid", 1),
        ("duplicates", 1),
    ] {
        assert_eq!(ran.summary(key), value, "{key}: {ran:?}");
    }
    assert!(ran.stderr.contains("2 input lines were skipped"), "{ran:?}");
    assert_eq!(emulator.profile_count(), 1, "only u3 is left");
    let records = journal(&journal_path);
    assert_eq!(records.len(), 4);
    let absent_record = records
        .iter()
        .find(|r| r["id"] == absent)
        .expect("journaled");
    assert_eq!(
        (
            &absent_record["outcome"],
            &absent_record["status"],
            &absent_record["by"]
        ),
        (&json!("not_found"), &json!(404), &json!("profile_id"))
    );
    let upper = records
        .iter()
        .find(|r| r["id"] == ids[2].as_str())
        .expect("an uppercase UUID is journaled in the normal form");
    assert_eq!(upper["outcome"], "deleted");
    assert!(
        upper["request_id"].is_string() && upper["error"].is_null(),
        "{upper}"
    );

    // The same IDs on stdin, with the journal: everything valid is done already.
    let again = run(
        adapty(
            &url,
            &[
                "profile",
                "delete",
                "--from",
                "-",
                "--journal",
                arg(&journal_path),
            ],
        ),
        Some(std::fs::read(&file).unwrap().as_slice()),
    )
    .await;
    assert_eq!(
        again.code,
        Some(1),
        "the bad lines are still bad: {again:?}"
    );
    assert!(
        again.stderr.contains("stdin:3: invalid profile_id"),
        "{again:?}"
    );
    assert_eq!(again.summary("already_done"), 4, "{again:?}");
    assert_eq!(again.summary("deleted") + again.summary("not_found"), 0);
    assert_eq!(journal(&journal_path).len(), 4, "nothing new was journaled");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_columns_of_customer_user_ids() {
    let emulator = emulator().await;
    let url = emulator.base_url().to_owned();
    let dir = temp_dir("bulk-csv");
    for user in ["jane-1", "bob-2", "carol-3", "kept"] {
        emulator.seed(json!({"customer_user_id": user})).unwrap();
    }
    let file = dir.join("users.csv");
    std::fs::write(
        &file,
        "name,user_id,note\n\
         \"Doe, Jane\",jane-1,\"said \"\"hi\"\"\"\n\
         \"two\nlines\",bob-2,x\n\
         short\n\
         Юля,юля-4,x\n\
         x,\"carol-3\",y\n",
    )
    .unwrap();
    let csv = |column: &str| {
        adapty(
            &url,
            &[
                "profile",
                "delete",
                "--from",
                arg(&file),
                "--by",
                "customer-user-id",
                "--column",
                column,
            ],
        )
    };

    // A column the header lacks: nothing can be read, exit 2 naming the header's line.
    let missing = run(csv("id"), None).await;
    assert_eq!(missing.code, Some(2), "{missing:?}");
    assert!(
        missing.stderr.contains(&format!(
            "{}:1: the header has no column \"id\"",
            arg(&file)
        )),
        "{missing:?}"
    );
    assert_eq!(emulator.profile_count(), 4);

    let ran = run(csv("user_id"), None).await;
    assert_eq!(ran.code, Some(1), "{ran:?}");
    let name = arg(&file);
    assert!(
        ran.stderr
            .contains(&format!("{name}:5: no \"user_id\" field")),
        "{ran:?}"
    );
    assert!(
        ran.stderr
            .contains(&format!("{name}:6: invalid customer_user_id")),
        "a user ID no header can carry: {ran:?}"
    );
    assert_eq!((ran.summary("deleted"), ran.summary("invalid")), (3, 2));
    assert_eq!(emulator.profile_count(), 1, "only `kept` is left");

    // An unreadable file: could not start.
    let absent = run(
        adapty(
            &url,
            &["profile", "delete", "--from", arg(&dir.join("absent.txt"))],
        ),
        None,
    )
    .await;
    assert_eq!(absent.code, Some(2), "{absent:?}");
    assert!(
        absent.stderr.contains("absent.txt: cannot read it"),
        "{absent:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_sends_nothing_and_needs_no_key() {
    let emulator = emulator().await;
    let url = emulator.base_url().to_owned();
    let dir = temp_dir("bulk-dry");
    let ids = seed_profiles(&emulator, "d", 3);
    let file = dir.join("ids.txt");
    std::fs::write(&file, format!("{}\n{}\n{}\nbad\n", ids[0], ids[1], ids[2])).unwrap();
    // The journal says the first is done, and ends with a torn line.
    let journal_path = dir.join("journal.jsonl");
    let done = json!({"id": ids[0], "by": "profile_id", "outcome": "deleted", "status": 204,
                      "request_id": "r", "error": null, "at": "2025-01-01T00:00:00.000Z"});
    let journal_text = format!("{done}\n{{\"id\":\"{}\",\"by\":\"pro", ids[1]);
    std::fs::write(&journal_path, &journal_text).unwrap();

    // Any fault queued for a deletion would be consumed by a request: none must be.
    let delete = Operation::v2("delete_profile").expect("a v2 operation");
    emulator
        .inject(Some(delete), Fault::ServerError { status: 503 }, 1)
        .unwrap();
    let mut dry = adapty(
        &url,
        &[
            "profile",
            "delete",
            "--from",
            arg(&file),
            "--journal",
            arg(&journal_path),
            "--dry-run",
        ],
    );
    dry.env_remove("ADAPTY_API_KEY");
    let ran = run(dry, None).await;
    assert_eq!(ran.code, Some(1), "a bad line: {ran:?}");
    assert_eq!(
        ran.stdout.lines().collect::<Vec<_>>(),
        [ids[1].as_str(), ids[2].as_str()],
        "{ran:?}"
    );
    assert!(
        ran.stderr
            .contains("dry run: would_delete=2 already_done=1 invalid=1 duplicates=0"),
        "{ran:?}"
    );
    assert!(
        ran.stderr.contains(":2: the last line is incomplete"),
        "{ran:?}"
    );
    assert_eq!(emulator.profile_count(), 3, "nothing deleted");
    assert_eq!(emulator.pending_faults(), 1, "no request was made");
    assert_eq!(
        std::fs::read_to_string(&journal_path).unwrap(),
        journal_text,
        "a dry run leaves the journal as it was"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_finishes_the_calls_in_flight_journals_them_and_exits_130() {
    let emulator = emulator().await;
    let url = emulator.base_url().to_owned();
    let dir = temp_dir("bulk-ctrl-c");
    const N: usize = 600;
    let text = lines(&seed_profiles(&emulator, "c", N));
    let file = dir.join("ids.txt");
    std::fs::write(&file, text).unwrap();
    // Slow deletions: 8 in flight, 100 ms each, so the run takes seconds.
    let delete = Operation::v2("delete_profile").expect("a v2 operation");
    emulator
        .inject(Some(delete), Fault::Delay { millis: 100 }, N as u32)
        .unwrap();
    let journal_path = dir.join("journal.jsonl");
    let delete_args = [
        "profile",
        "delete",
        "--from",
        arg(&file),
        "--journal",
        arg(&journal_path),
        "--concurrency",
        "8",
    ];
    let child = adapty(&url, &delete_args).spawn().expect("adapty starts");
    let pid = child.id().expect("a pid");
    while journal(&journal_path).len() < 40 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let output = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("ends soon after Ctrl-C")
        .expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(!stderr.contains(KEY_MARK));
    let ran = common::Ran {
        code: output.status.code(),
        stdout: String::new(),
        stderr,
    };
    let records = journal(&journal_path);
    let deleted = ran.summary("deleted");
    assert!(deleted >= 40 && (deleted as usize) < N, "{ran:?}");
    assert_eq!(records.len() as u64, deleted, "every outcome is journaled");
    assert_eq!(
        emulator.profile_count(),
        N - deleted as usize,
        "in flight ones finished"
    );

    // A rerun with the journal finishes the rest.
    emulator.clear_faults();
    let rest = run(adapty(&url, &delete_args), None).await;
    assert_eq!(rest.code, Some(0), "{rest:?}");
    assert_eq!(rest.summary("already_done"), deleted);
    assert_eq!(rest.summary("deleted"), N as u64 - deleted);
    assert_eq!(emulator.profile_count(), 0);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_key_stops_the_run_after_the_calls_in_flight() {
    let emulator = emulator().await;
    let url = emulator.base_url().to_owned();
    let dir = temp_dir("bulk-401");
    let text = lines(&seed_profiles(&emulator, "k", 50));
    let file = dir.join("ids.txt");
    std::fs::write(&file, text).unwrap();
    let mut command = adapty(
        &url,
        &[
            "profile",
            "delete",
            "--from",
            arg(&file),
            "--concurrency",
            "4",
        ],
    );
    command.env("ADAPTY_API_KEY", format!("{}_wrong", common::KEY));
    let ran = run(command, None).await;
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr
            .contains("stopped: Adapty refused the API key (401 Unauthorized)"),
        "{ran:?}"
    );
    let failed = ran.summary("failed");
    // The 4 in flight, and the one the bulk run starts as it hands over the first outcome
    // (before `adapty` can cancel).
    assert!(
        (1..=5).contains(&failed),
        "only the calls in flight: {ran:?}"
    );
    assert!(!ran.all().contains(KEY_MARK), "the key leaked: {ran:?}");
    assert_eq!(emulator.profile_count(), 50);
    std::fs::remove_dir_all(&dir).ok();
}
