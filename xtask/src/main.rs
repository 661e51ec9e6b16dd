//! `cargo xtask`: maintainer tasks of the adapty-rs workspace.
//!
//! - `cargo xtask generate`: regenerate the client code from the specs in `openapi/`.
//! - `cargo xtask generate --check`: fail (exit 1) when the committed code is stale.
//! - `cargo xtask breaking --base REV [--spec PATH ...]`: classify the changes to the specs since
//!   `REV` for a client (see `xtask::breaking`); exit 1 on a breaking change the CHANGELOG does
//!   not mention.
//! - `cargo xtask breaking --rules`: print the classification rules as a markdown table.
//! - `cargo xtask upstream --docs DIR [--openapi FILE] [--operations FILE] [--out DIR]`: record
//!   what Adapty's docs say as data (`openapi/upstream/vN.json`, see `xtask::upstream`).
//! - `cargo xtask drift [--report] [--spec FILE --facts FILE] [--known FILE]`: fail (exit 1) when
//!   a spec lacks something the recorded facts say and the known differences do not excuse (see
//!   `xtask::drift`).

use std::process::ExitCode;

use xtask::breaking::{self, Options};
use xtask::{GENERATE_COMMAND, check, workspace_root, write_all};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  generate          regenerate adapty-api's client code from the specs in openapi/
  generate --check  exit 1 when the committed generated code differs from the specs
  breaking --base REV [--spec PATH ...]
                    list the changes to each spec (openapi/, or each --spec PATH) from git
                    revision REV to the working tree, each classified for a client as
                    breaking, notice or compatible; exit 0 when nothing is breaking, 1 when
                    something is and the [Unreleased] section of adapty-api/CHANGELOG.md is
                    unchanged since REV, 2 on a usage, spec or git error
  breaking --rules  print the classification rules (a markdown table)
  upstream --docs DIR [--openapi FILE] [--operations FILE] [--out DIR]
                    read a docs tree in the layout of ../shared/reference/adapty-docs (and
                    Adapty's v2 OpenAPI file, by default DIR/v2/adapty-api.yaml; operations
                    recorded by hand in a TOML file) and write the facts as data, one
                    DIR/vN.json per API version (default DIR: openapi/upstream); rows that
                    cannot be read are printed on stderr and kept in the files
  drift [--report]  compare each spec in openapi/ with the recorded facts in openapi/upstream/;
                    exit 1 on a difference openapi/upstream/known-differences.toml does not
                    excuse, or on an entry there that matches nothing; --report prints every
                    difference, excused or not, with counts per kind
  drift [--report] --spec FILE --facts FILE [--known FILE]
                    the same for one spec and one facts file (no known differences unless
                    --known names a file)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = workspace_root();
    match args.as_slice() {
        ["generate"] => match write_all(&root) {
            Ok(changed) if changed.is_empty() => {
                println!("generated code is up to date");
                ExitCode::SUCCESS
            }
            Ok(changed) => {
                for file in changed {
                    println!("wrote {file}");
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        ["generate", "--check"] => match check(&root) {
            Ok(stale) if stale.is_empty() => {
                println!("generated code is up to date");
                ExitCode::SUCCESS
            }
            Ok(stale) => {
                for s in &stale {
                    eprintln!("{}", s.diff);
                    eprintln!(
                        "error: {} is stale: it differs from what {} gives now",
                        s.file, s.target.spec
                    );
                }
                eprintln!("run `{GENERATE_COMMAND}` and commit the result");
                ExitCode::FAILURE
            }
            Err(e) => fail(&e),
        },
        ["breaking", "--rules"] => {
            print!("{}", breaking::rules_markdown());
            ExitCode::SUCCESS
        }
        ["breaking", rest @ ..] => match breaking_options(rest) {
            Some(options) => match breaking::run(&root, &options) {
                Ok(report) => {
                    print!("{report}");
                    let status = report.status();
                    if status == 0 {
                        println!("{}", report.verdict());
                    } else {
                        eprintln!("{}", report.verdict());
                    }
                    ExitCode::from(status)
                }
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(2)
                }
            },
            None => {
                eprint!("{USAGE}");
                ExitCode::from(2)
            }
        },
        ["upstream", rest @ ..] => match flags(rest, UPSTREAM_OPTIONS, &[]) {
            Some(given) if given.contains_key("--docs") => upstream_task(&root, &given),
            _ => {
                eprint!("{USAGE}");
                ExitCode::from(2)
            }
        },
        ["drift", rest @ ..] => match flags(rest, DRIFT_OPTIONS, &["--report"]) {
            Some(given) if given.contains_key("--spec") == given.contains_key("--facts") => {
                drift_task(&root, &given)
            }
            _ => {
                eprint!("{USAGE}");
                ExitCode::from(2)
            }
        },
        ["help" | "--help" | "-h"] => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// The options of `upstream` that take a value.
const UPSTREAM_OPTIONS: &[&str] = &["--docs", "--openapi", "--operations", "--out"];

/// The options of `drift` that take a value.
const DRIFT_OPTIONS: &[&str] = &["--spec", "--facts", "--known"];

/// Options in `valued` (each followed by its value) and `switches`, each at most once; `None`
/// for anything else.
fn flags<'a>(
    args: &[&'a str],
    valued: &[&str],
    switches: &[&str],
) -> Option<std::collections::BTreeMap<&'a str, &'a str>> {
    let mut given = std::collections::BTreeMap::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let value = if valued.contains(arg) {
            *args.next()?
        } else if switches.contains(arg) {
            ""
        } else {
            return None;
        };
        if given.insert(*arg, value).is_some() {
            return None;
        }
    }
    Some(given)
}

/// `cargo xtask upstream`: read the docs tree, write the facts, report what was unreadable.
fn upstream_task(
    root: &std::path::Path,
    given: &std::collections::BTreeMap<&str, &str>,
) -> ExitCode {
    use xtask::upstream;
    let run = || -> anyhow::Result<Vec<std::path::PathBuf>> {
        let docs = std::path::Path::new(given["--docs"]);
        let mut facts =
            upstream::read_docs(docs, given.get("--openapi").map(std::path::Path::new))?;
        if let Some(file) = given.get("--operations") {
            let text = std::fs::read_to_string(file)
                .map_err(|e| anyhow::anyhow!("reading {file}: {e}"))?;
            // Cited relative to the workspace when it is inside it, so the output does not
            // depend on the directory the command ran in.
            let name = std::fs::canonicalize(file)
                .ok()
                .and_then(|f| {
                    let root = std::fs::canonicalize(root).ok()?;
                    let rel = f.strip_prefix(root).ok()?;
                    Some(rel.to_string_lossy().replace('\\', "/"))
                })
                .unwrap_or_else(|| (*file).to_owned());
            upstream::add_recorded_operations(&mut facts, &name, &text)?;
        }
        for version in facts.values() {
            for row in &version.unreadable {
                eprintln!("unreadable: {}: {}", row.at, row.why);
            }
            println!(
                "{}: {} operations, {} objects, {} fields, {} examples, {} unreadable",
                version.spec,
                version.operations.len(),
                version.objects.len(),
                version
                    .objects
                    .values()
                    .map(|o| o.fields.len())
                    .sum::<usize>(),
                version.examples.len(),
                version.unreadable.len()
            );
        }
        let out = given.get("--out").map_or_else(
            || root.join(xtask::drift::FACTS_DIR),
            std::path::PathBuf::from,
        );
        upstream::write(&out, &facts)
    };
    match run() {
        Ok(written) => {
            for file in written {
                println!("wrote {}", file.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// `cargo xtask drift`: compare, print, exit 1 unless every difference is excused.
fn drift_task(root: &std::path::Path, given: &std::collections::BTreeMap<&str, &str>) -> ExitCode {
    use xtask::drift::{self, KnownDifferences};
    let run = || -> anyhow::Result<(Vec<drift::Report>, String)> {
        let (Some(spec), Some(facts)) = (given.get("--spec"), given.get("--facts")) else {
            return Ok((
                drift::check_workspace(root)?,
                drift::KNOWN_DIFFERENCES.to_owned(),
            ));
        };
        let (known, name) = match given.get("--known") {
            Some(file) => (
                KnownDifferences::load(std::path::Path::new(file))?,
                (*file).to_owned(),
            ),
            None => (
                KnownDifferences::default(),
                "a known-differences file".to_owned(),
            ),
        };
        let doc = drift::load_spec(std::path::Path::new(spec))?;
        let facts = xtask::upstream::load(std::path::Path::new(facts))?;
        Ok((vec![drift::compare(&doc, &facts, &known)], name))
    };
    match run() {
        Ok((reports, known_name)) => {
            print!(
                "{}",
                drift::render(&reports, &known_name, given.contains_key("--report"))
            );
            if reports.iter().all(drift::Report::passes) {
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "error: the specs lack what the upstream facts say (above); run \
                     `cargo xtask drift --report` for every difference"
                );
                ExitCode::FAILURE
            }
        }
        Err(e) => fail(&e),
    }
}

fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("error: {e:#}");
    ExitCode::FAILURE
}

/// `--base REV` (once) and any number of `--spec PATH`; `None` for anything else.
fn breaking_options(args: &[&str]) -> Option<Options> {
    let mut base = None;
    let mut specs = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match *arg {
            "--base" if base.is_none() => base = Some((*args.next()?).to_owned()),
            "--spec" => specs.push((*args.next()?).to_owned()),
            _ => return None,
        }
    }
    Some(Options { base: base?, specs })
}
