//! The main job of the workspace, end to end: create, read, update and delete a profile through
//! the `adapty-api` client.
//!
//! ```sh
//! cargo run -p adapty-emulator --example quickstart
//! ```
//!
//! It starts the emulator in-process on a free loopback port (no network, no key needed). With
//! both `ADAPTY_API_KEY` and `ADAPTY_BASE_URL` set, it talks to that server instead.

use std::error::Error;
use std::process::ExitCode;

use adapty_api::v1::types::{Profile, ProfileRequest};
use adapty_api::v1::{AttributeValue, Client, Nullable, custom_attribute};
use adapty_api::{ApiKey, ProfileSelector};
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
    let (client, emulator) = connect().await?;

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

    if let Some(emulator) = emulator {
        emulator.shutdown().await?;
    }
    Ok(())
}

/// A client for `ADAPTY_BASE_URL` with `ADAPTY_API_KEY` when both are set, or else for an
/// emulator started here.
async fn connect() -> Result<(Client, Option<RunningEmulator>), Box<dyn Error>> {
    let key = std::env::var("ADAPTY_API_KEY")
        .ok()
        .filter(|v| !v.is_empty());
    let base_url = std::env::var("ADAPTY_BASE_URL")
        .ok()
        .filter(|v| !v.is_empty());
    if let (Some(key), Some(base_url)) = (&key, &base_url) {
        println!("adapty-api quickstart against {base_url} (ADAPTY_BASE_URL, ADAPTY_API_KEY)");
        let client = Client::builder(ApiKey::new(key.as_str())?)
            .base_url(base_url.as_str())
            .build()?;
        return Ok((client, None));
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
    let client = Client::builder(ApiKey::new(key)?)
        .base_url(emulator.base_url())
        .build()?;
    Ok((client, Some(emulator)))
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
