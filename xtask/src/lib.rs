//! Maintainer tasks of the adapty-rs workspace.
//!
//! The main task is code generation: every OpenAPI spec in `openapi/` is turned into a Rust
//! module of the `adapty-api` crate with [progenitor](https://github.com/oxidecomputer/progenitor).
//! The output is committed; [`check`] tells whether the committed files are what the specs give.
//! [`breaking`] classifies the changes to the specs since a git revision.
//!
//! The library is used by the `cargo xtask` binary.

use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle};

/// The command that regenerates the committed code; named in every staleness message.
pub const GENERATE_COMMAND: &str = "cargo xtask generate";

/// One spec and the Rust module generated from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// The spec, relative to the workspace root.
    pub spec: &'static str,
    /// The generated module, relative to the workspace root.
    pub output: &'static str,
    /// The summary of the generated module's public API (see [`api_summary`]), relative to the
    /// workspace root: the readable diff of a spec change.
    pub api: &'static str,
    /// The facts module (see [`facts`]), relative to the workspace root.
    pub facts: &'static str,
    /// The open enums module (see [`enums`]), relative to the workspace root.
    pub enums: &'static str,
    /// The Rust module the open enums are reachable from (every enum schema is replaced by
    /// `<module>::<Schema>`).
    pub module: &'static str,
    /// Generated types replaced by hand-written ones: (schema name, Rust path). Each replacement
    /// says in its own file why the generated type would not do.
    pub replacements: &'static [(&'static str, &'static str)],
}

/// Every spec of the workspace and where its generated code goes. A new API version adds a line.
pub const TARGETS: &[Target] = &[
    Target {
        spec: "openapi/adapty-server-side-api-v1.yaml",
        output: "adapty-api/src/v1/generated.rs",
        api: "adapty-api/api/v1.txt",
        facts: "adapty-api/src/v1/facts.rs",
        enums: "adapty-api/src/v1/enums.rs",
        module: "crate::v1",
        replacements: &[
            // The identity header: checked by the hand-written `CustomerUserId` before any request.
            ("CustomerUserId", "::std::string::String"),
            // A string of at most 30 characters, a finite number, a boolean, or `null`: validated on
            // construction.
            ("CustomAttributeInputValue", "crate::v1::AttributeValue"),
            // Clearable request fields: `Option<Nullable<T>>` can leave out, clear (`null`) or set.
            ("ClearableText", "crate::v1::Nullable<String>"),
            ("ClearableGender", "crate::v1::Nullable<crate::v1::Gender>"),
            // Nullable response values (`oneOf [T, Null]`): a plain `Option<T>`, which also decodes a
            // required property that a response leaves out.
            (
                "NullableString",
                "::std::option::Option<::std::string::String>",
            ),
            (
                "NullableTimestamp",
                "::std::option::Option<crate::Timestamp>",
            ),
            (
                "NullableOffer",
                "::std::option::Option<crate::v1::types::Offer>",
            ),
            ("NullableGender", "::std::option::Option<crate::v1::Gender>"),
            (
                "NullableCancellationReason",
                "::std::option::Option<crate::v1::CancellationReason>",
            ),
            // `null` alone: the second branch of every nullable schema above; never a type of its own.
            ("NullValue", "()"),
            // Adapty's datetimes (`+0000` offsets included): read in every documented form.
            ("Timestamp", "crate::Timestamp"),
            // Every enum schema is replaced too, by its generated open enum (`Target::enums`).
        ],
    },
    Target {
        spec: "openapi/adapty-server-side-api-v2.yaml",
        output: "adapty-api/src/v2/generated.rs",
        api: "adapty-api/api/v2.txt",
        facts: "adapty-api/src/v2/facts.rs",
        enums: "adapty-api/src/v2/enums.rs",
        module: "crate::v2",
        replacements: &[
            // The identity header: checked by the hand-written `CustomerUserId` before any request.
            ("CustomerUserId", "::std::string::String"),
            // A string of at most 50 characters (v2), a finite number, a boolean, or `null`.
            ("CustomAttributeInputValue", "crate::v2::AttributeValue"),
            // Clearable request fields: `Option<Nullable<T>>` can leave out, clear (`null`) or set.
            ("ClearableText", "crate::Nullable<String>"),
            ("ClearableDate", "crate::Nullable<::chrono::NaiveDate>"),
            ("ClearableUuid", "crate::Nullable<::uuid::Uuid>"),
            ("ClearableBoolean", "crate::Nullable<bool>"),
            ("ClearableAttStatus", "crate::Nullable<u8>"),
            ("ClearableGender", "crate::Nullable<crate::v2::Gender>"),
            ("ClearableStore", "crate::Nullable<crate::v2::Store>"),
            ("ClearablePlatform", "crate::Nullable<crate::v2::Platform>"),
            (
                "ClearableRefundPreference",
                "crate::Nullable<crate::v2::RefundPreference>",
            ),
            // Nullable values (`oneOf [T, Null]`): a plain `Option<T>`, which also decodes a required
            // property that a response leaves out.
            (
                "NullableString",
                "::std::option::Option<::std::string::String>",
            ),
            (
                "NullableTimestamp",
                "::std::option::Option<crate::Timestamp>",
            ),
            (
                "NullableOffer",
                "::std::option::Option<crate::v2::types::Offer>",
            ),
            (
                "NullableOfferInput",
                "::std::option::Option<crate::v2::types::OfferInput>",
            ),
            (
                "NullableCancellationReason",
                "::std::option::Option<crate::v2::CancellationReason>",
            ),
            (
                "NullablePaywallProductOffer",
                "::std::option::Option<crate::v2::types::PaywallProductOffer>",
            ),
            (
                "NullablePaywallScreenshot",
                "::std::option::Option<crate::v2::types::PaywallScreenshot>",
            ),
            (
                "NullableVirtualCurrencyMetadata",
                "::std::option::Option<crate::v2::types::VirtualCurrencyMetadata>",
            ),
            // `null` alone: the second branch of every nullable schema above; never a type of its own.
            ("NullValue", "()"),
            // Adapty's datetimes (`+0000` offsets included): read in every documented form.
            ("Timestamp", "crate::Timestamp"),
            // Every enum schema is replaced too, by its generated open enum (`Target::enums`).
        ],
    },
];

/// The `Cargo.toml` whose dependencies the generated code uses.
const CLIENT_MANIFEST: &str = "adapty-api/Cargo.toml";

/// The root of the workspace (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

pub mod api_summary;
pub mod breaking;
pub mod drift;
pub mod enums;
pub mod facts;
pub mod upstream;

/// Parses the text of a spec as an OpenAPI 3.0 document; `name` (a path, perhaps with a
/// revision) names it in the error.
pub fn parse_spec(text: &str, name: &str) -> Result<openapiv3::OpenAPI> {
    serde_yaml::from_str(text).with_context(|| format!("{name} is not an OpenAPI 3.0 document"))
}

/// The target's replacements, plus one per enum schema: its open enum in `Target::module`.
fn replacements(target: &Target, text: &str) -> Result<Vec<(String, String)>> {
    let mut all: Vec<(String, String)> = target
        .replacements
        .iter()
        .map(|(schema, rust)| ((*schema).to_owned(), (*rust).to_owned()))
        .collect();
    let enums =
        enums::enum_schemas(text).with_context(|| format!("{} is not YAML", target.spec))?;
    for name in enums {
        let path = format!("{}::{name}", target.module);
        all.push((name, path));
    }
    Ok(all)
}

/// What one target generates: the module and the summary of its public API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The Rust module (`Target::output`).
    pub code: String,
    /// The public API summary (`Target::api`).
    pub api: String,
    /// The facts module (`Target::facts`).
    pub facts: String,
    /// The open enums module (`Target::enums`).
    pub enums: String,
}

/// Generates the Rust source for `target` from its spec under `root`: the module, its API summary,
/// its facts and its open enums.
///
/// The output is deterministic: the same spec gives the same bytes. A panic inside progenitor
/// (it panics on some unsupported constructs) becomes an error naming the spec.
pub fn generate(root: &Path, target: &Target) -> Result<Generated> {
    let spec_path = root.join(target.spec);
    let text = std::fs::read_to_string(&spec_path)
        .with_context(|| format!("cannot read the spec {}", spec_path.display()))?;
    let mut spec = parse_spec(&text, target.spec)?;
    json_request_bodies(&mut spec);

    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // Ordered maps keep serialization (and snapshots) stable.
        .with_map_type("::std::collections::BTreeMap")
        .with_derive("PartialEq")
        // Every type states its JSON Schema; a test compares it with the spec's.
        .with_derive("schemars::JsonSchema");
    let replacements = replacements(target, &text)?;
    for (schema, rust_type) in &replacements {
        settings.with_replacement(schema, rust_type, std::iter::empty());
    }
    let mut generator = Generator::new(&settings);

    let tokens = catch_panic(|| generator.generate_tokens(&spec))
        .map_err(|message| {
            anyhow!(
                "progenitor panicked while generating from {}: {message}\n\
                 The spec probably uses a construct progenitor does not support \
                 (see the notes at the top of the spec and progenitor's issue tracker).",
                target.spec
            )
        })?
        .map_err(|e| anyhow!("progenitor rejected {}: {e}", target.spec))?;

    let needs = Needs {
        chrono: generator.get_type_space().uses_chrono(),
        uuid: generator.get_type_space().uses_uuid(),
        regress: generator.get_type_space().uses_regress(),
        serde_json: generator.get_type_space().uses_serde_json(),
    };
    check_dependencies(root, &needs)?;

    let mut file: syn::File = syn::parse2(tokens)
        .with_context(|| format!("progenitor produced invalid Rust for {}", target.spec))?;
    mark_types_non_exhaustive(&mut file);
    syn::visit_mut::VisitMut::visit_file_mut(&mut CollapseOptions, &mut file);
    keep_null_in_clearable_fields(&mut file);
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = writeln!(
        out,
        "// @generated by `{GENERATE_COMMAND}` from `{}` with progenitor (pinned in Cargo.toml).\n\
         // DO NOT EDIT: change the spec (or the settings in xtask/src/lib.rs) and regenerate.\n",
        target.spec,
    );
    let api = api_summary::summarize(target.spec, &file);
    keep_types_only(&mut file);
    out.push_str(&prettyplease::unparse(&file));
    Ok(Generated {
        code: out,
        api,
        facts: facts::generate(target.spec, &text, &replacements)?,
        enums: enums::generate(target.spec, &text)?,
    })
}

/// Declares every JSON request body (`application/<x>+json`, e.g. JSON:API's
/// `application/vnd.api+json`) as `application/json` to progenitor, which refuses other request
/// media types while building its client. Only the types are kept ([`keep_types_only`]), and they
/// are the same for both; the client sends the media type the spec declares (the facts'
/// `<OPERATION>_CONTENT_TYPE`).
fn json_request_bodies(spec: &mut openapiv3::OpenAPI) {
    for (_, item) in spec.paths.paths.iter_mut() {
        let openapiv3::ReferenceOr::Item(item) = item else {
            continue;
        };
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            let Some(openapiv3::ReferenceOr::Item(body)) = operation.request_body.as_mut() else {
                continue;
            };
            if body.content.contains_key("application/json") {
                continue;
            }
            let json = body
                .content
                .keys()
                .find(|media| media.starts_with("application/") && media.ends_with("+json"))
                .cloned();
            if let Some(media) = json
                && let Some(content) = body.content.shift_remove(&media)
            {
                body.content.insert("application/json".to_owned(), content);
            }
        }
    }
}

/// Marks every data type of the generated `types` module `#[non_exhaustive]` (typify has no
/// setting for it): Adapty adds fields and `oneOf` branches, and a type users can build with a
/// literal or match exhaustively could not grow without a breaking release. Users build request
/// types from `Default` (or a constructor) and set fields; the builders in `types::builder` are
/// left as they are (their fields are private).
fn mark_types_non_exhaustive(file: &mut syn::File) {
    let attribute: syn::Attribute = syn::parse_quote!(#[non_exhaustive]);
    for item in &mut file.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if module.ident != "types" {
            continue;
        }
        let Some((_, items)) = module.content.as_mut() else {
            continue;
        };
        for item in items {
            let attrs = match item {
                syn::Item::Struct(s) => &mut s.attrs,
                syn::Item::Enum(e) => &mut e.attrs,
                _ => continue,
            };
            if !attrs.iter().any(|a| a.path().is_ident("non_exhaustive")) {
                attrs.push(attribute.clone());
            }
        }
    }
}

/// Makes every clearable field (`Option<Nullable<T>>`) of the generated data types read a `null`
/// as `Some(Nullable::Null)`, as it writes it: serde reads a `null` into an `Option` as `None`
/// (left out), which would lose "clear" when a request is read back from JSON (by a server such
/// as the emulator, or a caller's own log replay). A field left out still reads as `None`.
fn keep_null_in_clearable_fields(file: &mut syn::File) {
    let attribute: syn::Attribute =
        syn::parse_quote!(#[serde(default, deserialize_with = "crate::nullable::present")]);
    for item in &mut file.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if module.ident != "types" {
            continue;
        }
        let Some((_, items)) = module.content.as_mut() else {
            continue;
        };
        for item in items {
            let syn::Item::Struct(item) = item else {
                continue;
            };
            for field in item.fields.iter_mut() {
                let clearable = option_argument(&field.ty).is_some_and(|inner| {
                    matches!(inner, syn::Type::Path(p)
                        if p.path.segments.last().is_some_and(|s| s.ident == "Nullable"))
                });
                if clearable {
                    field.attrs.push(attribute.clone());
                }
            }
        }
    }
}

/// Keeps the `types` module alone: the crate sends requests through its own pipeline
/// (adapty-api/src/call.rs), reading each operation's method and path from the facts, so
/// progenitor's client, builders and their `progenitor_client` imports are not compiled at all.
/// (The API summary, taken before, still lists the operations the spec defines.)
fn keep_types_only(file: &mut syn::File) {
    file.items
        .retain(|item| matches!(item, syn::Item::Mod(module) if module.ident == "types"));
}

/// Rewrites `Option<Option<T>>` as `Option<T>`.
///
/// An optional property whose schema is a nullable one replaced by `Option<T>` (say
/// `NullableGender`) is wrapped in a second `Option` by typify, which cannot see that the
/// replacement is already optional. The two levels mean nothing apart in a response: serde reads
/// both a missing field and `null` as the outer `None`. (Request fields that can be cleared use
/// `Nullable<T>`, not `Option`, so they keep their three states.)
struct CollapseOptions;

impl syn::visit_mut::VisitMut for CollapseOptions {
    fn visit_type_mut(&mut self, ty: &mut syn::Type) {
        syn::visit_mut::visit_type_mut(self, ty);
        if let Some(inner) = option_argument(ty)
            && option_argument(inner).is_some()
        {
            *ty = inner.clone();
        }
    }
}

/// `T` when `ty` is `Option<T>` (by any path ending in `Option`).
fn option_argument(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// Which optional crates the generated code refers to.
struct Needs {
    chrono: bool,
    uuid: bool,
    regress: bool,
    serde_json: bool,
}

/// Fails with a clear message when the generated code needs a crate `adapty-api` does not list.
fn check_dependencies(root: &Path, needs: &Needs) -> Result<()> {
    let text = std::fs::read_to_string(root.join(CLIENT_MANIFEST))
        .with_context(|| format!("cannot read {CLIENT_MANIFEST}"))?;
    let manifest: toml::Table = text
        .parse()
        .with_context(|| format!("{CLIENT_MANIFEST} is not TOML"))?;
    let dependencies = manifest.get("dependencies").and_then(toml::Value::as_table);
    // A dependency is listed under its own name, or renamed with `package = "<name>"`.
    let listed = |name: &str| {
        dependencies.is_some_and(|deps| {
            deps.iter().any(|(key, value)| {
                key == name || value.get("package").and_then(toml::Value::as_str) == Some(name)
            })
        })
    };
    let missing: Vec<&str> = [
        ("chrono", needs.chrono),
        ("uuid", needs.uuid),
        ("regress", needs.regress),
        ("serde_json", needs.serde_json),
    ]
    .into_iter()
    .filter(|&(name, needed)| needed && !listed(name))
    .map(|(name, _)| name)
    .collect();
    if !missing.is_empty() {
        bail!(
            "the generated code uses {} but {CLIENT_MANIFEST} does not depend on {}; add {}",
            missing.join(", "),
            if missing.len() == 1 { "it" } else { "them" },
            if missing.len() == 1 { "it" } else { "them" },
        );
    }
    Ok(())
}

thread_local! {
    /// The message of a panic on this thread while [`catch_panic`] runs, or `None` outside it.
    static CAUGHT: std::cell::RefCell<Option<Option<String>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f`, turning a panic into its message without printing a backtrace.
///
/// The process-wide panic hook is replaced once, by one that records a panic on a thread inside
/// `catch_panic` and hands every other panic to the hook it replaced; so parallel callers (tests)
/// neither race on the hook nor silence each other's panics.
fn catch_panic<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let recorded = CAUGHT.with(|slot| {
                let mut slot = slot.borrow_mut();
                match slot.as_mut() {
                    Some(message) => {
                        *message = Some(panic_message(info));
                        true
                    }
                    None => false,
                }
            });
            if !recorded {
                previous(info);
            }
        }));
    });
    CAUGHT.with(|slot| *slot.borrow_mut() = Some(None));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    let message = CAUGHT.with(|slot| slot.borrow_mut().take()).flatten();
    result.map_err(|_| message.unwrap_or_else(|| "unknown panic".to_owned()))
}

fn panic_message(info: &panic::PanicHookInfo<'_>) -> String {
    let text = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    let location = info
        .location()
        .map(|l| format!(" (at {}:{})", l.file(), l.line()))
        .unwrap_or_default();
    format!("{text}{location}")
}

/// A generated file that differs from what its spec gives now.
#[derive(Debug)]
pub struct Stale {
    /// The target whose committed output is stale.
    pub target: Target,
    /// The stale file, relative to the workspace root.
    pub file: &'static str,
    /// A unified diff from the committed file to the fresh output (at most a few hundred lines).
    pub diff: String,
}

/// Each file a target writes, with its fresh content.
fn files(target: &Target, generated: Generated) -> [(&'static str, String); 4] {
    [
        (target.output, generated.code),
        (target.api, generated.api),
        (target.facts, generated.facts),
        (target.enums, generated.enums),
    ]
}

/// Regenerates every target in memory and reports the committed files that differ.
pub fn check(root: &Path) -> Result<Vec<Stale>> {
    let mut stale = Vec::new();
    for target in TARGETS {
        for (file, fresh) in files(target, generate(root, target)?) {
            let committed = std::fs::read_to_string(root.join(file)).unwrap_or_default();
            if committed != fresh {
                stale.push(Stale {
                    target: *target,
                    file,
                    diff: short_diff(&committed, &fresh, file),
                });
            }
        }
    }
    Ok(stale)
}

/// Writes every target's generated files; returns those that changed.
pub fn write_all(root: &Path) -> Result<Vec<&'static str>> {
    let mut changed = Vec::new();
    for target in TARGETS {
        for (file, fresh) in files(target, generate(root, target)?) {
            let path = root.join(file);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(fresh.as_str()) {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("cannot create {}", dir.display()))?;
                }
                std::fs::write(&path, fresh)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                changed.push(file);
            }
        }
    }
    Ok(changed)
}

fn short_diff(old: &str, new: &str, name: &str) -> String {
    const MAX_LINES: usize = 200;
    let diff = similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{name} (committed)"),
            &format!("{name} (from the spec)"),
        )
        .to_string();
    let total = diff.lines().count();
    if total <= MAX_LINES {
        return diff;
    }
    let mut shown: String = diff.lines().take(MAX_LINES).collect::<Vec<_>>().join("\n");
    let _ = write!(shown, "\n... ({} more diff lines)\n", total - MAX_LINES);
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET: Target = Target {
        spec: "openapi/broken.yaml",
        output: "out.rs",
        api: "out.txt",
        facts: "facts.rs",
        enums: "enums.rs",
        module: "crate",
        replacements: &[],
    };

    /// A scratch workspace holding one spec and the client manifest.
    fn scratch(name: &str, spec: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        std::fs::create_dir_all(root.join("openapi")).expect("mkdir");
        std::fs::create_dir_all(root.join("adapty-api")).expect("mkdir");
        std::fs::write(root.join(TARGET.spec), spec).expect("write spec");
        std::fs::write(root.join(CLIENT_MANIFEST), "[dependencies]\n").expect("write manifest");
        root
    }

    const HEADER: &str = "info: {title: t, version: '1'}\npaths:\n  /x/:\n    get:\n      operationId: getX\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n";

    /// The error `generate` gives for `spec` (after the `openapi:` line and [`HEADER`]).
    fn generation_error(name: &str, version: &str, schema: &str) -> String {
        let spec = format!("openapi: {version}\n{HEADER}{schema}");
        let root = scratch(name, &spec);
        match generate(&root, &TARGET) {
            Ok(_) => panic!("{name}: generation should fail"),
            Err(e) => format!("{e:#}"),
        }
    }

    #[test]
    fn a_progenitor_panic_becomes_an_error_naming_the_spec() {
        // A dangling $ref makes typify panic.
        let text = generation_error(
            "panic",
            "3.0.3",
            "                $ref: '#/components/schemas/Missing'\n",
        );
        assert!(text.contains("progenitor panicked"), "{text}");
        assert!(text.contains("openapi/broken.yaml"), "{text}");
        // The panic's own message and place were caught, not lost to another test's hook.
        assert!(!text.contains("unknown panic"), "{text}");
        assert!(text.contains("(at "), "{text}");
    }

    #[test]
    fn unsupported_documents_are_rejected_with_a_message() {
        let text = generation_error("v31", "3.1.0", "                type: string\n");
        assert!(
            text.contains("progenitor rejected openapi/broken.yaml"),
            "{text}"
        );
    }

    #[test]
    fn generation_is_deterministic() {
        let root = workspace_root();
        for target in TARGETS {
            let first = generate(&root, target).expect("generate");
            let second = generate(&root, target).expect("generate again");
            assert!(
                first == second,
                "{} differs between two runs",
                target.output
            );
        }
    }

    #[test]
    fn dependencies_are_read_as_toml() {
        let root = scratch(
            "toml",
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n",
        );
        let needs = Needs {
            chrono: true,
            uuid: true,
            regress: true,
            serde_json: false,
        };
        // A table, a dotted table and a rename all count; a comment or another section does not.
        std::fs::write(
            root.join(CLIENT_MANIFEST),
            "[dependencies]\nchrono = { version = \"0.4\" }\nids = { package = \"uuid\", version = \"1\" }\n\
             [dependencies.regress]\nversion = \"0.10\"\n",
        )
        .expect("write manifest");
        check_dependencies(&root, &needs).expect("all three are listed");
        std::fs::write(
            root.join(CLIENT_MANIFEST),
            "[dependencies]\n# uuid = \"1\"\nchrono = \"0.4\"\nregress = \"0.10\"\n[dev-dependencies]\nuuid = \"1\"\n",
        )
        .expect("write manifest");
        let text = format!(
            "{:#}",
            check_dependencies(&root, &needs).expect_err("uuid is missing")
        );
        assert!(text.contains("uses uuid but"), "{text}");
    }

    #[test]
    fn a_missing_dependency_is_named() {
        let text = generation_error(
            "deps",
            "3.0.3",
            "                type: string\n                format: uuid\n",
        );
        assert!(text.contains("uses uuid"), "{text}");
    }
}
