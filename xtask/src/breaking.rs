//! `cargo xtask breaking --base REV [--spec PATH ...]`: the changes to each spec since a git
//! revision, classified for a client user of the generated SDK.
//!
//! For each spec in `openapi/` ([`TARGETS`], or the `--spec` paths), the file at `REV` (`git show
//! REV:path`) is compared with the working tree's ([`compare`]); a spec absent at `REV` is compared
//! with an empty document, so every operation in it is an addition. Each change is printed on one
//! line, grouped per spec, with its class, its side, where it is (`Profile.access_levels[].expires_at`,
//! the operations and statuses that carry it) and the id of the rule that fired:
//!
//! ```text
//! v2 breaking   response  Profile.store_base_plan_id: response field made nullable (a client reading it must now handle null) — in getProfile 200, updateProfile 200 [response-field-nullable]
//! ```
//!
//! Exit status: 0 when nothing is breaking, or when the `## [Unreleased]` section of
//! `adapty-api/CHANGELOG.md` differs from the one at `REV` (the breaking change is acknowledged by
//! an entry); 1 when something is breaking and that section is unchanged; 2 for a usage error, a
//! spec that cannot be read or parsed, or a git failure. `cargo xtask breaking --rules` prints the
//! rules table.
//!
//! Which side a schema is on follows from where it is used: request rules below a parameter or a
//! request body, response rules below a response; a schema used on both sides is compared once per
//! side. Schemas are walked through `$ref`s, `allOf` (merged), `oneOf`/`anyOf` (branches matched by
//! schema name when every branch is a named one, by position otherwise), `items` (`[]` in a path)
//! and `additionalProperties` (`{}`); a recursive schema is walked once per path. A `oneOf` of a
//! schema and `null` (the specs' `Nullable*` schemas) is that schema, made nullable.
//!
//! "Breaking" means that a client's code must change: a request it sends may now be refused, a
//! response may now hold something it does not handle, or its code no longer compiles against the
//! generated types (a field wrapped in or out of `Option`, a type renamed). "Compatible" changes
//! leave every existing call and every generated signature working. A "notice" is worth reading
//! but asks nothing of existing code. New component schemas are not reported on their own: they
//! show up as the operations, fields and variants that use them.
//!
//! # Rules
//!
//! The table is [`RULES`]; `either` rules apply on both sides (or to an operation as a whole).
//!
//! | id | side | class | change | why |
//! | --- | --- | --- | --- | --- |
//! | `operation-removed` | either | breaking | operation removed | its client method and facts go; calls to it fail |
//! | `operation-added` | either | compatible | operation added | a new call; nothing that exists changes |
//! | `operation-moved` | either | breaking | method or path changed (same operationId) | requests must go to the new address; the facts' method and path change |
//! | `operation-renamed` | either | breaking | operationId changed (same method and path) | the generated names follow it (facts constants, API summary) |
//! | `deprecated` | either | notice | marked deprecated | it still works; plan to stop using it |
//! | `parameter-removed` | request | breaking | parameter removed | code passing it must stop; the server ignores or refuses it |
//! | `parameter-added` | request | compatible | optional parameter added | existing calls need not send it |
//! | `parameter-added-required` | request | breaking | required parameter added | every call must now send it |
//! | `parameter-required` | request | breaking | parameter made required | calls that left it out are refused |
//! | `parameter-optional` | request | compatible | parameter made optional | calls that send it still work |
//! | `request-body-removed` | request | breaking | request body removed | its type goes; a body sent anyway is ignored or refused |
//! | `request-body-added` | request | compatible | optional request body added | existing calls need not send it |
//! | `request-body-added-required` | request | breaking | required request body added | every call must now send one |
//! | `request-body-required` | request | breaking | request body made required | calls that sent none are refused |
//! | `request-body-optional` | request | compatible | request body made optional | calls that send one still work |
//! | `media-type-removed` | either | breaking | media type removed | a body in that format is no longer accepted or sent |
//! | `media-type-added` | either | compatible | media type added | another format besides the ones that stay |
//! | `media-type-changed` | either | breaking | media type replaced | the body is sent or read in another format |
//! | `status-removed` | response | notice | response status removed | a client's handling of it becomes dead code |
//! | `status-added` | response | notice | response status added | a client may get an answer it does not handle specially |
//! | `error-code-removed` | response | notice | documented error code removed (`x-error-codes`) | a client's handling of it becomes dead code |
//! | `error-code-added` | response | compatible | documented error code added (`x-error-codes`) | the error code enums are open; the facts' list of the operation's codes grows |
//! | `schema-removed` | either | breaking | component schema removed | its Rust type disappears |
//! | `schema-renamed` | either | breaking | schema renamed (another named schema, or inline ↔ named) | the Rust type's name changes |
//! | `type-changed` | either | breaking | type changed | the Rust type changes; values of the old type are refused or misread |
//! | `format-changed` | either | breaking | format changed | the Rust type or its parsing changes (e.g. `String` ↔ `Timestamp`) |
//! | `enum-value-removed` | either | breaking | enum value removed | requests with it are refused; the open enum loses the variant code may match on |
//! | `enum-value-added` | either | compatible | enum value added | the open enums are `#[non_exhaustive]` and already keep unknown values |
//! | `variant-removed` | either | breaking | oneOf/anyOf branch removed | the generated enum loses a variant |
//! | `variant-added` | either | compatible | oneOf/anyOf branch added | the generated enums are `#[non_exhaustive]` |
//! | `request-field-removed` | request | breaking | request field removed | the SDK type loses it; code setting it no longer compiles |
//! | `request-field-added` | request | compatible | optional request field added | existing requests need not set it |
//! | `request-field-added-required` | request | breaking | required request field added | every request must now set it |
//! | `request-field-required` | request | breaking | request field made required | requests that left it out are refused |
//! | `request-field-optional` | request | breaking | request field made optional | wire-compatible, but the generated field becomes `Option<T>`: code setting it must wrap the value |
//! | `request-field-nullable` | request | breaking | request field made nullable | wire-compatible, but the generated field's type changes (`Nullable<T>` or `Option<T>`) |
//! | `request-field-non-nullable` | request | breaking | request field no longer nullable | a request sending `null` (clearing it) is refused |
//! | `request-limit-tightened` | request | breaking | request limit tightened (length, range, pattern, items, extra keys) | values that passed may now be refused (by the client's own validation first) |
//! | `request-limit-loosened` | request | compatible | request limit loosened | every value that passed still passes |
//! | `request-default-changed` | request | notice | request default changed | leaving the value out now means something else |
//! | `response-field-removed` | response | breaking | response field removed | the SDK type loses it; code reading it no longer compiles |
//! | `response-field-added` | response | compatible | response field added | the types are `#[non_exhaustive]`; existing code ignores it |
//! | `response-field-nullable` | response | breaking | response field made nullable | a client reading it must now handle null |
//! | `response-field-optional` | response | breaking | response field made optional | a client reading it must now handle its absence |
//! | `response-field-non-nullable` | response | compatible | response field no longer nullable (still optional) | `null` stops coming; the field stays `Option<T>` |
//! | `response-field-required` | response | compatible | response field made required (still nullable) | it is always sent now; the field stays `Option<T>` |
//! | `response-field-unwrapped` | response | breaking | response field now required and non-nullable | the generated field changes from `Option<T>` to `T`: code handling `None` no longer compiles |
//! | `response-limit-loosened` | response | notice | response limit loosened | values outside the old limits may come back (storage sized for them must grow) |
//! | `response-limit-tightened` | response | compatible | response limit tightened | every value that comes back fitted the old limits |

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::{self, Write as _};
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use openapiv3::{
    AdditionalProperties, AnySchema, Content, IntegerFormat, NumberFormat, OpenAPI, Operation,
    Parameter, ParameterData, ParameterSchemaOrContent, PathItem, ReferenceOr, RequestBody,
    Response, Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
};

use crate::{TARGETS, parse_spec};

/// The changelog whose `## [Unreleased]` section acknowledges a breaking change.
pub const CHANGELOG: &str = "adapty-api/CHANGELOG.md";

/// How a change affects a client user of the generated SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// A client's code must change: a request may be refused, a response may hold something it
    /// does not handle, or its code no longer compiles against the generated types.
    Breaking,
    /// Worth reading; asks nothing of existing code.
    Notice,
    /// Every existing call and generated signature keeps working.
    Compatible,
}

impl Class {
    /// The class as printed: `breaking`, `notice` or `compatible`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Breaking => "breaking",
            Self::Notice => "notice",
            Self::Compatible => "compatible",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Where a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// Below a parameter or a request body: what the client sends.
    Request,
    /// Below a response: what the client reads.
    Response,
    /// On both sides, or to an operation or component as a whole.
    Either,
}

impl Direction {
    /// The direction as printed in the rules table.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Response => "response",
            Self::Either => "either",
        }
    }
}

/// The side a change was found on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// In what the client sends (parameters, request bodies).
    Request,
    /// In what the client reads (responses).
    Response,
}

impl Side {
    /// The side as printed: `request` or `response`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Response => "response",
        }
    }
}

/// One classification rule: a kind of change and what it means for a client.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// A stable identifier, printed after each change it classifies.
    pub id: &'static str,
    /// The side the rule applies on.
    pub direction: Direction,
    /// What a change of this kind is for a client.
    pub class: Class,
    /// The change, in a few words.
    pub change: &'static str,
    /// Why it has its class: what a client sees or must do.
    pub why: &'static str,
}

const fn rule(
    id: &'static str,
    direction: Direction,
    class: Class,
    change: &'static str,
    why: &'static str,
) -> Rule {
    Rule {
        id,
        direction,
        class,
        change,
        why,
    }
}

use Class::{Breaking, Compatible, Notice};
use Direction::{Either, Request as Req, Response as Resp};

/// Every classification rule: the one place a change's class is decided. The module
/// documentation renders it (a test keeps the two equal); `cargo xtask breaking --rules` prints it.
#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    // Operations.
    rule("operation-removed", Either, Breaking, "operation removed", "its client method and facts go; calls to it fail"),
    rule("operation-added", Either, Compatible, "operation added", "a new call; nothing that exists changes"),
    rule("operation-moved", Either, Breaking, "method or path changed (same operationId)", "requests must go to the new address; the facts' method and path change"),
    rule("operation-renamed", Either, Breaking, "operationId changed (same method and path)", "the generated names follow it (facts constants, API summary)"),
    rule("deprecated", Either, Notice, "marked deprecated", "it still works; plan to stop using it"),
    // Parameters.
    rule("parameter-removed", Req, Breaking, "parameter removed", "code passing it must stop; the server ignores or refuses it"),
    rule("parameter-added", Req, Compatible, "optional parameter added", "existing calls need not send it"),
    rule("parameter-added-required", Req, Breaking, "required parameter added", "every call must now send it"),
    rule("parameter-required", Req, Breaking, "parameter made required", "calls that left it out are refused"),
    rule("parameter-optional", Req, Compatible, "parameter made optional", "calls that send it still work"),
    // Request bodies.
    rule("request-body-removed", Req, Breaking, "request body removed", "its type goes; a body sent anyway is ignored or refused"),
    rule("request-body-added", Req, Compatible, "optional request body added", "existing calls need not send it"),
    rule("request-body-added-required", Req, Breaking, "required request body added", "every call must now send one"),
    rule("request-body-required", Req, Breaking, "request body made required", "calls that sent none are refused"),
    rule("request-body-optional", Req, Compatible, "request body made optional", "calls that send one still work"),
    // Media types and statuses.
    rule("media-type-removed", Either, Breaking, "media type removed", "a body in that format is no longer accepted or sent"),
    rule("media-type-added", Either, Compatible, "media type added", "another format besides the ones that stay"),
    rule("media-type-changed", Either, Breaking, "media type replaced", "the body is sent or read in another format"),
    rule("status-removed", Resp, Notice, "response status removed", "a client's handling of it becomes dead code"),
    rule("status-added", Resp, Notice, "response status added", "a client may get an answer it does not handle specially"),
    rule("error-code-removed", Resp, Notice, "documented error code removed (`x-error-codes`)", "a client's handling of it becomes dead code"),
    rule("error-code-added", Resp, Compatible, "documented error code added (`x-error-codes`)", "the error code enums are open; the facts' list of the operation's codes grows"),
    // Schemas, on either side.
    rule("schema-removed", Either, Breaking, "component schema removed", "its Rust type disappears"),
    rule("schema-renamed", Either, Breaking, "schema renamed (another named schema, or inline ↔ named)", "the Rust type's name changes"),
    rule("type-changed", Either, Breaking, "type changed", "the Rust type changes; values of the old type are refused or misread"),
    rule("format-changed", Either, Breaking, "format changed", "the Rust type or its parsing changes (e.g. `String` ↔ `Timestamp`)"),
    rule("enum-value-removed", Either, Breaking, "enum value removed", "requests with it are refused; the open enum loses the variant code may match on"),
    rule("enum-value-added", Either, Compatible, "enum value added", "the open enums are `#[non_exhaustive]` and already keep unknown values"),
    rule("variant-removed", Either, Breaking, "oneOf/anyOf branch removed", "the generated enum loses a variant"),
    rule("variant-added", Either, Compatible, "oneOf/anyOf branch added", "the generated enums are `#[non_exhaustive]`"),
    // Request fields.
    rule("request-field-removed", Req, Breaking, "request field removed", "the SDK type loses it; code setting it no longer compiles"),
    rule("request-field-added", Req, Compatible, "optional request field added", "existing requests need not set it"),
    rule("request-field-added-required", Req, Breaking, "required request field added", "every request must now set it"),
    rule("request-field-required", Req, Breaking, "request field made required", "requests that left it out are refused"),
    rule("request-field-optional", Req, Breaking, "request field made optional", "wire-compatible, but the generated field becomes `Option<T>`: code setting it must wrap the value"),
    rule("request-field-nullable", Req, Breaking, "request field made nullable", "wire-compatible, but the generated field's type changes (`Nullable<T>` or `Option<T>`)"),
    rule("request-field-non-nullable", Req, Breaking, "request field no longer nullable", "a request sending `null` (clearing it) is refused"),
    rule("request-limit-tightened", Req, Breaking, "request limit tightened (length, range, pattern, items, extra keys)", "values that passed may now be refused (by the client's own validation first)"),
    rule("request-limit-loosened", Req, Compatible, "request limit loosened", "every value that passed still passes"),
    rule("request-default-changed", Req, Notice, "request default changed", "leaving the value out now means something else"),
    // Response fields.
    rule("response-field-removed", Resp, Breaking, "response field removed", "the SDK type loses it; code reading it no longer compiles"),
    rule("response-field-added", Resp, Compatible, "response field added", "the types are `#[non_exhaustive]`; existing code ignores it"),
    rule("response-field-nullable", Resp, Breaking, "response field made nullable", "a client reading it must now handle null"),
    rule("response-field-optional", Resp, Breaking, "response field made optional", "a client reading it must now handle its absence"),
    rule("response-field-non-nullable", Resp, Compatible, "response field no longer nullable (still optional)", "`null` stops coming; the field stays `Option<T>`"),
    rule("response-field-required", Resp, Compatible, "response field made required (still nullable)", "it is always sent now; the field stays `Option<T>`"),
    rule("response-field-unwrapped", Resp, Breaking, "response field now required and non-nullable", "the generated field changes from `Option<T>` to `T`: code handling `None` no longer compiles"),
    rule("response-limit-loosened", Resp, Notice, "response limit loosened", "values outside the old limits may come back (storage sized for them must grow)"),
    rule("response-limit-tightened", Resp, Compatible, "response limit tightened", "every value that comes back fitted the old limits"),
];

/// The rule with this id, if there is one.
pub fn find_rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.id == id)
}

/// The rules table as markdown (the module documentation holds the same table).
pub fn rules_markdown() -> String {
    let mut out =
        String::from("| id | side | class | change | why |\n| --- | --- | --- | --- | --- |\n");
    for rule in RULES {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            rule.id,
            rule.direction.as_str(),
            rule.class,
            rule.change,
            rule.why
        );
    }
    out
}

/// One change between two revisions of a spec, classified by a [`Rule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The rule that classified it.
    pub rule: &'static Rule,
    /// The side it was found on; `None` for an operation or a component as a whole.
    pub side: Option<Side>,
    /// What changed: a field path (`Profile.access_levels[].expires_at`), a parameter (`query
    /// page`), an operation (`getProfile (GET /profile/)`) or a schema name.
    pub subject: String,
    /// The specifics (`string → integer`, `maxLength 50 → 30`), or empty.
    pub detail: String,
    /// Where the subject is used (`getProfile 200`, `updateProfile request`), in the order found.
    pub places: Vec<String>,
}

impl Change {
    /// The class of the rule that fired.
    pub fn class(&self) -> Class {
        self.rule.class
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = self.side.map_or("-", Side::as_str);
        write!(
            f,
            "{:<10} {side:<8}  {}: {}",
            self.rule.class, self.subject, self.rule.change
        )?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        write!(f, " ({})", self.rule.why)?;
        if !self.places.is_empty() {
            write!(f, " — in {}", self.places.join(", "))?;
        }
        write!(f, " [{}]", self.rule.id)
    }
}

/// Compares two revisions of a spec: every change from `before` to `after`, classified for a
/// client, with identical changes found in several places merged into one (its
/// [`Change::places`]). Sorted: breaking first, then notices, then compatible changes.
pub fn compare(before: &OpenAPI, after: &OpenAPI) -> Vec<Change> {
    let mut walk = Walk {
        before,
        after,
        found: Vec::new(),
        stack: Vec::new(),
        renamed: BTreeSet::new(),
    };
    walk.operations();
    walk.components();
    merge(walk.found)
}

/// Identical changes (same rule, side, subject and detail) become one, with every place.
fn merge(found: Vec<Change>) -> Vec<Change> {
    let mut merged: Vec<Change> = Vec::new();
    let mut index: HashMap<(&'static str, Option<Side>, String, String), usize> = HashMap::new();
    for change in found {
        let key = (
            change.rule.id,
            change.side,
            change.subject.clone(),
            change.detail.clone(),
        );
        match index.get(&key) {
            Some(&at) => {
                for place in change.places {
                    if !merged[at].places.contains(&place) {
                        merged[at].places.push(place);
                    }
                }
            }
            None => {
                index.insert(key, merged.len());
                merged.push(change);
            }
        }
    }
    merged.sort_by(|a, b| {
        (a.rule.class, &a.subject, a.side, a.rule.id, &a.detail).cmp(&(
            b.rule.class,
            &b.subject,
            b.side,
            b.rule.id,
            &b.detail,
        ))
    });
    merged
}

// ---------------------------------------------------------------------------------------------
// The walk over two documents.

/// A schema position: a reference or an inline schema.
#[derive(Clone, Copy)]
enum SRef<'a> {
    Ref(&'a str),
    Item(&'a Schema),
}

impl<'a> From<&'a ReferenceOr<Schema>> for SRef<'a> {
    fn from(r: &'a ReferenceOr<Schema>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => Self::Ref(reference),
            ReferenceOr::Item(schema) => Self::Item(schema),
        }
    }
}

impl<'a> From<&'a ReferenceOr<Box<Schema>>> for SRef<'a> {
    fn from(r: &'a ReferenceOr<Box<Schema>>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => Self::Ref(reference),
            ReferenceOr::Item(schema) => Self::Item(schema),
        }
    }
}

/// A schema position with its `$ref`s, single-branch `allOf`s and null branches followed.
struct Resolved<'a> {
    /// The innermost schema name reached (the Rust type's name), if any.
    name: Option<&'a str>,
    /// `nullable: true`, a `null` enum value, or a `null` branch on the way.
    nullable: bool,
    /// `deprecated: true` on the way.
    deprecated: bool,
    /// The first `default` on the way, as JSON.
    default: Option<String>,
    /// The schema reached; `None` for a reference that leads nowhere.
    schema: Option<&'a Schema>,
}

/// The name in a `#/components/<kind>/<name>` reference (the whole reference for others).
fn ref_name<'a>(reference: &'a str, kind: &str) -> &'a str {
    reference
        .strip_prefix("#/components/")
        .and_then(|rest| rest.strip_prefix(kind))
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(reference)
}

fn components(doc: &OpenAPI) -> Option<&openapiv3::Components> {
    doc.components.as_ref()
}

/// Follows references of one component kind until an item, at most a few hops.
fn follow<'a, T>(
    mut current: &'a ReferenceOr<T>,
    lookup: impl Fn(&str) -> Option<&'a ReferenceOr<T>>,
) -> Option<&'a T> {
    for _ in 0..16 {
        match current {
            ReferenceOr::Item(item) => return Some(item),
            ReferenceOr::Reference { reference } => current = lookup(reference)?,
        }
    }
    None
}

fn parameter<'a>(doc: &'a OpenAPI, p: &'a ReferenceOr<Parameter>) -> Option<&'a Parameter> {
    follow(p, |r| {
        components(doc)?.parameters.get(ref_name(r, "parameters"))
    })
}

fn request_body<'a>(doc: &'a OpenAPI, b: &'a ReferenceOr<RequestBody>) -> Option<&'a RequestBody> {
    follow(b, |r| {
        components(doc)?
            .request_bodies
            .get(ref_name(r, "requestBodies"))
    })
}

fn response<'a>(doc: &'a OpenAPI, r: &'a ReferenceOr<Response>) -> Option<&'a Response> {
    follow(r, |x| {
        components(doc)?.responses.get(ref_name(x, "responses"))
    })
}

fn schema_component<'a>(doc: &'a OpenAPI, reference: &str) -> Option<&'a ReferenceOr<Schema>> {
    components(doc)?.schemas.get(ref_name(reference, "schemas"))
}

/// Whether a schema is `null` and nothing else (`enum: [null]`).
fn is_null(doc: &OpenAPI, position: SRef<'_>) -> bool {
    let mut current = position;
    for _ in 0..16 {
        match current {
            SRef::Ref(r) => match schema_component(doc, r) {
                Some(next) => current = next.into(),
                None => return false,
            },
            SRef::Item(schema) => {
                return match &schema.schema_kind {
                    SchemaKind::Type(Type::String(t)) => {
                        !t.enumeration.is_empty() && t.enumeration.iter().all(Option::is_none)
                    }
                    SchemaKind::Type(Type::Number(t)) => {
                        !t.enumeration.is_empty() && t.enumeration.iter().all(Option::is_none)
                    }
                    SchemaKind::Type(Type::Integer(t)) => {
                        !t.enumeration.is_empty() && t.enumeration.iter().all(Option::is_none)
                    }
                    SchemaKind::Type(Type::Boolean(t)) => {
                        !t.enumeration.is_empty() && t.enumeration.iter().all(Option::is_none)
                    }
                    SchemaKind::Any(a) => {
                        a.typ.as_deref() == Some("null")
                            || (!a.enumeration.is_empty()
                                && a.enumeration.iter().all(|v| v.is_null()))
                    }
                    _ => false,
                };
            }
        }
    }
    false
}

/// Whether a schema admits `null` by itself (`nullable`, or `null` among its enum values), without
/// looking into its branches.
fn admits_null(doc: &OpenAPI, position: SRef<'_>) -> bool {
    let mut current = position;
    for _ in 0..16 {
        match current {
            SRef::Ref(r) => match schema_component(doc, r) {
                Some(next) => current = next.into(),
                None => return false,
            },
            SRef::Item(schema) => {
                return schema.schema_data.nullable
                    || match &schema.schema_kind {
                        SchemaKind::Type(Type::String(t)) => t.enumeration.contains(&None),
                        SchemaKind::Type(Type::Number(t)) => t.enumeration.contains(&None),
                        SchemaKind::Type(Type::Integer(t)) => t.enumeration.contains(&None),
                        SchemaKind::Any(a) => a.enumeration.iter().any(|v| v.is_null()),
                        _ => false,
                    };
            }
        }
    }
    false
}

/// Follows a schema position to the schema that gives its Rust type (see [`Resolved`]).
fn resolve<'a>(doc: &'a OpenAPI, position: SRef<'a>) -> Resolved<'a> {
    let mut resolved = Resolved {
        name: None,
        nullable: false,
        deprecated: false,
        default: None,
        schema: None,
    };
    let mut current = position;
    for _ in 0..32 {
        match current {
            SRef::Ref(r) => {
                resolved.name = Some(ref_name(r, "schemas"));
                match schema_component(doc, r) {
                    Some(next) => current = next.into(),
                    None => return resolved,
                }
            }
            SRef::Item(schema) => {
                let data = &schema.schema_data;
                resolved.nullable |= data.nullable;
                resolved.deprecated |= data.deprecated;
                if resolved.default.is_none() {
                    resolved.default = data.default.as_ref().map(ToString::to_string);
                }
                match &schema.schema_kind {
                    SchemaKind::OneOf { one_of: branches }
                    | SchemaKind::AnyOf { any_of: branches } => {
                        let rest: Vec<&ReferenceOr<Schema>> = branches
                            .iter()
                            .filter(|b| !is_null(doc, SRef::from(*b)))
                            .collect();
                        if rest.len() < branches.len() {
                            resolved.nullable = true;
                            if let [only] = rest.as_slice() {
                                current = SRef::from(*only);
                                continue;
                            }
                        }
                        // `null` admitted by a branch of its own (`type: string, nullable: true`).
                        if rest.iter().any(|b| admits_null(doc, SRef::from(*b))) {
                            resolved.nullable = true;
                        }
                    }
                    SchemaKind::AllOf { all_of } if all_of.len() == 1 => {
                        current = SRef::from(&all_of[0]);
                        continue;
                    }
                    SchemaKind::Type(Type::String(t)) if t.enumeration.contains(&None) => {
                        resolved.nullable = true;
                    }
                    SchemaKind::Type(Type::Number(t)) if t.enumeration.contains(&None) => {
                        resolved.nullable = true;
                    }
                    SchemaKind::Type(Type::Integer(t)) if t.enumeration.contains(&None) => {
                        resolved.nullable = true;
                    }
                    SchemaKind::Any(a) if a.enumeration.iter().any(|v| v.is_null()) => {
                        resolved.nullable = true;
                    }
                    _ => {}
                }
                resolved.schema = Some(schema);
                return resolved;
            }
        }
    }
    resolved
}

/// Whether an inline schema would get a Rust type of its own (so naming it renames the type).
fn names_a_type(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(t)) => !t.enumeration.is_empty(),
        SchemaKind::Type(Type::Integer(t)) => !t.enumeration.is_empty(),
        SchemaKind::Type(Type::Number(t)) => !t.enumeration.is_empty(),
        SchemaKind::Type(Type::Object(_))
        | SchemaKind::OneOf { .. }
        | SchemaKind::AnyOf { .. }
        | SchemaKind::AllOf { .. } => true,
        SchemaKind::Any(a) => !a.properties.is_empty() || !a.enumeration.is_empty(),
        _ => false,
    }
}

/// How a limit tightens.
#[derive(Clone, Copy)]
enum Bound {
    /// Smaller is tighter (`maxLength`, `maximum`, ...).
    Upper,
    /// Larger is tighter (`minLength`, `minimum`, ...).
    Lower,
    /// Any change may refuse something (`pattern`, `multipleOf`).
    Exact,
}

/// One limit of a schema: a number (with its exclusiveness) or a text.
#[derive(Clone, PartialEq)]
enum LimitValue {
    Number(f64, bool),
    Text(String),
}

impl fmt::Display for LimitValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n, exclusive) => {
                if n.fract() == 0.0 && n.abs() < 1e15 {
                    write!(f, "{}", *n as i64)?;
                } else {
                    write!(f, "{n}")?;
                }
                if *exclusive {
                    write!(f, " (exclusive)")?;
                }
                Ok(())
            }
            Self::Text(t) => write!(f, "`{t}`"),
        }
    }
}

struct Limit {
    name: &'static str,
    bound: Bound,
    value: Option<LimitValue>,
}

/// What `additionalProperties` allows.
#[derive(Clone, Copy)]
enum Extra<'a> {
    Open,
    Closed,
    Schema(SRef<'a>),
}

impl Extra<'_> {
    fn label(&self) -> &'static str {
        match self {
            Self::Open => "any extra keys",
            Self::Closed => "no extra keys",
            Self::Schema(_) => "extra keys of one schema",
        }
    }
}

/// The parts of a schema that are compared, whatever the way it was written.
struct Shape<'a> {
    kind: String,
    format: Option<String>,
    values: Option<Vec<String>>,
    limits: Vec<Limit>,
    properties: Vec<(&'a str, SRef<'a>)>,
    required: BTreeSet<&'a str>,
    extra: Extra<'a>,
    items: Option<SRef<'a>>,
    branches: Vec<SRef<'a>>,
}

impl<'a> Shape<'a> {
    fn new(kind: &str) -> Self {
        Shape {
            kind: kind.to_owned(),
            format: None,
            values: None,
            limits: Vec::new(),
            properties: Vec::new(),
            required: BTreeSet::new(),
            extra: Extra::Open,
            items: None,
            branches: Vec::new(),
        }
    }

    /// The type as compared and printed: `string`, `string enum`, `object`, `oneOf`, ...
    fn label(&self) -> String {
        if self.values.is_some() {
            format!("{} enum", self.kind)
        } else {
            self.kind.clone()
        }
    }

    fn property(&self, name: &str) -> Option<SRef<'a>> {
        self.properties
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| *s)
    }

    fn limit(&mut self, name: &'static str, bound: Bound, value: Option<LimitValue>) {
        self.limits.push(Limit { name, bound, value });
    }

    fn count(&mut self, name: &'static str, bound: Bound, value: Option<usize>) {
        // A lower bound of 0 is no bound.
        let value = value.filter(|&v| !(matches!(bound, Bound::Lower) && v == 0));
        self.limit(
            name,
            bound,
            value.map(|v| LimitValue::Number(v as f64, false)),
        );
    }

    fn number(&mut self, name: &'static str, bound: Bound, value: Option<f64>, exclusive: bool) {
        self.limit(name, bound, value.map(|v| LimitValue::Number(v, exclusive)));
    }

    fn text(&mut self, name: &'static str, value: Option<&String>) {
        self.limit(
            name,
            Bound::Exact,
            value.map(|v| LimitValue::Text(v.clone())),
        );
    }

    fn flag(&mut self, name: &'static str, set: bool) {
        self.limit(
            name,
            Bound::Lower,
            set.then_some(LimitValue::Number(1.0, false)),
        );
    }
}

fn string_format(f: &VariantOrUnknownOrEmpty<StringFormat>) -> Option<String> {
    match f {
        VariantOrUnknownOrEmpty::Item(item) => Some(
            match item {
                StringFormat::Date => "date",
                StringFormat::DateTime => "date-time",
                StringFormat::Password => "password",
                StringFormat::Byte => "byte",
                StringFormat::Binary => "binary",
            }
            .to_owned(),
        ),
        VariantOrUnknownOrEmpty::Unknown(s) => Some(s.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

fn number_format(f: &VariantOrUnknownOrEmpty<NumberFormat>) -> Option<String> {
    match f {
        VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => Some("float".to_owned()),
        VariantOrUnknownOrEmpty::Item(NumberFormat::Double) => Some("double".to_owned()),
        VariantOrUnknownOrEmpty::Unknown(s) => Some(s.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

fn integer_format(f: &VariantOrUnknownOrEmpty<IntegerFormat>) -> Option<String> {
    match f {
        VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => Some("int32".to_owned()),
        VariantOrUnknownOrEmpty::Item(IntegerFormat::Int64) => Some("int64".to_owned()),
        VariantOrUnknownOrEmpty::Unknown(s) => Some(s.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

/// The non-null enum values, rendered; `None` without an enum.
fn values<T: fmt::Display>(enumeration: &[Option<T>], quote: bool) -> Option<Vec<String>> {
    if enumeration.is_empty() {
        return None;
    }
    Some(
        enumeration
            .iter()
            .flatten()
            .map(|v| {
                if quote {
                    format!("\"{v}\"")
                } else {
                    v.to_string()
                }
            })
            .collect(),
    )
}

fn extra<'a>(additional: Option<&'a AdditionalProperties>) -> Extra<'a> {
    match additional {
        None | Some(AdditionalProperties::Any(true)) => Extra::Open,
        Some(AdditionalProperties::Any(false)) => Extra::Closed,
        Some(AdditionalProperties::Schema(s)) => Extra::Schema(SRef::from(s.as_ref())),
    }
}

/// The shape of a resolved schema; `allOf` branches are merged into one object.
fn shape<'a>(doc: &'a OpenAPI, schema: &'a Schema, depth: usize) -> Shape<'a> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(t)) => {
            let mut s = Shape::new("string");
            s.format = string_format(&t.format);
            s.values = values(&t.enumeration, true);
            s.count("minLength", Bound::Lower, t.min_length);
            s.count("maxLength", Bound::Upper, t.max_length);
            s.text("pattern", t.pattern.as_ref());
            s
        }
        SchemaKind::Type(Type::Number(t)) => {
            let mut s = Shape::new("number");
            s.format = number_format(&t.format);
            s.values = values(&t.enumeration, false);
            s.number("minimum", Bound::Lower, t.minimum, t.exclusive_minimum);
            s.number("maximum", Bound::Upper, t.maximum, t.exclusive_maximum);
            s.number("multipleOf", Bound::Exact, t.multiple_of, false);
            s
        }
        SchemaKind::Type(Type::Integer(t)) => {
            let mut s = Shape::new("integer");
            s.format = integer_format(&t.format);
            s.values = values(&t.enumeration, false);
            let f = |v: Option<i64>| v.map(|v| v as f64);
            s.number("minimum", Bound::Lower, f(t.minimum), t.exclusive_minimum);
            s.number("maximum", Bound::Upper, f(t.maximum), t.exclusive_maximum);
            s.number("multipleOf", Bound::Exact, f(t.multiple_of), false);
            s
        }
        SchemaKind::Type(Type::Boolean(t)) => {
            let mut s = Shape::new("boolean");
            s.values = values(&t.enumeration, false);
            s
        }
        SchemaKind::Type(Type::Object(t)) => {
            let mut s = Shape::new("object");
            s.properties = t
                .properties
                .iter()
                .map(|(name, p)| (name.as_str(), SRef::from(p)))
                .collect();
            s.required = t.required.iter().map(String::as_str).collect();
            s.extra = extra(t.additional_properties.as_ref());
            s.count("minProperties", Bound::Lower, t.min_properties);
            s.count("maxProperties", Bound::Upper, t.max_properties);
            s
        }
        SchemaKind::Type(Type::Array(t)) => {
            let mut s = Shape::new("array");
            s.items = t.items.as_ref().map(SRef::from);
            s.count("minItems", Bound::Lower, t.min_items);
            s.count("maxItems", Bound::Upper, t.max_items);
            s.flag("uniqueItems", t.unique_items);
            s
        }
        SchemaKind::OneOf { one_of: branches } | SchemaKind::AnyOf { any_of: branches } => {
            let kind = if matches!(schema.schema_kind, SchemaKind::OneOf { .. }) {
                "oneOf"
            } else {
                "anyOf"
            };
            let mut s = Shape::new(kind);
            s.branches = branches
                .iter()
                .map(SRef::from)
                .filter(|b| !is_null(doc, *b))
                .collect();
            s
        }
        SchemaKind::AllOf { all_of } => merged(doc, all_of.iter().map(SRef::from), depth),
        SchemaKind::Not { .. } => Shape::new("not"),
        SchemaKind::Any(a) => any_shape(doc, a, depth),
    }
}

/// The `allOf` of several schemas as one: properties and requirements of all, the rest from the
/// first that has it.
fn merged<'a>(doc: &'a OpenAPI, parts: impl Iterator<Item = SRef<'a>>, depth: usize) -> Shape<'a> {
    let mut all = Shape::new("object");
    if depth > 16 {
        return all;
    }
    let mut kind: Option<String> = None;
    for part in parts {
        let Some(schema) = resolve(doc, part).schema else {
            continue;
        };
        let part = shape(doc, schema, depth + 1);
        if kind.is_none() && part.kind != "any" {
            kind = Some(part.kind.clone());
        }
        for (name, p) in part.properties {
            if all.property(name).is_none() {
                all.properties.push((name, p));
            }
        }
        all.required.extend(part.required);
        if matches!(all.extra, Extra::Open) {
            all.extra = part.extra;
        }
        all.format = all.format.or(part.format);
        all.values = all.values.or(part.values);
        all.items = all.items.or(part.items);
        if all.branches.is_empty() {
            all.branches = part.branches;
        }
        all.limits.extend(part.limits);
    }
    if let Some(kind) = kind {
        all.kind = kind;
    }
    all
}

/// A schema that mixes keywords of several types: read what it has.
fn any_shape<'a>(doc: &'a OpenAPI, a: &'a AnySchema, depth: usize) -> Shape<'a> {
    let kind = match a.typ.as_deref() {
        Some(t) => t,
        None if !a.properties.is_empty() || a.additional_properties.is_some() => "object",
        None if a.items.is_some() => "array",
        None if !a.one_of.is_empty() => "oneOf",
        None if !a.any_of.is_empty() => "anyOf",
        None if !a.all_of.is_empty() => "object",
        None => "any",
    };
    let mut s = if a.all_of.is_empty() {
        Shape::new(kind)
    } else {
        let mut s = merged(doc, a.all_of.iter().map(SRef::from), depth);
        s.kind = kind.to_owned();
        s
    };
    s.format = s.format.or(a.format.clone());
    if !a.enumeration.is_empty() {
        s.values = Some(
            a.enumeration
                .iter()
                .filter(|v| !v.is_null())
                .map(ToString::to_string)
                .collect(),
        );
    }
    for (name, p) in &a.properties {
        if s.property(name).is_none() {
            s.properties.push((name.as_str(), SRef::from(p)));
        }
    }
    s.required.extend(a.required.iter().map(String::as_str));
    if a.additional_properties.is_some() {
        s.extra = extra(a.additional_properties.as_ref());
    }
    s.items = s.items.or(a.items.as_ref().map(SRef::from));
    for branch in a.one_of.iter().chain(&a.any_of) {
        let branch = SRef::from(branch);
        if !is_null(doc, branch) {
            s.branches.push(branch);
        }
    }
    s.count("minLength", Bound::Lower, a.min_length);
    s.count("maxLength", Bound::Upper, a.max_length);
    s.text("pattern", a.pattern.as_ref());
    s.number(
        "minimum",
        Bound::Lower,
        a.minimum,
        a.exclusive_minimum == Some(true),
    );
    s.number(
        "maximum",
        Bound::Upper,
        a.maximum,
        a.exclusive_maximum == Some(true),
    );
    s.number("multipleOf", Bound::Exact, a.multiple_of, false);
    s.count("minItems", Bound::Lower, a.min_items);
    s.count("maxItems", Bound::Upper, a.max_items);
    s.flag("uniqueItems", a.unique_items == Some(true));
    s.count("minProperties", Bound::Lower, a.min_properties);
    s.count("maxProperties", Bound::Upper, a.max_properties);
    s
}

/// Whether going from `before` to `after` tightens and/or loosens a limit.
fn direction(
    bound: Bound,
    before: &Option<LimitValue>,
    after: &Option<LimitValue>,
) -> (bool, bool) {
    match (before, after) {
        (None, None) => (false, false),
        (None, Some(_)) => (true, false),
        (Some(_), None) => (false, true),
        (Some(b), Some(a)) if b == a => (false, false),
        (Some(LimitValue::Number(b, bx)), Some(LimitValue::Number(a, ax))) => {
            let tighter = match bound {
                Bound::Upper => a < b || (a == b && *ax && !*bx),
                Bound::Lower => a > b || (a == b && *ax && !*bx),
                Bound::Exact => return (true, true),
            };
            (tighter, !tighter)
        }
        _ => (true, true),
    }
}

fn shown(value: &Option<LimitValue>) -> String {
    value
        .as_ref()
        .map_or_else(|| "none".to_owned(), ToString::to_string)
}

/// An operation and where it is.
struct Op<'a> {
    method: &'static str,
    path: &'a str,
    item: &'a PathItem,
    operation: &'a Operation,
}

impl Op<'_> {
    /// The operation's name in reports: its `operationId`, or `METHOD path`.
    fn label(&self) -> String {
        self.operation
            .operation_id
            .clone()
            .unwrap_or_else(|| self.address())
    }

    fn address(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    fn subject(&self) -> String {
        match &self.operation.operation_id {
            Some(id) => format!("{id} ({})", self.address()),
            None => self.address(),
        }
    }
}

/// `/a/{id}/b` → `/a/{}/b`: a path parameter's name is no part of the address.
fn normalized(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// Every operation of a document by (method, normalized path).
fn operations(doc: &OpenAPI) -> BTreeMap<(&'static str, String), Op<'_>> {
    let mut all = BTreeMap::new();
    for (path, item) in doc.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        let methods: [(&'static str, &Option<Operation>); 8] = [
            ("GET", &item.get),
            ("PUT", &item.put),
            ("POST", &item.post),
            ("DELETE", &item.delete),
            ("OPTIONS", &item.options),
            ("HEAD", &item.head),
            ("PATCH", &item.patch),
            ("TRACE", &item.trace),
        ];
        for (method, operation) in methods {
            if let Some(operation) = operation {
                all.insert(
                    (method, normalized(path)),
                    Op {
                        method,
                        path,
                        item,
                        operation,
                    },
                );
            }
        }
    }
    all
}

fn location(p: &Parameter) -> &'static str {
    match p {
        Parameter::Query { .. } => "query",
        Parameter::Header { .. } => "header",
        Parameter::Path { .. } => "path",
        Parameter::Cookie { .. } => "cookie",
    }
}

/// An operation's parameters (its path's, overridden by its own) by `"<in> <name>"`.
fn parameters<'a>(doc: &'a OpenAPI, op: &Op<'a>) -> BTreeMap<String, &'a ParameterData> {
    let mut all = BTreeMap::new();
    for p in op.item.parameters.iter().chain(&op.operation.parameters) {
        if let Some(p) = parameter(doc, p) {
            let data = p.parameter_data_ref();
            let name = if matches!(p, Parameter::Header { .. }) {
                data.name.to_ascii_lowercase()
            } else {
                data.name.clone()
            };
            all.insert(format!("{} {name}", location(p)), data);
        }
    }
    all
}

struct Walk<'a> {
    before: &'a OpenAPI,
    after: &'a OpenAPI,
    found: Vec<Change>,
    /// The pairs of named schemas being compared, outermost first: a pair met again is recursion.
    stack: Vec<(Option<&'a str>, Option<&'a str>)>,
    /// Schemas of `before` found renamed at some use (not reported again as removed).
    renamed: BTreeSet<&'a str>,
}

impl<'a> Walk<'a> {
    fn emit(
        &mut self,
        id: &str,
        side: Option<Side>,
        subject: &str,
        detail: String,
        place: Option<&str>,
    ) {
        let rule = find_rule(id).unwrap_or_else(|| panic!("no rule `{id}` in RULES"));
        self.found.push(Change {
            rule,
            side,
            subject: subject.to_owned(),
            detail,
            places: place.map(str::to_owned).into_iter().collect(),
        });
    }

    fn operations(&mut self) {
        let before = operations(self.before);
        let after = operations(self.after);
        let mut gone: Vec<&Op<'a>> = Vec::new();
        for (key, b) in &before {
            match after.get(key) {
                Some(a) => self.operation(b, a),
                None => gone.push(b),
            }
        }
        let mut new: Vec<&Op<'a>> = after
            .iter()
            .filter(|(key, _)| !before.contains_key(*key))
            .map(|(_, a)| a)
            .collect();
        for b in gone {
            let moved = b.operation.operation_id.as_ref().and_then(|id| {
                new.iter()
                    .position(|a| a.operation.operation_id.as_ref() == Some(id))
            });
            match moved {
                Some(at) => {
                    let a = new.remove(at);
                    let detail = format!("{} → {}", b.address(), a.address());
                    self.emit("operation-moved", None, &a.subject(), detail, None);
                    self.operation(b, a);
                }
                None => self.emit("operation-removed", None, &b.subject(), String::new(), None),
            }
        }
        for a in new {
            self.emit("operation-added", None, &a.subject(), String::new(), None);
        }
    }

    fn operation(&mut self, b: &Op<'a>, a: &Op<'a>) {
        let label = a.label();
        if let (Some(x), Some(y)) = (&b.operation.operation_id, &a.operation.operation_id)
            && x != y
        {
            self.emit(
                "operation-renamed",
                None,
                &a.subject(),
                format!("`{x}` → `{y}`"),
                None,
            );
        }
        if !b.operation.deprecated && a.operation.deprecated {
            self.emit("deprecated", None, &a.subject(), String::new(), None);
        }
        self.parameters(b, a, &label);
        self.request_body(b, a, &label);
        self.responses(b, a, &label);
    }

    fn parameters(&mut self, b: &Op<'a>, a: &Op<'a>, label: &str) {
        let before = parameters(self.before, b);
        let after = parameters(self.after, a);
        let side = Some(Side::Request);
        for (key, pb) in &before {
            let Some(pa) = after.get(key) else {
                self.emit("parameter-removed", side, key, String::new(), Some(label));
                continue;
            };
            match (pb.required, pa.required) {
                (false, true) => {
                    self.emit("parameter-required", side, key, String::new(), Some(label))
                }
                (true, false) => {
                    self.emit("parameter-optional", side, key, String::new(), Some(label))
                }
                _ => {}
            }
            if pb.deprecated != Some(true) && pa.deprecated == Some(true) {
                self.emit("deprecated", side, key, String::new(), Some(label));
            }
            match (&pb.format, &pa.format) {
                (ParameterSchemaOrContent::Schema(sb), ParameterSchemaOrContent::Schema(sa)) => {
                    self.schema(
                        sb.into(),
                        sa.into(),
                        Side::Request,
                        label,
                        key,
                        (true, true),
                        true,
                    );
                }
                (ParameterSchemaOrContent::Content(cb), ParameterSchemaOrContent::Content(ca)) => {
                    self.content(cb, ca, Side::Request, label, key);
                }
                _ => self.emit(
                    "media-type-changed",
                    side,
                    key,
                    "schema ↔ content".to_owned(),
                    Some(label),
                ),
            }
        }
        for (key, pa) in &after {
            if !before.contains_key(key) {
                let id = if pa.required {
                    "parameter-added-required"
                } else {
                    "parameter-added"
                };
                self.emit(id, side, key, String::new(), Some(label));
            }
        }
    }

    fn request_body(&mut self, b: &Op<'a>, a: &Op<'a>, label: &str) {
        let body = |doc: &'a OpenAPI, op: &Op<'a>| {
            op.operation
                .request_body
                .as_ref()
                .and_then(|r| request_body(doc, r))
        };
        let subject = format!("{label} request body");
        let side = Some(Side::Request);
        match (body(self.before, b), body(self.after, a)) {
            (None, None) => {}
            (Some(_), None) => {
                self.emit("request-body-removed", side, &subject, String::new(), None)
            }
            (None, Some(rb)) => {
                let id = if rb.required {
                    "request-body-added-required"
                } else {
                    "request-body-added"
                };
                self.emit(id, side, &subject, String::new(), None);
            }
            (Some(bb), Some(ba)) => {
                match (bb.required, ba.required) {
                    (false, true) => {
                        self.emit("request-body-required", side, &subject, String::new(), None)
                    }
                    (true, false) => {
                        self.emit("request-body-optional", side, &subject, String::new(), None)
                    }
                    _ => {}
                }
                let place = format!("{label} request");
                self.content(&bb.content, &ba.content, Side::Request, &place, "body");
            }
        }
    }

    fn responses(&mut self, b: &Op<'a>, a: &Op<'a>, label: &str) {
        let statuses = |doc: &'a OpenAPI, op: &Op<'a>| {
            let responses = &op.operation.responses;
            let mut all: BTreeMap<String, &'a Response> = BTreeMap::new();
            for (status, r) in &responses.responses {
                if let Some(r) = response(doc, r) {
                    all.insert(status.to_string(), r);
                }
            }
            if let Some(r) = responses.default.as_ref().and_then(|r| response(doc, r)) {
                all.insert("default".to_owned(), r);
            }
            all
        };
        let before = statuses(self.before, b);
        let after = statuses(self.after, a);
        let side = Some(Side::Response);
        for (status, rb) in &before {
            let subject = format!("{label} {status}");
            match after.get(status) {
                None => self.emit("status-removed", side, &subject, String::new(), None),
                Some(ra) => {
                    self.error_codes(rb, ra, &subject);
                    self.content(&rb.content, &ra.content, Side::Response, &subject, "body");
                }
            }
        }
        for status in after.keys() {
            if !before.contains_key(status) {
                let subject = format!("{label} {status}");
                self.emit("status-added", side, &subject, String::new(), None);
            }
        }
    }

    /// The error codes a response documents (`x-error-codes`, this workspace's extension).
    fn error_codes(&mut self, b: &Response, a: &Response, subject: &str) {
        let codes = |r: &Response| -> Vec<String> {
            r.extensions
                .get("x-error-codes")
                .and_then(|v| v.as_array())
                .map(|codes| {
                    codes
                        .iter()
                        .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (before, after) = (codes(b), codes(a));
        let side = Some(Side::Response);
        let removed: Vec<&str> = before
            .iter()
            .filter(|c| !after.contains(c))
            .map(String::as_str)
            .collect();
        let added: Vec<&str> = after
            .iter()
            .filter(|c| !before.contains(c))
            .map(String::as_str)
            .collect();
        if !removed.is_empty() {
            self.emit(
                "error-code-removed",
                side,
                subject,
                removed.join(", "),
                None,
            );
        }
        if !added.is_empty() {
            self.emit("error-code-added", side, subject, added.join(", "), None);
        }
    }

    /// Compares the bodies of a request, a response or a parameter, media type by media type.
    /// `root` names an inline schema in paths (a named one is named by its schema).
    fn content(&mut self, b: &'a Content, a: &'a Content, side: Side, place: &str, root: &str) {
        let at = |content: &Content, media: &str| {
            if content.len() > 1 {
                format!("{place} {media}")
            } else {
                place.to_owned()
            }
        };
        let subject = place.to_owned();
        if b.len() == 1
            && a.len() == 1
            && let (Some((mb, tb)), Some((ma, ta))) = (b.first(), a.first())
            && mb != ma
        {
            let detail = format!("{mb} → {ma}");
            self.emit("media-type-changed", Some(side), &subject, detail, None);
            self.media(tb.schema.as_ref(), ta.schema.as_ref(), side, place, root);
            return;
        }
        for (media, tb) in b {
            match a.get(media) {
                None => self.emit(
                    "media-type-removed",
                    Some(side),
                    &subject,
                    media.clone(),
                    None,
                ),
                Some(ta) => {
                    let place = at(b, media);
                    self.media(tb.schema.as_ref(), ta.schema.as_ref(), side, &place, root);
                }
            }
        }
        for media in a.keys() {
            if !b.contains_key(media) {
                self.emit(
                    "media-type-added",
                    Some(side),
                    &subject,
                    media.clone(),
                    None,
                );
            }
        }
    }

    fn media(
        &mut self,
        b: Option<&'a ReferenceOr<Schema>>,
        a: Option<&'a ReferenceOr<Schema>>,
        side: Side,
        place: &str,
        root: &str,
    ) {
        let (Some(b), Some(a)) = (b, a) else {
            return;
        };
        let name = resolve(self.after, a.into())
            .name
            .or(resolve(self.before, b.into()).name)
            .unwrap_or(root);
        self.schema(b.into(), a.into(), side, place, name, (true, true), true);
    }

    /// Compares two schema positions found at `subject`, used at `place` on `side`;
    /// `required` says whether the position is required before and after (a property's
    /// `required`, true elsewhere). A branch of a union that admits `null` before and after
    /// leaves its nullability to the union (`own_null` false): where `null` is declared inside
    /// the union is no change to a client.
    #[allow(clippy::too_many_arguments)]
    fn schema(
        &mut self,
        b: SRef<'a>,
        a: SRef<'a>,
        side: Side,
        place: &str,
        subject: &str,
        required: (bool, bool),
        own_null: bool,
    ) {
        let vb = resolve(self.before, b);
        let va = resolve(self.after, a);
        let nullable = if own_null {
            (vb.nullable, va.nullable)
        } else {
            (false, false)
        };
        self.presence(side, place, subject, required, nullable);
        if !vb.deprecated && va.deprecated {
            self.emit(
                "deprecated",
                Some(side),
                subject,
                String::new(),
                Some(place),
            );
        }
        if side == Side::Request && vb.default != va.default {
            let detail = format!(
                "{} → {}",
                vb.default.as_deref().unwrap_or("none"),
                va.default.as_deref().unwrap_or("none")
            );
            self.emit(
                "request-default-changed",
                Some(side),
                subject,
                detail,
                Some(place),
            );
        }
        let renamed = match (vb.name, va.name) {
            (Some(x), Some(y)) if x != y => Some((x, format!("`{x}` → `{y}`"))),
            (Some(x), None) if va.schema.is_some_and(names_a_type) => {
                Some((x, format!("`{x}` → an inline schema")))
            }
            (None, Some(y)) if vb.schema.is_some_and(names_a_type) => {
                Some(("", format!("an inline schema → `{y}`")))
            }
            _ => None,
        };
        if let Some((old, detail)) = renamed {
            if !old.is_empty() {
                self.renamed.insert(old);
            }
            self.emit("schema-renamed", Some(side), subject, detail, Some(place));
        }
        let (Some(sb), Some(sa)) = (vb.schema, va.schema) else {
            return;
        };
        let key = (vb.name, va.name);
        if key != (None, None) && self.stack.contains(&key) {
            return;
        }
        self.stack.push(key);
        let (sb, sa) = (shape(self.before, sb, 0), shape(self.after, sa, 0));
        let union_null = vb.nullable && va.nullable;
        self.shapes(&sb, &sa, side, place, subject, union_null);
        self.stack.pop();
    }

    /// The required and nullable flags of a position, before and after.
    fn presence(
        &mut self,
        side: Side,
        place: &str,
        subject: &str,
        (rb, ra): (bool, bool),
        (nb, na): (bool, bool),
    ) {
        let mut fire = |id: &str| self.emit(id, Some(side), subject, String::new(), Some(place));
        match side {
            Side::Request => {
                if !rb && ra {
                    fire("request-field-required");
                }
                if rb && !ra {
                    fire("request-field-optional");
                }
                if !nb && na {
                    fire("request-field-nullable");
                }
                if nb && !na {
                    fire("request-field-non-nullable");
                }
            }
            Side::Response => {
                // The generated field is `Option<T>` when it may be absent or null.
                let optional_before = !rb || nb;
                let optional_after = !ra || na;
                if !nb && na {
                    fire("response-field-nullable");
                }
                if rb && !ra {
                    fire("response-field-optional");
                }
                if optional_before && !optional_after {
                    fire("response-field-unwrapped");
                } else {
                    if nb && !na {
                        fire("response-field-non-nullable");
                    }
                    if !rb && ra {
                        fire("response-field-required");
                    }
                }
            }
        }
    }

    fn shapes(
        &mut self,
        b: &Shape<'a>,
        a: &Shape<'a>,
        side: Side,
        place: &str,
        subject: &str,
        union_null: bool,
    ) {
        let s = Some(side);
        let p = Some(place);
        let (kb, ka) = (b.label(), a.label());
        if kb != ka {
            self.emit("type-changed", s, subject, format!("{kb} → {ka}"), p);
            return;
        }
        if b.format != a.format {
            let detail = format!(
                "{} → {}",
                b.format.as_deref().unwrap_or("none"),
                a.format.as_deref().unwrap_or("none")
            );
            self.emit("format-changed", s, subject, detail, p);
        }
        if let (Some(vb), Some(va)) = (&b.values, &a.values) {
            let removed: Vec<&str> = vb
                .iter()
                .filter(|v| !va.contains(v))
                .map(String::as_str)
                .collect();
            let added: Vec<&str> = va
                .iter()
                .filter(|v| !vb.contains(v))
                .map(String::as_str)
                .collect();
            if !removed.is_empty() {
                self.emit("enum-value-removed", s, subject, removed.join(", "), p);
            }
            if !added.is_empty() {
                self.emit("enum-value-added", s, subject, added.join(", "), p);
            }
        }
        self.limits(b, a, side, place, subject);
        for (name, pb) in &b.properties {
            let field = format!("{subject}.{name}");
            match a.property(name) {
                None => {
                    let id = match side {
                        Side::Request => "request-field-removed",
                        Side::Response => "response-field-removed",
                    };
                    self.emit(id, s, &field, String::new(), p);
                }
                Some(pa) => {
                    let required = (b.required.contains(name), a.required.contains(name));
                    self.schema(*pb, pa, side, place, &field, required, true);
                }
            }
        }
        for (name, _) in &a.properties {
            if b.property(name).is_none() {
                let field = format!("{subject}.{name}");
                let id = match side {
                    Side::Request if a.required.contains(name) => "request-field-added-required",
                    Side::Request => "request-field-added",
                    Side::Response => "response-field-added",
                };
                self.emit(id, s, &field, String::new(), p);
            }
        }
        if let (Extra::Schema(xb), Extra::Schema(xa)) = (b.extra, a.extra) {
            self.schema(
                xb,
                xa,
                side,
                place,
                &format!("{subject}{{}}"),
                (true, true),
                true,
            );
        }
        if let (Some(ib), Some(ia)) = (b.items, a.items) {
            self.schema(
                ib,
                ia,
                side,
                place,
                &format!("{subject}[]"),
                (true, true),
                true,
            );
        }
        self.branches(b, a, side, place, subject, union_null);
    }

    fn limits(&mut self, b: &Shape<'a>, a: &Shape<'a>, side: Side, place: &str, subject: &str) {
        let mut tighter = Vec::new();
        let mut looser = Vec::new();
        for lb in &b.limits {
            let after = a
                .limits
                .iter()
                .find(|la| la.name == lb.name)
                .and_then(|la| la.value.clone());
            let (t, l) = direction(lb.bound, &lb.value, &after);
            let text = format!("{} {} → {}", lb.name, shown(&lb.value), shown(&after));
            // The conservative reading on each side: a pattern that changed may refuse a request
            // value and may let a new response value through.
            let goes = match side {
                Side::Request if t => &mut tighter,
                Side::Request if l => &mut looser,
                Side::Response if l => &mut looser,
                Side::Response if t => &mut tighter,
                _ => continue,
            };
            goes.push(text);
        }
        for la in &a.limits {
            if la.value.is_some() && !b.limits.iter().any(|lb| lb.name == la.name) {
                let text = format!("{} none → {}", la.name, shown(&la.value));
                tighter.push(text);
            }
        }
        let extra =
            match (b.extra, a.extra) {
                (Extra::Open, Extra::Closed | Extra::Schema(_))
                | (Extra::Schema(_), Extra::Closed) => Some(true),
                (Extra::Closed, Extra::Open | Extra::Schema(_))
                | (Extra::Schema(_), Extra::Open) => Some(false),
                _ => None,
            };
        if let Some(tightened) = extra {
            let text = format!(
                "additionalProperties: {} → {}",
                b.extra.label(),
                a.extra.label()
            );
            let list = if tightened { &mut tighter } else { &mut looser };
            list.push(text);
        }
        let (tight, loose) = match side {
            Side::Request => ("request-limit-tightened", "request-limit-loosened"),
            Side::Response => ("response-limit-tightened", "response-limit-loosened"),
        };
        if !tighter.is_empty() {
            self.emit(tight, Some(side), subject, tighter.join("; "), Some(place));
        }
        if !looser.is_empty() {
            self.emit(loose, Some(side), subject, looser.join("; "), Some(place));
        }
    }

    /// `oneOf`/`anyOf` branches: by schema name when every branch on both sides has one, by
    /// position otherwise.
    fn branches(
        &mut self,
        b: &Shape<'a>,
        a: &Shape<'a>,
        side: Side,
        place: &str,
        subject: &str,
        union_null: bool,
    ) {
        if b.branches.is_empty() && a.branches.is_empty() {
            return;
        }
        let names = |doc: &'a OpenAPI, branches: &[SRef<'a>]| -> Option<Vec<&'a str>> {
            branches.iter().map(|r| resolve(doc, *r).name).collect()
        };
        let s = Some(side);
        let p = Some(place);
        match (
            names(self.before, &b.branches),
            names(self.after, &a.branches),
        ) {
            (Some(nb), Some(na)) if !nb.is_empty() && !na.is_empty() => {
                for (name, rb) in nb.iter().zip(&b.branches) {
                    match na.iter().position(|n| n == name) {
                        None => self.emit("variant-removed", s, subject, format!("`{name}`"), p),
                        Some(at) => {
                            let path = format!("{subject}<{name}>");
                            self.schema(
                                *rb,
                                a.branches[at],
                                side,
                                place,
                                &path,
                                (true, true),
                                !union_null,
                            );
                        }
                    }
                }
                for name in na.iter().filter(|n| !nb.contains(n)) {
                    self.emit("variant-added", s, subject, format!("`{name}`"), p);
                }
            }
            _ => {
                for i in 0..b.branches.len().max(a.branches.len()) {
                    match (b.branches.get(i), a.branches.get(i)) {
                        (Some(rb), Some(ra)) => {
                            let path = format!("{subject}<#{i}>");
                            self.schema(*rb, *ra, side, place, &path, (true, true), !union_null);
                        }
                        (Some(_), None) => {
                            self.emit("variant-removed", s, subject, format!("#{i}"), p)
                        }
                        (None, Some(_)) => {
                            self.emit("variant-added", s, subject, format!("#{i}"), p)
                        }
                        (None, None) => {}
                    }
                }
            }
        }
    }

    /// Component schemas removed (unless renamed at a use, or a mere nullable wrapper or `null`,
    /// which have no Rust type of their own).
    fn components(&mut self) {
        let (Some(before), after) = (components(self.before), components(self.after)) else {
            return;
        };
        for (name, schema) in &before.schemas {
            let kept = after.is_some_and(|after| after.schemas.contains_key(name));
            if kept || self.renamed.contains(name.as_str()) {
                continue;
            }
            let reference = format!("#/components/schemas/{name}");
            let own = resolve(self.before, SRef::Ref(&reference)).name == Some(name.as_str());
            if !own || is_null(self.before, schema.into()) {
                continue;
            }
            self.emit("schema-removed", None, name, String::new(), None);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The command: git, the specs, the changelog.

/// What `cargo xtask breaking` compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The git revision compared with the working tree.
    pub base: String,
    /// The specs to compare, relative to the workspace root; empty for every spec of [`TARGETS`].
    pub specs: Vec<String>,
}

/// The changes to one spec.
#[derive(Debug, Clone)]
pub struct SpecReport {
    /// The short name printed before each change (`v1`, `v2`).
    pub label: String,
    /// The spec, relative to the workspace root.
    pub spec: String,
    /// Whether the spec did not exist at the base revision (every operation is then new).
    pub new: bool,
    /// The changes, breaking first.
    pub changes: Vec<Change>,
}

impl SpecReport {
    /// The number of changes of one class.
    pub fn count(&self, class: Class) -> usize {
        self.changes.iter().filter(|c| c.class() == class).count()
    }
}

/// The outcome of `cargo xtask breaking`.
#[derive(Debug, Clone)]
pub struct Report {
    /// The base revision, as given.
    pub base: String,
    /// One report per spec.
    pub specs: Vec<SpecReport>,
    /// Whether the `## [Unreleased]` section of [`CHANGELOG`] differs from the base revision's.
    pub changelog_changed: bool,
}

impl Report {
    /// The number of changes of one class over every spec.
    pub fn count(&self, class: Class) -> usize {
        self.specs.iter().map(|s| s.count(class)).sum()
    }

    /// The exit status: 1 when something is breaking and the changelog says nothing new, else 0.
    pub fn status(&self) -> u8 {
        u8::from(self.count(Class::Breaking) > 0 && !self.changelog_changed)
    }

    /// The closing sentence: what the status means.
    pub fn verdict(&self) -> String {
        let breaking = self.count(Class::Breaking);
        match (breaking, self.changelog_changed) {
            (0, _) => format!("no breaking change since {}", self.base),
            (n, true) => format!(
                "note: {n} breaking change{} since {}, acknowledged: the [Unreleased] section of \
                 {CHANGELOG} changed since then (check that it describes {})",
                plural(n),
                self.base,
                if n == 1 { "it" } else { "them" },
            ),
            (n, false) => format!(
                "error: {n} breaking change{} since {} and no new entry in the [Unreleased] section \
                 of {CHANGELOG}: describe {} there",
                plural(n),
                self.base,
                if n == 1 { "it" } else { "them" },
            ),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn counts(breaking: usize, notice: usize, compatible: usize) -> String {
    format!(
        "{breaking} breaking, {notice} notice{}, {compatible} compatible",
        plural(notice)
    )
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "changes from {} to the working tree", self.base)?;
        for spec in &self.specs {
            writeln!(f)?;
            let summary = counts(
                spec.count(Class::Breaking),
                spec.count(Class::Notice),
                spec.count(Class::Compatible),
            );
            if spec.new {
                writeln!(
                    f,
                    "{} ({}): absent at {}, so every operation is an addition: {summary}",
                    spec.label, spec.spec, self.base
                )?;
            } else if spec.changes.is_empty() {
                writeln!(f, "{} ({}): no change", spec.label, spec.spec)?;
            } else {
                writeln!(f, "{} ({}): {summary}", spec.label, spec.spec)?;
            }
            for change in &spec.changes {
                writeln!(f, "  {} {change}", spec.label)?;
            }
        }
        writeln!(f)?;
        writeln!(
            f,
            "total: {}",
            counts(
                self.count(Class::Breaking),
                self.count(Class::Notice),
                self.count(Class::Compatible)
            )
        )
    }
}

/// Runs `git` in `root`; its standard output, or an error with its standard error.
fn git(root: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .context("cannot run git")?;
    if !output.status.success() {
        bail!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    String::from_utf8(output.stdout)
        .with_context(|| format!("`git {}` printed non-UTF-8", args.join(" ")))
}

/// A file at a revision, or `None` when the revision has no such file.
fn file_at(root: &Path, base: &str, path: &str) -> Result<Option<String>> {
    let listed = git(root, &["ls-tree", "--name-only", base, "--", path])?;
    if listed.trim().is_empty() {
        return Ok(None);
    }
    git(root, &["show", &format!("{base}:./{path}")]).map(Some)
}

/// The `## [Unreleased]` section of a changelog (without its heading), trimmed; empty without one.
pub fn unreleased(changelog: &str) -> String {
    let mut lines = changelog.lines();
    let Some(_) = lines.by_ref().find(|l| {
        l.trim_start()
            .to_ascii_lowercase()
            .starts_with("## [unreleased]")
    }) else {
        return String::new();
    };
    let section: Vec<&str> = lines.take_while(|l| !l.starts_with("## ")).collect();
    section.join("\n").trim().to_owned()
}

/// The short name of a spec: its target's module (`v2`), or its file stem.
fn label(spec: &str) -> String {
    TARGETS
        .iter()
        .find(|t| t.spec == spec)
        .and_then(|t| t.module.rsplit("::").next())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            Path::new(spec)
                .file_stem()
                .map_or_else(|| spec.to_owned(), |s| s.to_string_lossy().into_owned())
        })
}

/// Compares each spec at `options.base` with the working tree under `root`, and reads the
/// changelog's `## [Unreleased]` section at both. An error (exit status 2) for a revision git
/// does not know, a spec that cannot be read or parsed, or any other git failure.
pub fn run(root: &Path, options: &Options) -> Result<Report> {
    let base = options.base.as_str();
    if base.is_empty() || base.starts_with('-') {
        bail!("`{base}` is not a revision");
    }
    git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{base}^{{commit}}"),
        ],
    )
    .with_context(|| {
        format!(
            "`{base}` is not a commit of the repository at {}",
            root.display()
        )
    })?;
    let specs: Vec<String> = if options.specs.is_empty() {
        TARGETS.iter().map(|t| t.spec.to_owned()).collect()
    } else {
        options.specs.clone()
    };
    let mut reports = Vec::new();
    for spec in specs {
        // A path under the workspace may be given whole; git wants it relative.
        let spec = match Path::new(&spec).strip_prefix(root) {
            Ok(relative) => relative.to_string_lossy().into_owned(),
            Err(_) => spec,
        };
        let now_text = std::fs::read_to_string(root.join(&spec))
            .with_context(|| format!("cannot read the spec {spec} in the working tree"))?;
        let now = parse_spec(&now_text, &spec)?;
        let then_text = file_at(root, base, &spec)?;
        let then = match &then_text {
            Some(text) => parse_spec(text, &format!("{spec} at {base}"))?,
            None => OpenAPI::default(),
        };
        reports.push(SpecReport {
            label: label(&spec),
            changes: compare(&then, &now),
            new: then_text.is_none(),
            spec,
        });
    }
    let changelog_then = file_at(root, base, CHANGELOG)?.unwrap_or_default();
    let changelog_now = match std::fs::read_to_string(root.join(CHANGELOG)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {CHANGELOG}")),
    };
    Ok(Report {
        base: base.to_owned(),
        specs: reports,
        changelog_changed: unreleased(&changelog_then) != unreleased(&changelog_now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_module_documentation_shows_the_rules_table() {
        let source = include_str!("breaking.rs");
        for line in rules_markdown().lines() {
            let documented = format!("//! {line}\n");
            assert!(
                source.contains(&documented),
                "the module documentation lacks (or has another version of) the line\n{line}\n\
                 paste the output of `cargo xtask breaking --rules` into it"
            );
        }
        let rows = source.lines().filter(|l| l.starts_with("//! | `")).count();
        assert_eq!(
            rows,
            RULES.len(),
            "the documented table has other rows than RULES"
        );
    }

    #[test]
    fn every_rule_emitted_in_this_module_is_in_the_table() {
        // The walk names rules by id; an id missing from RULES would panic where it fires.
        let source = include_str!("breaking.rs");
        let code = &source[..source.find("#[cfg(test)]").unwrap_or(source.len())];
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        let mut named = 0;
        for piece in code.split('"').skip(1).step_by(2) {
            let looks_like_id = piece.contains('-')
                && piece.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                && RULES
                    .iter()
                    .any(|r| r.id.split('-').next() == piece.split('-').next());
            if looks_like_id {
                named += 1;
                assert!(
                    ids.contains(&piece),
                    "`{piece}` is emitted but is not in RULES"
                );
            }
        }
        assert!(named >= RULES.len(), "only {named} ids found in the code");
    }

    #[test]
    fn limits_tighten_and_loosen_by_their_bound() {
        let n = |v: f64| Some(LimitValue::Number(v, false));
        assert_eq!(direction(Bound::Upper, &n(50.0), &n(30.0)), (true, false));
        assert_eq!(direction(Bound::Upper, &n(30.0), &n(50.0)), (false, true));
        assert_eq!(direction(Bound::Lower, &n(1.0), &n(2.0)), (true, false));
        assert_eq!(direction(Bound::Lower, &None, &n(2.0)), (true, false));
        assert_eq!(direction(Bound::Upper, &n(5.0), &None), (false, true));
        let exclusive = Some(LimitValue::Number(5.0, true));
        assert_eq!(direction(Bound::Upper, &n(5.0), &exclusive), (true, false));
        let text = |t: &str| Some(LimitValue::Text(t.to_owned()));
        assert_eq!(
            direction(Bound::Exact, &text("a"), &text("b")),
            (true, true)
        );
        assert_eq!(
            direction(Bound::Exact, &text("a"), &text("a")),
            (false, false)
        );
    }

    #[test]
    fn unreleased_is_the_section_under_its_heading() {
        let text = "# Changelog\n\nintro\n\n## [Unreleased]\n\n### Added\n\n- a thing\n\n## [0.1.0] - 2026\n\n- old\n";
        assert_eq!(unreleased(text), "### Added\n\n- a thing");
        assert_eq!(unreleased("# Changelog\n## [0.1.0]\n- old\n"), "");
        assert_eq!(unreleased("## [Unreleased]\n"), "");
    }

    #[test]
    fn paths_are_matched_without_parameter_names() {
        assert_eq!(normalized("/a/{id}/b/{x}/"), "/a/{}/b/{}/");
        assert_eq!(normalized("/a/"), "/a/");
    }
}
