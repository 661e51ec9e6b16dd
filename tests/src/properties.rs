//! Properties of the decode path, the hand-written validators and the emulator's request parser,
//! shared by the fuzz targets (`fuzz/`, libFuzzer) and the property tests
//! (`tests/tests/properties.rs`, proptest on stable). Each function panics when a property does
//! not hold; "does not panic" alone is never the property.

use adapty_api::v1::types::ProfileResponse;
use adapty_api::v1::{AttributeValue, Client, custom_attribute};
use adapty_api::{ApiKey, CustomerUserId, Error};

/// A rejected value is never repeated in the error's message (it may be a secret or personal
/// data). Values that could appear by chance are skipped: short ones, and those that are part of
/// the message `template` (the error for a canonical bad input of the same kind), such as
/// `invalid api_key`.
fn not_repeated(value: &str, error: &Error, template: &Error) {
    let template = format!("{template} {template:?}");
    if value.trim().chars().count() >= 8 && !template.contains(value) {
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(value), "{value:?} appears in {shown:?}");
    }
}

/// The error a validator gives for a canonical bad input.
fn template(result: Result<impl std::fmt::Debug, Error>) -> Error {
    result.expect_err("the canonical input is invalid")
}

/// Decoding a body and decoding it while tracking the failing path (what `DecodeError` does)
/// agree; what decodes writes back to JSON that decodes to the same value.
pub fn decode(body: &[u8]) {
    let direct = serde_json::from_slice::<ProfileResponse>(body);
    let mut de = serde_json::Deserializer::from_slice(body);
    let tracked = serde_path_to_error::deserialize::<_, ProfileResponse>(&mut de)
        .map_err(|e| e.to_string())
        .and_then(|value| de.end().map(|()| value).map_err(|e| e.to_string()));
    match (direct, tracked) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "the two decodes read different values");
            let written = serde_json::to_vec(&a).expect("a decoded profile writes back");
            let again: ProfileResponse =
                serde_json::from_slice(&written).expect("what was written reads again");
            assert_eq!(a, again, "writing and reading again changed the profile");
        }
        (Err(_), Err(_)) => {}
        (direct, tracked) => panic!(
            "the decodes disagree: direct {:?}, path-tracking {:?}",
            direct.map(drop),
            tracked.map(drop)
        ),
    }
}

/// Every validator accepts exactly what its documented rule admits, and never repeats a value it
/// rejects.
pub fn validators(text: &str) {
    let graphic = |s: &str| s.bytes().all(|b| b.is_ascii_graphic());
    let printable = |s: &str| s.bytes().all(|b| b == b' ' || b.is_ascii_graphic());

    // API key: non-empty visible ASCII, without the scheme.
    let key = ApiKey::new(text);
    let key_rule = !text.is_empty() && graphic(text) && !text.starts_with("Api-Key");
    assert_eq!(key.is_ok(), key_rule, "api key {text:?}");
    if let Err(e) = &key {
        not_repeated(text, e, &template(ApiKey::new("Api-Key secret_with space")));
    }
    if let Ok(key) = &key {
        assert_eq!(format!("{key:?}"), "ApiKey([REDACTED])");
    }

    // Customer user ID: non-empty printable ASCII without surrounding spaces.
    let id = CustomerUserId::new(text);
    let id_rule =
        !text.is_empty() && printable(text) && !text.starts_with(' ') && !text.ends_with(' ');
    assert_eq!(id.is_ok(), id_rule, "customer user id {text:?}");
    match &id {
        Err(e) => not_repeated(
            text,
            e,
            &template(CustomerUserId::new(" customer-user-id\u{e9} ")),
        ),
        Ok(id) => assert_eq!(
            format!("{id:?}"),
            format!("CustomerUserId([REDACTED; {} bytes])", text.len())
        ),
    }

    // Custom attribute key: 1 to 30 of letters, digits, `.`, `_`, `-`.
    let attribute = custom_attribute(text, 1);
    let key_rule = (1..=30).contains(&text.chars().count())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    assert_eq!(attribute.is_ok(), key_rule, "attribute key {text:?}");

    // Text value: at most 30 characters.
    let value = AttributeValue::text(text);
    assert_eq!(value.is_ok(), text.chars().count() <= 30, "value {text:?}");
    if let Err(e) = &value {
        not_repeated(text, e, &template(AttributeValue::text("x".repeat(31))));
    }

    // User-Agent suffix: printable ASCII once trimmed.
    let with_suffix = Client::builder(ApiKey::new("secret_fuzz").expect("a valid key"))
        .base_url("http://127.0.0.1:1")
        .user_agent_suffix(text)
        .build();
    assert_eq!(
        with_suffix.is_ok(),
        printable(text.trim()),
        "user agent suffix {text:?}"
    );

    // Base URL: a built client never targets plain http off loopback.
    if let Ok(client) = Client::builder(ApiKey::new("secret_fuzz").expect("a valid key"))
        .base_url(text)
        .build()
    {
        let url = url::Url::parse(client.base_url()).expect("the base URL parses");
        let loopback = match url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        assert!(
            url.scheme() == "https" || (url.scheme() == "http" && loopback),
            "a client was built for {text:?}"
        );
        assert!(url.username().is_empty() && url.password().is_none());
    }
}

/// The emulator's request parser answers every body, and its 400 lists at most 51 messages (50
/// problems and one line saying the rest were left out).
pub fn emulator_request(body: &[u8]) {
    if let Err(messages) = adapty_emulator::__fuzz::parse_profile_request(body) {
        assert!(
            (1..=51).contains(&messages),
            "{messages} messages in one answer"
        );
    }
}
