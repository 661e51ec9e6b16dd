//! `cargo bench -p adapty-bench [-- --quick]`: every ratio comparison of `adapty_bench`, printed
//! one line each (see the crate documentation for what is measured and how).

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
    for comparison in adapty_bench::run(settings) {
        println!("{}", comparison.line());
    }
}
