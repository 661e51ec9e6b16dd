//! `adapty profile get|create|update|delete` on one profile, through the real binary, against
//! the emulator: the JSON on stdout, the errors on stderr, the exit codes, and the key never
//! printed.

mod common;

use common::{KEY, KEY_MARK, adapty, arg, emulator, run, temp_dir};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_get_update_delete_in_both_versions() {
    let emulator = emulator().await;
    let url = emulator.base_url().to_owned();
    let dir = temp_dir("single-crud");
    let body = dir.join("body.json");
    std::fs::write(
        &body,
        r#"{"first_name": "Jane", "email": "jane@example.com",
            "custom_attributes": [{"key": "plan", "value": "pro"}]}"#,
    )
    .unwrap();

    // v2 (the default): create with a body file.
    let created = run(
        adapty(
            &url,
            &[
                "profile",
                "create",
                "--customer-user-id",
                "user-1",
                "--data",
                arg(&body),
            ],
        ),
        None,
    )
    .await;
    assert_eq!(created.code, Some(0), "{created:?}");
    let profile = created.json();
    assert_eq!(profile["customer_user_id"], "user-1");
    assert_eq!(
        profile["custom_attributes"],
        json!([{"key": "plan", "value": "pro"}])
    );
    let id = profile["profile_id"]
        .as_str()
        .expect("a profile ID")
        .to_owned();
    assert_eq!(emulator.profile_count(), 1);

    // Get by either identity gives the same profile.
    for (flag, value) in [
        ("--profile-id", id.as_str()),
        ("--customer-user-id", "user-1"),
    ] {
        let got = run(adapty(&url, &["profile", "get", flag, value]), None).await;
        assert_eq!(got.code, Some(0), "{got:?}");
        assert_eq!(got.json()["profile_id"], id.as_str());
    }

    // Update with the body on stdin.
    let updated = run(
        adapty(
            &url,
            &["profile", "update", "--profile-id", &id, "--data", "-"],
        ),
        Some(
            br#"{"last_name": "Doe", "email": null,
                 "custom_attributes": [{"key": "level", "value": 3}]}"#,
        ),
    )
    .await;
    assert_eq!(updated.code, Some(0), "{updated:?}");
    let attributes = updated.json()["custom_attributes"].clone();
    assert!(
        attributes
            .as_array()
            .is_some_and(|a| a.contains(&json!({"key": "level", "value": 3.0}))),
        "{updated:?}"
    );

    // The same profile through v1: its own shape, with the names v2's answers do not carry.
    let v1 = run(
        adapty(
            &url,
            &[
                "--api-version",
                "v1",
                "profile",
                "get",
                "--customer-user-id",
                "user-1",
            ],
        ),
        None,
    )
    .await;
    assert_eq!(v1.code, Some(0), "{v1:?}");
    let profile = v1.json();
    assert_eq!(profile["profile_id"], id.as_str());
    assert_eq!(
        (
            &profile["first_name"],
            &profile["last_name"],
            &profile["email"]
        ),
        (&json!("Jane"), &json!("Doe"), &json!(null))
    );

    // Create without --data sends `{}` (v1 this time).
    let bare = run(
        adapty(
            &url,
            &[
                "profile",
                "create",
                "--customer-user-id",
                "user-2",
                "--api-version",
                "v1",
            ],
        ),
        None,
    )
    .await;
    assert_eq!(bare.code, Some(0), "{bare:?}");
    assert_eq!(bare.json()["customer_user_id"], "user-2");
    assert_eq!(emulator.profile_count(), 2);

    // Delete: deleted, then not found; both exit 0 (the profile is gone).
    let deleted = run(
        adapty(&url, &["profile", "delete", "--profile-id", &id]),
        None,
    )
    .await;
    assert_eq!(deleted.code, Some(0), "{deleted:?}");
    let answer = deleted.json();
    assert_eq!(
        (&answer["outcome"], &answer["status"]),
        (&json!("deleted"), &json!(204))
    );
    assert!(answer["request_id"].is_string(), "{answer}");
    let again = run(
        adapty(&url, &["profile", "delete", "--profile-id", &id]),
        None,
    )
    .await;
    assert_eq!(again.code, Some(0), "{again:?}");
    assert_eq!(again.json()["outcome"], "not_found");
    let v1_delete = run(
        adapty(
            &url,
            &[
                "profile",
                "delete",
                "--customer-user-id",
                "user-2",
                "--api-version",
                "v1",
            ],
        ),
        None,
    )
    .await;
    assert_eq!(v1_delete.json()["outcome"], "deleted", "{v1_delete:?}");
    assert_eq!(emulator.profile_count(), 0);

    // Get of a missing profile: exit 1, Adapty's answer and request ID on stderr, nothing on
    // stdout.
    let missing = run(adapty(&url, &["profile", "get", "--profile-id", &id]), None).await;
    assert_eq!(missing.code, Some(1), "{missing:?}");
    assert!(missing.stdout.is_empty(), "{missing:?}");
    assert!(missing.stderr.contains("no such profile"), "{missing:?}");
    assert!(missing.stderr.contains("404"), "{missing:?}");
    assert!(missing.stderr.contains("[request id "), "{missing:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_comes_from_the_environment_or_a_file_and_never_prints() {
    let emulator = emulator().await;
    let url = emulator.base_url().to_owned();
    let dir = temp_dir("single-key");
    let get = ["profile", "get", "--customer-user-id", "nobody"];

    // No key at all: could not start, and the message says where a key comes from.
    let mut no_key = adapty(&url, &get);
    no_key.env_remove("ADAPTY_API_KEY");
    let ran = run(no_key, None).await;
    assert_eq!(ran.code, Some(2), "{ran:?}");
    assert!(ran.stderr.contains("ADAPTY_API_KEY"), "{ran:?}");
    assert!(ran.stderr.contains("--api-key-file"), "{ran:?}");

    // From a file (with a final newline), no environment variable.
    let file = dir.join("key");
    std::fs::write(&file, format!("{KEY}\n")).unwrap();
    let mut from_file = adapty(&url, &get);
    from_file
        .env_remove("ADAPTY_API_KEY")
        .arg("--api-key-file")
        .arg(&file);
    let ran = run(from_file, None).await;
    assert_eq!(ran.code, Some(1), "authenticated, then not found: {ran:?}");
    assert!(ran.stderr.contains("404"), "{ran:?}");

    // A malformed key (a space inside), from the file and from the environment: exit 2, and the
    // key is in neither output.
    let bad = format!("{KEY} trailing");
    std::fs::write(&file, &bad).unwrap();
    let mut bad_file = adapty(&url, &get);
    bad_file.arg("--api-key-file").arg(&file);
    let mut bad_env = adapty(&url, &get);
    bad_env.env("ADAPTY_API_KEY", &bad);
    for command in [bad_file, bad_env] {
        let ran = run(command, None).await;
        assert_eq!(ran.code, Some(2), "{ran:?}");
        assert!(ran.stderr.contains("whitespace"), "{ran:?}");
        assert!(!ran.all().contains(KEY_MARK), "the key leaked: {ran:?}");
    }

    // A well-formed key the server refuses: Adapty's 401, exit 1, the key not repeated.
    let mut wrong = adapty(&url, &get);
    wrong.env("ADAPTY_API_KEY", format!("{KEY}_wrong"));
    let ran = run(wrong, None).await;
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(ran.stderr.contains("401"), "{ran:?}");
    assert!(!ran.all().contains(KEY_MARK), "the key leaked: {ran:?}");

    // An unreadable key file: exit 2, naming the file.
    let mut missing = adapty(&url, &get);
    missing.arg("--api-key-file").arg(dir.join("absent"));
    let ran = run(missing, None).await;
    assert_eq!(ran.code, Some(2), "{ran:?}");
    assert!(ran.stderr.contains("absent"), "{ran:?}");

    // `--help` documents the key and the exit codes; there is no option that takes the key.
    let help = run(adapty(&url, &["--help"]), None).await;
    assert_eq!(help.code, Some(0));
    assert!(help.stdout.contains("ADAPTY_API_KEY") && help.stdout.contains("130"));
    let plain = run(adapty(&url, &["--api-key", KEY, "profile", "get"]), None).await;
    assert_eq!(plain.code, Some(2), "{plain:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2_and_send_nothing() {
    let emulator = emulator().await;
    let url = emulator.base_url().to_owned();
    let dir = temp_dir("single-usage");
    let id = emulator.seed(json!({"customer_user_id": "kept"})).unwrap();
    let id = id.to_string();

    // Both identities, or neither: clap's usage error.
    let both = run(
        adapty(
            &url,
            &[
                "profile",
                "delete",
                "--profile-id",
                &id,
                "--customer-user-id",
                "kept",
            ],
        ),
        None,
    )
    .await;
    assert_eq!(both.code, Some(2), "{both:?}");
    let neither = run(adapty(&url, &["profile", "delete"]), None).await;
    assert_eq!(neither.code, Some(2), "{neither:?}");

    // A body with a misspelt field, or not JSON.
    let body = dir.join("body.json");
    std::fs::write(&body, r#"{"frist_name": "Jane"}"#).unwrap();
    let misspelt = run(
        adapty(
            &url,
            &[
                "profile",
                "update",
                "--profile-id",
                &id,
                "--data",
                arg(&body),
            ],
        ),
        None,
    )
    .await;
    assert_eq!(misspelt.code, Some(2), "{misspelt:?}");
    assert!(
        misspelt.stderr.contains("unknown field \"frist_name\""),
        "{misspelt:?}"
    );
    let not_json = run(
        adapty(
            &url,
            &["profile", "update", "--profile-id", &id, "--data", "-"],
        ),
        Some(b"first_name=Jane"),
    )
    .await;
    assert_eq!(not_json.code, Some(2), "{not_json:?}");
    assert!(not_json.stderr.contains("--data stdin"), "{not_json:?}");

    // A plain-http base URL that is not loopback: refused before any call.
    let remote = run(
        adapty(
            "http://example.com",
            &["profile", "get", "--profile-id", &id],
        ),
        None,
    )
    .await;
    assert_eq!(remote.code, Some(2), "{remote:?}");
    assert!(remote.stderr.contains("plain http"), "{remote:?}");

    // Nothing was deleted.
    assert_eq!(emulator.profile_count(), 1);
    std::fs::remove_dir_all(&dir).ok();
}

/// The built-in HTTP client keeps honouring a proxy the environment names: with `HTTP_PROXY`
/// pointing at the emulator, a base URL where nothing listens is reached through the proxy (the
/// emulator answers the proxied request as its own); without it the same call cannot connect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_named_by_the_environment_is_used() {
    let emulator = emulator().await;
    let nowhere = "http://127.0.0.1:9";
    emulator
        .seed(json!({"customer_user_id": "proxied-user"}))
        .expect("seed");
    let get = ["profile", "get", "--customer-user-id", "proxied-user"];
    let without_proxy = |command: &mut tokio::process::Command| {
        for name in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
        ] {
            command.env_remove(name);
        }
    };

    let mut proxied = adapty(nowhere, &get);
    without_proxy(&mut proxied);
    proxied.env("HTTP_PROXY", emulator.base_url());
    let ran = run(proxied, None).await;
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(ran.json()["customer_user_id"], "proxied-user");

    // NO_PROXY exempts the host: the call goes straight to the dead port.
    let mut exempt = adapty(nowhere, &get);
    without_proxy(&mut exempt);
    exempt
        .env("HTTP_PROXY", emulator.base_url())
        .env("NO_PROXY", "127.0.0.1");
    let ran = run(exempt, None).await;
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(ran.stderr.contains("could not connect"), "{ran:?}");

    let mut direct = adapty(nowhere, &get);
    without_proxy(&mut direct);
    let ran = run(direct, None).await;
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(ran.stderr.contains("could not connect"), "{ran:?}");
}
