//! The committed generated code is exactly what the specs give, and its text is snapshotted.

use xtask::{GENERATE_COMMAND, TARGETS, generate, workspace_root};

#[test]
fn committed_generated_code_matches_the_specs() {
    let root = workspace_root();
    let stale = xtask::check(&root).unwrap_or_else(|e| panic!("generation failed: {e:#}"));
    if let Some(first) = stale.first() {
        panic!(
            "{}\n\n{} is stale: the spec {} changed without regenerating.\n\
             Run `{GENERATE_COMMAND}` and commit the result.",
            first.diff, first.target.output, first.target.spec
        );
    }
}

#[test]
fn generated_code_snapshot() {
    let root = workspace_root();
    for target in TARGETS {
        let code = generate(&root, target).unwrap_or_else(|e| panic!("generation failed: {e:#}"));
        let name = target
            .output
            .trim_end_matches(".rs")
            .replace(['/', '.'], "__");
        insta::assert_snapshot!(name, code);
    }
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
