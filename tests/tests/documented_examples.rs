//! The documented examples: embedded in the spec unchanged, decoded and encoded by the crate's
//! types without losing a field, and snapshotted as the types see them.

mod common;

use adapty_api::v1::types::{ErrorResponse, ProfileRequest, ProfileResponse};
use chrono::{TimeZone, Utc};
use common::{assert_no_field_lost, at, doc_fixture, spec_v1};
use serde_json::Value;

const PROFILES: &str = "/paths/~1api~1v1~1server-side-api~1profiles~1";

/// Where each documented example sits in the spec.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "create-profile-request.json",
        "/components/requestBodies/ProfileRequest/content/application~1json/example",
    ),
    (
        "profile-response.json",
        "/components/responses/Profile/content/application~1json/example",
    ),
    (
        "error-400.json",
        "/components/responses/BadRequest/content/application~1json/example",
    ),
    (
        "error-401.json",
        "/components/responses/Unauthorized/content/application~1json/example",
    ),
    (
        "error-404.json",
        "/components/responses/NotFound/content/application~1json/example",
    ),
];

#[test]
fn spec_embeds_every_documented_example_unchanged() {
    let spec = spec_v1();
    for (fixture, pointer) in EMBEDDED {
        assert_eq!(
            at(&spec, pointer),
            &doc_fixture(fixture),
            "{fixture} vs spec {pointer}"
        );
    }
}

#[test]
fn operations_use_the_documented_examples() {
    let spec = spec_v1();
    let reference = |op: &str, status: &str| {
        at(&spec, &format!("{PROFILES}/{op}/responses/{status}/$ref"))
            .as_str()
            .expect("a $ref")
            .to_owned()
    };
    for (op, response) in [
        ("get", "Profile"),
        ("post", "CreatedProfile"),
        ("patch", "Profile"),
    ] {
        assert_eq!(
            reference(op, "200"),
            format!("#/components/responses/{response}"),
            "{op}"
        );
        assert_eq!(
            reference(op, "401"),
            "#/components/responses/Unauthorized",
            "{op}"
        );
        assert_eq!(
            reference(op, "404"),
            "#/components/responses/NotFound",
            "{op}"
        );
    }
    for op in ["post", "patch"] {
        assert_eq!(
            reference(op, "400"),
            "#/components/responses/BadRequest",
            "{op}"
        );
        assert_eq!(
            at(&spec, &format!("{PROFILES}/{op}/requestBody/$ref")),
            "#/components/requestBodies/ProfileRequest"
        );
    }
    assert!(
        at(&spec, &format!("{PROFILES}/delete/responses/204"))
            .get("content")
            .is_none()
    );
}

#[test]
fn documented_request_goes_through_profile_request() {
    let documented = doc_fixture("create-profile-request.json");
    let request: ProfileRequest =
        serde_json::from_value(documented.clone()).expect("the documented request decodes");
    let sent = serde_json::to_value(&request).expect("encodes");
    assert_no_field_lost(&documented, &sent, "request");
    insta::assert_json_snapshot!("v1_documented_request", sent);
}

#[test]
fn documented_response_decodes_with_plus_0000_offsets() {
    let documented = doc_fixture("profile-response.json");
    let text = serde_json::to_string(&documented).expect("encodes");
    assert!(
        text.contains("2022-10-12T09:42:50.000000+0000"),
        "the example keeps its offsets"
    );

    let response: ProfileResponse =
        serde_json::from_str(&text).expect("the documented response decodes");
    let level = &response.data.access_levels.as_ref().expect("access levels")[0];
    assert_eq!(
        level.purchased_at,
        Utc.with_ymd_and_hms(2022, 10, 12, 9, 42, 50)
            .unwrap()
            .into()
    );
    assert_eq!(response.data.total_revenue_usd, 0.0);

    let decoded = serde_json::to_value(&response).expect("encodes");
    assert_no_field_lost(&documented, &decoded, "response");
    insta::assert_json_snapshot!("v1_documented_response", decoded);
}

#[test]
fn documented_errors_decode() {
    for (fixture, status) in [
        ("error-400.json", 0),
        ("error-401.json", 401),
        ("error-404.json", 404),
    ] {
        let documented = doc_fixture(fixture);
        let error: ErrorResponse =
            serde_json::from_value(documented.clone()).unwrap_or_else(|e| panic!("{fixture}: {e}"));
        assert_eq!(error.status_code, status, "{fixture}");
        let decoded = serde_json::to_value(&error).expect("encodes");
        assert_no_field_lost(&documented, &decoded, fixture);
        insta::assert_json_snapshot!(
            format!("v1_documented_{}", fixture.trim_end_matches(".json")),
            decoded
        );
    }
}

/// Every field name of the documentation's tables is a property of the spec's schema and a field
/// of the generated Rust type of the same name.
#[test]
fn every_documented_field_is_in_the_spec_and_the_generated_types() {
    let spec = spec_v1();
    let documented = doc_fixture("documented-fields.json");
    let generated = std::fs::read_to_string(common::root().join("adapty-api/src/v1/generated.rs"))
        .expect("read generated code");
    let file = syn::parse_file(&generated).expect("generated code parses");
    let mut missing = Vec::new();
    for (schema, fields) in documented.as_object().expect("an object") {
        let properties = at(&spec, &format!("/components/schemas/{schema}/properties"));
        let rust_fields = struct_fields(&file, schema);
        for field in fields
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(Value::as_str)
        {
            if properties.get(field).is_none() {
                missing.push(format!("spec: {schema}.{field}"));
            }
            if !rust_fields.iter().any(|f| f == field) {
                missing.push(format!("generated types: {schema}.{field}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "documented fields missing: {missing:#?}"
    );
}

/// The field names of `pub struct NAME` in the generated `types` module.
fn struct_fields(file: &syn::File, name: &str) -> Vec<String> {
    let types = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, items)| items),
            _ => None,
        })
        .expect("a `types` module");
    types
        .iter()
        .find_map(|item| match item {
            syn::Item::Struct(s) if s.ident == name => Some(
                s.fields
                    .iter()
                    .filter_map(|f| f.ident.as_ref().map(ToString::to_string))
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no generated struct {name}"))
}
