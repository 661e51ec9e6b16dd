//! `cargo bench -p adapty-bench [-- [--quick] [decode] [calls] [bulk]]`: the ratio comparisons of
//! `adapty_bench` (all, or only the groups named), printed one line each (see the crate
//! documentation for what is measured and how).

use std::process::ExitCode;

fn main() -> ExitCode {
    // The bulk comparison starts this binary again as its emulator process.
    if let Some(code) = adapty_bench::emulator::serve_if_asked() {
        return code;
    }
    let args: Vec<String> = std::env::args().collect();
    let has = |what: &str| args.iter().any(|a| a == what);
    let quick = has("--quick");
    let settings = if quick {
        adapty_bench::Settings::quick()
    } else {
        adapty_bench::Settings::full()
    };
    println!(
        "adapty-bench: {} rounds per comparison, {} calls and {} decodes per side per round; \
         bulk: {} rounds, {} profiles per SDK run, {} s per wrk run{}",
        settings.rounds,
        settings.calls,
        settings.decodes,
        settings.bulk_rounds,
        settings.bulk_profiles,
        settings.wrk_seconds,
        if quick { " (quick)" } else { "" }
    );
    let groups = [
        ("decode", adapty_bench::decode::compare_all as fn(_) -> _),
        ("calls", adapty_bench::calls::compare_all),
        ("bulk", adapty_bench::bulk::compare_all),
    ];
    let any_named = groups.iter().any(|(name, _)| has(name));
    for (name, compare_all) in groups {
        if any_named && !has(name) {
            continue;
        }
        for comparison in compare_all(settings) {
            println!("{}", comparison.line());
        }
    }
    ExitCode::SUCCESS
}
