//! The emulator's limits and enums are the spec's: these tests read `openapi/` and compare.

use serde_yaml::Value;

use crate::request::{
    GENDERS, INSTALLATION_TEXT_FIELDS, MAX_CUSTOM_ATTRIBUTES, MAX_KEY_CHARS, MAX_VALUE_CHARS,
};

fn spec() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/adapty-server-side-api-v1.yaml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

fn schema<'a>(spec: &'a Value, name: &str) -> &'a Value {
    &spec["components"]["schemas"][name]
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn custom_attribute_limits_match_the_spec() {
    let spec = spec();
    let list = &schema(&spec, "ProfileRequest")["properties"]["custom_attributes"];
    assert_eq!(
        list["maxItems"].as_u64(),
        Some(MAX_CUSTOM_ATTRIBUTES as u64)
    );
    assert_eq!(list["minItems"].as_u64(), Some(1));
    let key = &schema(&spec, "CustomAttributeInput")["properties"]["key"];
    assert_eq!(key["maxLength"].as_u64(), Some(MAX_KEY_CHARS as u64));
    assert_eq!(key["pattern"].as_str(), Some("^[A-Za-z0-9._-]+$"));
    let text = &schema(&spec, "CustomAttributeInputValue")["oneOf"][0];
    assert_eq!(text["maxLength"].as_u64(), Some(MAX_VALUE_CHARS as u64));
    assert_eq!(
        schema(&spec, "CustomAttributeInputValue")["oneOf"][1]["type"].as_str(),
        Some("number")
    );
}

#[test]
fn gender_and_device_fields_match_the_spec() {
    let spec = spec();
    assert_eq!(strings(&schema(&spec, "Gender")["enum"]), GENDERS);
    let meta = schema(&spec, "InstallationMeta");
    assert_eq!(strings(&meta["required"]), ["device_id"]);
    let mut fields: Vec<String> = meta["properties"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect();
    fields.retain(|f| f != "device_id");
    assert_eq!(fields, INSTALLATION_TEXT_FIELDS);
}

#[test]
fn request_fields_nullability_matches_the_spec() {
    let spec = spec();
    let properties = schema(&spec, "ProfileRequest")["properties"]
        .as_mapping()
        .unwrap();
    // Nullable itself, or through `allOf: [$ref: <a nullable schema>]` (how the spec keeps a
    // property's description beside a reference).
    let is_nullable = |property: &Value| {
        property["nullable"].as_bool() == Some(true)
            || property["allOf"].as_sequence().is_some_and(|all| {
                all.iter().any(|part| {
                    part["$ref"]
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                        .is_some_and(|name| {
                            let target = schema(&spec, name);
                            target["nullable"].as_bool() == Some(true)
                                || target["oneOf"].as_sequence().is_some_and(|branches| {
                                    branches.iter().any(|b| {
                                        b["$ref"].as_str() == Some("#/components/schemas/NullValue")
                                    })
                                })
                        })
                })
            })
    };
    let nullable: Vec<&str> = properties
        .iter()
        .filter(|(_, v)| is_nullable(v))
        .map(|(k, _)| k.as_str().unwrap())
        .collect();
    // The emulator clears these on `null` and refuses `null` for every other field.
    assert_eq!(
        nullable,
        [
            "first_name",
            "last_name",
            "gender",
            "email",
            "phone_number",
            "store_country",
            "store"
        ]
    );
}
