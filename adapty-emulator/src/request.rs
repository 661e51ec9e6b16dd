//! The body of create and update (`ProfileRequest` in the spec), read field by field from JSON so
//! that a bad value is answered with a 400 naming its field, and so that a field sent as `null`
//! can be told from a field left out.

use adapty_api::v1::facts;
use adapty_api::v1::types::CustomAttributeInputKey;
use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::error::{ApiFailure, NON_FIELD_ERRORS};

// The spec's facts, generated from it (`adapty_api::v1::facts`); nothing here restates them.
/// At most this many custom attributes per request and per profile (`maxItems` in the spec).
pub(crate) const MAX_CUSTOM_ATTRIBUTES: usize = facts::PROFILE_REQUEST_CUSTOM_ATTRIBUTES_MAX_ITEMS;
const MAX_KEY_CHARS: usize = facts::CUSTOM_ATTRIBUTE_INPUT_KEY_MAX_LENGTH;
const MAX_VALUE_CHARS: usize = facts::CUSTOM_ATTRIBUTE_INPUT_VALUE_MAX_LENGTH;

/// A field of an update: left out, sent as `null`, or sent with a value.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) enum Change<T> {
    /// Not in the body: keep the stored value.
    #[default]
    Keep,
    /// Sent as `null`: clear the stored value.
    Clear,
    /// Sent with a value: store it.
    Set(T),
}

impl<T> Change<T> {
    /// Applies the change to the value stored under `field` in `map`.
    pub(crate) fn apply_to(
        self,
        map: &mut std::collections::BTreeMap<&'static str, T>,
        field: &'static str,
    ) {
        match self {
            Change::Keep => {}
            Change::Clear => {
                map.remove(field);
            }
            Change::Set(value) => {
                map.insert(field, value);
            }
        }
    }

    /// Applies the change to a stored optional value.
    pub(crate) fn apply(self, slot: &mut Option<T>) {
        match self {
            Change::Keep => {}
            Change::Clear => *slot = None,
            Change::Set(value) => *slot = Some(value),
        }
    }
}

/// A custom attribute value as stored: text or a number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AttributeValue {
    Text(String),
    Number(f64),
}

/// The device fields sent in `installation_meta`.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct InstallationPatch {
    pub(crate) device_id: String,
    /// `(field, change)` for each nullable text field of `InstallationMeta` that was sent.
    pub(crate) fields: Vec<(&'static str, Change<String>)>,
}

/// A checked `ProfileRequest`: what to change in a profile.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ProfilePatch {
    /// `(field, change)` for each nullable text field of `ProfileRequest` that was sent (the
    /// spec's list: `facts::PROFILE_REQUEST_NULLABLE_TEXT`).
    pub(crate) text: Vec<(&'static str, Change<String>)>,
    pub(crate) gender: Change<String>,
    pub(crate) birthday: Change<NaiveDate>,
    pub(crate) ip_country: Change<String>,
    pub(crate) analytics_disabled: Change<bool>,
    /// In the order sent; `None` deletes the attribute (sent as `null` or `""`).
    pub(crate) custom_attributes: Vec<(String, Option<AttributeValue>)>,
    pub(crate) installation_meta: Option<InstallationPatch>,
}

/// Field errors collected while reading a body: `(source, message)`, at most [`MAX_PROBLEMS`]
/// of them (then one line saying more were left out), so a hostile body cannot make the answer
/// grow with it.
#[derive(Default)]
struct Problems(Vec<(String, String)>);

/// The most field errors one answer lists.
const MAX_PROBLEMS: usize = 50;

impl Problems {
    fn add(&mut self, source: impl Into<String>, message: impl Into<String>) {
        match self.0.len() {
            n if n < MAX_PROBLEMS => self.0.push((source.into(), message.into())),
            MAX_PROBLEMS => self.0.push((
                NON_FIELD_ERRORS.to_owned(),
                format!("More than {MAX_PROBLEMS} problems; the rest are not listed."),
            )),
            _ => {}
        }
    }
}

/// Reads a request body: it must be a JSON object; every known field is checked against the spec.
/// Unknown fields are ignored, as the spec does not forbid them.
pub(crate) fn parse_profile_request(body: &[u8]) -> Result<ProfilePatch, ApiFailure> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiFailure::parse_error(
            "The request body is required: send a JSON object.",
        ));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiFailure::parse_error(format!("JSON parse error - {e}")))?;
    let Value::Object(object) = value else {
        return Err(ApiFailure::parse_error(format!(
            "Expected a JSON object as the body, got {}.",
            kind(&value)
        )));
    };
    profile_patch_from_object(&object)
}

/// Checks the fields of a `ProfileRequest` object.
pub(crate) fn profile_patch_from_object(
    object: &Map<String, Value>,
) -> Result<ProfilePatch, ApiFailure> {
    let mut problems = Problems::default();
    let mut patch = ProfilePatch {
        text: nullable_texts(
            object,
            facts::PROFILE_REQUEST_NULLABLE_TEXT,
            "",
            &mut problems,
        ),
        ip_country: required_text(object, "ip_country", &mut problems),
        ..ProfilePatch::default()
    };
    patch.gender = match nullable_text(object, "gender", &mut problems) {
        Change::Set(g) if !facts::GENDER_VALUES.contains(&g.as_str()) => {
            problems.add(
                "gender",
                format!(
                    "\"{g}\" is not a valid choice; use one of {}.",
                    facts::GENDER_VALUES.join(", ")
                ),
            );
            Change::Keep
        }
        other => other,
    };
    patch.birthday = match object.get("birthday") {
        None => Change::Keep,
        Some(Value::String(s)) => match parse_date(s) {
            Some(date) => Change::Set(date),
            None => {
                problems.add(
                    "birthday",
                    format!("\"{s}\" is not a date in the format YYYY-MM-DD."),
                );
                Change::Keep
            }
        },
        Some(other) => {
            problems.add(
                "birthday",
                format!("Expected a date string (YYYY-MM-DD), got {}.", kind(other)),
            );
            Change::Keep
        }
    };
    patch.analytics_disabled = match object.get("analytics_disabled") {
        None => Change::Keep,
        Some(Value::Bool(b)) => Change::Set(*b),
        Some(other) => {
            problems.add(
                "analytics_disabled",
                format!("Expected a boolean, got {}.", kind(other)),
            );
            Change::Keep
        }
    };
    if let Some(value) = object.get("custom_attributes") {
        patch.custom_attributes = custom_attributes(value, &mut problems);
    }
    if let Some(value) = object.get("installation_meta") {
        patch.installation_meta = installation_meta(value, &mut problems);
    }
    if problems.0.is_empty() {
        Ok(patch)
    } else {
        Err(ApiFailure::validation(problems.0))
    }
}

fn nullable_text(
    object: &Map<String, Value>,
    field: &str,
    problems: &mut Problems,
) -> Change<String> {
    nullable_text_at(object, field, field, problems)
}

/// The changes to each of `fields` (nullable text) that `object` sends; problems are reported under
/// `prefix` + the field's name.
fn nullable_texts(
    object: &Map<String, Value>,
    fields: &'static [&'static str],
    prefix: &str,
    problems: &mut Problems,
) -> Vec<(&'static str, Change<String>)> {
    fields
        .iter()
        .filter_map(|&field| {
            match nullable_text_at(object, field, &format!("{prefix}{field}"), problems) {
                Change::Keep => None,
                change => Some((field, change)),
            }
        })
        .collect()
}

/// A nullable string `field` of `object`; a problem is reported under `source` (the field's path
/// in the body).
fn nullable_text_at(
    object: &Map<String, Value>,
    field: &str,
    source: &str,
    problems: &mut Problems,
) -> Change<String> {
    match object.get(field) {
        None => Change::Keep,
        Some(Value::Null) => Change::Clear,
        Some(Value::String(s)) => Change::Set(s.clone()),
        Some(other) => {
            problems.add(
                source,
                format!("Expected a string or null, got {}.", kind(other)),
            );
            Change::Keep
        }
    }
}

fn required_text(
    object: &Map<String, Value>,
    field: &str,
    problems: &mut Problems,
) -> Change<String> {
    match object.get(field) {
        None => Change::Keep,
        Some(Value::String(s)) => Change::Set(s.clone()),
        Some(other) => {
            problems.add(field, format!("Expected a string, got {}.", kind(other)));
            Change::Keep
        }
    }
}

/// `YYYY-MM-DD` exactly (RFC 3339 `full-date`), and a real calendar date.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if shaped {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    } else {
        None
    }
}

fn custom_attributes(
    value: &Value,
    problems: &mut Problems,
) -> Vec<(String, Option<AttributeValue>)> {
    const FIELD: &str = "custom_attributes";
    let Value::Array(items) = value else {
        problems.add(
            FIELD,
            format!(
                "Expected a list of {{\"key\", \"value\"}} objects, got {}.",
                kind(value)
            ),
        );
        return Vec::new();
    };
    if items.is_empty() {
        problems.add(
            FIELD,
            "When sent, the list must hold at least one attribute.",
        );
    }
    if items.len() > MAX_CUSTOM_ATTRIBUTES {
        problems.add(
            FIELD,
            format!(
                "{} attributes sent; at most {MAX_CUSTOM_ATTRIBUTES} are allowed.",
                items.len()
            ),
        );
        // Past the limit the list is refused whole: its items are not read one by one.
        return Vec::new();
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(item) = item else {
            problems.add(
                FIELD,
                format!(
                    "Item {i}: expected a {{\"key\", \"value\"}} object, got {}.",
                    kind(item)
                ),
            );
            continue;
        };
        let key = match item.get("key") {
            Some(Value::String(key)) => match key_problem(key) {
                None => Some(key.clone()),
                Some(problem) => {
                    problems.add(FIELD, format!("Item {i}: key \"{key}\" {problem}."));
                    None
                }
            },
            Some(other) => {
                problems.add(
                    FIELD,
                    format!("Item {i}: expected a string key, got {}.", kind(other)),
                );
                None
            }
            None => {
                problems.add(FIELD, format!("Item {i}: the key is required."));
                None
            }
        };
        let value = match item.get("value") {
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) if s.is_empty() => Some(None),
            Some(Value::String(s)) => {
                let chars = s.chars().count();
                if chars > MAX_VALUE_CHARS {
                    problems.add(
                        FIELD,
                        format!("Item {i}: the value has {chars} characters; at most {MAX_VALUE_CHARS} are allowed."),
                    );
                    None
                } else {
                    Some(Some(AttributeValue::Text(s.clone())))
                }
            }
            // Booleans are documented as stored as numbers.
            Some(Value::Bool(b)) => Some(Some(AttributeValue::Number(f64::from(u8::from(*b))))),
            Some(Value::Number(n)) => match n.as_f64() {
                Some(f) if f.is_finite() => Some(Some(AttributeValue::Number(f))),
                _ => {
                    problems.add(FIELD, format!("Item {i}: the number {n} is out of range."));
                    None
                }
            },
            Some(other) => {
                problems.add(
                    FIELD,
                    format!(
                        "Item {i}: expected a string, a number, a boolean or null as the value, got {}.",
                        kind(other)
                    ),
                );
                None
            }
            None => {
                problems.add(
                    FIELD,
                    format!("Item {i}: the value is required (null deletes the attribute)."),
                );
                None
            }
        };
        if let (Some(key), Some(value)) = (key, value) {
            out.push((key, value));
        }
    }
    out
}

/// Why a custom attribute key is refused, if it is. The rule is the spec's, through the client's
/// generated `CustomAttributeInputKey` (length and pattern).
fn key_problem(key: &str) -> Option<String> {
    let chars = key.chars().count();
    if chars > MAX_KEY_CHARS {
        return Some(format!(
            "has {chars} characters; at most {MAX_KEY_CHARS} are allowed"
        ));
    }
    CustomAttributeInputKey::try_from(key).err().map(|_| {
        format!(
            "does not match {}: use letters, digits, '-', '.' or '_'",
            facts::CUSTOM_ATTRIBUTE_INPUT_KEY_PATTERN
        )
    })
}

fn installation_meta(value: &Value, problems: &mut Problems) -> Option<InstallationPatch> {
    let Value::Object(meta) = value else {
        problems.add(
            "installation_meta",
            format!("Expected an object, got {}.", kind(value)),
        );
        return None;
    };
    let device_id = match meta.get("device_id") {
        Some(Value::String(id)) => Some(id.clone()),
        Some(other) => {
            problems.add(
                "installation_meta.device_id",
                format!("Expected a string, got {}.", kind(other)),
            );
            None
        }
        None => {
            problems.add("installation_meta.device_id", "This field is required.");
            None
        }
    };
    let fields = nullable_texts(
        meta,
        facts::INSTALLATION_META_NULLABLE_TEXT,
        "installation_meta.",
        problems,
    );
    device_id.map(|device_id| InstallationPatch { device_id, fields })
}

/// How a JSON value is named in messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(body: &str) -> Vec<String> {
        match parse_profile_request(body.as_bytes()) {
            Ok(patch) => panic!("accepted {body}: {patch:?}"),
            Err(failure) => failure.sources(),
        }
    }

    #[test]
    fn null_and_absent_fields_differ() {
        let patch = parse_profile_request(br#"{"first_name": null, "email": "a@b.c"}"#).unwrap();
        // Only the fields sent are changed; `last_name` is left out, so it is kept.
        assert_eq!(
            patch.text,
            [
                ("first_name", Change::Clear),
                ("email", Change::Set("a@b.c".into()))
            ]
        );
    }

    /// Every nullable text field the spec lists (request and device) is left, cleared or set,
    /// and a value of another type is refused naming it: the list comes from the spec's facts, so
    /// a field added there is covered here without an edit.
    #[test]
    fn every_nullable_text_field_of_the_spec_can_be_left_cleared_or_set() {
        let cases = facts::PROFILE_REQUEST_NULLABLE_TEXT
            .iter()
            .map(|&f| (f, format!("{{\"{f}\": VALUE}}"), f.to_owned()))
            .chain(facts::INSTALLATION_META_NULLABLE_TEXT.iter().map(|&f| {
                (
                    f,
                    format!("{{\"installation_meta\": {{\"device_id\": \"d\", \"{f}\": VALUE}}}}"),
                    format!("installation_meta.{f}"),
                )
            }));
        for (field, template, source) in cases {
            let changes = |value: &str| {
                let patch = parse_profile_request(template.replace("VALUE", value).as_bytes())
                    .unwrap_or_else(|e| panic!("{source} = {value}: {}", e.describe()));
                patch
                    .text
                    .into_iter()
                    .chain(patch.installation_meta.into_iter().flat_map(|m| m.fields))
                    .collect::<Vec<_>>()
            };
            assert_eq!(changes("null"), [(field, Change::Clear)], "{source}");
            assert_eq!(
                changes("\"x\""),
                [(field, Change::Set("x".to_owned()))],
                "{source}"
            );
            assert_eq!(
                sources(&template.replace("VALUE", "5")),
                std::slice::from_ref(&source),
                "{source}"
            );
        }
    }

    #[test]
    fn each_bad_field_is_named() {
        assert_eq!(sources(r#"{"gender": "x"}"#), ["gender"]);
        assert_eq!(sources(r#"{"birthday": "2000-02-30"}"#), ["birthday"]);
        assert_eq!(sources(r#"{"birthday": "20000-01-01"}"#), ["birthday"]);
        assert_eq!(sources(r#"{"birthday": null}"#), ["birthday"]);
        assert_eq!(sources(r#"{"ip_country": null}"#), ["ip_country"]);
        assert_eq!(
            sources(r#"{"analytics_disabled": "yes"}"#),
            ["analytics_disabled"]
        );
        assert_eq!(
            sources(r#"{"email": 5, "first_name": []}"#),
            ["first_name", "email"]
        );
        assert_eq!(
            sources(r#"{"installation_meta": {}}"#),
            ["installation_meta.device_id"]
        );
        assert_eq!(
            sources(r#"{"installation_meta": {"device_id": "d", "idfa": 1}}"#),
            ["installation_meta.idfa"]
        );
    }

    #[test]
    fn custom_attribute_limits() {
        let thirty_one: Vec<String> = (0..31)
            .map(|i| format!(r#"{{"key":"k{i}","value":1}}"#))
            .collect();
        assert_eq!(
            sources(&format!(
                r#"{{"custom_attributes":[{}]}}"#,
                thirty_one.join(",")
            )),
            ["custom_attributes"]
        );
        assert_eq!(
            sources(r#"{"custom_attributes": []}"#),
            ["custom_attributes"]
        );
        assert_eq!(
            sources(r#"{"custom_attributes": [{"key": "a b", "value": 1}]}"#),
            ["custom_attributes"]
        );
        let long_key = "k".repeat(31);
        assert_eq!(
            sources(&format!(
                r#"{{"custom_attributes":[{{"key":"{long_key}","value":1}}]}}"#
            )),
            ["custom_attributes"]
        );
        let long_value = "é".repeat(31);
        assert_eq!(
            sources(&format!(
                r#"{{"custom_attributes":[{{"key":"k","value":"{long_value}"}}]}}"#
            )),
            ["custom_attributes"]
        );
        // Booleans are documented: stored as the numbers 1 and 0.
        let booleans = parse_profile_request(
            br#"{"custom_attributes": [{"key": "t", "value": true}, {"key": "f", "value": false}]}"#,
        )
        .unwrap();
        assert_eq!(
            booleans.custom_attributes,
            [
                ("t".to_owned(), Some(AttributeValue::Number(1.0))),
                ("f".to_owned(), Some(AttributeValue::Number(0.0)))
            ]
        );
        let ok = parse_profile_request(
            format!(r#"{{"custom_attributes":[{{"key":"a.b-c_D9","value":"{}"}},{{"key":"n","value":2.5}},{{"key":"gone","value":null}},{{"key":"empty","value":""}}]}}"#, "é".repeat(30))
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(ok.custom_attributes.len(), 4);
        assert_eq!(
            ok.custom_attributes[1],
            ("n".into(), Some(AttributeValue::Number(2.5)))
        );
        assert_eq!(ok.custom_attributes[2].1, None);
        assert_eq!(ok.custom_attributes[3].1, None);
    }

    #[test]
    fn bodies_that_are_not_objects_are_parse_errors() {
        for body in ["", "  ", "[]", "3", "{", "null"] {
            let failure = parse_profile_request(body.as_bytes()).unwrap_err();
            assert_eq!(failure.error_code(), "parse_error", "{body:?}");
        }
    }
}
