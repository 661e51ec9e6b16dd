//! `cargo xtask upstream`: what Adapty's documentation says about the API, recorded as data.
//!
//! The input is a docs tree in the layout of the workspace's reference copy
//! (`../shared/reference/adapty-docs/`): markdown pages, a `SOURCES.md` table naming each file's
//! upstream path and commit, and Adapty's v2 OpenAPI file. The output is one [`Facts`] per API
//! version (`openapi/upstream/v1.json`, `v2.json`): operations, objects with their fields (type as
//! written, required and nullable flags, enum values, limits), examples as JSON values, and every
//! row the reader could not read. `cargo xtask drift` compares our specs with these files.
//!
//! What is read, and how:
//! - A page belongs to v2 when its first directory starts with `v2`, to v1 otherwise.
//! - **Field tables**: a markdown table whose first column is a name column (`Parameter`, `Param`,
//!   `Property`, `Field`, `Name`, `Header`, `Attribute`) is an object. Its id is the page's path
//!   without `.md`, then `#` and the slug of the nearest heading above it (when there is one), then
//!   `-2`, `-3`… for a repeated id. Columns: `Type` (kept as written), `Required…` and `Nullable…`
//!   (`:heavy_plus_sign:` / `✅` is yes, `:heavy_minus_sign:` / `❌` is no), `Description` (read
//!   for enum values and limits, never kept).
//! - **Enum values**: `<li>` items that start with a `` `value` ``, and the `` `a` ``, `**b**`
//!   list after "Possible values" / "Available values" / "Allowed values".
//! - **Limits**: "no more than N characters" and "maximum of N characters" (`max_length`), "no more
//!   than N …" and "maximum of N …" (`max_items`), "at least N characters" (`min_length`) and "at
//!   least one/N …" (`min_items`). A paragraph that starts with `**Key**:` states the limit of the
//!   field's `key` (recorded as `key.max_length`). Numbers in any other wording are left alone.
//! - **Operations**: a line `METHOD URL` or `METHOD: /path` (in a code block or not); a heading
//!   naming a status (`## Successful response: 200: OK`, `### 404 - Not found`) adds that status to
//!   the page's operation above it. Adapty's OpenAPI file gives the v2 operations with their
//!   parameters and statuses; a TOML file recorded by hand ([`add_recorded_operations`]) gives
//!   operations of pages that are not in the tree.
//! - **Examples**: every ```` ```json ```` block, and every unlabelled block that starts with `{`
//!   or `[`, parsed as JSON; the request and response examples of the OpenAPI file.
//!
//! A row, block or schema that cannot be read is reported (file:line and why) on stderr by the
//! command and kept in the output's `unreadable` list, never skipped silently.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The OpenAPI keywords recorded as limits, with the name each has in the facts.
pub const LIMIT_KEYWORDS: &[(&str, &str)] = &[
    ("maxLength", "max_length"),
    ("minLength", "min_length"),
    ("maximum", "maximum"),
    ("minimum", "minimum"),
    ("exclusiveMaximum", "exclusive_maximum"),
    ("exclusiveMinimum", "exclusive_minimum"),
    ("maxItems", "max_items"),
    ("minItems", "min_items"),
    ("maxProperties", "max_properties"),
    ("minProperties", "min_properties"),
    ("multipleOf", "multiple_of"),
    ("pattern", "pattern"),
];

/// The HTTP methods an operation line or an OpenAPI path item may name.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// The headers of a table's first column that make it a field table.
const NAME_HEADERS: [&str; 7] = [
    "parameter",
    "param",
    "property",
    "field",
    "name",
    "header",
    "attribute",
];

/// Where the OpenAPI file sits in a docs tree when `--openapi` is not given.
pub const DEFAULT_OPENAPI: &str = "v2/adapty-api.yaml";

/// Everything recorded about one API version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    /// The API version: `v1` or `v2`.
    pub spec: String,
    /// The files the facts were read from, with their upstream path and revision.
    pub sources: Vec<Source>,
    /// The documented operations, by path then method.
    pub operations: Vec<Operation>,
    /// The documented objects, by id (a table's page and heading, or a schema's name).
    pub objects: BTreeMap<String, Object>,
    /// The documented example bodies, in reading order.
    pub examples: Vec<Example>,
    /// What could not be read.
    pub unreadable: Vec<Unreadable>,
}

/// One file the facts come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The file, relative to the docs tree (or the file the facts were recorded in by hand).
    pub file: String,
    /// Its path in Adapty's repository, when `SOURCES.md` (or the recording) names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream: Option<String>,
    /// The upstream commit it was copied at, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
}

/// One documented operation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The full path, e.g. `/api/v2/server-side-api/profile/`.
    pub path: String,
    /// The `operationId`, when the source has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The documented statuses.
    #[serde(default)]
    pub statuses: BTreeSet<String>,
    /// The documented parameters, by `<in> <name>` (`header adapty-profile-id`).
    #[serde(default)]
    pub parameters: BTreeMap<String, Field>,
    /// Where the operation is documented (file, or file:line).
    pub at: Vec<String>,
}

/// One documented object: a field table, or a schema of the OpenAPI file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Object {
    /// Where it is documented (file:line, or file#schema).
    pub at: String,
    /// Its fields, by name.
    pub fields: BTreeMap<String, Field>,
}

/// What the documentation says about one field (or parameter).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The type as written (`String`, `ISO 8601 date`, `string`, `string | number`), or for a
    /// reference the referenced schema's type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<String>,
    /// The OpenAPI `format`, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The schema a reference points to, or an array's item schema or type.
    #[serde(rename = "of", default, skip_serializing_if = "Option::is_none")]
    pub of: Option<String>,
    /// Whether the field is required; `None` when the source does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Whether the field may be `null`; `None` when the source does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nullable: Option<bool>,
    /// The enum values, in documented order.
    #[serde(rename = "enum", default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Value>,
    /// Limits by name (`max_length`, `min_items`, `key.max_length`, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, Value>,
    /// Where the field is documented (file:line, or file#schema).
    pub at: String,
}

/// One documented example body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// Where it is: file:line of a page's code block, or `file#<operationId> <request|status>`
    /// (plus the example's name) in the OpenAPI file.
    pub at: String,
    /// The operation it belongs to, when the source says (OpenAPI file only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// `request` or the status it is an answer of, when the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// The example itself.
    pub value: Value,
}

/// A row, block or schema the reader could not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unreadable {
    /// file:line (or file#place).
    pub at: String,
    /// Why it could not be read.
    pub why: String,
}

/// Facts of every API version, by version (`v1`, `v2`).
pub type Upstream = BTreeMap<String, Facts>;

/// Reads the docs tree `dir` and Adapty's OpenAPI file (`openapi`, or [`DEFAULT_OPENAPI`] inside
/// `dir` when it exists), giving the facts of each API version found.
pub fn read_docs(dir: &Path, openapi: Option<&Path>) -> Result<Upstream> {
    let revisions = match std::fs::read_to_string(dir.join("SOURCES.md")) {
        Ok(text) => sources_table(&text),
        Err(_) => BTreeMap::new(),
    };
    let mut upstream = Upstream::new();
    let mut files = Vec::new();
    list_files(dir, dir, &mut files)?;
    for rel in &files {
        if !rel.ends_with(".md") || rel == "SOURCES.md" || rel == "README.md" {
            continue;
        }
        let text = std::fs::read_to_string(dir.join(rel)).with_context(|| rel.clone())?;
        let facts = facts_of(&mut upstream, spec_of(rel));
        facts.sources.push(source(rel, &revisions));
        read_page(rel, &text, facts);
    }
    let default = dir.join(DEFAULT_OPENAPI);
    let openapi = match openapi {
        Some(path) => Some(path.to_path_buf()),
        None if default.is_file() => Some(default),
        None => None,
    };
    if let Some(path) = openapi {
        let rel = match path.strip_prefix(dir) {
            Ok(inside) => slashed(inside),
            Err(_) => path
                .file_name()
                .map_or_else(|| slashed(&path), |n| n.to_string_lossy().into_owned()),
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let facts = facts_of(&mut upstream, "v2");
        facts.sources.push(source(&rel, &revisions));
        read_openapi(&rel, &text, facts)?;
    }
    for facts in upstream.values_mut() {
        finish(facts);
    }
    Ok(upstream)
}

/// Operations recorded by hand (a TOML file) from pages that are not in the docs tree.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Recorded {
    /// The page the operations are written in, in Adapty's repository.
    source: String,
    /// The commit of that page.
    revision: String,
    operation: Vec<RecordedOperation>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordedOperation {
    spec: String,
    method: String,
    path: String,
    statuses: Vec<String>,
    #[serde(default)]
    parameter: Vec<RecordedParameter>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordedParameter {
    #[serde(rename = "in")]
    location: String,
    name: String,
    required: bool,
}

/// Adds the operations of `file` (TOML: `source`, `revision`, then `[[operation]]` tables with
/// `spec`, `method`, `path`, `statuses` and `[[operation.parameter]]` `in`/`name`/`required`),
/// recorded by hand from a page the docs tree lacks. `name` is how the file is cited in the facts.
pub fn add_recorded_operations(upstream: &mut Upstream, name: &str, text: &str) -> Result<()> {
    let recorded: Recorded = toml::from_str(text).with_context(|| name.to_owned())?;
    for op in recorded.operation {
        let method = op.method.to_ascii_uppercase();
        if !METHODS.contains(&method.as_str()) {
            bail!("{name}: `{}` is not an HTTP method", op.method);
        }
        let facts = facts_of(upstream, &op.spec);
        let here = Source {
            file: name.to_owned(),
            upstream: Some(recorded.source.clone()),
            revision: Some(recorded.revision.clone()),
        };
        if !facts.sources.contains(&here) {
            facts.sources.push(here);
        }
        let parameters = op
            .parameter
            .iter()
            .map(|p| {
                let field = Field {
                    required: Some(p.required),
                    at: recorded.source.clone(),
                    ..Field::default()
                };
                (format!("{} {}", p.location, p.name), field)
            })
            .collect();
        facts.operations.push(Operation {
            method,
            path: op.path,
            id: None,
            statuses: op.statuses.into_iter().collect(),
            parameters,
            at: vec![recorded.source.clone()],
        });
    }
    for facts in upstream.values_mut() {
        finish(facts);
    }
    Ok(())
}

/// Writes each version's facts to `<out>/<version>.json` (pretty, keys sorted, one trailing
/// newline), giving the files written.
pub fn write(out: &Path, upstream: &Upstream) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut written = Vec::new();
    for (spec, facts) in upstream {
        let path = out.join(format!("{spec}.json"));
        let mut text = serde_json::to_string_pretty(facts)?;
        text.push('\n');
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// Reads facts written by [`write`].
pub fn load(path: &Path) -> Result<Facts> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a facts file", path.display()))
}

/// A YAML document as JSON (mapping keys that are numbers or booleans become strings).
pub fn yaml_to_json(value: serde_yaml::Value) -> Result<Value> {
    use serde_yaml::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(u) = n.as_u64() {
                Value::from(u)
            } else if let Some(i) = n.as_i64() {
                Value::from(i)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                Value::Number(
                    serde_json::Number::from_f64(f)
                        .with_context(|| format!("{f} is not a JSON number"))?,
                )
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            Value::Array(items.into_iter().map(yaml_to_json).collect::<Result<_>>()?)
        }
        Y::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => bail!("a mapping key is not a scalar: {other:?}"),
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value)?,
    })
}

/// The facts of `spec`, created empty when new.
fn facts_of<'a>(upstream: &'a mut Upstream, spec: &str) -> &'a mut Facts {
    upstream.entry(spec.to_owned()).or_insert_with(|| Facts {
        spec: spec.to_owned(),
        ..Facts::default()
    })
}

/// The API version a page of the tree documents.
fn spec_of(rel: &str) -> &'static str {
    if rel.split('/').next().is_some_and(|d| d.starts_with("v2")) && rel.contains('/') {
        "v2"
    } else {
        "v1"
    }
}

fn source(rel: &str, revisions: &BTreeMap<String, (String, String)>) -> Source {
    let known = revisions.get(rel);
    Source {
        file: rel.to_owned(),
        upstream: known.map(|(path, _)| path.clone()),
        revision: known.map(|(_, commit)| commit.clone()),
    }
}

/// `SOURCES.md`: destination → (upstream path, commit), from a table whose first three columns are
/// those.
fn sources_table(text: &str) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let row = cells(line);
        if row.len() < 3 || row[0].is_empty() || row[0].starts_with('-') || row[0] == "destination"
        {
            continue;
        }
        out.insert(row[0].clone(), (row[1].clone(), row[2].clone()));
    }
    out
}

fn slashed(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Every file under `dir`, relative to `root`, sorted.
fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<std::io::Result<_>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            list_files(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(slashed(rel));
        }
    }
    Ok(())
}

/// Sorts and merges what several sources said: operations by path and method (one per pair).
fn finish(facts: &mut Facts) {
    let mut merged: BTreeMap<(String, usize), Operation> = BTreeMap::new();
    for op in std::mem::take(&mut facts.operations) {
        let rank = METHODS.iter().position(|m| *m == op.method).unwrap_or(9);
        match merged.entry((op.path.clone(), rank)) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(op);
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => {
                let into = slot.get_mut();
                into.id = into.id.take().or(op.id);
                into.statuses.extend(op.statuses);
                for (key, field) in op.parameters {
                    into.parameters.entry(key).or_insert(field);
                }
                for at in op.at {
                    if !into.at.contains(&at) {
                        into.at.push(at);
                    }
                }
            }
        }
    }
    facts.operations = merged.into_values().collect();
}

// ------------------------------------------------------------------------------------------ pages

/// Reads one markdown page into `facts`.
fn read_page(rel: &str, text: &str, facts: &mut Facts) {
    let lines: Vec<&str> = text.lines().collect();
    let stem = rel.strip_suffix(".md").unwrap_or(rel);
    let mut heading: Option<String> = None;
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    // The page's operations, in order; a status heading belongs to the last one.
    let mut page_ops: Vec<Operation> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        if let Some(info) = line.strip_prefix("```") {
            let start = i;
            let lang = info
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            let mut body = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].trim().starts_with("```") {
                if let Some((method, path)) = endpoint(lines[i]) {
                    page_ops.push(page_operation(method, path, rel, i + 1));
                }
                body.push(lines[i]);
                i += 1;
            }
            if i == lines.len() {
                facts.unreadable.push(Unreadable {
                    at: format!("{rel}:{}", start + 1),
                    why: "code block is never closed".to_owned(),
                });
            }
            code_block(rel, start + 1, &lang, &body.join("\n"), facts);
            i += 1;
            continue;
        }
        if line.starts_with('#') {
            let text = line.trim_start_matches('#').trim();
            if let (Some(status), Some(op)) = (status_in(text), page_ops.last_mut()) {
                op.statuses.insert(status);
            }
            heading = Some(text.to_owned());
            i += 1;
            continue;
        }
        if line.starts_with('|') {
            let start = i;
            while i < lines.len() && lines[i].trim().starts_with('|') {
                i += 1;
            }
            let mut id = match &heading {
                Some(h) if !slug(h).is_empty() => format!("{stem}#{}", slug(h)),
                _ => stem.to_owned(),
            };
            let seen = ids.entry(id.clone()).or_insert(0);
            *seen += 1;
            if *seen > 1 {
                let _ = write!(id, "-{seen}");
            }
            table(rel, start, &lines[start..i], id, facts);
            continue;
        }
        if let Some((method, path)) = endpoint(line) {
            page_ops.push(page_operation(method, path, rel, i + 1));
        }
        i += 1;
    }
    facts.operations.extend(page_ops);
}

fn page_operation(method: String, path: String, rel: &str, line: usize) -> Operation {
    Operation {
        method,
        path,
        at: vec![format!("{rel}:{line}")],
        ..Operation::default()
    }
}

/// `GET https://host/path`, `POST: /path` → (method, path without query).
fn endpoint(line: &str) -> Option<(String, String)> {
    let line = line.trim();
    let (method, target) = line.split_once(char::is_whitespace)?;
    let method = method.strip_suffix(':').unwrap_or(method);
    if !METHODS.contains(&method) {
        return None;
    }
    let target = target.trim();
    if target.is_empty() || target.contains(char::is_whitespace) {
        return None;
    }
    let path = if let Some(rest) = target
        .strip_prefix("https://")
        .or_else(|| target.strip_prefix("http://"))
    {
        format!("/{}", rest.split_once('/').map_or("", |(_, p)| p))
    } else if target.starts_with('/') {
        target.to_owned()
    } else {
        return None;
    };
    let path = path.split('?').next().unwrap_or_default().to_owned();
    Some((method.to_owned(), path))
}

/// The status a heading names (`Successful response: 200: OK`, `404 - Not found`).
fn status_in(heading: &str) -> Option<String> {
    let bytes = heading.as_bytes();
    for start in 0..bytes.len() {
        let end = start + 3;
        if end > bytes.len() || !bytes[start..end].iter().all(u8::is_ascii_digit) {
            continue;
        }
        let before_ok = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
        let after_ok = end == bytes.len() || matches!(bytes[end], b':' | b' ' | b'-');
        let first = bytes[start];
        if before_ok && after_ok && (b'1'..=b'5').contains(&first) {
            return Some(heading[start..end].to_owned());
        }
    }
    None
}

/// A fenced code block: a JSON example when labelled `json`, or unlabelled and starting like JSON.
fn code_block(rel: &str, line: usize, lang: &str, body: &str, facts: &mut Facts) {
    let trimmed = body.trim_start();
    let looks_json = trimmed.starts_with('{') || trimmed.starts_with('[');
    if !(lang == "json" || (lang.is_empty() && looks_json)) {
        return;
    }
    match serde_json::from_str::<Value>(body) {
        Ok(value) => facts.examples.push(Example {
            at: format!("{rel}:{line}"),
            operation: None,
            place: None,
            value,
        }),
        Err(e) => facts.unreadable.push(Unreadable {
            at: format!("{rel}:{line}"),
            why: format!("code block is not JSON: {e}"),
        }),
    }
}

/// The cells of a table row (`| a | b |` → `["a", "b"]`); `\|` is kept inside a cell.
fn cells(line: &str) -> Vec<String> {
    let line = line.trim();
    let Some(inner) = line.strip_prefix('|') else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '|' => out.push(std::mem::take(&mut cell).trim().to_owned()),
            _ => cell.push(c),
        }
    }
    if !cell.trim().is_empty() {
        out.push(cell.trim().to_owned());
    }
    out
}

/// Markdown emphasis, code marks and escapes off a cell (`**\_x**` → `_x`).
fn plain(cell: &str) -> String {
    cell.replace("**", "").replace(['`', '\\'], "")
}

/// The text of a heading with links reduced to their text, as a lowercase slug.
fn slug(heading: &str) -> String {
    let text = strip_links(heading);
    let mut out = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// `[text](url)` → `text`.
fn strip_links(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|c| open + c) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|e| close + e) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The columns of a field table.
struct Columns {
    count: usize,
    ty: Option<usize>,
    required: Option<usize>,
    nullable: Option<usize>,
    description: Option<usize>,
}

/// Reads one markdown table (`rows[0]` is on line `start + 1`) as the object `id`.
fn table(rel: &str, start: usize, rows: &[&str], id: String, facts: &mut Facts) {
    let at = |offset: usize| format!("{rel}:{}", start + offset + 1);
    let header: Vec<String> = cells(rows[0])
        .iter()
        .map(|c| plain(c).trim().to_ascii_lowercase())
        .collect();
    let separator = rows.get(1).map(|r| cells(r)).unwrap_or_default();
    let is_separator = !separator.is_empty()
        && separator
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')));
    if !is_separator {
        facts.unreadable.push(Unreadable {
            at: at(0),
            why: "table without a `|---|` row under its header".to_owned(),
        });
        return;
    }
    if !header
        .first()
        .is_some_and(|h| NAME_HEADERS.contains(&h.as_str()))
    {
        facts.unreadable.push(Unreadable {
            at: at(0),
            why: format!(
                "not a field table: its first column is `{}`, not one of {}",
                header.first().map_or("", String::as_str),
                NAME_HEADERS.join(", ")
            ),
        });
        return;
    }
    let find = |f: &dyn Fn(&str) -> bool| header.iter().position(|h| f(h));
    let columns = Columns {
        count: header.len(),
        ty: find(&|h| h == "type"),
        required: find(&|h| h.starts_with("required")),
        nullable: find(&|h| h.starts_with("nullable")),
        description: find(&|h| h == "description"),
    };
    let mut object = Object {
        at: at(0),
        fields: BTreeMap::new(),
    };
    for (offset, row) in rows.iter().enumerate().skip(2) {
        let row_cells = cells(row);
        if row_cells.len() != columns.count {
            facts.unreadable.push(Unreadable {
                at: at(offset),
                why: format!(
                    "{} cells, the header has {}",
                    row_cells.len(),
                    columns.count
                ),
            });
            continue;
        }
        let name = plain(&row_cells[0]).trim().to_owned();
        let name_ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']'));
        if !name_ok {
            facts.unreadable.push(Unreadable {
                at: at(offset),
                why: format!("`{}` is not a field name", row_cells[0]),
            });
            continue;
        }
        if object.fields.contains_key(&name) {
            facts.unreadable.push(Unreadable {
                at: at(offset),
                why: format!("`{name}` is listed twice in this table"),
            });
            continue;
        }
        let mut flag = |column: Option<usize>, what: &str| -> Option<bool> {
            let cell = row_cells[column?].trim();
            let value = match cell {
                ":heavy_plus_sign:" | "✅" => Some(true),
                ":heavy_minus_sign:" | "❌" => Some(false),
                _ => None,
            };
            if value.is_none() {
                facts.unreadable.push(Unreadable {
                    at: at(offset),
                    why: format!("`{name}`: {what} cell `{cell}` is neither yes nor no"),
                });
            }
            value
        };
        let required = flag(columns.required, "the required");
        let nullable = flag(columns.nullable, "the nullable");
        let description = columns.description.map_or("", |c| row_cells[c].as_str());
        let (limits, conflicts) = limits_in(description);
        for conflict in conflicts {
            facts.unreadable.push(Unreadable {
                at: at(offset),
                why: format!("`{name}`: {conflict}"),
            });
        }
        let field = Field {
            ty: columns
                .ty
                .map(|c| plain(&row_cells[c]).trim().to_owned())
                .filter(|t| !t.is_empty()),
            format: None,
            of: None,
            required,
            nullable,
            values: enum_values(description)
                .into_iter()
                .map(Value::String)
                .collect(),
            limits,
            at: at(offset),
        };
        object.fields.insert(name, field);
    }
    facts.objects.insert(id, object);
}

/// The enum values a description lists: `<li>` items starting with a code span, and the code or
/// bold items after "Possible values" (or "Available"/"Allowed values").
fn enum_values(description: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |v: String| {
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    };
    for item in description.split("<li>").skip(1) {
        if let Some(rest) = item.trim_start().strip_prefix('`')
            && let Some(end) = rest.find('`')
        {
            push(rest[..end].replace('\\', ""));
        }
    }
    let lower = description.to_ascii_lowercase();
    for lead in ["possible values", "available values", "allowed values"] {
        let Some(found) = lower.find(lead) else {
            continue;
        };
        let mut rest = &description[found + lead.len()..];
        rest = rest.trim_start();
        rest = rest.strip_prefix("are").unwrap_or(rest).trim_start();
        rest = rest.strip_prefix(':').unwrap_or(rest);
        loop {
            rest = rest.trim_start();
            for joiner in ["or ", "and "] {
                rest = rest.strip_prefix(joiner).unwrap_or(rest);
            }
            let (mark, len) = if rest.starts_with("**") {
                ("**", 2)
            } else if rest.starts_with('`') {
                ("`", 1)
            } else {
                break;
            };
            let Some(end) = rest[len..].find(mark) else {
                break;
            };
            push(rest[len..len + end].replace('\\', ""));
            rest = rest[len + end + len..].trim_start();
            match rest.strip_prefix(',') {
                Some(after) => rest = after,
                None => break,
            }
        }
    }
    out
}

/// The limits a description states, and any limit stated twice with different values.
fn limits_in(description: &str) -> (BTreeMap<String, Value>, Vec<String>) {
    let mut limits = BTreeMap::new();
    let mut conflicts = Vec::new();
    let mut text = description.to_owned();
    for tag in [
        "</p>", "<br />", "<br/>", "<br>", "<li>", "</li>", "<ul>", "</ul>",
    ] {
        text = text.replace(tag, "<p>");
    }
    for paragraph in text.split("<p>") {
        let paragraph = paragraph.trim();
        // `**Key**: ...` speaks of the field's `key`.
        let (sub, body) = match paragraph
            .strip_prefix("**")
            .and_then(|r| r.split_once("**"))
        {
            Some((name, rest)) if rest.trim_start().starts_with(':') || name.ends_with(':') => {
                let name = name.trim_end_matches(':').trim().to_ascii_lowercase();
                (Some(name), rest)
            }
            _ => (None, paragraph),
        };
        let lower = body.to_ascii_lowercase();
        let patterns: [(&str, &str, &str); 3] = [
            ("no more than ", "max_length", "max_items"),
            ("maximum of ", "max_length", "max_items"),
            ("at least ", "min_length", "min_items"),
        ];
        for (lead, of_characters, of_items) in patterns {
            let mut from = 0;
            while let Some(found) = lower[from..].find(lead).map(|f| from + f) {
                from = found + lead.len();
                let rest = &lower[from..];
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                let (number, after) = if !digits.is_empty() {
                    (digits.parse::<u64>().ok(), &rest[digits.len()..])
                } else if let Some(after) = rest.strip_prefix("one ") {
                    (Some(1), after)
                } else {
                    (None, rest)
                };
                let Some(number) = number else {
                    continue;
                };
                let name = if after.trim_start().starts_with("character") {
                    of_characters
                } else {
                    of_items
                };
                let key = match &sub {
                    Some(sub) => format!("{sub}.{name}"),
                    None => name.to_owned(),
                };
                let value = Value::from(number);
                match limits.get(&key) {
                    Some(old) if *old != value => {
                        conflicts.push(format!("two values for the limit {key}: {old} and {value}"))
                    }
                    Some(_) => {}
                    None => {
                        limits.insert(key, value);
                    }
                }
            }
        }
    }
    (limits, conflicts)
}

// ---------------------------------------------------------------------------------------- OpenAPI

/// Reads Adapty's OpenAPI file (`rel` names it in the facts).
fn read_openapi(rel: &str, text: &str, facts: &mut Facts) -> Result<()> {
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(text).with_context(|| format!("{rel} is not YAML"))?;
    let doc = yaml_to_json(yaml).with_context(|| rel.to_owned())?;
    let reader = OpenApi { rel, doc: &doc };
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let op = &item[method.to_ascii_lowercase()];
            if !op.is_object() {
                continue;
            }
            let id = op["operationId"].as_str().map(str::to_owned);
            let name = id.clone().unwrap_or_else(|| format!("{method} {path}"));
            let here = format!("{rel}#{name}");
            let mut parameters = BTreeMap::new();
            let listed = item["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(op["parameters"].as_array().into_iter().flatten());
            for parameter in listed {
                let parameter = reader.resolve(parameter, &here, facts);
                if parameter.is_null() {
                    // A `$ref` that points nowhere, reported by `resolve`.
                    continue;
                }
                let (Some(location), Some(pname)) =
                    (parameter["in"].as_str(), parameter["name"].as_str())
                else {
                    facts.unreadable.push(Unreadable {
                        at: here.clone(),
                        why: "a parameter without `in` or `name`".to_owned(),
                    });
                    continue;
                };
                let mut field = reader.field(&parameter["schema"], &here, facts);
                field.required = Some(parameter["required"].as_bool().unwrap_or(false));
                parameters.insert(format!("{location} {pname}"), field);
            }
            let body = reader.resolve(&op["requestBody"], &here, facts);
            reader.examples(&body["content"], &name, "request", facts);
            let mut statuses = BTreeSet::new();
            for (status, response) in op["responses"].as_object().into_iter().flatten() {
                statuses.insert(status.clone());
                let response = reader.resolve(response, &here, facts);
                reader.examples(&response["content"], &name, status, facts);
            }
            facts.operations.push(Operation {
                method: method.to_owned(),
                path: path.clone(),
                id,
                statuses,
                parameters,
                at: vec![rel.to_owned()],
            });
        }
    }
    for (name, schema) in doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        reader.object(name, schema, facts);
    }
    Ok(())
}

/// Reading one OpenAPI document.
struct OpenApi<'a> {
    rel: &'a str,
    doc: &'a Value,
}

impl<'a> OpenApi<'a> {
    /// The node a `$ref` points to (followed a few times), or the node itself. A `$ref` that
    /// leads nowhere is reported and gives `null`.
    fn resolve(&self, node: &'a Value, at: &str, facts: &mut Facts) -> &'a Value {
        let mut current = node;
        for _ in 0..8 {
            let Some(target) = current.get("$ref").and_then(Value::as_str) else {
                return current;
            };
            match target
                .strip_prefix('#')
                .and_then(|pointer| self.doc.pointer(pointer))
            {
                Some(found) => current = found,
                None => {
                    facts.unreadable.push(Unreadable {
                        at: at.to_owned(),
                        why: format!("`$ref: {target}` points nowhere"),
                    });
                    return &Value::Null;
                }
            }
        }
        current
    }

    /// The schema name a `$ref` (direct, or the only `allOf` item) names.
    fn ref_name(node: &Value) -> Option<String> {
        let target = node
            .get("$ref")
            .or_else(|| match node["allOf"].as_array() {
                Some(items) if items.len() == 1 => items[0].get("$ref"),
                _ => None,
            })?;
        target.as_str()?.rsplit('/').next().map(str::to_owned)
    }

    /// The JSON type of `node`, written as the file writes it (`string`, `string | number`), or
    /// of what it references.
    fn type_of(&self, node: &'a Value, at: &str, facts: &mut Facts) -> Option<String> {
        let types: Vec<String> = match &node["type"] {
            Value::String(t) => vec![t.clone()],
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        if !types.is_empty() {
            return Some(types.join(" | "));
        }
        if node.get("$ref").is_some() {
            let target = self.resolve(node, at, facts);
            return self.type_of(target, at, facts);
        }
        for keyword in ["allOf", "oneOf", "anyOf"] {
            if let Some(branches) = node[keyword].as_array() {
                let mut all: Vec<String> = Vec::new();
                for branch in branches {
                    if let Some(t) = self.type_of(branch, at, facts) {
                        for t in t.split(" | ") {
                            if !all.iter().any(|a| a == t) {
                                all.push(t.to_owned());
                            }
                        }
                    }
                }
                if !all.is_empty() {
                    return Some(all.join(" | "));
                }
            }
        }
        if node.get("properties").is_some() || node.get("additionalProperties").is_some() {
            return Some("object".to_owned());
        }
        None
    }

    /// What the file says of one property (or parameter) schema.
    fn field(&self, node: &'a Value, at: &str, facts: &mut Facts) -> Field {
        let target = match Self::ref_name(node) {
            Some(_) => {
                let reference = node.get("$ref").map_or_else(|| &node["allOf"][0], |_| node);
                self.resolve(reference, at, facts)
            }
            None => node,
        };
        let nullable = node["nullable"].as_bool() == Some(true)
            || target["nullable"].as_bool() == Some(true)
            || node["type"]
                .as_array()
                .is_some_and(|ts| ts.iter().any(|t| t == "null"));
        let of = Self::ref_name(node).or_else(|| {
            let items = node.get("items")?;
            Self::ref_name(items).or_else(|| items["type"].as_str().map(str::to_owned))
        });
        let mut limits = BTreeMap::new();
        for source in [target, node] {
            for (keyword, name) in LIMIT_KEYWORDS {
                if let Some(value) = source.get(*keyword) {
                    limits.insert((*name).to_owned(), value.clone());
                }
            }
        }
        let mut values = node["enum"]
            .as_array()
            .or_else(|| target["enum"].as_array())
            .cloned()
            .unwrap_or_default();
        // The prose states limits and values too ("no more than 50 characters"); the schema's own
        // keywords win, and a description that contradicts them is reported.
        let description = node["description"].as_str().unwrap_or_default();
        let (stated, conflicts) = limits_in(description);
        for conflict in conflicts {
            facts.unreadable.push(Unreadable {
                at: at.to_owned(),
                why: conflict,
            });
        }
        for (name, value) in stated {
            match limits.get(&name) {
                Some(kept) if *kept != value => facts.unreadable.push(Unreadable {
                    at: at.to_owned(),
                    why: format!("the description says {name} {value}, the schema {kept}"),
                }),
                Some(_) => {}
                None => {
                    limits.insert(name, value);
                }
            }
        }
        if values.is_empty() {
            values = enum_values(description)
                .into_iter()
                .map(Value::String)
                .collect();
        }
        Field {
            ty: self.type_of(node, at, facts),
            format: node["format"]
                .as_str()
                .or_else(|| target["format"].as_str())
                .map(str::to_owned),
            of,
            required: None,
            nullable: Some(nullable),
            values,
            limits,
            at: at.to_owned(),
        }
    }

    /// A schema as the object `name`; its inline object properties and items become objects
    /// `name.property` and `name.property[]`.
    fn object(&self, name: &str, schema: &'a Value, facts: &mut Facts) {
        let at = format!("{}#{name}", self.rel);
        let mut properties: Vec<(&'a String, &'a Value)> = Vec::new();
        let mut required: BTreeSet<&str> = BTreeSet::new();
        self.collect(schema, &at, facts, &mut properties, &mut required);
        let mut object = Object {
            at: at.clone(),
            fields: BTreeMap::new(),
        };
        let mut nested = Vec::new();
        for (property, node) in properties {
            let mut field = self.field(node, &at, facts);
            field.required = Some(required.contains(property.as_str()));
            object.fields.insert(property.clone(), field);
            if node.get("properties").is_some() {
                nested.push((format!("{name}.{property}"), node));
            }
            if let Some(items) = node.get("items")
                && items.get("properties").is_some()
            {
                nested.push((format!("{name}.{property}[]"), items));
            }
        }
        facts.objects.insert(name.to_owned(), object);
        for (inner, node) in nested {
            self.object(&inner, node, facts);
        }
    }

    /// The properties and required names of `schema`, through `allOf` (a `oneOf`/`anyOf` of
    /// references stays the referenced schemas' own business).
    fn collect(
        &self,
        schema: &'a Value,
        at: &str,
        facts: &mut Facts,
        properties: &mut Vec<(&'a String, &'a Value)>,
        required: &mut BTreeSet<&'a str>,
    ) {
        let schema = self.resolve(schema, at, facts);
        for (name, node) in schema["properties"].as_object().into_iter().flatten() {
            if !properties.iter().any(|(n, _)| *n == name) {
                properties.push((name, node));
            }
        }
        required.extend(
            schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str),
        );
        for branch in schema["allOf"].as_array().into_iter().flatten() {
            self.collect(branch, at, facts, properties, required);
        }
    }

    /// The examples of one `content` map, at `<operation> <place>`.
    fn examples(&self, content: &'a Value, operation: &str, place: &str, facts: &mut Facts) {
        let here = format!("{}#{operation} {place}", self.rel);
        for (_, media) in content.as_object().into_iter().flatten() {
            if let Some(value) = media.get("example") {
                facts.examples.push(Example {
                    at: here.clone(),
                    operation: Some(operation.to_owned()),
                    place: Some(place.to_owned()),
                    value: value.clone(),
                });
            }
            for (name, example) in media["examples"].as_object().into_iter().flatten() {
                let example = self.resolve(example, &here, facts);
                match example.get("value") {
                    Some(value) => facts.examples.push(Example {
                        at: format!("{here} {name}"),
                        operation: Some(operation.to_owned()),
                        place: Some(place.to_owned()),
                        value: value.clone(),
                    }),
                    None => facts.unreadable.push(Unreadable {
                        at: format!("{here} {name}"),
                        why: "an example without a `value`".to_owned(),
                    }),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_read_from_absolute_urls_and_paths() {
        assert_eq!(
            endpoint("GET https://api.adapty.io/api/v2/server-side-api/profile/?x=1"),
            Some(("GET".into(), "/api/v2/server-side-api/profile/".into()))
        );
        assert_eq!(
            endpoint("POST: /profiles/{id}/grant/"),
            Some(("POST".into(), "/profiles/{id}/grant/".into()))
        );
        assert_eq!(endpoint("response = requests.get(url)"), None);
        assert_eq!(endpoint("GET the profile"), None);
    }

    #[test]
    fn statuses_are_read_from_headings() {
        assert_eq!(
            status_in("Successful response: 200: OK").as_deref(),
            Some("200")
        );
        assert_eq!(status_in("404 - Not found").as_deref(), Some("404"));
        assert_eq!(
            status_in("Successful response: 204 No Content").as_deref(),
            Some("204")
        );
        assert_eq!(status_in("Case 1: Syncing"), None);
        assert_eq!(status_in("Version 2024 notes"), None);
    }

    #[test]
    fn slugs_drop_links_and_punctuation() {
        assert_eq!(
            slug("Profile[](https://adapty.io/docs/x#profile)"),
            "profile"
        );
        assert_eq!(slug("Non Subscription"), "non-subscription");
    }

    #[test]
    fn limits_are_attributed_to_the_field_or_its_key() {
        let (limits, conflicts) = limits_in(
            "<p>A maximum of 30 attributes. You must provide at least one key.</p>\
             <p>**Key**: no more than 20 characters.</p><p>**Value**: The value must be no more \
             than 40 characters.</p>",
        );
        assert!(conflicts.is_empty());
        let expected: BTreeMap<String, Value> = [
            ("max_items", 30),
            ("min_items", 1),
            ("key.max_length", 20),
            ("value.max_length", 40),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::from(v)))
        .collect();
        assert_eq!(limits, expected);
        let (_, conflicts) = limits_in("A maximum of 10 items. A maximum of 12 items.");
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        assert!(limits_in("Always `404`; see page 300.").0.is_empty());
    }

    #[test]
    fn yaml_keys_that_are_numbers_become_strings() {
        let yaml: serde_yaml::Value = serde_yaml::from_str("200: {a: 1.5}").expect("yaml");
        assert_eq!(
            yaml_to_json(yaml).expect("json"),
            serde_json::json!({"200": {"a": 1.5}})
        );
    }
}
