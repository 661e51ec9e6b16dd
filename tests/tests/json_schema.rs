//! The Rust types state the spec's JSON Schema (through `schemars`): each type that replaces a spec
//! schema (hand-written, or a standard type) and each generated type is compared with the
//! component schema of the same name, so a replacement that drifts from the spec fails here.
//!
//! What is compared, for each alternative a schema admits (its `oneOf`/`anyOf` branches, and
//! `null` where it is nullable): the JSON type, the enum values, `pattern`, `minLength`,
//! `maxLength` and, for objects, the property names. Descriptions, formats and `required` are not:
//! `Option` fields decode when absent on purpose (see the spec's CHOICE on required nullable
//! fields).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use adapty_api::v1::types::{ErrorResponse, Offer, ProfileRequest, ProfileResponse};
use adapty_api::v1::{
    AttributeValue, CancellationReason, Environment, Gender, Nullable, OfferCategory, OfferType,
    facts,
};
use adapty_api::{CustomerUserId, Timestamp, v2};
use schemars::{Schema, schema_for};
use serde_json::Value;

use common::{spec_v1, spec_v2};

/// One alternative of a schema.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Alternative {
    ty: String,
    values: Vec<String>,
    pattern: Option<String>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    properties: Vec<String>,
}

impl Alternative {
    fn of(ty: &str, schema: &Value) -> Self {
        if ty == "null" {
            return Self::null();
        }
        let mut values: Vec<String> = schema["enum"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        values.sort();
        let mut properties: Vec<String> = schema["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        properties.sort();
        Self {
            ty: ty.to_owned(),
            values,
            pattern: schema["pattern"].as_str().map(str::to_owned),
            min_length: schema["minLength"].as_u64(),
            max_length: schema["maxLength"].as_u64(),
            properties,
        }
    }

    fn null() -> Self {
        Self {
            ty: "null".to_owned(),
            values: Vec::new(),
            pattern: None,
            min_length: None,
            max_length: None,
            properties: Vec::new(),
        }
    }
}

/// The alternatives of a spec (OpenAPI 3.0.3) schema: `$ref` and a lone `allOf` are followed,
/// `nullable` beside a `type` adds `null`, and `enum: [null]` is `null` alone.
fn spec_alternatives(spec: &Value, schema: &Value) -> BTreeSet<Alternative> {
    if let Some(target) = schema["$ref"].as_str() {
        let name = target.strip_prefix("#/components/schemas/").unwrap();
        return spec_alternatives(spec, &spec["components"]["schemas"][name]);
    }
    if let Some([only]) = schema["allOf"].as_array().map(Vec::as_slice) {
        return spec_alternatives(spec, only);
    }
    if let Some(branches) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        return branches
            .iter()
            .flat_map(|b| spec_alternatives(spec, b))
            .collect();
    }
    if schema["enum"]
        .as_array()
        .is_some_and(|e| e.iter().all(Value::is_null))
    {
        return BTreeSet::from([Alternative::null()]);
    }
    let mut out = BTreeSet::new();
    let ty = schema["type"].as_str().unwrap_or("object");
    out.insert(Alternative::of(ty, schema));
    if schema["nullable"].as_bool() == Some(true) {
        out.insert(Alternative::null());
    }
    out
}

/// The alternatives of a schemars schema: `$ref`s into `$defs` are followed, `oneOf`/`anyOf`
/// branches and `type` arrays are split.
fn rust_alternatives(root: &Value, schema: &Value) -> BTreeSet<Alternative> {
    if let Some(target) = schema["$ref"].as_str() {
        let name = target.strip_prefix("#/$defs/").unwrap();
        return rust_alternatives(root, &root["$defs"][name]);
    }
    if let Some(branches) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        return branches
            .iter()
            .flat_map(|b| rust_alternatives(root, b))
            .collect();
    }
    match &schema["type"] {
        Value::String(ty) => BTreeSet::from([Alternative::of(ty, schema)]),
        Value::Array(types) => types
            .iter()
            .map(|t| Alternative::of(t.as_str().unwrap(), schema))
            .collect(),
        other => panic!("a schemars schema without a type: {other} in {schema}"),
    }
}

fn alternatives_of(schema: &Schema) -> BTreeSet<Alternative> {
    let root = schema.as_value();
    rust_alternatives(root, root)
}

fn assert_same(spec: &Value, name: &str, rust: BTreeSet<Alternative>) {
    let expected = spec_alternatives(spec, &spec["components"]["schemas"][name]);
    assert!(!expected.is_empty(), "{name} is not a schema of the spec");
    assert_eq!(
        rust, expected,
        "{name}: the Rust type's JSON Schema differs from the spec's"
    );
}

/// Compares each replacement with the spec schema it stands for, and checks that the list covers
/// every schema the generator replaces (`facts::REPLACED_SCHEMAS`).
fn assert_replacements(spec: &Value, replaced: &[&str], replacements: &[(&str, Schema)]) {
    let covered: BTreeSet<&str> = replacements.iter().map(|(name, _)| *name).collect();
    let replaced: BTreeSet<&str> = replaced.iter().copied().collect();
    assert_eq!(
        covered, replaced,
        "every schema the generator replaces (facts::REPLACED_SCHEMAS) is compared here"
    );
    for (name, schema) in replacements {
        assert_same(spec, name, alternatives_of(schema));
    }
}

#[test]
fn every_replacement_states_the_spec_schema_it_replaces() {
    // The type the generated code uses for each replaced schema (xtask/src/lib.rs), except
    // `CustomerUserId`: the generated code takes a `String` there, and `adapty_api::CustomerUserId`
    // is the type that enforces the schema before a request is made.
    let replacements: Vec<(&str, Schema)> = vec![
        ("CustomerUserId", schema_for!(CustomerUserId)),
        ("CustomAttributeInputValue", schema_for!(AttributeValue)),
        ("ClearableText", schema_for!(Nullable<String>)),
        ("ClearableGender", schema_for!(Nullable<Gender>)),
        ("NullableString", schema_for!(Option<String>)),
        ("NullableTimestamp", schema_for!(Option<Timestamp>)),
        ("NullableOffer", schema_for!(Option<Offer>)),
        ("NullableGender", schema_for!(Option<Gender>)),
        (
            "NullableCancellationReason",
            schema_for!(Option<CancellationReason>),
        ),
        ("NullValue", schema_for!(())),
        ("Timestamp", schema_for!(Timestamp)),
        ("Gender", schema_for!(Gender)),
        ("OfferCategory", schema_for!(OfferCategory)),
        ("OfferType", schema_for!(OfferType)),
        ("Environment", schema_for!(Environment)),
        ("CancellationReason", schema_for!(CancellationReason)),
    ];
    assert_replacements(&spec_v1(), facts::REPLACED_SCHEMAS, &replacements);
}

#[test]
fn every_v2_replacement_states_the_spec_schema_it_replaces() {
    use v2::types as t;
    let replacements: Vec<(&str, Schema)> = vec![
        ("CustomerUserId", schema_for!(CustomerUserId)),
        ("CustomAttributeInputValue", schema_for!(v2::AttributeValue)),
        ("ClearableText", schema_for!(Nullable<String>)),
        ("ClearableDate", schema_for!(Nullable<chrono::NaiveDate>)),
        ("ClearableUuid", schema_for!(Nullable<uuid::Uuid>)),
        ("ClearableBoolean", schema_for!(Nullable<bool>)),
        ("ClearableAttStatus", schema_for!(Nullable<u8>)),
        ("ClearableGender", schema_for!(Nullable<v2::Gender>)),
        ("ClearableStore", schema_for!(Nullable<v2::Store>)),
        ("ClearablePlatform", schema_for!(Nullable<v2::Platform>)),
        (
            "ClearableRefundPreference",
            schema_for!(Nullable<v2::RefundPreference>),
        ),
        ("NullableString", schema_for!(Option<String>)),
        ("NullableTimestamp", schema_for!(Option<Timestamp>)),
        ("NullableOffer", schema_for!(Option<t::Offer>)),
        ("NullableOfferInput", schema_for!(Option<t::OfferInput>)),
        (
            "NullableCancellationReason",
            schema_for!(Option<v2::CancellationReason>),
        ),
        (
            "NullablePaywallProductOffer",
            schema_for!(Option<t::PaywallProductOffer>),
        ),
        (
            "NullablePaywallScreenshot",
            schema_for!(Option<t::PaywallScreenshot>),
        ),
        (
            "NullableVirtualCurrencyMetadata",
            schema_for!(Option<t::VirtualCurrencyMetadata>),
        ),
        ("NullValue", schema_for!(())),
        ("Timestamp", schema_for!(Timestamp)),
        ("Gender", schema_for!(v2::Gender)),
        ("Store", schema_for!(v2::Store)),
        ("Platform", schema_for!(v2::Platform)),
        ("Environment", schema_for!(v2::Environment)),
        ("OfferCategory", schema_for!(v2::OfferCategory)),
        ("OfferType", schema_for!(v2::OfferType)),
        ("CancellationReason", schema_for!(v2::CancellationReason)),
        ("RefundPreference", schema_for!(v2::RefundPreference)),
        ("PaywallState", schema_for!(v2::PaywallState)),
        ("ProductSet", schema_for!(v2::ProductSet)),
        (
            "VirtualCurrencyTransactionType",
            schema_for!(v2::VirtualCurrencyTransactionType),
        ),
        ("ErrorCode", schema_for!(v2::ErrorCode)),
    ];
    assert_replacements(&spec_v2(), v2::facts::REPLACED_SCHEMAS, &replacements);
}

/// Compares every type reachable from `roots` with the spec schema of its name; returns the
/// names compared.
fn assert_generated(spec: &Value, roots: &[Schema]) -> BTreeSet<String> {
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let mut compared = BTreeSet::new();
    for root in roots {
        let root = root.as_value();
        let title = root["title"].as_str().unwrap().to_owned();
        let defs = root["$defs"].as_object().cloned().unwrap_or_default();
        let named = std::iter::once((title, root.clone())).chain(defs);
        for (name, schema) in named {
            if schemas.contains_key(&name) {
                assert_same(spec, &name, rust_alternatives(root, &schema));
                compared.insert(name);
            }
        }
    }
    compared
}

#[test]
fn every_generated_type_states_the_spec_schema_of_its_name() {
    let compared = assert_generated(
        &spec_v1(),
        &[
            schema_for!(ProfileResponse),
            schema_for!(ProfileRequest),
            schema_for!(ErrorResponse),
        ],
    );
    // The schemas reached from the three bodies, by name: the objects and the replacements that
    // keep the spec's name.
    for name in [
        "ProfileResponse",
        "Profile",
        "AccessLevel",
        "Subscription",
        "NonSubscription",
        "Offer",
        "CustomAttribute",
        "ProfileRequest",
        "CustomAttributeInput",
        "InstallationMeta",
        "ErrorResponse",
        "ErrorDetail",
        "Timestamp",
        "Gender",
        "CancellationReason",
    ] {
        assert!(compared.contains(name), "{name} was not compared");
    }
}

/// Every v2 request and response body: each object schema of the spec is compared, except the
/// replaced ones (compared above).
#[test]
fn every_v2_generated_type_states_the_spec_schema_of_its_name() {
    use v2::types as t;
    let spec = spec_v2();
    let compared = assert_generated(
        &spec,
        &[
            schema_for!(t::ProfileRequest),
            schema_for!(t::ProfileResponse),
            schema_for!(t::ErrorResponse),
            schema_for!(t::TransactionRequest),
            schema_for!(t::GrantAccessLevelRequest),
            schema_for!(t::RevokeAccessLevelRequest),
            schema_for!(t::RefundSaverSettingsRequest),
            schema_for!(t::RefundSaverSettingsResponse),
            schema_for!(t::StripeValidationRequest),
            schema_for!(t::StripeValidationResponse),
            schema_for!(t::StripeErrorResponse),
            schema_for!(t::PaddleValidationRequest),
            schema_for!(t::IntegrationIdentifiers),
            schema_for!(t::IntegrationIdentifiersRequest),
            schema_for!(t::PaywallListResponse),
            schema_for!(t::Paywall),
            schema_for!(t::PaywallUpdateRequest),
            schema_for!(t::VirtualCurrencyTransactionRequest),
            schema_for!(t::VirtualCurrencyTransactionResponse),
            schema_for!(t::VirtualCurrencyTransactionList),
            schema_for!(t::VirtualCurrencyBalanceList),
        ],
    );
    let replaced: BTreeSet<&str> = v2::facts::REPLACED_SCHEMAS.iter().copied().collect();
    let missed: Vec<&String> = spec["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|name| !compared.contains(*name) && !replaced.contains(name.as_str()))
        .collect();
    assert!(missed.is_empty(), "v2 schemas not compared: {missed:?}");
}
