//! `cargo xtask breaking`: one test per classification rule (two small documents that differ by
//! that change alone), the walk's paths and guards, the command's exit statuses in a scratch git
//! repository, and the workspace's real specs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use openapiv3::OpenAPI;
use xtask::breaking::{self, Change, Class, Direction, Options, RULES, Side, compare};

// ---------------------------------------------------------------------------------------------
// Small documents.

/// A document of one operation, `POST /things/{id}/` (`postThing`), whose request body is the
/// schema `Req` and whose `200` answer is the schema `Res`; every part can be replaced. Values are
/// YAML flow mappings, so each fits on one line.
#[derive(Clone)]
struct Api {
    params: String,
    body: Option<String>,
    responses: String,
    req: String,
    res: String,
    /// More schema entries (`Name: {...}`), one a line.
    schemas: Vec<String>,
    /// More path items (`/path/: {...}`), one a line.
    paths: Vec<String>,
}

const JSON_BODY: &str =
    "{required: true, content: {application/json: {schema: {$ref: '#/components/schemas/Req'}}}}";
const OK_RES: &str = "{'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Res'}}}}}";

impl Api {
    fn new() -> Self {
        Api {
            params: "[{name: id, in: path, required: true, schema: {type: string}}]".to_owned(),
            body: Some(JSON_BODY.to_owned()),
            responses: OK_RES.to_owned(),
            req: "{type: object, properties: {name: {type: string}}}".to_owned(),
            res: "{type: object, required: [id], properties: {id: {type: string}}}".to_owned(),
            schemas: Vec::new(),
            paths: Vec::new(),
        }
    }

    fn params(mut self, params: &str) -> Self {
        self.params = params.to_owned();
        self
    }

    fn body(mut self, body: Option<&str>) -> Self {
        self.body = body.map(str::to_owned);
        self
    }

    fn responses(mut self, responses: &str) -> Self {
        self.responses = responses.to_owned();
        self
    }

    fn req(mut self, req: &str) -> Self {
        self.req = req.to_owned();
        self
    }

    fn res(mut self, res: &str) -> Self {
        self.res = res.to_owned();
        self
    }

    fn schema(mut self, entry: &str) -> Self {
        self.schemas.push(entry.to_owned());
        self
    }

    fn path(mut self, entry: &str) -> Self {
        self.paths.push(entry.to_owned());
        self
    }

    fn yaml(&self) -> String {
        let mut text = String::from(
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /things/{id}/:\n    post:\n      operationId: postThing\n",
        );
        text += &format!("      parameters: {}\n", self.params);
        if let Some(body) = &self.body {
            text += &format!("      requestBody: {body}\n");
        }
        text += &format!("      responses: {}\n", self.responses);
        for path in &self.paths {
            text += &format!("  {path}\n");
        }
        text += &format!(
            "components:\n  schemas:\n    Req: {}\n    Res: {}\n",
            self.req, self.res
        );
        for schema in &self.schemas {
            text += &format!("    {schema}\n");
        }
        text
    }

    fn doc(&self) -> OpenAPI {
        let text = self.yaml();
        xtask::parse_spec(&text, "test document").unwrap_or_else(|e| panic!("{e:#}\n{text}"))
    }
}

fn changes(before: &Api, after: &Api) -> Vec<Change> {
    compare(&before.doc(), &after.doc())
}

fn listed(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| format!("  {c}\n"))
        .collect::<String>()
}

/// The comparison of `before` with `after` fires the rule `id`, with the class `class` and on the
/// side its direction says, and no other rule.
fn check(id: &str, class: Class, before: &Api, after: &Api) {
    let rule = breaking::find_rule(id).unwrap_or_else(|| panic!("no rule `{id}`"));
    assert_eq!(rule.class, class, "the table classifies `{id}` otherwise");
    let found = changes(before, after);
    let fired: BTreeSet<&str> = found.iter().map(|c| c.rule.id).collect();
    assert_eq!(
        fired,
        BTreeSet::from([id]),
        "expected `{id}` alone; found:\n{}",
        listed(&found)
    );
    for change in &found {
        assert_eq!(change.class(), class);
        match rule.direction {
            Direction::Request => assert_eq!(change.side, Some(Side::Request), "{change}"),
            Direction::Response => assert_eq!(change.side, Some(Side::Response), "{change}"),
            Direction::Either => {}
        }
        assert!(!change.subject.is_empty(), "{change}");
    }
    // Nothing changes between a document and itself.
    assert_eq!(changes(after, after), Vec::new());
}

const OTHER: &str =
    "/other/: {get: {operationId: getOther, responses: {'204': {description: none}}}}";
const PAGE: &str = "{name: page, in: query, schema: {type: integer}}";
const ID: &str = "{name: id, in: path, required: true, schema: {type: string}}";

fn with_page(required: bool) -> String {
    if required {
        format!("[{ID}, {{name: page, in: query, required: true, schema: {{type: integer}}}}]")
    } else {
        format!("[{ID}, {PAGE}]")
    }
}

fn res_with(properties: &str, required: &str) -> String {
    format!("{{type: object, required: [{required}], properties: {{{properties}}}}}")
}

fn req_with(properties: &str, required: &str) -> String {
    format!("{{type: object, required: [{required}], properties: {{{properties}}}}}")
}

fn two_media(second: bool) -> String {
    let json = "application/json: {schema: {$ref: '#/components/schemas/Res'}}";
    if second {
        format!(
            "{{'200': {{description: ok, content: {{{json}, text/csv: {{schema: {{type: string}}}}}}}}}}"
        )
    } else {
        format!("{{'200': {{description: ok, content: {{{json}}}}}}}")
    }
}

fn statuses(not_found: bool) -> String {
    let ok = "'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Res'}}}}";
    if not_found {
        format!("{{{ok}, '404': {{description: missing}}}}")
    } else {
        format!("{{{ok}}}")
    }
}

// ---------------------------------------------------------------------------------------------
// One test per rule.

macro_rules! rules {
    ($($test:ident: $id:literal, $class:ident, $before:expr, $after:expr;)*) => {
        /// Every rule id a test below exercises.
        const COVERED: &[&str] = &[$($id),*];
        $(
            #[test]
            fn $test() {
                check($id, Class::$class, &$before, &$after);
            }
        )*
    };
}

rules! {
    // Operations.
    operation_removed: "operation-removed", Breaking, Api::new().path(OTHER), Api::new();
    operation_added: "operation-added", Compatible, Api::new(), Api::new().path(OTHER);
    operation_moved: "operation-moved", Breaking,
        Api::new().path(OTHER), Api::new().path(&OTHER.replace("/other/", "/others/"));
    operation_renamed: "operation-renamed", Breaking,
        Api::new().path(OTHER), Api::new().path(&OTHER.replace("getOther", "fetchOther"));
    deprecated: "deprecated", Notice,
        Api::new().path(OTHER), Api::new().path(&OTHER.replace("getOther,", "getOther, deprecated: true,"));
    // Parameters.
    parameter_removed: "parameter-removed", Breaking, Api::new().params(&with_page(false)), Api::new();
    parameter_added: "parameter-added", Compatible, Api::new(), Api::new().params(&with_page(false));
    parameter_added_required: "parameter-added-required", Breaking,
        Api::new(),
        Api::new().params(&format!("[{ID}, {{name: x-key, in: header, required: true, schema: {{type: string}}}}]"));
    parameter_required: "parameter-required", Breaking,
        Api::new().params(&with_page(false)), Api::new().params(&with_page(true));
    parameter_optional: "parameter-optional", Compatible,
        Api::new().params(&with_page(true)), Api::new().params(&with_page(false));
    // Request bodies.
    request_body_removed: "request-body-removed", Breaking, Api::new(), Api::new().body(None);
    request_body_added: "request-body-added", Compatible,
        Api::new().body(None), Api::new().body(Some(&JSON_BODY.replace("required: true", "required: false")));
    request_body_added_required: "request-body-added-required", Breaking,
        Api::new().body(None), Api::new();
    request_body_required: "request-body-required", Breaking,
        Api::new().body(Some(&JSON_BODY.replace("required: true", "required: false"))), Api::new();
    request_body_optional: "request-body-optional", Compatible,
        Api::new(), Api::new().body(Some(&JSON_BODY.replace("required: true", "required: false")));
    // Media types and statuses.
    media_type_removed: "media-type-removed", Breaking,
        Api::new().responses(&two_media(true)), Api::new().responses(&two_media(false));
    media_type_added: "media-type-added", Compatible,
        Api::new().responses(&two_media(false)), Api::new().responses(&two_media(true));
    media_type_changed: "media-type-changed", Breaking,
        Api::new(), Api::new().body(Some(&JSON_BODY.replace("application/json", "application/vnd.api+json")));
    status_removed: "status-removed", Notice,
        Api::new().responses(&statuses(true)), Api::new().responses(&statuses(false));
    status_added: "status-added", Notice,
        Api::new().responses(&statuses(false)), Api::new().responses(&statuses(true));
    error_code_removed: "error-code-removed", Notice,
        Api::new().responses(&statuses(true).replace("missing}", "missing, x-error-codes: [gone, not_found]}")),
        Api::new().responses(&statuses(true).replace("missing}", "missing, x-error-codes: [not_found]}"));
    error_code_added: "error-code-added", Compatible,
        Api::new().responses(&statuses(true)),
        Api::new().responses(&statuses(true).replace("missing}", "missing, x-error-codes: [not_found]}"));
    // Schemas on either side.
    schema_removed: "schema-removed", Breaking,
        Api::new().schema("Unused: {type: object, properties: {a: {type: string}}}"), Api::new();
    schema_renamed: "schema-renamed", Breaking,
        Api::new()
            .res(&res_with("id: {type: string}, owner: {$ref: '#/components/schemas/Person'}", "id"))
            .schema("Person: {type: object, properties: {name: {type: string}}}"),
        Api::new()
            .res(&res_with("id: {type: string}, owner: {$ref: '#/components/schemas/Owner'}", "id"))
            .schema("Owner: {type: object, properties: {name: {type: string}}}");
    type_changed: "type-changed", Breaking,
        Api::new(), Api::new().res(&res_with("id: {type: integer}", "id"));
    format_changed: "format-changed", Breaking,
        Api::new(), Api::new().res(&res_with("id: {type: string, format: uuid}", "id"));
    enum_value_removed: "enum-value-removed", Breaking,
        Api::new().res(&res_with("id: {type: string, enum: [a, b]}", "id")),
        Api::new().res(&res_with("id: {type: string, enum: [a]}", "id"));
    enum_value_added: "enum-value-added", Compatible,
        Api::new().req(&req_with("kind: {type: string, enum: [a]}", "")),
        Api::new().req(&req_with("kind: {type: string, enum: [a, b]}", ""));
    variant_removed: "variant-removed", Breaking,
        Api::new().res(&res_with("id: {oneOf: [{type: string}, {type: number}]}", "id")),
        Api::new().res(&res_with("id: {oneOf: [{type: string}]}", "id"));
    variant_added: "variant-added", Compatible,
        Api::new().res(&res_with("id: {oneOf: [{type: string}]}", "id")),
        Api::new().res(&res_with("id: {oneOf: [{type: string}, {type: number}]}", "id"));
    // Request fields.
    request_field_removed: "request-field-removed", Breaking,
        Api::new().req(&req_with("name: {type: string}, note: {type: string}", "")), Api::new();
    request_field_added: "request-field-added", Compatible,
        Api::new(), Api::new().req(&req_with("name: {type: string}, note: {type: string}", ""));
    request_field_added_required: "request-field-added-required", Breaking,
        Api::new(), Api::new().req(&req_with("name: {type: string}, code: {type: string}", "code"));
    request_field_required: "request-field-required", Breaking,
        Api::new(), Api::new().req(&req_with("name: {type: string}", "name"));
    request_field_optional: "request-field-optional", Breaking,
        Api::new().req(&req_with("name: {type: string}", "name")), Api::new();
    request_field_nullable: "request-field-nullable", Breaking,
        Api::new(), Api::new().req(&req_with("name: {type: string, nullable: true}", ""));
    request_field_non_nullable: "request-field-non-nullable", Breaking,
        Api::new().req(&req_with("name: {type: string, nullable: true}", "")), Api::new();
    request_limit_tightened: "request-limit-tightened", Breaking,
        Api::new().req(&req_with("name: {type: string, maxLength: 50}", "")),
        Api::new().req(&req_with("name: {type: string, maxLength: 30}", ""));
    request_limit_loosened: "request-limit-loosened", Compatible,
        Api::new().req(&req_with("name: {type: string, pattern: '^[a-z]+$'}", "")), Api::new();
    request_default_changed: "request-default-changed", Notice,
        Api::new().req(&req_with("size: {type: integer, default: 10}", "")),
        Api::new().req(&req_with("size: {type: integer, default: 20}", ""));
    // Response fields.
    response_field_removed: "response-field-removed", Breaking,
        Api::new().res(&res_with("id: {type: string}, name: {type: string}", "id")), Api::new();
    response_field_added: "response-field-added", Compatible,
        Api::new(), Api::new().res(&res_with("id: {type: string}, name: {type: string}", "id"));
    response_field_nullable: "response-field-nullable", Breaking,
        Api::new(), Api::new().res(&res_with("id: {type: string, nullable: true}", "id"));
    response_field_optional: "response-field-optional", Breaking,
        Api::new(), Api::new().res(&res_with("id: {type: string}", ""));
    response_field_non_nullable: "response-field-non-nullable", Compatible,
        Api::new().res(&res_with("id: {type: string}, nick: {type: string, nullable: true}", "id")),
        Api::new().res(&res_with("id: {type: string}, nick: {type: string}", "id"));
    response_field_required: "response-field-required", Compatible,
        Api::new().res(&res_with("id: {type: string}, nick: {type: string, nullable: true}", "id")),
        Api::new().res(&res_with("id: {type: string}, nick: {type: string, nullable: true}", "id, nick"));
    response_field_unwrapped: "response-field-unwrapped", Breaking,
        Api::new().res(&res_with("id: {type: string, nullable: true}", "id")), Api::new();
    response_limit_loosened: "response-limit-loosened", Notice,
        Api::new().res(&res_with("id: {type: string, maxLength: 30}", "id")),
        Api::new().res(&res_with("id: {type: string, maxLength: 50}", "id"));
    response_limit_tightened: "response-limit-tightened", Compatible,
        Api::new().res(&res_with("id: {type: integer, minimum: 0}", "id")),
        Api::new().res(&res_with("id: {type: integer, minimum: 1}", "id"));
}

#[test]
fn every_rule_has_a_unique_id_and_a_test() {
    let mut ids = BTreeSet::new();
    for rule in RULES {
        assert!(ids.insert(rule.id), "`{}` is in RULES twice", rule.id);
        assert!(!rule.change.is_empty() && !rule.why.is_empty(), "{rule:?}");
    }
    let covered: BTreeSet<&str> = COVERED.iter().copied().collect();
    assert_eq!(covered.len(), COVERED.len(), "a rule is tested twice");
    let untested: Vec<&&str> = ids.difference(&covered).collect();
    assert!(untested.is_empty(), "rules without a test: {untested:?}");
    let unknown: Vec<&&str> = covered.difference(&ids).collect();
    assert!(unknown.is_empty(), "tests of no rule: {unknown:?}");
}

// ---------------------------------------------------------------------------------------------
// The walk: paths, sides, wrappers, recursion.

fn one(changes: &[Change], id: &str) -> Change {
    let matching: Vec<&Change> = changes.iter().filter(|c| c.rule.id == id).collect();
    assert_eq!(
        matching.len(),
        1,
        "one `{id}` expected:\n{}",
        listed(changes)
    );
    matching[0].clone()
}

#[test]
fn a_field_is_named_by_its_path_through_refs_arrays_maps_and_branches() {
    let before = Api::new()
        .res(&res_with(
            "id: {type: string}, access_levels: {type: array, items: {$ref: '#/components/schemas/AccessLevel'}}, \
             attributes: {type: object, additionalProperties: {type: string}}, \
             error: {oneOf: [{$ref: '#/components/schemas/Detail'}, {type: string}]}",
            "id",
        ))
        .schema("AccessLevel: {type: object, properties: {expires_at: {type: string, format: date-time}}}")
        .schema("Detail: {type: object, properties: {source: {type: string}}}");
    let after = Api::new()
        .res(&res_with(
            "id: {type: string}, access_levels: {type: array, items: {$ref: '#/components/schemas/AccessLevel'}}, \
             attributes: {type: object, additionalProperties: {type: integer}}, \
             error: {oneOf: [{$ref: '#/components/schemas/Detail'}, {type: string}]}",
            "id",
        ))
        .schema("AccessLevel: {type: object, properties: {expires_at: {type: string, format: date}}}")
        .schema("Detail: {type: object, properties: {source: {type: integer}}}");
    let found = changes(&before, &after);
    let subjects: BTreeSet<String> = found.iter().map(|c| c.subject.clone()).collect();
    assert_eq!(
        subjects,
        BTreeSet::from([
            "Res.access_levels[].expires_at".to_owned(),
            "Res.attributes{}".to_owned(),
            "Res.error<#0>.source".to_owned(),
        ]),
        "{}",
        listed(&found)
    );
    let format = one(&found, "format-changed");
    assert_eq!(format.detail, "date-time → date");
    assert_eq!(format.places, ["postThing 200"]);
}

#[test]
fn branches_that_are_all_named_are_matched_by_name() {
    let union = |order: &str| {
        Api::new()
            .res(&res_with(
                &format!("id: {{type: string}}, item: {{oneOf: [{order}]}}"),
                "id",
            ))
            .schema("Cat: {type: object, properties: {lives: {type: integer}}}")
            .schema("Dog: {type: object, properties: {name: {type: string}}}")
    };
    let cat = "{$ref: '#/components/schemas/Cat'}";
    let dog = "{$ref: '#/components/schemas/Dog'}";
    // Reordering named branches changes nothing.
    assert_eq!(
        changes(
            &union(&format!("{cat}, {dog}")),
            &union(&format!("{dog}, {cat}"))
        ),
        Vec::new()
    );
    let found = changes(&union(&format!("{cat}, {dog}")), &union(dog));
    let removed = one(&found, "variant-removed");
    assert_eq!(removed.detail, "`Cat`");
    assert_eq!(removed.subject, "Res.item");
}

#[test]
fn a_schema_used_on_both_sides_gets_both_sides_rules() {
    let person = |name: &str| {
        Api::new()
            .req("{$ref: '#/components/schemas/Person'}")
            .res("{$ref: '#/components/schemas/Person'}")
            .schema(&format!(
                "Person: {{type: object, required: [name], properties: {{name: {name}}}}}"
            ))
    };
    let found = changes(
        &person("{type: string}"),
        &person("{type: string, nullable: true}"),
    );
    let request = one(&found, "request-field-nullable");
    assert_eq!(request.subject, "Person.name");
    assert_eq!(request.places, ["postThing request"]);
    let response = one(&found, "response-field-nullable");
    assert_eq!(response.subject, "Person.name");
    assert_eq!(response.places, ["postThing 200"]);
    assert_eq!(found.len(), 2, "{}", listed(&found));
}

#[test]
fn the_same_change_in_several_operations_is_one_line_with_every_place() {
    let with_get = |res: &str| {
        Api::new()
            .res(res)
            .path("/more/: {get: {operationId: getMore, responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Res'}}}}}}}")
    };
    let found = changes(
        &with_get(&Api::new().res),
        &with_get(&res_with("id: {type: string}", "")),
    );
    let change = one(&found, "response-field-optional");
    assert_eq!(change.places, ["getMore 200", "postThing 200"]);
    assert_eq!(found.len(), 1, "{}", listed(&found));
    let line = change.to_string();
    assert!(
        line.starts_with("breaking   response  Res.id: response field made optional"),
        "{line}"
    );
    assert!(
        line.ends_with("— in getMore 200, postThing 200 [response-field-optional]"),
        "{line}"
    );
}

/// The specs' nullable references: `oneOf [X, NullValue]`.
const NULLABLE: [&str; 3] = [
    "NullValue: {type: string, nullable: true, enum: [null]}",
    "Stamp: {type: string, format: date-time}",
    "NullableStamp: {oneOf: [{$ref: '#/components/schemas/Stamp'}, {$ref: '#/components/schemas/NullValue'}]}",
];

#[test]
fn a_nullable_wrapper_is_its_schema_made_nullable_not_a_rename() {
    let stamp = |reference: &str| {
        NULLABLE.iter().fold(
            Api::new().res(&res_with(
                &format!("id: {{type: string}}, at: {{$ref: '#/components/schemas/{reference}'}}"),
                "id, at",
            )),
            |api, schema| api.schema(schema),
        )
    };
    let found = changes(&stamp("Stamp"), &stamp("NullableStamp"));
    let change = one(&found, "response-field-nullable");
    assert_eq!(change.subject, "Res.at");
    assert_eq!(found.len(), 1, "{}", listed(&found));
    // And back: the generated field loses its `Option`.
    let found = changes(&stamp("NullableStamp"), &stamp("Stamp"));
    assert_eq!(one(&found, "response-field-unwrapped").subject, "Res.at");
    assert_eq!(found.len(), 1, "{}", listed(&found));
}

#[test]
fn null_moved_inside_a_union_is_no_change() {
    // `nullable` on the union, or on the branch that admits `null`: the same values.
    let outer = Api::new().req(&req_with(
        "value: {nullable: true, oneOf: [{type: string}, {type: number}]}",
        "",
    ));
    let inner = Api::new().req(&req_with(
        "value: {oneOf: [{type: string, nullable: true}, {type: number}]}",
        "",
    ));
    assert_eq!(changes(&outer, &inner), Vec::new());
}

#[test]
fn a_recursive_schema_is_walked_once_per_path() {
    let tree = |name: &str| {
        Api::new()
            .res("{$ref: '#/components/schemas/Node'}")
            .schema(&format!(
                "Node: {{type: object, properties: {{name: {name}, children: {{type: array, items: {{$ref: '#/components/schemas/Node'}}}}}}}}"
            ))
    };
    let found = changes(&tree("{type: string}"), &tree("{type: integer}"));
    let change = one(&found, "type-changed");
    assert_eq!(change.subject, "Node.name");
    assert_eq!(change.detail, "string → integer");
    assert_eq!(found.len(), 1, "{}", listed(&found));
}

#[test]
fn all_of_parts_are_merged_into_one_object() {
    let parts = |second: &str| {
        Api::new()
            .res(&format!(
                "{{allOf: [{{$ref: '#/components/schemas/Base'}}, {second}]}}"
            ))
            .schema("Base: {type: object, required: [id], properties: {id: {type: string}}}")
    };
    let found = changes(
        &parts("{type: object, properties: {extra: {type: string}}}"),
        &parts("{type: object, properties: {extra: {type: string}, more: {type: string}}}"),
    );
    assert_eq!(one(&found, "response-field-added").subject, "Res.more");
    assert_eq!(found.len(), 1, "{}", listed(&found));
    // A property moving from one part to another is no change.
    let moved = Api::new()
        .res("{allOf: [{$ref: '#/components/schemas/Base'}, {type: object, properties: {extra: {type: string}}}]}")
        .schema("Base: {type: object, required: [id], properties: {id: {type: string}}}");
    let merged = Api::new()
        .res("{allOf: [{$ref: '#/components/schemas/Base'}, {type: object, properties: {}}]}")
        .schema("Base: {type: object, required: [id], properties: {id: {type: string}, extra: {type: string}}}");
    assert_eq!(changes(&moved, &merged), Vec::new());
}

#[test]
fn a_spec_absent_at_the_base_is_all_additions() {
    let found = compare(&OpenAPI::default(), &Api::new().path(OTHER).doc());
    let added: Vec<&str> = found.iter().map(|c| c.subject.as_str()).collect();
    assert_eq!(
        added,
        ["getOther (GET /other/)", "postThing (POST /things/{id}/)"]
    );
    assert!(found.iter().all(|c| c.rule.id == "operation-added"));
}

#[test]
fn the_rules_table_renders_as_markdown() {
    let table = breaking::rules_markdown();
    assert_eq!(table.lines().count(), RULES.len() + 2);
    assert!(table.contains(
        "| `response-field-nullable` | response | breaking | response field made nullable | a client reading it must now handle null |"
    ));
}

// ---------------------------------------------------------------------------------------------
// The command, in a scratch git repository.

struct Repo {
    root: PathBuf,
}

impl Repo {
    fn new(name: &str) -> Self {
        let root =
            std::env::temp_dir().join(format!("xtask-breaking-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("openapi")).expect("mkdir");
        std::fs::create_dir_all(root.join("adapty-api")).expect("mkdir");
        let repo = Repo { root };
        repo.git(&["init", "-q"]);
        repo
    }

    fn git(&self, args: &[&str]) -> String {
        let output = Command::new("git")
            .arg("-C")
            .arg(&self.root)
            .args([
                "-c",
                "user.name=test",
                "-c",
                "user.email=test@example.com",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn write(&self, path: &str, text: &str) {
        std::fs::write(self.root.join(path), text).expect("write");
    }

    fn commit(&self) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", "change"]);
        self.git(&["rev-parse", "HEAD"]).trim().to_owned()
    }

    fn run(&self, base: &str, specs: &[&str]) -> anyhow::Result<breaking::Report> {
        breaking::run(
            &self.root,
            &Options {
                base: base.to_owned(),
                specs: specs.iter().map(|s| (*s).to_owned()).collect(),
            },
        )
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

const SPEC: &str = "openapi/api.yaml";
const CHANGELOG: &str = "# Changelog\n\n## [Unreleased]\n\n## [0.1.0]\n\n- first\n";

#[test]
fn a_breaking_change_needs_a_changelog_entry() {
    let repo = Repo::new("changelog");
    repo.write(SPEC, &Api::new().yaml());
    repo.write("adapty-api/CHANGELOG.md", CHANGELOG);
    let base = repo.commit();

    let report = repo.run(&base, &[SPEC]).expect("runs");
    assert_eq!(report.count(Class::Breaking), 0);
    assert_eq!(report.status(), 0);
    assert!(
        report
            .to_string()
            .contains("api (openapi/api.yaml): no change"),
        "{report}"
    );

    // A compatible change passes.
    repo.write(
        SPEC,
        &Api::new()
            .res(&res_with("id: {type: string}, name: {type: string}", "id"))
            .yaml(),
    );
    let report = repo.run(&base, &[SPEC]).expect("runs");
    assert_eq!(
        (report.count(Class::Compatible), report.status()),
        (1, 0),
        "{report}"
    );

    // A breaking change fails while the Unreleased section is as it was...
    repo.write(
        SPEC,
        &Api::new()
            .res(&res_with("id: {type: string, nullable: true}", "id"))
            .yaml(),
    );
    let report = repo.run(&base, &[SPEC]).expect("runs");
    assert_eq!(report.count(Class::Breaking), 1);
    assert_eq!(report.status(), 1, "{report}");
    let text = report.to_string();
    assert!(
        text.contains("  api breaking   response  Res.id: response field made nullable"),
        "{text}"
    );
    assert!(
        report
            .verdict()
            .starts_with("error: 1 breaking change since"),
        "{}",
        report.verdict()
    );

    // ...even when another section changed...
    repo.write(
        "adapty-api/CHANGELOG.md",
        &CHANGELOG.replace("- first", "- first, fixed"),
    );
    assert_eq!(repo.run(&base, &[SPEC]).expect("runs").status(), 1);

    // ...and passes, with a note, once the section has an entry.
    repo.write(
        "adapty-api/CHANGELOG.md",
        &CHANGELOG.replace(
            "## [Unreleased]\n",
            "## [Unreleased]\n\n- `Res.id` may be null\n",
        ),
    );
    let report = repo.run(&base, &[SPEC]).expect("runs");
    assert!(report.changelog_changed);
    assert_eq!(report.status(), 0);
    assert!(
        report
            .verdict()
            .starts_with("note: 1 breaking change since"),
        "{}",
        report.verdict()
    );
}

#[test]
fn a_spec_new_since_the_base_is_all_additions_and_errors_are_errors() {
    let repo = Repo::new("errors");
    repo.write(SPEC, &Api::new().yaml());
    let base = repo.commit();
    repo.write("openapi/new.yaml", &Api::new().path(OTHER).yaml());

    let report = repo.run(&base, &[SPEC, "openapi/new.yaml"]).expect("runs");
    let new = &report.specs[1];
    assert!(new.new && !report.specs[0].new);
    assert_eq!(new.label, "new");
    assert_eq!((new.count(Class::Compatible), new.changes.len()), (2, 2));
    assert!(report.to_string().contains("absent at"), "{report}");

    // A revision git does not know, an option where the revision goes, a missing or broken spec.
    let error = |result: anyhow::Result<breaking::Report>| match result {
        Ok(report) => panic!("an error expected, got\n{report}"),
        Err(e) => format!("{e:#}"),
    };
    assert!(error(repo.run("no-such-rev", &[SPEC])).contains("no-such-rev"));
    assert!(error(repo.run("--all", &[SPEC])).contains("not a revision"));
    assert!(error(repo.run(&base, &["openapi/missing.yaml"])).contains("cannot read"));
    repo.write(SPEC, "openapi: 3.0.3\npaths: [not, a, map]\n");
    assert!(error(repo.run(&base, &[SPEC])).contains("is not an OpenAPI 3.0 document"));
}

#[test]
fn the_command_line_rejects_bad_usage_with_status_2() {
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(args)
            .output()
            .expect("xtask runs");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    assert_eq!(run(&["breaking"]).0, Some(2));
    assert_eq!(run(&["breaking", "--base"]).0, Some(2));
    assert_eq!(run(&["breaking", "--base", "a", "--base", "b"]).0, Some(2));
    assert_eq!(run(&["breaking", "--base", "a", "--frobnicate"]).0, Some(2));
    assert_eq!(
        run(&["breaking", "--base", "no-such-revision-anywhere"]).0,
        Some(2)
    );
    let (status, table) = run(&["breaking", "--rules"]);
    assert_eq!(status, Some(0));
    assert_eq!(table, breaking::rules_markdown());
}

// ---------------------------------------------------------------------------------------------
// The workspace's specs.

fn workspace() -> PathBuf {
    xtask::workspace_root()
}

fn read_spec(root: &Path, spec: &str) -> OpenAPI {
    let text = std::fs::read_to_string(root.join(spec)).expect("read spec");
    xtask::parse_spec(&text, spec).expect("parse spec")
}

#[test]
fn each_spec_compared_with_itself_has_no_change() {
    let root = workspace();
    for target in xtask::TARGETS {
        let spec = read_spec(&root, target.spec);
        let found = compare(&spec, &spec);
        assert!(found.is_empty(), "{}:\n{}", target.spec, listed(&found));
    }
}

/// The output of `git` in the workspace, or `None` when git or the history is not there.
fn git(root: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn the_v1_spec_since_its_first_commit_compares() {
    let root = workspace();
    let spec = "openapi/adapty-server-side-api-v1.yaml";
    let first = git(
        &root,
        &["log", "--diff-filter=A", "--format=%H", "--", spec],
    )
    .and_then(|out| out.lines().last().map(str::to_owned));
    let Some(first) = first else {
        eprintln!("skipped: no git history of {spec} here (a shallow clone?); CI has it");
        return;
    };
    let Some(text) = git(&root, &["show", &format!("{first}:{spec}")]) else {
        eprintln!("skipped: `git show {first}:{spec}` failed (a shallow clone?)");
        return;
    };
    let then = xtask::parse_spec(&text, spec).expect("the first v1 spec parses");
    let now = read_spec(&root, spec);
    let forward = compare(&then, &now);
    let backward = compare(&now, &then);
    // Undoing a change is the opposite change: additions one way are removals the other.
    let count = |changes: &[Change], id: &str| changes.iter().filter(|c| c.rule.id == id).count();
    for (added, removed) in [
        ("operation-added", "operation-removed"),
        ("response-field-added", "response-field-removed"),
        ("request-field-added", "request-field-removed"),
        ("enum-value-added", "enum-value-removed"),
        ("variant-added", "variant-removed"),
    ] {
        assert_eq!(
            count(&forward, added),
            count(&backward, removed),
            "{added} forward vs {removed} backward"
        );
        assert_eq!(count(&forward, removed), count(&backward, added));
    }
    for change in &forward {
        assert!(
            !change.subject.is_empty() && RULES.contains(change.rule),
            "{change}"
        );
    }
}
