//! The journal of a bulk run: one JSON line per outcome, appended as it happens.
//!
//! ```text
//! {"id":"3fa85f64-5717-4562-b3fc-2c963f66afa6","by":"profile_id","outcome":"deleted","status":204,"request_id":"…","error":null,"at":"2025-01-15T10:30:00.123Z"}
//! ```
//!
//! On start, an existing journal is read: the IDs it records as `deleted` or `not_found` are done
//! and skipped; `failed` ones are tried again. A last line cut short (the process died while
//! writing it) is tolerated: it is reported and cut off before anything is appended. Any other
//! line that is not a record means the file is not a journal, and the run does not start.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;
use std::time::SystemTime;

use adapty_api::chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::cli::By;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The ID as the input named it (a profile ID in lowercase hyphenated form).
    pub id: String,
    /// What the ID is.
    pub by: By,
    /// What happened.
    pub outcome: Outcome,
    /// The HTTP status of the final answer, if there was one.
    #[serde(default)]
    pub status: Option<u16>,
    /// Adapty's request ID of the final answer, if it had one.
    #[serde(default)]
    pub request_id: Option<String>,
    /// Why it failed (`failed` only).
    #[serde(default)]
    pub error: Option<String>,
    /// When the outcome arrived (RFC 3339, UTC).
    pub at: String,
}

/// The outcome of one deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Adapty deleted the profile.
    Deleted,
    /// Adapty had no such profile (deleted before, or never there): done all the same.
    NotFound,
    /// The call failed after the client's retries; a rerun tries again.
    Failed,
}

impl Outcome {
    /// Whether the ID needs nothing more.
    pub fn is_done(self) -> bool {
        matches!(self, Outcome::Deleted | Outcome::NotFound)
    }
}

/// The current time as the journal writes it.
pub fn now() -> String {
    DateTime::<Utc>::from(SystemTime::now()).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// What an existing journal says.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The IDs that are done (`deleted` or `not_found`), by kind.
    pub done: HashSet<(By, String)>,
    /// How many records it holds.
    pub records: u64,
    /// A last line cut short: its line number and where it starts (the file is cut back there
    /// before appending).
    pub torn: Option<(u64, u64)>,
    /// The last record has no final line break (one is added before appending).
    pub needs_newline: bool,
}

impl Loaded {
    /// Whether `id` of kind `by` is done.
    pub fn is_done(&self, by: By, id: &str) -> bool {
        self.done.contains(&(by, id.to_owned()))
    }
}

/// Reads the journal at `path`; a file that does not exist is an empty journal.
///
/// Fails on a read error or a line (other than the last) that is not a record; the message
/// starts with the line number when there is one.
pub fn load(path: &Path) -> Result<Loaded, String> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Loaded::default()),
        Err(e) => return Err(e.to_string()),
    };
    read(BufReader::new(file)).map_err(|e| e.to_string())
}

/// A bad line and what is wrong with it, or a read error.
#[derive(Debug)]
enum ReadError {
    Io(io::Error),
    NotARecord { line: u64, reason: String },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::NotARecord { line, reason } => write!(
                f,
                "{line}: not a journal record ({reason}); is this the journal of a bulk run?"
            ),
        }
    }
}

fn read(mut reader: impl BufRead) -> Result<Loaded, ReadError> {
    let mut loaded = Loaded::default();
    let mut buffer = Vec::new();
    let mut offset = 0u64;
    let mut line = 0u64;
    // A bad line is only known to be the last (torn) one when nothing follows it.
    let mut pending_bad: Option<(u64, u64, String)> = None;
    loop {
        buffer.clear();
        let read = reader
            .read_until(b'\n', &mut buffer)
            .map_err(ReadError::Io)?;
        if read == 0 {
            break;
        }
        line += 1;
        if let Some((bad, _, reason)) = pending_bad.take() {
            return Err(ReadError::NotARecord { line: bad, reason });
        }
        let complete = buffer.last() == Some(&b'\n');
        let text = buffer.trim_ascii();
        if !text.is_empty() {
            match serde_json::from_slice::<Record>(text) {
                Ok(record) => {
                    loaded.records += 1;
                    if record.outcome.is_done() {
                        loaded
                            .done
                            .insert((record.by, normalize(record.by, record.id)));
                    }
                    loaded.needs_newline = !complete;
                }
                Err(e) => pending_bad = Some((line, offset, e.to_string())),
            }
        }
        offset += read as u64;
    }
    if let Some((bad, at, _)) = pending_bad {
        loaded.torn = Some((bad, at));
        loaded.needs_newline = false;
    }
    Ok(loaded)
}

/// A profile ID in the journal's form (lowercase, hyphenated); other IDs as they are.
fn normalize(by: By, id: String) -> String {
    match by {
        By::ProfileId => adapty_api::uuid::Uuid::try_parse(&id)
            .map(|uuid| uuid.hyphenated().to_string())
            .unwrap_or(id),
        By::CustomerUserId => id,
    }
}

/// The journal open for appending, locked against a second run using it at the same time.
#[derive(Debug)]
pub struct Writer {
    file: File,
}

impl Writer {
    /// Opens (or creates) the journal at `path` for appending, after cutting off a torn last
    /// line or ending an unfinished one, as `loaded` found them.
    pub fn open(path: &Path, loaded: &Loaded) -> Result<Self, String> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| e.to_string())?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err("another run is using it".to_owned());
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(format!("cannot lock it: {e}")),
        }
        let mut writer = Self { file };
        if let Some((_, at)) = loaded.torn {
            writer.file.set_len(at).map_err(|e| e.to_string())?;
        } else if loaded.needs_newline {
            writer.file.write_all(b"\n").map_err(|e| e.to_string())?;
        }
        Ok(writer)
    }

    /// Appends `record` as one line, in one write, so a crash leaves at most that line torn.
    pub fn append(&mut self, record: &Record) -> io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.flush()
    }

    /// Makes what was appended durable (at the end of a run).
    pub fn sync(&mut self) -> io::Result<()> {
        self.file.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

    fn record(id: &str, outcome: Outcome) -> Record {
        Record {
            id: id.to_owned(),
            by: By::ProfileId,
            outcome,
            status: Some(204),
            request_id: Some("r-1".to_owned()),
            error: None,
            at: now(),
        }
    }

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("adapty-cli-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::remove_file(&path).ok();
        path
    }

    #[test]
    fn the_line_format_is_the_documented_one() {
        let mut r = record(A, Outcome::Deleted);
        r.at = "2025-01-15T10:30:00.123Z".to_owned();
        assert_eq!(
            serde_json::to_string(&r).expect("json"),
            format!(
                r#"{{"id":"{A}","by":"profile_id","outcome":"deleted","status":204,"request_id":"r-1","error":null,"at":"2025-01-15T10:30:00.123Z"}}"#
            )
        );
        assert!(now().ends_with('Z') && now().len() == "2025-01-15T10:30:00.123Z".len());
    }

    #[test]
    fn done_ids_failed_ids_and_a_torn_last_line() {
        let upper = A.to_uppercase();
        let mut text = String::new();
        for r in [
            record(&upper, Outcome::Deleted),
            record("b", Outcome::Failed),
            record("c", Outcome::NotFound),
        ] {
            text.push_str(&serde_json::to_string(&r).expect("json"));
            text.push('\n');
        }
        let whole = text.len() as u64;
        text.push_str(r#"{"id":"d","by":"prof"#);
        let loaded = read(text.as_bytes()).expect("a journal");
        assert_eq!(loaded.records, 3);
        assert!(loaded.is_done(By::ProfileId, A), "normalized");
        assert!(loaded.is_done(By::ProfileId, "c"));
        assert!(!loaded.is_done(By::ProfileId, "b"), "failed: tried again");
        assert!(
            !loaded.is_done(By::CustomerUserId, "c"),
            "another kind of ID"
        );
        assert_eq!(loaded.torn, Some((4, whole)));
    }

    #[test]
    fn a_bad_line_before_the_last_is_not_a_journal() {
        let good = serde_json::to_string(&record(A, Outcome::Deleted)).expect("json");
        let error = read(format!("{good}\nnot json\n{good}\n").as_bytes()).expect_err("bad");
        assert!(
            error.to_string().starts_with("2: not a journal record"),
            "{error}"
        );
        assert!(
            read(format!("{good}\n\n{good}").as_bytes()).is_ok(),
            "blank lines are fine"
        );
    }

    #[test]
    fn appending_after_a_torn_line_cuts_it_off_and_the_lock_excludes_a_second_writer() {
        let path = temp("torn.jsonl");
        let good = serde_json::to_string(&record(A, Outcome::Deleted)).expect("json");
        std::fs::write(&path, format!("{good}\n{{\"id\":\"x")).expect("write");
        let loaded = load(&path).expect("journal");
        assert_eq!(loaded.torn.map(|t| t.0), Some(2));
        let mut writer = Writer::open(&path, &loaded).expect("open");
        assert_eq!(
            Writer::open(&path, &Loaded::default()).expect_err("locked"),
            "another run is using it"
        );
        writer
            .append(&record("b", Outcome::Failed))
            .expect("append");
        writer.sync().expect("sync");
        drop(writer);
        let again = load(&path).expect("journal");
        assert_eq!((again.records, again.torn), (2, None));

        // A last record without its line break gets one before the next.
        std::fs::write(&path, &good).expect("write");
        let loaded = load(&path).expect("journal");
        assert!(loaded.needs_newline);
        Writer::open(&path, &loaded)
            .expect("open")
            .append(&record("c", Outcome::Deleted))
            .expect("append");
        assert_eq!(load(&path).expect("journal").records, 2);
        assert_eq!(load(&temp("absent.jsonl")).expect("empty").records, 0);
    }
}
