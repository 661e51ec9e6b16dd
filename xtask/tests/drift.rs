//! `xtask::drift`: our specs against the facts recorded from Adapty's docs.
//!
//! - The maintainer walkthrough on the fixture (`tests/fixtures/drift/`): `upstream` reads a docs
//!   tree in which a field was added, an enum value was added and a field became nullable; `drift`
//!   reports exactly those three against the spec before the edit, and nothing after it.
//! - Today's specs pass with `openapi/upstream/known-differences.toml`, and drift notices when
//!   today's spec loses something upstream documents.
//! - An excuse must match a difference exactly; one that matches nothing fails (stale).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use xtask::drift::{self, Kind, KnownDifferences, Report};
use xtask::upstream::{self, Facts};

fn root() -> PathBuf {
    xtask::workspace_root()
}

fn fixture(relative: &str) -> PathBuf {
    root().join("tests/fixtures/drift").join(relative)
}

/// A fresh, empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("drift-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// `cargo xtask <args>`, giving (exit code, stdout, stderr).
fn xtask(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("run xtask");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The fixture's facts, through the `upstream` command into a fresh directory.
fn fixture_facts(name: &str) -> (PathBuf, Facts) {
    let out = scratch(name);
    let docs = fixture("docs");
    let (code, stdout, stderr) = xtask(&[
        "upstream",
        "--docs",
        docs.to_str().expect("path"),
        "--out",
        out.to_str().expect("path"),
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stderr.is_empty(),
        "nothing unreadable in the fixture: {stderr}"
    );
    let path = out.join("v1.json");
    let facts = upstream::load(&path).expect("facts");
    // The library gives the same facts as the command.
    let direct = upstream::read_docs(&docs, None).expect("read_docs");
    assert_eq!(direct["v1"], facts);
    (path, facts)
}

/// (kind, subject, upstream, ours) of every difference.
fn listed(report: &Report) -> Vec<(Kind, &str, &str, &str)> {
    report
        .differences
        .iter()
        .map(|d| {
            (
                d.kind,
                d.subject.as_str(),
                d.upstream.as_str(),
                d.ours.as_str(),
            )
        })
        .collect()
}

const THE_THREE_CHANGES: [(Kind, &str, &str, &str); 3] = [
    (
        Kind::Field,
        "AccessLevel.is_family_shared",
        "present",
        "absent",
    ),
    (
        Kind::Nullable,
        "AccessLevel.store_transaction_id",
        "nullable",
        "not nullable",
    ),
    (
        Kind::Enum,
        "AccessLevel.environment",
        "`Xcode`",
        "not in enum",
    ),
];

#[test]
fn the_fixture_walkthrough_reports_the_three_changes_then_is_quiet() {
    let (facts_path, facts) = fixture_facts("walkthrough");
    assert_eq!(facts.operations.len(), 4, "{:?}", facts.operations);
    assert!(
        facts
            .operations
            .iter()
            .any(|op| op.method == "DELETE" && op.statuses.contains("204"))
    );
    assert_eq!(facts.examples.len(), 2);
    assert_eq!(facts.sources[0].revision.as_deref(), Some("fixture-2"));

    let before = drift::load_spec(&fixture("before.yaml")).expect("before");
    let report = drift::compare(&before, &facts, &KnownDifferences::default());
    assert_eq!(listed(&report), THE_THREE_CHANGES);
    assert!(!report.passes());
    let at: Vec<Vec<&String>> = report
        .differences
        .iter()
        .map(|d| d.at.iter().collect())
        .collect();
    assert_eq!(
        at,
        [
            ["v1-server-side-api/AccessLevel.md:7"],
            ["v1-server-side-api/AccessLevel.md:4"],
            ["v1-server-side-api/AccessLevel.md:6"],
        ]
    );

    let after = drift::load_spec(&fixture("after.yaml")).expect("after");
    let report = drift::compare(&after, &facts, &KnownDifferences::default());
    assert!(report.differences.is_empty(), "{:?}", report.differences);
    assert!(report.passes());

    // The same through the command line, as the maintainer runs it.
    let facts_arg = facts_path.to_str().expect("path");
    let before_arg = fixture("before.yaml");
    let (code, stdout, stderr) = xtask(&[
        "drift",
        "--spec",
        before_arg.to_str().expect("path"),
        "--facts",
        facts_arg,
    ]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    for line in [
        "v1 field `AccessLevel.is_family_shared`: upstream present, ours absent \
         (v1-server-side-api/AccessLevel.md:7) — add it to the spec or list it in",
        "v1 nullable `AccessLevel.store_transaction_id`: upstream nullable, ours not nullable",
        "v1 enum `AccessLevel.environment`: upstream `Xcode`, ours not in enum",
    ] {
        assert!(stdout.contains(line), "{line}\nnot in:\n{stdout}");
    }
    let after_arg = fixture("after.yaml");
    let (code, stdout, stderr) = xtask(&[
        "drift",
        "--report",
        "--spec",
        after_arg.to_str().expect("path"),
        "--facts",
        facts_arg,
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("v1: 0 differences from upstream"),
        "{stdout}"
    );
}

#[test]
fn the_fixture_specs_are_openapi_documents() {
    for name in ["before.yaml", "after.yaml"] {
        let text = std::fs::read_to_string(fixture(name)).expect("read");
        let parsed: Result<openapiv3::OpenAPI, _> = serde_yaml::from_str(&text);
        assert!(parsed.is_ok(), "{name}: {parsed:?}");
    }
}

#[test]
fn a_listed_difference_is_excused_and_only_when_it_matches() {
    let (_, facts) = fixture_facts("excused");
    let before = drift::load_spec(&fixture("before.yaml")).expect("before");
    let known = KnownDifferences::parse(
        "test",
        r#"
[[difference]]
spec = "v1"
kind = "field"
subject = "AccessLevel.is_family_shared"
upstream = "present"
ours = "absent"
reason = "not in this release"

[[difference]]
spec = "v1"
kind = "nullable"
subjects = ["AccessLevel.store_transaction_id"]
upstream = "nullable"
ours = "not nullable"
reason = "CHOICE: kept strict"

[[difference]]
spec = "v1"
kind = "enum"
subject = "AccessLevel.environment"
upstream = "`Xcode`"
ours = "not in enum"
reason = "the open enum keeps unknown values"
"#,
    )
    .expect("known");
    let report = drift::compare(&before, &facts, &known);
    assert!(report.passes(), "{report:?}");
    let reasons: Vec<Option<&str>> = report
        .differences
        .iter()
        .map(|d| d.excused.as_deref())
        .collect();
    assert_eq!(
        reasons,
        [
            Some("not in this release"),
            Some("CHOICE: kept strict"),
            Some("the open enum keeps unknown values"),
        ]
    );
    let text = drift::render(&[report], "known.toml", true);
    assert!(text.contains("known: CHOICE: kept strict"), "{text}");
    assert!(
        text.contains("v1: 3 differences from upstream, 3 known (field 1, nullable 1, enum 1)"),
        "{text}"
    );

    // An entry whose statement differs from the difference excuses nothing, and is stale.
    let wrong = KnownDifferences::parse(
        "test",
        r#"
[[difference]]
spec = "v1"
kind = "enum"
subject = "AccessLevel.environment"
upstream = "`Simulator`"
ours = "not in enum"
reason = "an older upstream value"
"#,
    )
    .expect("known");
    let report = drift::compare(&before, &facts, &wrong);
    assert!(!report.passes());
    assert_eq!(report.unexcused().count(), 3);
    assert_eq!(report.stale.len(), 1, "{:?}", report.stale);
    assert!(report.stale[0].contains("AccessLevel.environment"));
}

#[test]
fn a_stale_excuse_or_map_fails_the_check() {
    let (facts_path, facts) = fixture_facts("stale");
    let after = drift::load_spec(&fixture("after.yaml")).expect("after");
    let text = r#"
[[map]]
spec = "v1"
upstream = "v1-server-side-api/Gone"
ours = ["Profile"]
reason = "a table Adapty removed"

[[difference]]
spec = "v1"
kind = "nullable"
subject = "AccessLevel.store_transaction_id"
upstream = "nullable"
ours = "not nullable"
reason = "was true before the spec edit"

[[difference]]
spec = "v2"
kind = "field"
subject = "Other.spec"
upstream = "present"
ours = "absent"
reason = "another version's entries are not this report's business"
"#;
    let known = KnownDifferences::parse("test", text).expect("known");
    let report = drift::compare(&after, &facts, &known);
    assert!(report.differences.is_empty());
    assert!(!report.passes());
    assert_eq!(report.stale.len(), 2, "{:?}", report.stale);
    assert!(report.stale[0].contains("AccessLevel.store_transaction_id"));
    assert!(report.stale[1].contains("v1-server-side-api/Gone"));

    // The command fails on it too.
    let dir = scratch("stale-known");
    let known_path = dir.join("known.toml");
    std::fs::write(&known_path, text).expect("write");
    let (code, stdout, _) = xtask(&[
        "drift",
        "--spec",
        fixture("after.yaml").to_str().expect("path"),
        "--facts",
        facts_path.to_str().expect("path"),
        "--known",
        known_path.to_str().expect("path"),
    ]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("no longer differs"), "{stdout}");
}

#[test]
fn a_map_to_a_schema_we_do_not_have_is_a_problem() {
    let (_, facts) = fixture_facts("bad-map");
    let after = drift::load_spec(&fixture("after.yaml")).expect("after");
    let known = KnownDifferences::parse(
        "test",
        r#"
[[map]]
spec = "v1"
upstream = "v1-server-side-api/AccessLevel"
ours = ["Entitlement"]
reason = "renamed"
"#,
    )
    .expect("known");
    let report = drift::compare(&after, &facts, &known);
    assert!(!report.passes());
    assert_eq!(report.problems.len(), 1);
    assert!(
        report.problems[0].contains("`Entitlement`"),
        "{:?}",
        report.problems
    );
}

#[test]
fn a_known_difference_needs_a_subject_and_a_reason() {
    let entry = |extra: &str| {
        format!(
            "[[difference]]\nspec = \"v1\"\nkind = \"field\"\nupstream = \"present\"\n\
             ours = \"absent\"\n{extra}"
        )
    };
    assert!(KnownDifferences::parse("t", &entry("reason = \"r\"")).is_err());
    assert!(KnownDifferences::parse("t", &entry("subject = \"A.b\"\nreason = \" \"")).is_err());
    assert!(KnownDifferences::parse("t", &entry("subject = \"A.b\"\nreason = \"r\"")).is_ok());
    assert!(
        KnownDifferences::parse(
            "t",
            &entry("subject = \"A.b\"\nreason = \"r\"").replace("field", "colour")
        )
        .is_err(),
        "an unknown kind"
    );
}

#[test]
fn an_unknown_type_word_is_reported_not_ignored() {
    let (_, mut facts) = fixture_facts("type-word");
    let field = facts
        .objects
        .get_mut("v1-server-side-api/AccessLevel")
        .and_then(|o| o.fields.get_mut("access_level_id"))
        .expect("field");
    field.ty = Some("Matrix".to_owned());
    let after = drift::load_spec(&fixture("after.yaml")).expect("after");
    let report = drift::compare(&after, &facts, &KnownDifferences::default());
    assert_eq!(listed(&report).len(), 1);
    assert_eq!(report.differences[0].kind, Kind::Type);
    assert_eq!(report.differences[0].upstream, "`matrix`");
}

#[test]
fn todays_specs_pass_with_the_known_differences() {
    let reports = drift::check_workspace(&root()).expect("drift");
    assert_eq!(
        reports.iter().map(|r| r.spec.as_str()).collect::<Vec<_>>(),
        ["v1", "v2"]
    );
    for report in &reports {
        assert!(
            report.passes(),
            "{}",
            drift::render(
                std::slice::from_ref(report),
                drift::KNOWN_DIFFERENCES,
                false
            )
        );
        // The facts are not empty: there is something to differ from.
        assert!(report.differences.len() > 10, "{}", report.spec);
    }
    let (code, stdout, stderr) = xtask(&["drift"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

/// Today's v2 spec, with one thing taken away, against today's facts and known differences.
fn without(edit: impl FnOnce(&mut Value)) -> Report {
    let root = root();
    let mut spec =
        drift::load_spec(&root.join("openapi/adapty-server-side-api-v2.yaml")).expect("spec");
    edit(&mut spec);
    let facts = upstream::load(&root.join("openapi/upstream/v2.json")).expect("facts");
    let known =
        KnownDifferences::load(&root.join(drift::KNOWN_DIFFERENCES)).expect("known differences");
    drift::compare(&spec, &facts, &known)
}

fn unexcused(report: &Report) -> Vec<(Kind, String, String, String)> {
    report
        .unexcused()
        .map(|d| {
            (
                d.kind,
                d.subject.clone(),
                d.upstream.clone(),
                d.ours.clone(),
            )
        })
        .collect()
}

#[test]
fn drift_notices_what_todays_spec_would_lose() {
    let schemas = "/components/schemas";
    let report = without(|spec| {
        let values = spec
            .pointer_mut(&format!("{schemas}/OfferCategory/enum"))
            .and_then(Value::as_array_mut)
            .expect("OfferCategory enum");
        values.retain(|v| v != "win_back");
    });
    let lost = unexcused(&report);
    assert!(
        lost.contains(&(
            Kind::Enum,
            "Offer.category".into(),
            "`win_back`".into(),
            "not in enum".into()
        )) || lost.contains(&(
            Kind::Enum,
            "OfferInput.category".into(),
            "`win_back`".into(),
            "not in enum".into()
        )),
        "{lost:?}"
    );

    let report = without(|spec| {
        spec.pointer_mut(&format!("{schemas}/Profile/properties"))
            .and_then(Value::as_object_mut)
            .expect("Profile properties")
            .remove("segment_hash");
    });
    assert_eq!(
        unexcused(&report),
        [(
            Kind::Field,
            "Profile.segment_hash".into(),
            "present".into(),
            "absent".into()
        )]
    );

    let report = without(|spec| {
        spec.pointer_mut("/paths/~1api~1v2~1server-side-api~1paywalls~1")
            .and_then(Value::as_object_mut)
            .expect("paywalls path")
            .remove("get");
    });
    let lost = unexcused(&report);
    assert!(
        lost.contains(&(
            Kind::Operation,
            "listPaywalls".into(),
            "documented".into(),
            "absent".into()
        )),
        "{lost:?}"
    );
    assert!(
        lost.iter()
            .any(|d| d.0 == Kind::Example && d.1.starts_with("listPaywalls")),
        "its examples go with it: {lost:?}"
    );
    // The known differences stay true: nothing listed became stale by this.
    assert!(report.stale.is_empty(), "{:?}", report.stale);
}
