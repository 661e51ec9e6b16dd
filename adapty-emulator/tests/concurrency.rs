//! Many tasks creating, updating and deleting distinct and shared profiles at once: the final
//! state is what the operations imply, and no request fails unexpectedly.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapty_api::ProfileSelector;
use common::*;
use tokio::task::JoinSet;

const TASKS: usize = 16;
const UPDATES: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_operations_lose_nothing() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let shared = ProfileSelector::customer_user_id("shared").unwrap();
    client
        .create_profile(&shared, &attributes(None, None, &[]))
        .await
        .unwrap();
    let doomed = ProfileSelector::customer_user_id("doomed").unwrap();
    client
        .create_profile(&doomed, &attributes(None, None, &[]))
        .await
        .unwrap();

    let mut tasks = JoinSet::new();
    for t in 0..TASKS {
        let client = client.clone();
        let shared = shared.clone();
        let doomed = doomed.clone();
        tasks.spawn(async move {
            // A profile of its own: created, updated UPDATES times, deleted by even tasks.
            let own = ProfileSelector::customer_user_id(format!("own-{t}")).unwrap();
            client
                .create_profile(&own, &attributes(None, Some("new"), &[]))
                .await
                .unwrap();
            for i in 0..UPDATES {
                let n = i.to_string();
                client
                    .update_profile(&own, &attributes(None, None, &[("n", Some(&n))]))
                    .await
                    .unwrap();
                // Interleaved: this task's own key on the shared profile, last value UPDATES - 1.
                let key = format!("t{t}");
                client
                    .update_profile(&shared, &attributes(None, None, &[(&key, Some(&n))]))
                    .await
                    .unwrap();
            }
            if t % 2 == 0 {
                client.delete_profile(&own).await.unwrap();
            }
            // Everyone creates the same customer user ID: one may win.
            let contested = ProfileSelector::customer_user_id("contested").unwrap();
            let won = match client
                .create_profile(&contested, &attributes(None, None, &[]))
                .await
            {
                Ok(_) => true,
                Err(adapty_api::Error::Api(e))
                    if e.error_code() == Some("profile_already_exists") =>
                {
                    false
                }
                Err(e) => panic!("task {t}: create contested: {e}"),
            };
            // Everyone deletes the same profile: one may succeed.
            let deleted = match client.delete_profile(&doomed).await {
                Ok(_) => true,
                Err(adapty_api::Error::Api(e)) if e.is_not_found() => false,
                Err(e) => panic!("task {t}: delete doomed: {e}"),
            };
            (won, deleted)
        });
    }
    let outcomes: Vec<(bool, bool)> = tasks.join_all().await;
    assert_eq!(
        outcomes.iter().filter(|(won, _)| *won).count(),
        1,
        "exactly one create of `contested` wins"
    );
    assert_eq!(
        outcomes.iter().filter(|(_, deleted)| *deleted).count(),
        1,
        "exactly one delete of `doomed` succeeds"
    );

    // Every task's key is on the shared profile with its last value: no update was lost.
    let shared_profile = client.get_profile(&shared).await.unwrap();
    let mut expected: Vec<(String, String)> = (0..TASKS)
        .map(|t| (format!("t{t}"), (UPDATES - 1).to_string()))
        .collect();
    let mut got = custom(&shared_profile);
    expected.sort();
    got.sort();
    assert_eq!(got, expected);

    for t in 0..TASKS {
        let own = ProfileSelector::customer_user_id(format!("own-{t}")).unwrap();
        let result = client.get_profile(&own).await;
        if t % 2 == 0 {
            assert!(api_error(result).is_not_found(), "own-{t} was deleted");
        } else {
            let profile = result.unwrap();
            assert_eq!(
                custom(&profile),
                [("n".to_owned(), (UPDATES - 1).to_string())],
                "own-{t}"
            );
            assert_eq!(profile.first_name.as_deref(), Some("new"));
        }
    }
    assert!(api_error(client.get_profile(&doomed).await).is_not_found());
    // shared + the odd tasks' profiles + contested.
    assert_eq!(emulator.profile_count(), 1 + TASKS / 2 + 1);
}
