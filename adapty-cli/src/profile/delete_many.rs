//! `adapty profile delete --from FILE`: many profiles, concurrently, through the client's bulk
//! API, with a journal that makes a rerun skip what is done.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use adapty_api::bulk::{self, Bulk, Cancel, OutcomeKind};
use adapty_api::reqwest::StatusCode;
use futures_util::StreamExt as _;

use crate::cli::{By, Delete};
use crate::input::{self, Entry, Input};
use crate::journal::{self, Loaded, Outcome, Record, Writer};
use crate::profile::{read_source, source_name};
use crate::progress::{Reporter, Tally};
use crate::{Api, Exit, Fatal, Global, describe, runtime};

/// The most skipped input lines printed one by one (all are counted).
pub const MAX_PRINTED_PROBLEMS: usize = 100;

/// The most failed deletions printed one by one during a run (all are journaled and counted).
pub const MAX_PRINTED_FAILURES: u64 = 20;

/// Runs `adapty profile delete --from FILE`.
pub fn run(global: &Global, from: &Path, options: &Delete) -> Result<Exit, Fatal> {
    let name = source_name(from);
    let bytes = read_source(from).map_err(Fatal::new)?;
    let input = input::parse(&bytes, options.by, options.column.as_deref())
        .map_err(|e| Fatal::new(format!("{name}:{e}")))?;
    drop(bytes);
    report_problems(&name, &input);

    let loaded = match &options.journal {
        Some(path) => journal::load(path)
            .map_err(|e| Fatal::new(format!("journal {}:{e}", path.display())))?,
        None => Loaded::default(),
    };
    if let (Some(path), Some((line, _))) = (&options.journal, loaded.torn) {
        eprintln!(
            "adapty: journal {}:{line}: the last line is incomplete (a run was stopped while \
             writing it); it is ignored{}",
            path.display(),
            if options.dry_run { "" } else { " and cut off" }
        );
    }
    let (to_do, already_done): (Vec<Entry>, Vec<Entry>) = input
        .entries
        .iter()
        .cloned()
        .partition(|entry| !loaded.is_done(options.by, &entry.id));
    let plan = Plan {
        by: options.by,
        name,
        to_do,
        already_done: already_done.len() as u64,
        invalid: input.invalid(),
        duplicates: input.duplicates(),
    };

    if options.dry_run {
        return Ok(dry_run(&plan));
    }

    let api = global.client()?;
    let writer = match &options.journal {
        Some(path) => Some(
            Writer::open(path, &loaded)
                .map_err(|e| Fatal::new(format!("journal {}: {e}", path.display())))?,
        ),
        None => None,
    };
    drop(loaded);
    let journal = options.journal.clone().zip(writer);
    let concurrency = usize::from(options.concurrency);
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let ran = runtime()?.block_on(execute(&api, &plan, concurrency, journal, terminal));
    Ok(summarize(&plan, &ran))
}

/// What a run is about to do.
#[derive(Debug)]
struct Plan {
    by: By,
    /// The input's name in messages.
    name: String,
    /// The IDs to delete, in file order.
    to_do: Vec<Entry>,
    /// The valid IDs the journal records as done.
    already_done: u64,
    invalid: u64,
    duplicates: u64,
}

impl Plan {
    fn skipped_lines(&self) -> u64 {
        self.invalid + self.duplicates
    }
}

fn report_problems(name: &str, input: &Input) {
    for problem in input.problems.iter().take(MAX_PRINTED_PROBLEMS) {
        eprintln!("{name}:{}: {}", problem.line, problem.message);
    }
    if input.problems.len() > MAX_PRINTED_PROBLEMS {
        eprintln!(
            "{name}: {} more skipped lines not shown",
            input.problems.len() - MAX_PRINTED_PROBLEMS
        );
    }
}

/// `--dry-run`: the IDs that would be deleted on stdout, the counts on stderr.
fn dry_run(plan: &Plan) -> Exit {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for entry in &plan.to_do {
        if writeln!(out, "{}", entry.id).is_err() {
            break;
        }
    }
    let _ = out.flush();
    eprintln!(
        "dry run: would_delete={} already_done={} invalid={} duplicates={}; nothing was sent",
        plan.to_do.len(),
        plan.already_done,
        plan.invalid,
        plan.duplicates
    );
    if plan.skipped_lines() > 0 {
        Exit::Failed
    } else {
        Exit::Success
    }
}

/// How a run went.
#[derive(Debug, Default)]
struct Ran {
    tally: Tally,
    interrupted: bool,
    /// Why the run stopped early without an interrupt (the journal could not be written, the key
    /// was refused).
    stopped: Option<String>,
    elapsed: Duration,
}

/// Deletes `plan.to_do` through the client's bulk API, journaling each outcome as it arrives.
async fn execute(
    api: &Api,
    plan: &Plan,
    concurrency: usize,
    mut journal: Option<(PathBuf, Writer)>,
    terminal: bool,
) -> Ran {
    let started = Instant::now();
    let cancel = Cancel::new();
    let interrupted = Arc::new(AtomicBool::new(false));
    let profiles = bulk::iter(plan.to_do.iter().map(|entry| entry.selector.clone()));
    let options = Bulk::new(concurrency).cancel_on(&cancel);
    let mut run = match api {
        Api::V1(client) => client.delete_profiles(profiles, options),
        Api::V2(client) => client.delete_profiles(profiles, options),
    };
    let total = plan.to_do.len() as u64;
    let reporter = Arc::new(Reporter::start(
        run.progress(),
        total,
        plan.already_done,
        terminal,
    ));
    let signals = tokio::spawn(on_signals(
        cancel.clone(),
        interrupted.clone(),
        reporter.clone(),
    ));

    let mut ran = Ran::default();
    let mut printed_failures = 0;
    while let Some(outcome) = run.next().await {
        let Some(entry) = usize::try_from(outcome.index)
            .ok()
            .and_then(|i| plan.to_do.get(i))
        else {
            continue;
        };
        let (kind, error) = match &outcome.kind {
            OutcomeKind::Succeeded(_) => (Outcome::Deleted, None),
            OutcomeKind::NotFound(_) => (Outcome::NotFound, None),
            OutcomeKind::Failed(error) => (Outcome::Failed, Some(describe(error))),
            _ => (
                Outcome::Failed,
                Some("an outcome this version does not know".to_owned()),
            ),
        };
        match kind {
            Outcome::Deleted => ran.tally.deleted += 1,
            Outcome::NotFound => ran.tally.not_found += 1,
            Outcome::Failed => ran.tally.failed += 1,
        }
        if let (Outcome::Failed, Some(message)) = (kind, &error) {
            if printed_failures < MAX_PRINTED_FAILURES {
                printed_failures += 1;
                reporter.println(&format!("{}:{}: failed: {message}", plan.name, entry.line));
            }
            if outcome.status() == Some(StatusCode::UNAUTHORIZED) && ran.stopped.is_none() {
                ran.stopped = Some("Adapty refused the API key (401 Unauthorized)".to_owned());
                cancel.cancel();
            }
        }
        if let Some((path, writer)) = &mut journal {
            let record = Record {
                id: entry.id.clone(),
                by: plan.by,
                outcome: kind,
                status: outcome.status().map(|s| s.as_u16()),
                request_id: outcome.request_id().map(str::to_owned),
                error,
                at: journal::now(),
            };
            if let Err(e) = writer.append(&record) {
                ran.stopped = Some(format!("cannot write the journal {}: {e}", path.display()));
                cancel.cancel();
                journal = None;
            }
        }
    }
    signals.abort();
    if let Some((_, writer)) = &mut journal {
        let _ = writer.sync();
    }
    ran.tally.rate_limited = run.progress().counts().rate_limited;
    ran.interrupted = interrupted.load(Ordering::SeqCst);
    ran.elapsed = started.elapsed();
    reporter.finish(&ran.tally);
    ran
}

/// The first Ctrl-C (or SIGTERM) cancels the run gracefully; the second exits at once (130).
async fn on_signals(cancel: Cancel, interrupted: Arc<AtomicBool>, reporter: Arc<Reporter>) {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    for first in [true, false] {
        #[cfg(unix)]
        {
            let terminated = async {
                match &mut term {
                    Some(term) => {
                        term.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                () = terminated => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        if first {
            interrupted.store(true, Ordering::SeqCst);
            cancel.cancel();
            reporter.println(
                "adapty: interrupted: no new deletions; waiting for the ones in flight \
                 (Ctrl-C again to stop at once)",
            );
        } else {
            reporter.println("adapty: stopped at once; deletions in flight were not journaled");
            std::process::exit(i32::from(Exit::Interrupted.code()));
        }
    }
}

/// Prints the summary on stderr and picks the exit code.
fn summarize(plan: &Plan, ran: &Ran) -> Exit {
    let t = &ran.tally;
    eprintln!(
        "summary: deleted={} not_found={} failed={} already_done={} invalid={} duplicates={} \
         rate_limited={} elapsed={:.1}s",
        t.deleted,
        t.not_found,
        t.failed,
        plan.already_done,
        plan.invalid,
        plan.duplicates,
        t.rate_limited,
        ran.elapsed.as_secs_f64()
    );
    let untried = (plan.to_do.len() as u64).saturating_sub(t.finished());
    if let Some(reason) = &ran.stopped {
        eprintln!(
            "adapty: stopped: {reason}; {} not tried",
            count(untried, "ID was", "IDs were")
        );
    }
    if ran.interrupted {
        eprintln!(
            "adapty: interrupted; {} not tried: rerun with the same --journal to finish",
            count(untried, "ID was", "IDs were")
        );
        return Exit::Interrupted;
    }
    if t.failed > 0 {
        eprintln!(
            "adapty: {} failed: rerun with the same --journal to try again",
            count(t.failed, "deletion", "deletions")
        );
    }
    if plan.skipped_lines() > 0 {
        eprintln!(
            "adapty: {} skipped (reported above with their line numbers)",
            count(plan.skipped_lines(), "input line was", "input lines were")
        );
    }
    if t.failed > 0 || plan.skipped_lines() > 0 || ran.stopped.is_some() {
        Exit::Failed
    } else {
        eprintln!("adapty: done: every valid ID is deleted or was not found");
        Exit::Success
    }
}

/// `1 deletion`, `2 deletions`.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
