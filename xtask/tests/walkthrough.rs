//! The maintainer's walkthrough of `MAINTAINING.md`, run on the fixture (`tests/fixtures/drift/`)
//! in a scratch git repository: Adapty's docs add a field and an enum value and make a field
//! nullable; `upstream` records them, `drift` reports the three, the spec edit answers them,
//! `breaking` classifies each and asks for a CHANGELOG entry, and after the entry and the commit
//! both are quiet.

use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::breaking::{self, Class, Options};

const SPEC: &str = "openapi/adapty-server-side-api-v1.yaml";
const CHANGELOG: &str = "adapty-api/CHANGELOG.md";

fn fixture(relative: &str) -> PathBuf {
    xtask::workspace_root()
        .join("tests/fixtures/drift")
        .join(relative)
}

/// `cargo xtask <args>` in `dir`: (exit code, stdout and stderr).
fn xtask(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run xtask");
    (
        output.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

fn git(root: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "-c",
            "user.name=maintainer",
            "-c",
            "user.email=m@example.com",
        ])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn commit(root: &Path, message: &str) -> String {
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", message]);
    git(root, &["rev-parse", "HEAD"])
}

fn breaking(root: &Path, base: &str) -> breaking::Report {
    breaking::run(
        root,
        &Options {
            base: base.to_owned(),
            specs: vec![SPEC.to_owned()],
        },
    )
    .expect("breaking runs")
}

#[test]
fn upstream_drift_edit_breaking_changelog_then_quiet() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("maintainer-walkthrough");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("openapi/upstream")).unwrap();
    std::fs::create_dir_all(root.join("adapty-api")).unwrap();
    git(&root, &["init", "-q"]);
    let spec = root.join(SPEC);
    std::fs::copy(fixture("before.yaml"), &spec).unwrap();
    let changelog = "# Changelog\n\n## [Unreleased]\n\n## [0.1.0]\n\n- first release\n";
    std::fs::write(root.join(CHANGELOG), changelog).unwrap();
    let base = commit(&root, "the spec as released");

    // 1. Record what the (changed) docs say.
    let docs = fixture("docs");
    let (code, out) = xtask(
        &root,
        &[
            "upstream",
            "--docs",
            docs.to_str().unwrap(),
            "--out",
            "openapi/upstream",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let facts = root.join("openapi/upstream/v1.json");
    assert!(facts.exists());

    // 2. Drift reports each of the three changes.
    let drift = |root: &Path| {
        xtask(
            root,
            &[
                "drift",
                "--spec",
                SPEC,
                "--facts",
                "openapi/upstream/v1.json",
            ],
        )
    };
    let (code, report) = drift(&root);
    assert_eq!(code, 1, "{report}");
    for expected in [
        "field `AccessLevel.is_family_shared`: upstream present, ours absent",
        "enum `AccessLevel.environment`: upstream `Xcode`, ours not in enum",
        "nullable `AccessLevel.store_transaction_id`: upstream nullable, ours not nullable",
    ] {
        assert!(report.contains(expected), "{expected}\nnot in:\n{report}");
    }

    // 3. The spec edit answers them; drift is quiet.
    std::fs::copy(fixture("after.yaml"), &spec).unwrap();
    let (code, report) = drift(&root);
    assert_eq!(code, 0, "{report}");

    // 4. Breaking classifies each change for a client user.
    let report = breaking(&root, &base);
    let fired: Vec<(&str, &str, Class)> = report.specs[0]
        .changes
        .iter()
        .map(|c| (c.rule.id, c.subject.as_str(), c.class()))
        .collect();
    for (rule, subject, class) in [
        (
            "response-field-added",
            "access_levels[].is_family_shared",
            Class::Compatible,
        ),
        (
            "enum-value-added",
            "access_levels[].environment",
            Class::Compatible,
        ),
        (
            "response-field-nullable",
            "access_levels[].store_transaction_id",
            Class::Breaking,
        ),
    ] {
        assert!(
            fired
                .iter()
                .any(|(r, s, c)| *r == rule && s.ends_with(subject) && *c == class),
            "{rule} {subject} {class:?} not in {fired:#?}"
        );
    }
    assert_eq!(fired.len(), 3, "{fired:#?}");
    // A breaking change without a CHANGELOG entry fails the check.
    println!("{report}");
    assert_eq!(report.status(), 1, "{report}");

    // 5. The CHANGELOG entry acknowledges it.
    let entry = changelog.replace(
        "## [Unreleased]\n",
        "## [Unreleased]\n\n### Changed\n\n- `AccessLevel.store_transaction_id` may be `null`.\n",
    );
    std::fs::write(root.join(CHANGELOG), entry).unwrap();
    let report = breaking(&root, &base);
    println!("{report}");
    assert_eq!(report.status(), 0, "{report}");

    // 6. Committed: against the new revision, breaking and drift are both quiet.
    let edited = commit(&root, "spec: follow Adapty's docs");
    let report = breaking(&root, &edited);
    assert!(report.specs[0].changes.is_empty(), "{report}");
    assert_eq!(report.status(), 0);
    let (code, report) = drift(&root);
    assert_eq!(code, 0, "{report}");
    let _ = std::fs::remove_dir_all(&root);
}
