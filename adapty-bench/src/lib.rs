//! Ratio benchmarks of `adapty-api`, each against a baseline measured in the same run.
//!
//! - **Calls**: `v1::Client` against raw `reqwest` (the same URL, the same headers, the body read
//!   whole and decoded into the same generated types), for get, create and delete, with 1 and 16
//!   calls in flight, against a minimal loopback server that answers the documented bodies from
//!   another thread. The client runs on a single-threaded runtime, so the CPU time of that one
//!   thread is the client's whole cost per call; the server's is not in it.
//! - **Decode**: the documented profile into the generated types, into a plain serde struct with
//!   `String` datetimes, and into `serde_json::Value`.
//! - **Bulk**: `delete_profiles` of 10,000 profiles at 64 in flight against the emulator (release,
//!   in a process of its own), as a throughput ratio to the emulator's own capacity for the same
//!   request measured by [wrk](https://github.com/wg/wrk) with 64 connections; a hand-written
//!   `buffer_unordered` loop of `delete_profile` calls and the same loop with raw `reqwest` beside
//!   it (see [`bulk`]). Skipped, with a message, where wrk is not installed.
//!
//! Rounds alternate the variants (SDK then raw, raw then SDK, ...), and each round gives one ratio;
//! the report shows the median ratio with the lowest and highest. Run it with
//! `cargo bench -p adapty-bench` (`-- --quick` for a short check); see the workspace README.

use std::future::Future;
use std::time::{Duration, Instant};

pub mod bulk;
pub mod calls;
pub mod decode;
pub mod emulator;
pub mod server;
pub mod wrk;

/// The documented profile answer (`tests/fixtures/docs/profile-response.json`).
pub const PROFILE_RESPONSE: &[u8] =
    include_bytes!("../../tests/fixtures/docs/profile-response.json");

/// The documented create request (`tests/fixtures/docs/create-profile-request.json`).
pub const CREATE_REQUEST: &[u8] =
    include_bytes!("../../tests/fixtures/docs/create-profile-request.json");

/// How long a run is.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Rounds per comparison (each gives one ratio).
    pub rounds: usize,
    /// Calls per variant per round.
    pub calls: usize,
    /// Decodes per variant per round.
    pub decodes: usize,
    /// Rounds of the bulk comparison (each runs wrk, the bulk API, the hand-written loop and raw
    /// reqwest once).
    pub bulk_rounds: usize,
    /// Profiles each SDK side deletes per bulk round.
    pub bulk_profiles: usize,
    /// How long each wrk run lasts, in seconds.
    pub wrk_seconds: u32,
}

impl Settings {
    /// A run long enough for stable ratios on a shared 2-core machine (about two minutes).
    pub fn full() -> Self {
        Self {
            rounds: 41,
            calls: 1_000,
            decodes: 10_000,
            bulk_rounds: 9,
            bulk_profiles: 10_000,
            wrk_seconds: 2,
        }
    }

    /// A short run that only shows the benchmark works.
    pub fn quick() -> Self {
        Self {
            rounds: 3,
            calls: 50,
            decodes: 200,
            bulk_rounds: 1,
            bulk_profiles: 1_000,
            wrk_seconds: 1,
        }
    }
}

/// The CPU time the calling thread has used.
pub fn thread_cpu() -> Duration {
    use nix::time::{ClockId, clock_gettime};
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map(Duration::from)
        .unwrap_or_default()
}

/// What one batch cost: CPU time of this thread and wall time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cost {
    /// CPU time of the measuring thread.
    pub cpu: Duration,
    /// Wall-clock time.
    pub wall: Duration,
}

/// Runs `batch` on the current-thread runtime `rt` and measures it.
pub fn measure<F: Future<Output = ()>>(rt: &tokio::runtime::Runtime, batch: F) -> Cost {
    let cpu = thread_cpu();
    let wall = Instant::now();
    rt.block_on(batch);
    Cost {
        cpu: thread_cpu().saturating_sub(cpu),
        wall: wall.elapsed(),
    }
}

/// Runs `batch` (synchronous) and measures it.
pub fn measure_sync(batch: impl FnOnce()) -> Cost {
    let cpu = thread_cpu();
    let wall = Instant::now();
    batch();
    Cost {
        cpu: thread_cpu().saturating_sub(cpu),
        wall: wall.elapsed(),
    }
}

/// What a comparison's ratio compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// CPU time of the measuring thread, variant ÷ baseline: lower is better.
    Cpu,
    /// Throughput (wall clock), variant operations per second ÷ baseline operations per second:
    /// higher is better. The CPU columns are then the CPU time of each side's client process.
    Throughput,
}

/// One comparison: a variant against the baseline, round by round.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// What is compared (e.g. `get_profile, 1 in flight`).
    pub name: String,
    /// The variant's name (e.g. `SDK`).
    pub variant: &'static str,
    /// The baseline's name (e.g. `raw reqwest`).
    pub baseline: &'static str,
    /// What the ratio compares.
    pub measure: Measure,
    /// Operations per batch.
    pub ops: usize,
    /// The variant's cost, per round.
    pub variant_costs: Vec<Cost>,
    /// The baseline's cost, per round (of `ops` operations: a baseline that ran another number
    /// of operations is scaled to `ops`).
    pub baseline_costs: Vec<Cost>,
    /// More facts for the report line (e.g. the server's CPU per operation on each side).
    pub notes: Vec<String>,
}

impl Comparison {
    /// The ratio of each round, sorted: CPU variant / baseline, or throughput variant / baseline
    /// (see [`Measure`]).
    pub fn ratios(&self) -> Vec<f64> {
        let mut ratios: Vec<f64> = self
            .variant_costs
            .iter()
            .zip(&self.baseline_costs)
            .map(|(v, b)| match self.measure {
                Measure::Cpu => v.cpu.as_secs_f64() / b.cpu.as_secs_f64().max(f64::MIN_POSITIVE),
                Measure::Throughput => {
                    b.wall.as_secs_f64() / v.wall.as_secs_f64().max(f64::MIN_POSITIVE)
                }
            })
            .collect();
        ratios.sort_by(f64::total_cmp);
        ratios
    }

    /// The median of the rounds' ratios (see [`ratios`](Self::ratios)).
    pub fn median_ratio(&self) -> f64 {
        median(&self.ratios())
    }

    /// The CPU ratio of the two sides' cheapest rounds: interference on a shared machine only ever
    /// adds time, so each side's cheapest round is its least disturbed one. A second view beside
    /// the median of the per-round ratios (which pairs rounds run back to back).
    pub fn best_ratio(&self) -> f64 {
        let best = |costs: &[Cost]| {
            costs
                .iter()
                .map(|c| match self.measure {
                    Measure::Cpu => c.cpu.as_secs_f64(),
                    Measure::Throughput => c.wall.as_secs_f64(),
                })
                .fold(f64::INFINITY, f64::min)
        };
        let (variant, baseline) = (best(&self.variant_costs), best(&self.baseline_costs));
        match self.measure {
            Measure::Cpu => variant / baseline.max(f64::MIN_POSITIVE),
            Measure::Throughput => baseline / variant.max(f64::MIN_POSITIVE),
        }
    }

    /// Median CPU time per operation of the variant and the baseline.
    pub fn cpu_per_op(&self) -> (Duration, Duration) {
        let per = |costs: &[Cost]| {
            let mut v: Vec<f64> = costs.iter().map(|c| c.cpu.as_secs_f64()).collect();
            v.sort_by(f64::total_cmp);
            Duration::from_secs_f64(median(&v) / self.ops as f64)
        };
        (per(&self.variant_costs), per(&self.baseline_costs))
    }

    /// Median operations per second (wall clock) of the variant and the baseline.
    pub fn ops_per_sec(&self) -> (f64, f64) {
        let per = |costs: &[Cost]| {
            let mut v: Vec<f64> = costs
                .iter()
                .map(|c| self.ops as f64 / c.wall.as_secs_f64().max(f64::MIN_POSITIVE))
                .collect();
            v.sort_by(f64::total_cmp);
            median(&v)
        };
        (per(&self.variant_costs), per(&self.baseline_costs))
    }

    /// One line of the report.
    pub fn line(&self) -> String {
        let ratios = self.ratios();
        let (v_cpu, b_cpu) = self.cpu_per_op();
        let (v_ops, b_ops) = self.ops_per_sec();
        let (ratio, cpu) = match self.measure {
            Measure::Cpu => ("CPU ratio", "CPU per op"),
            Measure::Throughput => ("throughput ratio", "client CPU per op"),
        };
        let mut line = format!(
            "{:<34} {}/{}: {ratio} {:.3} (median of rounds; lowest {:.3}, highest {:.3}; best rounds {:.3}); {cpu} {:>6.1} µs vs {:>6.1} µs; {:>6.0} vs {:>6.0} ops/s",
            self.name,
            self.variant,
            self.baseline,
            median(&ratios),
            ratios.first().copied().unwrap_or(f64::NAN),
            ratios.last().copied().unwrap_or(f64::NAN),
            self.best_ratio(),
            v_cpu.as_secs_f64() * 1e6,
            b_cpu.as_secs_f64() * 1e6,
            v_ops,
            b_ops,
        );
        for note in &self.notes {
            line.push_str("; ");
            line.push_str(note);
        }
        line
    }
}

/// The median of sorted values (NaN for none).
pub fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Runs `variant` and `baseline` for `rounds` rounds, alternating which goes first.
pub fn compare(
    name: impl Into<String>,
    (variant, baseline): (&'static str, &'static str),
    rounds: usize,
    ops: usize,
    mut run_variant: impl FnMut() -> Cost,
    mut run_baseline: impl FnMut() -> Cost,
) -> Comparison {
    let mut comparison = Comparison {
        name: name.into(),
        variant,
        baseline,
        measure: Measure::Cpu,
        ops,
        variant_costs: Vec::with_capacity(rounds),
        baseline_costs: Vec::with_capacity(rounds),
        notes: Vec::new(),
    };
    // One untimed round each: connections, pools and caches warm up.
    run_variant();
    run_baseline();
    for round in 0..rounds {
        if round % 2 == 0 {
            comparison.variant_costs.push(run_variant());
            comparison.baseline_costs.push(run_baseline());
        } else {
            comparison.baseline_costs.push(run_baseline());
            comparison.variant_costs.push(run_variant());
        }
    }
    comparison
}

/// Every comparison of a run, in report order.
pub fn run(settings: Settings) -> Vec<Comparison> {
    let mut all = decode::compare_all(settings);
    all.extend(calls::compare_all(settings));
    all.extend(bulk::compare_all(settings));
    all
}
