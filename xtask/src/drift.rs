//! `cargo xtask drift`: what Adapty's docs say that our specs do not.
//!
//! Each spec (`openapi/adapty-server-side-api-vN.yaml`) is compared with the facts recorded from
//! Adapty's docs (`openapi/upstream/vN.json`, written by `cargo xtask upstream`). Every upstream
//! operation, status, parameter, object, field, type, required and nullable flag, enum value,
//! limit and example must be in our spec, or be listed with a reason in the one reviewed file of
//! known differences, [`KNOWN_DIFFERENCES`]. A listed difference that no longer occurs is an error
//! too (a stale excuse), so the file stays true.
//!
//! How upstream objects find our schemas: a `[[map]]` entry of the known-differences file names
//! the schemas (or `Schema.property[]` paths, or `#parameters` for a table of headers) that hold
//! an upstream object's fields, searched in order; without one, the schema named like the object
//! (the part after the last `/` and before `#`) is used. A nested object `Parent.property[]` is
//! looked up below `Parent`'s schemas. A fact is in our spec when any of the schemas holding the
//! field states it.
//!
//! How a difference is named, and excused: by its spec, kind, subject (`AccessLevel.offer`,
//! `GET /path`, `getProfile header adapty-platform`, an example's place) and the two short
//! statements of upstream and ours (`required` / `optional`). A `[[difference]]` entry must match
//! all of them; its `subjects` list names every subject it excuses.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::Value;

use crate::upstream::{Facts, Field, LIMIT_KEYWORDS, load, yaml_to_json};

/// The reviewed file of known differences, relative to the workspace root.
pub const KNOWN_DIFFERENCES: &str = "openapi/upstream/known-differences.toml";

/// The directory of the recorded facts, relative to the workspace root (`<dir>/<version>.json`).
pub const FACTS_DIR: &str = "openapi/upstream";

/// The type words of Adapty's tables and files, and the JSON type each means.
const TYPE_WORDS: &[(&str, &str)] = &[
    ("string", "string"),
    ("str", "string"),
    ("uuid", "string"),
    ("iso 8601 date", "string"),
    ("date", "string"),
    ("date-time", "string"),
    ("datetime", "string"),
    ("boolean", "boolean"),
    ("bool", "boolean"),
    ("integer", "integer"),
    ("int", "integer"),
    ("float", "number"),
    ("double", "number"),
    ("number", "number"),
    ("dictionary", "object"),
    ("dict", "object"),
    ("object", "object"),
    ("array", "array"),
    ("list", "array"),
];

/// What a difference is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An upstream operation (method and path) our spec lacks.
    Operation,
    /// A documented status an operation of ours does not declare.
    Status,
    /// A documented parameter an operation of ours does not declare.
    Parameter,
    /// An upstream object no schema of ours is mapped to.
    Object,
    /// An upstream field our schemas lack.
    Field,
    /// A field whose JSON type differs.
    Type,
    /// A field (or parameter) required on one side only.
    Required,
    /// A field nullable on one side only.
    Nullable,
    /// Enum values upstream lists that ours does not.
    Enum,
    /// A limit upstream states that ours does not.
    Limit,
    /// A documented example that is not among ours.
    Example,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 11] = [
        Kind::Operation,
        Kind::Status,
        Kind::Parameter,
        Kind::Object,
        Kind::Field,
        Kind::Type,
        Kind::Required,
        Kind::Nullable,
        Kind::Enum,
        Kind::Limit,
        Kind::Example,
    ];

    /// The kind's name in reports and in the known-differences file.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Operation => "operation",
            Kind::Status => "status",
            Kind::Parameter => "parameter",
            Kind::Object => "object",
            Kind::Field => "field",
            Kind::Type => "type",
            Kind::Required => "required",
            Kind::Nullable => "nullable",
            Kind::Enum => "enum",
            Kind::Limit => "limit",
            Kind::Example => "example",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The reviewed file of known differences.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownDifferences {
    /// Which of our schemas hold an upstream object's fields.
    #[serde(default)]
    pub map: Vec<Mapping>,
    /// Differences kept on purpose.
    #[serde(default)]
    pub difference: Vec<Known>,
}

/// Where an upstream object's fields live in our spec.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// `v1` or `v2`.
    pub spec: String,
    /// The upstream object's id (as in the facts file).
    pub upstream: String,
    /// Our schemas (or `Schema.property[]` paths, or `#parameters`), searched in order.
    pub ours: Vec<String>,
    /// Why the names differ.
    pub reason: String,
}

/// One difference kept on purpose.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Known {
    /// `v1` or `v2`.
    pub spec: String,
    /// The kind of difference.
    pub kind: Kind,
    /// The one subject excused (or use `subjects`).
    #[serde(default)]
    pub subject: Option<String>,
    /// The subjects excused, each one difference.
    #[serde(default)]
    pub subjects: Vec<String>,
    /// What upstream says, as the report writes it.
    pub upstream: String,
    /// What ours says, as the report writes it.
    pub ours: String,
    /// Why ours differs (usually the spec's CHOICE).
    pub reason: String,
}

impl Known {
    /// The subjects the entry excuses.
    pub fn all_subjects(&self) -> Vec<&str> {
        self.subject
            .iter()
            .map(String::as_str)
            .chain(self.subjects.iter().map(String::as_str))
            .collect()
    }
}

impl KnownDifferences {
    /// Parses and checks the file (`name` is how errors cite it).
    pub fn parse(name: &str, text: &str) -> Result<Self> {
        let known: KnownDifferences = toml::from_str(text).with_context(|| name.to_owned())?;
        for entry in &known.difference {
            let subjects = entry.all_subjects();
            if subjects.is_empty() {
                bail!(
                    "{name}: a {} difference of {} has no `subject`",
                    entry.kind,
                    entry.spec
                );
            }
            if entry.reason.trim().is_empty() {
                bail!("{name}: {} `{}` has no reason", entry.kind, subjects[0]);
            }
        }
        for mapping in &known.map {
            if mapping.ours.is_empty() || mapping.reason.trim().is_empty() {
                bail!(
                    "{name}: the map of `{}` needs `ours` and a reason",
                    mapping.upstream
                );
            }
        }
        Ok(known)
    }

    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&path.display().to_string(), &text)
    }
}

/// One thing upstream says that our spec does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// `v1` or `v2`.
    pub spec: String,
    /// What it is about.
    pub kind: Kind,
    /// Where in our spec (`AccessLevel.offer`, `GET /path`, an example's place).
    pub subject: String,
    /// What upstream says (`required`, `` `Xcode` ``, `object`).
    pub upstream: String,
    /// What ours says (`optional`, `not in enum`, `array`).
    pub ours: String,
    /// Where upstream says it (file:line).
    pub at: BTreeSet<String>,
    /// The reason it is kept, when the known-differences file lists it.
    pub excused: Option<String>,
}

impl Difference {
    /// The one-line, actionable description of an unexcused difference.
    pub fn line(&self, known_file: &str) -> String {
        let at: Vec<&str> = self.at.iter().map(String::as_str).collect();
        format!(
            "{} {} `{}`: upstream {}, ours {} ({}) — add it to the spec or list it in {known_file} \
             with a reason",
            self.spec,
            self.kind,
            self.subject,
            self.upstream,
            self.ours,
            at.join(", ")
        )
    }
}

/// The comparison of one spec with its upstream facts.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// `v1` or `v2`.
    pub spec: String,
    /// Every difference, excused or not, by kind then subject.
    pub differences: Vec<Difference>,
    /// Entries of the known-differences file that match nothing (stale excuses and maps).
    pub stale: Vec<String>,
    /// Mappings that name nothing in our spec.
    pub problems: Vec<String>,
    /// What the upstream reader could not read (from the facts file).
    pub unreadable: Vec<String>,
}

impl Report {
    /// The differences the known-differences file does not excuse.
    pub fn unexcused(&self) -> impl Iterator<Item = &Difference> {
        self.differences.iter().filter(|d| d.excused.is_none())
    }

    /// Whether drift passes: every difference excused, no stale entry, no broken mapping.
    pub fn passes(&self) -> bool {
        self.unexcused().next().is_none() && self.stale.is_empty() && self.problems.is_empty()
    }

    /// Per kind: (differences, of which excused).
    pub fn counts(&self) -> BTreeMap<Kind, (usize, usize)> {
        let mut counts = BTreeMap::new();
        for d in &self.differences {
            let entry = counts.entry(d.kind).or_insert((0, 0));
            entry.0 += 1;
            if d.excused.is_some() {
                entry.1 += 1;
            }
        }
        counts
    }
}

/// The specs drift compares: (version, spec path), from the generator's targets.
pub fn specs() -> Vec<(String, &'static str)> {
    crate::TARGETS
        .iter()
        .map(|t| {
            let version = t.module.rsplit("::").next().unwrap_or(t.module);
            (version.to_owned(), t.spec)
        })
        .collect()
}

/// A spec file (YAML) as JSON.
pub fn load_spec(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&text).with_context(|| format!("{} is not YAML", path.display()))?;
    yaml_to_json(yaml).with_context(|| path.display().to_string())
}

/// Compares every spec of the workspace with its recorded facts, under the workspace's
/// known-differences file. Known-differences entries for a version no spec has are reported as
/// problems of the first report.
pub fn check_workspace(root: &Path) -> Result<Vec<Report>> {
    let known = KnownDifferences::load(&root.join(KNOWN_DIFFERENCES))?;
    let mut reports = Vec::new();
    for (version, spec) in specs() {
        let doc = load_spec(&root.join(spec))?;
        let facts =
            load(&root.join(FACTS_DIR).join(format!("{version}.json"))).with_context(|| {
                format!("the upstream facts of {version}: run `cargo xtask upstream`")
            })?;
        if facts.spec != version {
            bail!(
                "{FACTS_DIR}/{version}.json holds the facts of {}",
                facts.spec
            );
        }
        reports.push(compare(&doc, &facts, &known));
    }
    let versions: BTreeSet<String> = reports.iter().map(|r| r.spec.clone()).collect();
    let orphans: Vec<String> = known
        .difference
        .iter()
        .map(|d| &d.spec)
        .chain(known.map.iter().map(|m| &m.spec))
        .filter(|s| !versions.contains(*s))
        .map(|s| format!("known differences name the version `{s}`, which no spec has"))
        .collect();
    if let Some(first) = reports.first_mut() {
        first.problems.extend(orphans);
    }
    Ok(reports)
}

/// Compares our spec `doc` (OpenAPI as JSON) with the upstream `facts`, under `known`.
pub fn compare(doc: &Value, facts: &Facts, known: &KnownDifferences) -> Report {
    let mut cmp = Comparison {
        doc,
        spec: &facts.spec,
        found: BTreeMap::new(),
        problems: Vec::new(),
        used_maps: BTreeSet::new(),
        known,
    };
    cmp.operations(facts);
    cmp.objects(facts);
    cmp.examples(facts);

    let mut used: BTreeSet<(usize, String)> = BTreeSet::new();
    let mut differences = Vec::new();
    for ((kind, subject, upstream, ours), at) in cmp.found {
        let excuse = known.difference.iter().enumerate().find(|(_, k)| {
            k.spec == facts.spec
                && k.kind == kind
                && k.upstream == upstream
                && k.ours == ours
                && k.all_subjects().contains(&subject.as_str())
        });
        let excused = excuse.map(|(i, k)| {
            used.insert((i, subject.clone()));
            k.reason.clone()
        });
        differences.push(Difference {
            spec: facts.spec.clone(),
            kind,
            subject,
            upstream,
            ours,
            at,
            excused,
        });
    }
    let mut stale = Vec::new();
    for (i, entry) in known.difference.iter().enumerate() {
        if entry.spec != facts.spec {
            continue;
        }
        for subject in entry.all_subjects() {
            if !used.contains(&(i, subject.to_owned())) {
                stale.push(format!(
                    "{} {} `{subject}` (upstream {}, ours {}) is listed in the known differences \
                     but no longer differs so — remove it, or update it to the difference reported",
                    entry.spec, entry.kind, entry.upstream, entry.ours
                ));
            }
        }
    }
    for (i, mapping) in known.map.iter().enumerate() {
        if mapping.spec == facts.spec && !cmp.used_maps.contains(&i) {
            stale.push(format!(
                "{} map of `{}`: no such upstream object in the facts — remove the map",
                mapping.spec, mapping.upstream
            ));
        }
    }
    Report {
        spec: facts.spec.clone(),
        differences,
        stale,
        problems: cmp.problems,
        unreadable: facts
            .unreadable
            .iter()
            .map(|u| format!("{}: {}", u.at, u.why))
            .collect(),
    }
}

/// The text `cargo xtask drift` prints: unexcused differences and stale entries (always), then
/// with `full` every difference with its reason, and the counts per kind.
pub fn render(reports: &[Report], known_file: &str, full: bool) -> String {
    let mut out = String::new();
    for report in reports {
        if full {
            let _ = writeln!(
                out,
                "== {}: what upstream says that ours does not",
                report.spec
            );
            for d in &report.differences {
                let at: Vec<&str> = d.at.iter().map(String::as_str).collect();
                let _ = writeln!(
                    out,
                    "  {} `{}`: upstream {}, ours {} ({})\n      {}",
                    d.kind,
                    d.subject,
                    d.upstream,
                    d.ours,
                    at.join(", "),
                    d.excused.as_deref().map_or_else(
                        || "NOT EXCUSED".to_owned(),
                        |reason| format!("known: {reason}")
                    )
                );
            }
            for u in &report.unreadable {
                let _ = writeln!(out, "  unreadable upstream: {u}");
            }
        }
        for d in report.unexcused() {
            let _ = writeln!(out, "{}", d.line(known_file));
        }
        for s in &report.stale {
            let _ = writeln!(out, "{s}");
        }
        for p in &report.problems {
            let _ = writeln!(out, "{p}");
        }
    }
    for report in reports {
        let counts = report.counts();
        let total: usize = counts.values().map(|c| c.0).sum();
        let excused: usize = counts.values().map(|c| c.1).sum();
        let _ = write!(
            out,
            "{}: {total} differences from upstream, {excused} known",
            report.spec
        );
        if full {
            let per_kind: Vec<String> = Kind::ALL
                .iter()
                .filter_map(|k| counts.get(k).map(|(n, _)| format!("{k} {n}")))
                .collect();
            if !per_kind.is_empty() {
                let _ = write!(out, " ({})", per_kind.join(", "));
            }
        }
        let _ = writeln!(
            out,
            "; {} stale known entries; {} unreadable upstream rows",
            report.stale.len(),
            report.unreadable.len()
        );
    }
    out
}

// ------------------------------------------------------------------------------------ comparison

/// The key of a difference: kind, subject, upstream's statement, ours.
type Key = (Kind, String, String, String);

struct Comparison<'a> {
    doc: &'a Value,
    spec: &'a str,
    found: BTreeMap<Key, BTreeSet<String>>,
    problems: Vec<String>,
    used_maps: BTreeSet<usize>,
    known: &'a KnownDifferences,
}

/// What one of our schemas says of a value: its JSON types (empty: any), whether it may be `null`,
/// its enum values (`None`: not an enum) and limits.
#[derive(Debug, Default)]
struct Shape {
    types: BTreeSet<String>,
    nullable: bool,
    null_only: bool,
    values: Option<Vec<Value>>,
    limits: Vec<(String, Value)>,
}

/// One of our fields (or parameters) that an upstream field was found as.
struct Ours<'a> {
    /// `Schema.field`, the subject of its differences.
    subject: String,
    node: &'a Value,
    required: bool,
}

impl<'a> Comparison<'a> {
    fn add(&mut self, kind: Kind, subject: String, upstream: String, ours: String, at: &str) {
        self.found
            .entry((kind, subject, upstream, ours))
            .or_default()
            .insert(at.to_owned());
    }

    /// The node a `$ref` points to (followed a few times), or the node itself.
    fn resolve(&self, node: &'a Value) -> &'a Value {
        let mut current = node;
        for _ in 0..8 {
            let Some(target) = current.get("$ref").and_then(Value::as_str) else {
                return current;
            };
            match target.strip_prefix('#').and_then(|p| self.doc.pointer(p)) {
                Some(found) => current = found,
                None => return &Value::Null,
            }
        }
        current
    }

    fn shape(&self, node: &'a Value) -> Shape {
        self.shape_at(node, 0)
    }

    fn shape_at(&self, node: &'a Value, depth: u32) -> Shape {
        let node = self.resolve(node);
        let mut shape = Shape::default();
        if depth > 8 {
            return shape;
        }
        if node["nullable"].as_bool() == Some(true) {
            shape.nullable = true;
        }
        if let Some(values) = node["enum"].as_array() {
            let kept: Vec<Value> = values.iter().filter(|v| !v.is_null()).cloned().collect();
            shape.nullable |= kept.len() < values.len();
            if kept.is_empty() {
                shape.null_only = true;
            } else {
                shape.values = Some(kept);
            }
        }
        match &node["type"] {
            Value::String(t) if !shape.null_only => {
                shape.types.insert(t.clone());
            }
            Value::Array(ts) => {
                for t in ts.iter().filter_map(Value::as_str) {
                    if t == "null" {
                        shape.nullable = true;
                    } else {
                        shape.types.insert(t.to_owned());
                    }
                }
            }
            _ => {}
        }
        if shape.types.is_empty() && !shape.null_only {
            if node.get("properties").is_some() || node.get("additionalProperties").is_some() {
                shape.types.insert("object".to_owned());
            } else if node.get("items").is_some() {
                shape.types.insert("array".to_owned());
            }
        }
        for (keyword, name) in LIMIT_KEYWORDS {
            if let Some(value) = node.get(*keyword) {
                shape.limits.push(((*name).to_owned(), value.clone()));
            }
        }
        for keyword in ["allOf", "oneOf", "anyOf"] {
            let Some(branches) = node[keyword].as_array() else {
                continue;
            };
            let shapes: Vec<Shape> = branches
                .iter()
                .map(|b| self.shape_at(b, depth + 1))
                .collect();
            let typed: Vec<&Shape> = shapes.iter().filter(|s| !s.null_only).collect();
            if shape.values.is_none()
                && !typed.is_empty()
                && typed.iter().all(|s| s.values.is_some())
            {
                let mut all: Vec<Value> = Vec::new();
                for s in &typed {
                    for v in s.values.iter().flatten() {
                        if !all.contains(v) {
                            all.push(v.clone());
                        }
                    }
                }
                shape.values = Some(all);
            }
            for s in shapes {
                shape.nullable |= s.nullable || s.null_only;
                shape.types.extend(s.types);
                shape.limits.extend(s.limits);
            }
        }
        shape
    }

    /// The properties of a schema (through `$ref`, `allOf`, `oneOf`, `anyOf`) and its required
    /// names.
    fn properties(&self, node: &'a Value) -> (BTreeMap<&'a str, &'a Value>, BTreeSet<&'a str>) {
        let mut properties = BTreeMap::new();
        let mut required = BTreeSet::new();
        self.collect_properties(node, &mut properties, &mut required, 0);
        (properties, required)
    }

    fn collect_properties(
        &self,
        node: &'a Value,
        properties: &mut BTreeMap<&'a str, &'a Value>,
        required: &mut BTreeSet<&'a str>,
        depth: u32,
    ) {
        let node = self.resolve(node);
        if depth > 8 {
            return;
        }
        for (name, property) in node["properties"].as_object().into_iter().flatten() {
            properties.entry(name.as_str()).or_insert(property);
        }
        required.extend(
            node["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str),
        );
        for keyword in ["allOf", "oneOf", "anyOf"] {
            for branch in node[keyword].as_array().into_iter().flatten() {
                self.collect_properties(branch, properties, required, depth + 1);
            }
        }
    }

    /// The item schema of an array schema (through references and compositions).
    fn items(&self, node: &'a Value) -> Option<&'a Value> {
        let node = self.resolve(node);
        if let Some(items) = node.get("items") {
            return Some(items);
        }
        ["allOf", "oneOf", "anyOf"]
            .iter()
            .flat_map(|k| node[*k].as_array().into_iter().flatten())
            .find_map(|b| self.items(b))
    }

    /// A schema named by a path: `Schema`, `Schema.property`, `Schema.property[]`.
    fn schema_at(&self, path: &str) -> Option<&'a Value> {
        let mut segments = path.split('.');
        let first = segments.next()?;
        let (name, array) = split_items(first);
        let mut node = self.doc["components"]["schemas"].get(name)?;
        if array {
            node = self.items(node)?;
        }
        for segment in segments {
            let (name, array) = split_items(segment);
            node = self.properties(node).0.get(name).copied()?;
            if array {
                node = self.items(node)?;
            }
        }
        Some(node)
    }

    /// Where the fields of an upstream object live in ours: the mapped targets, or the schema of
    /// the same name; `None` when nothing is mapped.
    fn targets(&mut self, id: &str) -> Option<Vec<String>> {
        let known = self.known;
        if let Some((i, mapping)) = known
            .map
            .iter()
            .enumerate()
            .find(|(_, m)| m.spec == self.spec && m.upstream == id)
        {
            self.used_maps.insert(i);
            return Some(mapping.ours.clone());
        }
        if let Some((parent, rest)) = id.split_once('.') {
            let parents = self.targets(parent)?;
            return Some(parents.iter().map(|p| format!("{p}.{rest}")).collect());
        }
        let base = id.rsplit('/').next().unwrap_or(id);
        let base = base.split('#').next().unwrap_or(base);
        self.doc["components"]["schemas"]
            .get(base)
            .map(|_| vec![base.to_owned()])
    }

    /// Our fields named `name` in `targets`, in order.
    fn find(&self, targets: &[String], name: &str) -> Vec<Ours<'a>> {
        let mut out = Vec::new();
        for target in targets {
            if target == "#parameters" {
                for parameter in self.all_parameters() {
                    if parameter["name"]
                        .as_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
                    {
                        out.push(Ours {
                            subject: format!("parameter {name}"),
                            node: &parameter["schema"],
                            required: parameter["required"].as_bool() == Some(true),
                        });
                        break;
                    }
                }
                continue;
            }
            let Some(schema) = self.schema_at(target) else {
                continue;
            };
            let (properties, required) = self.properties(schema);
            if let Some(node) = properties.get(name) {
                out.push(Ours {
                    subject: format!("{target}.{name}"),
                    node,
                    required: required.contains(name),
                });
            }
        }
        out
    }

    /// Every parameter of the spec: the components' and each path's and operation's own.
    fn all_parameters(&self) -> Vec<&'a Value> {
        let mut out: Vec<&'a Value> = self.doc["components"]["parameters"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(_, p)| p)
            .collect();
        for (_, item) in self.doc["paths"].as_object().into_iter().flatten() {
            out.extend(
                item["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| self.resolve(p)),
            );
            for method in ["get", "post", "put", "patch", "delete"] {
                out.extend(
                    item[method]["parameters"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|p| self.resolve(p)),
                );
            }
        }
        out
    }

    fn operations(&mut self, facts: &Facts) {
        for op in &facts.operations {
            let subject = op
                .id
                .clone()
                .unwrap_or_else(|| format!("{} {}", op.method, op.path));
            let at = op.at.join(", ");
            let item = &self.doc["paths"][&op.path];
            let ours = &item[op.method.to_ascii_lowercase()];
            if !ours.is_object() {
                self.add(
                    Kind::Operation,
                    subject,
                    "documented".into(),
                    "absent".into(),
                    &at,
                );
                continue;
            }
            let responses = ours["responses"].as_object();
            for status in &op.statuses {
                if !responses.is_some_and(|r| r.contains_key(status)) {
                    self.add(
                        Kind::Status,
                        format!("{subject} {status}"),
                        "documented".into(),
                        "absent".into(),
                        &at,
                    );
                }
            }
            let parameters: Vec<&Value> = item["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(ours["parameters"].as_array().into_iter().flatten())
                .map(|p| self.resolve(p))
                .collect();
            for (key, field) in &op.parameters {
                let (location, name) = key.split_once(' ').unwrap_or(("", key));
                let found = parameters.iter().find(|p| {
                    p["in"] == location
                        && p["name"]
                            .as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case(name))
                });
                let subject = format!("{subject} {key}");
                match found {
                    None => self.add(
                        Kind::Parameter,
                        subject,
                        "documented".into(),
                        "absent".into(),
                        &field.at,
                    ),
                    Some(p) => {
                        let ours = Ours {
                            subject,
                            node: &p["schema"],
                            required: p["required"].as_bool() == Some(true),
                        };
                        self.field(field, &[ours]);
                    }
                }
            }
        }
    }

    fn objects(&mut self, facts: &Facts) {
        for (id, object) in &facts.objects {
            let Some(targets) = self.targets(id) else {
                self.add(
                    Kind::Object,
                    id.clone(),
                    "object".into(),
                    "unmapped".into(),
                    &object.at,
                );
                continue;
            };
            let missing: Vec<&String> = targets
                .iter()
                .filter(|t| *t != "#parameters" && self.schema_at(t).is_none())
                .collect();
            if !missing.is_empty() {
                let missing: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
                self.problems.push(format!(
                    "{} `{id}` maps to `{}`, which is not a schema of ours — fix the map in {}",
                    self.spec,
                    missing.join("`, `"),
                    KNOWN_DIFFERENCES
                ));
                continue;
            }
            for (name, field) in &object.fields {
                let ours = self.find(&targets, name);
                if ours.is_empty() {
                    let subject = match targets[0].as_str() {
                        "#parameters" => format!("parameter {name}"),
                        first => format!("{first}.{name}"),
                    };
                    self.add(
                        Kind::Field,
                        subject,
                        "present".into(),
                        "absent".into(),
                        &field.at,
                    );
                    continue;
                }
                self.field(field, &ours);
            }
        }
    }

    /// Compares one upstream field with the fields of ours it was found as (any may state a fact).
    fn field(&mut self, field: &Field, ours: &[Ours<'a>]) {
        let subject = ours[0].subject.clone();
        let shapes: Vec<Shape> = ours.iter().map(|o| self.shape(o.node)).collect();
        if let Some(written) = &field.ty {
            let mut wanted = BTreeSet::new();
            for word in split_type(written) {
                match TYPE_WORDS.iter().find(|(w, _)| *w == word) {
                    Some((_, t)) => {
                        wanted.insert(*t);
                    }
                    None => self.add(
                        Kind::Type,
                        subject.clone(),
                        format!("`{word}`"),
                        "a type word drift does not know (add it to TYPE_WORDS in xtask/src/drift.rs)"
                            .into(),
                        &field.at,
                    ),
                }
            }
            for t in wanted {
                let accepted = shapes.iter().any(|s| {
                    s.types.is_empty()
                        || s.types.contains(t)
                        || (t == "integer" && s.types.contains("number"))
                });
                if !accepted {
                    let theirs: Vec<&str> = shapes[0].types.iter().map(String::as_str).collect();
                    self.add(
                        Kind::Type,
                        subject.clone(),
                        t.to_owned(),
                        theirs.join(" | "),
                        &field.at,
                    );
                }
            }
        }
        if let Some(required) = field.required
            && !ours.iter().any(|o| o.required == required)
        {
            self.add(
                Kind::Required,
                subject.clone(),
                word(required, "required", "optional"),
                word(!required, "required", "optional"),
                &field.at,
            );
        }
        if let Some(nullable) = field.nullable
            && !shapes.iter().any(|s| s.nullable == nullable)
        {
            self.add(
                Kind::Nullable,
                subject.clone(),
                word(nullable, "nullable", "not nullable"),
                word(!nullable, "nullable", "not nullable"),
                &field.at,
            );
        }
        if !field.values.is_empty() {
            let ours_values: Vec<&Value> = shapes
                .iter()
                .flat_map(|s| s.values.iter().flatten())
                .collect();
            if shapes.iter().all(|s| s.values.is_none()) {
                let listed: Vec<String> = field.values.iter().map(show).collect();
                self.add(
                    Kind::Enum,
                    subject.clone(),
                    format!("enum {}", listed.join(", ")),
                    "no enum".into(),
                    &field.at,
                );
            } else {
                for value in &field.values {
                    if !ours_values.iter().any(|v| same_value(v, value)) {
                        self.add(
                            Kind::Enum,
                            subject.clone(),
                            show(value),
                            "not in enum".into(),
                            &field.at,
                        );
                    }
                }
            }
        }
        for (key, value) in &field.limits {
            let (path, limit) = match key.rsplit_once('.') {
                Some((path, limit)) => (Some(path), limit),
                None => (None, key.as_str()),
            };
            let mut stated: Vec<Value> = Vec::new();
            let mut where_ = subject.clone();
            for o in ours {
                let node = match path {
                    None => Some(o.node),
                    Some(path) => self.below(o.node, path),
                };
                if let Some(node) = node {
                    stated.extend(
                        self.shape(node)
                            .limits
                            .into_iter()
                            .filter(|(n, _)| n == limit)
                            .map(|(_, v)| v),
                    );
                }
            }
            if let Some(path) = path {
                where_ = format!("{subject}.{path}");
            }
            if !stated.iter().any(|v| same_value(v, value)) {
                let ours_says = if stated.is_empty() {
                    "none".to_owned()
                } else {
                    let listed: Vec<String> =
                        stated.iter().map(|v| format!("{limit} {v}")).collect();
                    listed.join(", ")
                };
                self.add(
                    Kind::Limit,
                    where_,
                    format!("{limit} {value}"),
                    ours_says,
                    &field.at,
                );
            }
        }
    }

    /// The schema of `path` (dot-separated property names) below a field, through arrays' items.
    fn below(&self, node: &'a Value, path: &str) -> Option<&'a Value> {
        let mut node = node;
        for name in path.split('.') {
            let (properties, _) = self.properties(node);
            node = match properties.get(name) {
                Some(found) => found,
                None => {
                    let items = self.items(node)?;
                    self.properties(items).0.get(name).copied()?
                }
            };
        }
        Some(node)
    }

    fn examples(&mut self, facts: &Facts) {
        let mut anywhere: Vec<&'a Value> = Vec::new();
        let mut placed: BTreeMap<(String, String), Vec<&'a Value>> = BTreeMap::new();
        let doc = self.doc;
        for (_, item) in doc["paths"].as_object().into_iter().flatten() {
            for method in ["get", "post", "put", "patch", "delete"] {
                let op = &item[method];
                let Some(id) = op["operationId"].as_str() else {
                    continue;
                };
                let body = self.resolve(&op["requestBody"]);
                let found = self.media_examples(&body["content"]);
                placed
                    .entry((id.to_owned(), "request".to_owned()))
                    .or_default()
                    .extend(found.iter().copied());
                anywhere.extend(found);
                for (status, response) in op["responses"].as_object().into_iter().flatten() {
                    let response = self.resolve(response);
                    let found = self.media_examples(&response["content"]);
                    placed
                        .entry((id.to_owned(), status.clone()))
                        .or_default()
                        .extend(found.iter().copied());
                    anywhere.extend(found);
                }
            }
        }
        for kind in ["requestBodies", "responses"] {
            for (_, component) in doc["components"][kind].as_object().into_iter().flatten() {
                anywhere.extend(self.media_examples(&component["content"]));
            }
        }
        for (_, example) in doc["components"]["examples"]
            .as_object()
            .into_iter()
            .flatten()
        {
            if let Some(value) = example.get("value") {
                anywhere.push(value);
            }
        }
        for example in &facts.examples {
            let pool = match (&example.operation, &example.place) {
                (Some(op), Some(place)) => placed
                    .get(&(op.clone(), place.clone()))
                    .cloned()
                    .unwrap_or_default(),
                _ => anywhere.clone(),
            };
            if !pool.iter().any(|v| **v == example.value) {
                let subject = example
                    .at
                    .split_once('#')
                    .map_or(example.at.as_str(), |(_, place)| place)
                    .to_owned();
                let subject = if example.operation.is_some() {
                    subject
                } else {
                    example.at.clone()
                };
                self.add(
                    Kind::Example,
                    subject,
                    "example".into(),
                    "absent".into(),
                    &example.at,
                );
            }
        }
    }

    /// The examples of one `content` map (`example`, and each `examples` entry's `value`).
    fn media_examples(&self, content: &'a Value) -> Vec<&'a Value> {
        let mut out = Vec::new();
        for (_, media) in content.as_object().into_iter().flatten() {
            if let Some(value) = media.get("example") {
                out.push(value);
            }
            for (_, example) in media["examples"].as_object().into_iter().flatten() {
                if let Some(value) = self.resolve(example).get("value") {
                    out.push(value);
                }
            }
        }
        out
    }
}

/// `"x[]"` → (`"x"`, true).
fn split_items(segment: &str) -> (&str, bool) {
    match segment.strip_suffix("[]") {
        Some(name) => (name, true),
        None => (segment, false),
    }
}

/// The type words of a written type (`string | number`, `String or Float`), lowercased.
fn split_type(written: &str) -> Vec<String> {
    written
        .to_ascii_lowercase()
        .replace(" or ", "|")
        .split(['|', ','])
        .map(|w| w.trim().to_owned())
        .filter(|w| !w.is_empty())
        .collect()
}

fn word(yes: bool, when_yes: &str, when_no: &str) -> String {
    if yes { when_yes } else { when_no }.to_owned()
}

/// An enum value as the report writes it: `` `Xcode` ``, `` `0` ``.
fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

/// Equal values, numbers compared as numbers (`100` and `100.0`).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_words_split_on_bars_commas_and_or() {
        assert_eq!(split_type("String or Float"), ["string", "float"]);
        assert_eq!(split_type("string | number"), ["string", "number"]);
        assert_eq!(split_type("ISO 8601 date"), ["iso 8601 date"]);
    }

    #[test]
    fn numbers_compare_as_numbers() {
        assert!(same_value(&Value::from(100), &serde_json::json!(100.0)));
        assert!(!same_value(&Value::from(30), &Value::from(50)));
        assert!(!same_value(&Value::from("30"), &Value::from(30)));
    }
}
