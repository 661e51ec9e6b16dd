//! The main job of the workspace, end to end, through the `adapty-api` client: create, read,
//! update and delete a profile with v1; then, with v2 on the same server, create a profile, grant
//! it an access level, record a purchase, read it back, top up and spend a virtual currency, page
//! through the currency history and delete the profile.
//!
//! ```sh
//! cargo run -p adapty-emulator --example quickstart
//! ```
//!
//! It starts the emulator in-process on a free loopback port (no network, no key needed). With
//! both `ADAPTY_API_KEY` and `ADAPTY_BASE_URL` set, it talks to that server instead; the v2 part
//! then needs the app to have the access level `premium`, the product `lifetime.unlock` and the
//! virtual currency `COINS` (the emulator's built-in catalog has them). `ADAPTY_BASE_URL_V2`, when
//! set too, is where the v2 part goes instead (CI puts a validating proxy of each version's spec
//! in front of the same server).

use std::error::Error;
use std::process::ExitCode;

use adapty_api::chrono::Duration;
use adapty_api::v1::types::{Profile, ProfileRequest};
use adapty_api::v1::{AttributeValue, Client, Nullable, custom_attribute};
use adapty_api::v2::TransactionsQuery;
use adapty_api::v2::types::{
    GrantAccessLevelRequest, OneTimePurchase, Price, TransactionRequest,
    VirtualCurrencyBalanceAdjustment, VirtualCurrencyTransactionRequest,
};
use adapty_api::{ApiKey, ProfileSelector, Timestamp, v2};
use adapty_emulator::{Emulator, RunningEmulator};
use uuid::Uuid;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    let (server, emulator) = connect().await?;
    let client = Client::builder(ApiKey::new(server.key.as_str())?)
        .base_url(server.base_url.as_str())
        .build()?;

    // A customer user ID of our own, new on every run.
    let user_id = format!("quickstart-{}", &Uuid::new_v4().simple().to_string()[..8]);
    let user = ProfileSelector::customer_user_id(&user_id)?;

    let created = client
        .create_profile(
            &user,
            &request(
                Some("jane@example.com"),
                Some("Jane"),
                &[("sport", Some("yoga"))],
            )?,
        )
        .await?;
    println!(
        "1. create  {user_id}: profile {} ({}, request {})",
        created.profile_id,
        created.status(),
        request_id(created.request_id())
    );
    println!("           {}", describe(&created));

    let fetched = client.get_profile(&user).await?;
    println!("2. get     {}: {}", fetched.status(), describe(&fetched));

    let mut changes = request(
        Some("jane.doe@example.org"),
        None,
        &[("sport", None), ("level", Some("3"))],
    )?;
    // `None` leaves a field as it is; `Some(Nullable::Null)` clears it.
    changes.first_name = Some(Nullable::Null);
    let updated = client.update_profile(&user, &changes).await?;
    println!(
        "3. update  new email, first name cleared, `sport` deleted, `level` set ({}): {}",
        updated.status(),
        describe(&updated)
    );

    let deleted = client
        .delete_profile(&ProfileSelector::profile_id(created.profile_id))
        .await?;
    println!(
        "4. delete  {} (request {})",
        deleted.status(),
        request_id(deleted.request_id())
    );

    match client.get_profile(&user).await {
        Err(adapty_api::Error::Api(e)) if e.is_not_found() => {
            println!(
                "5. get     {} {}: the profile is gone",
                e.status(),
                e.error_code().unwrap_or("-")
            );
        }
        Ok(profile) => {
            return Err(format!(
                "the profile {} is still there after delete",
                profile.profile_id
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    }

    let client = v2::Client::builder(ApiKey::new(server.key.as_str())?)
        .base_url(server.base_url_v2.as_deref().unwrap_or(&server.base_url))
        .build()?;
    run_v2(&client).await?;

    if let Some(emulator) = emulator {
        emulator.shutdown().await?;
    }
    Ok(())
}

/// The v2 part: a profile with an access level, a purchase and a virtual currency, then gone.
async fn run_v2(client: &v2::Client) -> Result<(), Box<dyn Error>> {
    let user_id = format!(
        "quickstart-v2-{}",
        &Uuid::new_v4().simple().to_string()[..8]
    );
    let user = ProfileSelector::customer_user_id(&user_id)?;

    let created = client
        .create_profile(&user, &v2::types::ProfileRequest::default())
        .await?;
    println!(
        "6. v2 create   {user_id}: profile {} ({})",
        created.profile_id,
        created.status()
    );

    let mut grant = GrantAccessLevelRequest::new("premium");
    grant.expires_at = Timestamp::now().plus(Duration::days(30));
    let granted = client.grant_access_level(&user, &grant).await?;
    println!(
        "7. v2 grant    premium for 30 days ({}): {}",
        granted.status(),
        access_levels(&granted)
    );

    let order = format!("order-{}", &Uuid::new_v4().simple().to_string()[..12]);
    let purchase = OneTimePurchase::new(
        "my_web_store",
        "lifetime.unlock",
        &order,
        Price::new("US", "USD", 49.99),
        Timestamp::now(),
    )?;
    let recorded = client
        .set_transaction(&user, &TransactionRequest::from(purchase))
        .await?;
    println!(
        "8. v2 purchase lifetime.unlock, transaction {order} ({}): {} one-time purchase(s)",
        recorded.status(),
        recorded.non_subscriptions.iter().flatten().count()
    );

    let profile = client.get_profile(&user).await?;
    println!(
        "9. v2 get      ({}): {}",
        profile.status(),
        access_levels(&profile)
    );

    let top_up =
        VirtualCurrencyTransactionRequest::new(vec![VirtualCurrencyBalanceAdjustment::new(
            "COINS", 500,
        )])
        .with_metadata("reason", "welcome_bonus")?;
    let credited = client
        .create_virtual_currency_transaction(&user, &top_up, None)
        .await?;
    println!(
        "10. v2 top up  +500 COINS ({}): {}",
        credited.status(),
        balances(&credited.balances)
    );
    let spend =
        VirtualCurrencyTransactionRequest::new(vec![VirtualCurrencyBalanceAdjustment::new(
            "COINS", -120,
        )])
        .with_metadata("reason", "hint")?;
    let debited = client
        .create_virtual_currency_transaction(&user, &spend, None)
        .await?;
    let all = client.list_virtual_currency_balances(&user).await?;
    println!(
        "11. v2 spend   -120 COINS ({}): {}; all balances: {}",
        debited.status(),
        balances(&debited.balances),
        balances(&all.data)
    );

    // One transaction per page, to show the cursor at work.
    let mut pages = client.virtual_currency_transactions(&user, TransactionsQuery::new().limit(1));
    let mut history = Vec::new();
    let mut page_count = 0;
    while let Some(page) = pages.next_page().await {
        page_count += 1;
        for transaction in &page?.data {
            let changes: Vec<String> = transaction
                .items
                .iter()
                .map(|item| {
                    format!(
                        "{:+} {} -> {}",
                        item.amount, item.currency_code, item.balance_after
                    )
                })
                .collect();
            history.push(changes.join(", "));
        }
    }
    println!(
        "12. v2 history {} transaction(s) over {page_count} page(s), newest first: [{}]",
        history.len(),
        history.join("; ")
    );

    let deleted = client.delete_profile(&user).await?;
    println!("13. v2 delete  {}", deleted.status());
    match client.get_profile(&user).await {
        Err(adapty_api::Error::Api(e)) if e.is_not_found() => {
            println!(
                "14. v2 get     {} {}: the profile is gone",
                e.status(),
                e.error_code().unwrap_or("-")
            );
            Ok(())
        }
        Ok(profile) => Err(format!(
            "the profile {} is still there after delete",
            profile.profile_id
        )
        .into()),
        Err(e) => Err(e.into()),
    }
}

/// The access levels of a v2 profile, one line.
fn access_levels(profile: &v2::types::Profile) -> String {
    let levels: Vec<String> = profile
        .access_levels
        .iter()
        .flatten()
        .map(|level| match level.expires_at {
            Some(expires) => format!("{} until {expires}", level.access_level_id),
            None => format!("{} for life", level.access_level_id),
        })
        .collect();
    format!("access levels [{}]", levels.join(", "))
}

/// Balances as `CODE balance`, one line.
fn balances(balances: &[v2::types::VirtualCurrencyBalance]) -> String {
    let parts: Vec<String> = balances
        .iter()
        .map(|b| format!("{} {}", b.code, b.balance))
        .collect();
    parts.join(", ")
}

/// Where the quickstart talks to: a base URL (another for v2, when given) and the API key it
/// accepts.
struct Server {
    key: String,
    base_url: String,
    base_url_v2: Option<String>,
}

/// `ADAPTY_BASE_URL` with `ADAPTY_API_KEY` when both are set, or else an emulator started here.
async fn connect() -> Result<(Server, Option<RunningEmulator>), Box<dyn Error>> {
    let key = std::env::var("ADAPTY_API_KEY")
        .ok()
        .filter(|v| !v.is_empty());
    let base_url = std::env::var("ADAPTY_BASE_URL")
        .ok()
        .filter(|v| !v.is_empty());
    if let (Some(key), Some(base_url)) = (&key, &base_url) {
        println!("adapty-api quickstart against {base_url} (ADAPTY_BASE_URL, ADAPTY_API_KEY)");
        let base_url_v2 = std::env::var("ADAPTY_BASE_URL_V2")
            .ok()
            .filter(|v| !v.is_empty());
        if let Some(v2) = &base_url_v2 {
            println!("  (the v2 part against {v2}, ADAPTY_BASE_URL_V2)");
        }
        let server = Server {
            key: key.clone(),
            base_url: base_url.clone(),
            base_url_v2,
        };
        return Ok((server, None));
    }
    if key.is_some() || base_url.is_some() {
        println!(
            "(set both ADAPTY_API_KEY and ADAPTY_BASE_URL to use another server; using the embedded emulator)"
        );
    }
    let key = format!("secret_local_{}", Uuid::new_v4().simple());
    let emulator = Emulator::new().api_key(&key).start().await?;
    println!(
        "adapty-api quickstart against the embedded emulator at {}",
        emulator.base_url()
    );
    let server = Server {
        key,
        base_url: emulator.base_url().to_owned(),
        base_url_v2: None,
    };
    Ok((server, Some(emulator)))
}

/// The attributes to send: an email, a first name and custom attributes (`None` deletes one).
fn request(
    email: Option<&str>,
    first_name: Option<&str>,
    custom: &[(&str, Option<&str>)],
) -> Result<ProfileRequest, adapty_api::Error> {
    let mut request = ProfileRequest::default();
    request.email = email.map(Into::into);
    request.first_name = first_name.map(Into::into);
    request.custom_attributes = custom
        .iter()
        .map(|(key, value)| match value {
            Some(text) => custom_attribute(key, *text),
            None => custom_attribute(key, AttributeValue::delete()),
        })
        .collect::<Result<_, _>>()?;
    Ok(request)
}

/// One line about a profile.
fn describe(profile: &Profile) -> String {
    let attributes: Vec<String> = profile
        .custom_attributes
        .iter()
        .flatten()
        .map(|a| format!("{} = {}", a.key, a.value))
        .collect();
    format!(
        "email {}, first name {}, custom attributes [{}], {} access level(s)",
        profile.email.as_deref().unwrap_or("-"),
        profile.first_name.as_deref().unwrap_or("-"),
        attributes.join(", "),
        profile.access_levels.as_deref().unwrap_or_default().len()
    )
}

fn request_id(id: Option<&str>) -> &str {
    id.unwrap_or("-")
}
