//! `cargo bench -p adapty-bench [-- [--quick] [decode|calls]]`: the ratio comparisons of
//! `adapty_bench` (all, or only decoding or only calls), printed one line each (see the crate
//! documentation for what is measured and how).

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let settings = if quick {
        adapty_bench::Settings::quick()
    } else {
        adapty_bench::Settings::full()
    };
    println!(
        "adapty-bench: {} rounds per comparison, {} calls and {} decodes per side per round{}",
        settings.rounds,
        settings.calls,
        settings.decodes,
        if quick { " (quick)" } else { "" }
    );
    let args: Vec<String> = std::env::args().collect();
    let only = |what: &str| args.iter().any(|a| a == what);
    let comparisons = match (only("decode"), only("calls")) {
        (true, false) => adapty_bench::decode::compare_all(settings),
        (false, true) => adapty_bench::calls::compare_all(settings),
        _ => adapty_bench::run(settings),
    };
    for comparison in comparisons {
        println!("{}", comparison.line());
    }
}
