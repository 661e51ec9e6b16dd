//! Progress of a bulk run on stderr: a bar on a terminal, plain lines every few seconds otherwise.
//!
//! The counts come from the run's [`Progress`] handle, read on a timer task; nothing here is on
//! the path of the calls.

use std::sync::Arc;
use std::time::{Duration, Instant};

use adapty_api::bulk::{Counts, Progress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinHandle;

/// How often a plain progress line is printed when stderr is not a terminal.
pub const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// How often the bar is redrawn.
const BAR_EVERY: Duration = Duration::from_millis(100);

/// The counts shown: this run's outcomes and the `429` answers seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Profiles deleted.
    pub deleted: u64,
    /// Profiles not found.
    pub not_found: u64,
    /// Deletions failed.
    pub failed: u64,
    /// `429` answers seen (each paused the run).
    pub rate_limited: u64,
    /// Whether the run is pausing for a `429` right now.
    pub paused: bool,
}

impl Tally {
    /// The tally of a run's counts.
    pub fn of(counts: &Counts) -> Self {
        Self {
            deleted: counts.succeeded,
            not_found: counts.not_found,
            failed: counts.failed,
            rate_limited: counts.rate_limited,
            paused: counts.paused,
        }
    }

    /// Outcomes so far.
    pub fn finished(&self) -> u64 {
        self.deleted + self.not_found + self.failed
    }
}

/// A plain progress line: `progress: 4100/10000 deleted=4000 not_found=80 failed=20
/// rate_limited=3 rate=1234/s`.
pub fn plain_line(tally: &Tally, total: u64, elapsed: Duration) -> String {
    let done = tally.finished();
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
    format!(
        "progress: {done}/{total} deleted={} not_found={} failed={} rate_limited={} rate={rate:.0}/s",
        tally.deleted, tally.not_found, tally.failed, tally.rate_limited
    )
}

/// The bar's message: the counts by outcome.
fn bar_message(tally: &Tally, already_done: u64) -> String {
    let mut message = format!(
        "deleted {} · not found {} · failed {} · 429s {}",
        tally.deleted, tally.not_found, tally.failed, tally.rate_limited
    );
    if already_done > 0 {
        message.push_str(&format!(" · already done {already_done}"));
    }
    if tally.paused {
        message.push_str(" · paused (rate limited)");
    }
    message
}

/// Shows the progress of one run until [`finish`](Self::finish).
#[derive(Debug)]
pub struct Reporter {
    view: Arc<View>,
    task: JoinHandle<()>,
}

#[derive(Debug)]
enum View {
    Bar { bar: ProgressBar },
    Plain { total: u64, started: Instant },
}

impl View {
    fn show(&self, tally: &Tally) {
        match self {
            View::Bar { bar } => bar.set_position(tally.finished()),
            View::Plain { total, started } => {
                eprintln!("{}", plain_line(tally, *total, started.elapsed()));
            }
        }
    }
}

impl Reporter {
    /// Starts showing `progress` of a run of `total` calls (with `already_done` IDs skipped): a
    /// bar when `terminal`, plain lines every [`PLAIN_EVERY`] otherwise. Must be called on a
    /// Tokio runtime.
    pub fn start(progress: Progress, total: u64, already_done: u64, terminal: bool) -> Self {
        let view = Arc::new(if terminal {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            // Two lines, so that the counts never squeeze the bar out of a narrow terminal. The
            // counts are read when a frame is drawn, so a frame never mixes two moments.
            let counts = progress.clone();
            let style = ProgressStyle::with_template(
                "{spinner} [{wide_bar}] {pos}/{len} {rate} ETA {eta}\n  {counts}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}/s", state.per_sec());
                },
            )
            .with_key(
                "counts",
                move |_: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let tally = Tally::of(&counts.counts());
                    let _ = w.write_str(&bar_message(&tally, already_done));
                },
            )
            .progress_chars("=> ");
            bar.set_style(style);
            View::Bar { bar }
        } else {
            View::Plain {
                total,
                started: Instant::now(),
            }
        });
        let every = match *view {
            View::Bar { .. } => BAR_EVERY,
            View::Plain { .. } => PLAIN_EVERY,
        };
        let shown = view.clone();
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.tick().await; // the first tick is immediate
            loop {
                ticks.tick().await;
                shown.show(&Tally::of(&progress.counts()));
            }
        });
        Self { view, task }
    }

    /// Prints a line on stderr without breaking the bar.
    pub fn println(&self, line: &str) {
        match &*self.view {
            View::Bar { bar, .. } => bar.println(line),
            View::Plain { .. } => eprintln!("{line}"),
        }
    }

    /// Stops the timer and shows the final counts (the bar stays on screen).
    pub fn finish(&self, tally: &Tally) {
        self.task.abort();
        self.view.show(tally);
        if let View::Bar { bar, .. } = &*self.view {
            bar.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_carry_every_count_and_the_rate() {
        let tally = Tally {
            deleted: 4000,
            not_found: 80,
            failed: 20,
            rate_limited: 3,
            paused: false,
        };
        assert_eq!(
            plain_line(&tally, 10_000, Duration::from_secs(2)),
            "progress: 4100/10000 deleted=4000 not_found=80 failed=20 rate_limited=3 rate=2050/s"
        );
        assert!(plain_line(&Tally::default(), 5, Duration::ZERO).ends_with("rate=0/s"));
        assert_eq!(
            bar_message(&tally, 7),
            "deleted 4000 · not found 80 · failed 20 · 429s 3 · already done 7"
        );
        let paused = Tally {
            paused: true,
            ..tally
        };
        assert!(bar_message(&paused, 0).ends_with("429s 3 · paused (rate limited)"));
    }
}
