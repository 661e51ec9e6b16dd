//! Reading the IDs of a bulk run: one per line, or a column of a CSV file.
//!
//! Bad lines (not an ID, a duplicate, a row without the column) become [`Problem`]s with their
//! line number; they never stop the valid lines. Only what makes the whole input unusable (it
//! cannot be read, the header has no such column) is an error.

use std::collections::HashMap;
use std::fmt;

use adapty_api::ProfileSelector;

use crate::cli::By;

/// One valid, first-seen ID of the input.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The line it is on (from 1; for CSV, the line its record starts on).
    pub line: u64,
    /// The ID as the journal writes it: a profile ID as a lowercase hyphenated UUID, a customer
    /// user ID as given.
    pub id: String,
    /// The profile it names.
    pub selector: ProfileSelector,
}

/// A line that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The line (from 1).
    pub line: u64,
    /// Invalid or a duplicate.
    pub kind: ProblemKind,
    /// What is wrong, for the user.
    pub message: String,
}

/// The two kinds of skipped line the summary counts apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// Not an ID of the kind `--by` says, a CSV row without the column, or unreadable text.
    Invalid,
    /// An ID seen on an earlier line.
    Duplicate,
}

/// What an input held.
#[derive(Debug, Default)]
pub struct Input {
    /// The valid IDs, each once, in file order.
    pub entries: Vec<Entry>,
    /// The skipped lines, in file order.
    pub problems: Vec<Problem>,
}

impl Input {
    /// How many lines were invalid.
    pub fn invalid(&self) -> u64 {
        self.count(ProblemKind::Invalid)
    }

    /// How many lines repeated an earlier ID.
    pub fn duplicates(&self) -> u64 {
        self.count(ProblemKind::Duplicate)
    }

    fn count(&self, kind: ProblemKind) -> u64 {
        self.problems.iter().filter(|p| p.kind == kind).count() as u64
    }
}

/// Why an input cannot be used at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    /// The CSV header has no column of that name.
    NoColumn {
        /// The header's line.
        line: u64,
        /// The name asked for.
        column: String,
        /// The header's columns.
        found: Vec<String>,
    },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::NoColumn {
                line,
                column,
                found,
            } => write!(
                f,
                "{line}: the header has no column {column:?} (its columns: {})",
                found
                    .iter()
                    .map(|c| format!("{c:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Reads IDs of kind `by` from `bytes`: one per line, or, with `column`, the column of that name
/// of a CSV file with a header row. Blank lines and lines starting with `#` are skipped.
pub fn parse(bytes: &[u8], by: By, column: Option<&str>) -> Result<Input, InputError> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut ids = Ids::new(by);
    match column {
        None => {
            for (at, raw) in bytes.split(|&b| b == b'\n').enumerate() {
                let line = at as u64 + 1;
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                match std::str::from_utf8(raw) {
                    Ok(text) => {
                        let text = text.trim();
                        if !text.is_empty() && !text.starts_with('#') {
                            ids.accept(line, text);
                        }
                    }
                    Err(_) => ids.invalid(line, "not UTF-8 text".to_owned()),
                }
            }
        }
        Some(column) => {
            let mut records = Csv::new(bytes);
            let Some(header) = records.next() else {
                return Ok(ids.input);
            };
            let names: Vec<String> = header
                .fields
                .iter()
                .map(|f| String::from_utf8_lossy(f).trim().to_owned())
                .collect();
            let Some(at) = names.iter().position(|name| name == column) else {
                return Err(InputError::NoColumn {
                    line: header.line,
                    column: column.to_owned(),
                    found: names,
                });
            };
            for record in records {
                if let Some(error) = record.error {
                    ids.invalid(record.line, error.to_owned());
                    continue;
                }
                let Some(field) = record.fields.get(at) else {
                    ids.invalid(
                        record.line,
                        format!(
                            "no {column:?} field: the row has {} field{}, the header {}",
                            record.fields.len(),
                            if record.fields.len() == 1 { "" } else { "s" },
                            names.len()
                        ),
                    );
                    continue;
                };
                match std::str::from_utf8(field) {
                    Ok(text) if text.trim().is_empty() => {
                        ids.invalid(record.line, format!("the {column:?} field is empty"));
                    }
                    Ok(text) => ids.accept(record.line, text.trim()),
                    Err(_) => ids.invalid(
                        record.line,
                        format!("the {column:?} field is not UTF-8 text"),
                    ),
                }
            }
        }
    }
    Ok(ids.input)
}

/// The IDs accepted so far, and where each was first seen.
struct Ids {
    by: By,
    seen: HashMap<String, u64>,
    input: Input,
}

impl Ids {
    fn new(by: By) -> Self {
        Self {
            by,
            seen: HashMap::new(),
            input: Input::default(),
        }
    }

    fn accept(&mut self, line: u64, text: &str) {
        let parsed = match self.by {
            By::ProfileId => ProfileSelector::parse_profile_id(text).map(|selector| {
                let id = match &selector {
                    ProfileSelector::ProfileId(uuid) => uuid.hyphenated().to_string(),
                    _ => text.to_owned(),
                };
                (id, selector)
            }),
            By::CustomerUserId => {
                ProfileSelector::customer_user_id(text).map(|selector| (text.to_owned(), selector))
            }
        };
        match parsed {
            Err(error) => self.invalid(line, error.to_string()),
            Ok((id, selector)) => match self.seen.get(&id) {
                Some(first) => self.input.problems.push(Problem {
                    line,
                    kind: ProblemKind::Duplicate,
                    message: format!("duplicate of line {first}"),
                }),
                None => {
                    self.seen.insert(id.clone(), line);
                    self.input.entries.push(Entry { line, id, selector });
                }
            },
        }
    }

    fn invalid(&mut self, line: u64, message: String) {
        self.input.problems.push(Problem {
            line,
            kind: ProblemKind::Invalid,
            message,
        });
    }
}

/// One CSV record: the line it starts on, its fields, or why it is malformed.
#[derive(Debug)]
struct Record {
    line: u64,
    fields: Vec<Vec<u8>>,
    error: Option<&'static str>,
}

/// An RFC 4180 reader: fields separated by `,`, records by a line break (`\n` or `\r\n`); a field
/// in double quotes may hold commas, line breaks and doubled quotes (`""`). Blank lines and lines
/// starting with `#` between records are skipped.
struct Csv<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> Csv<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            at: 0,
            line: 1,
        }
    }

    /// The rest of the current physical line (without its line break).
    fn rest_of_line(&self) -> &'a [u8] {
        let rest = &self.bytes[self.at..];
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        &rest[..end]
    }

    /// Moves past the current physical line.
    fn skip_line(&mut self) {
        let len = self.rest_of_line().len();
        self.at += len;
        if self.at < self.bytes.len() {
            self.at += 1;
            self.line += 1;
        }
    }
}

impl Iterator for Csv<'_> {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        // Skip blank and comment lines.
        loop {
            if self.at >= self.bytes.len() {
                return None;
            }
            let line = self.rest_of_line();
            let text = line.trim_ascii();
            if text.is_empty() || text.starts_with(b"#") {
                self.skip_line();
            } else {
                break;
            }
        }
        let mut record = Record {
            line: self.line,
            fields: Vec::new(),
            error: None,
        };
        let mut field = Vec::new();
        loop {
            // At the start of a field.
            if self.bytes.get(self.at) == Some(&b'"') {
                self.at += 1;
                loop {
                    match self.bytes.get(self.at) {
                        None => {
                            record.error = Some("a quoted field is not closed");
                            record.fields.push(std::mem::take(&mut field));
                            return Some(record);
                        }
                        Some(b'"') if self.bytes.get(self.at + 1) == Some(&b'"') => {
                            field.push(b'"');
                            self.at += 2;
                        }
                        Some(b'"') => {
                            self.at += 1;
                            break;
                        }
                        Some(&b) => {
                            if b == b'\n' {
                                self.line += 1;
                            }
                            field.push(b);
                            self.at += 1;
                        }
                    }
                }
                // After the closing quote: a separator or the end of the record.
                match self.bytes.get(self.at) {
                    None | Some(b',' | b'\n') => {}
                    Some(b'\r') if matches!(self.bytes.get(self.at + 1), None | Some(b'\n')) => {
                        self.at += 1;
                    }
                    Some(_) => {
                        record.error = Some("text after a closing quote");
                        // Resynchronise at the next separator or line break.
                        while !matches!(self.bytes.get(self.at), None | Some(b',' | b'\n')) {
                            self.at += 1;
                        }
                    }
                }
            } else {
                while let Some(&b) = self.bytes.get(self.at) {
                    if b == b',' || b == b'\n' {
                        break;
                    }
                    field.push(b);
                    self.at += 1;
                }
                if field.last() == Some(&b'\r') && self.bytes.get(self.at) != Some(&b',') {
                    field.pop();
                }
            }
            record.fields.push(std::mem::take(&mut field));
            match self.bytes.get(self.at) {
                Some(b',') => self.at += 1,
                Some(_) => {
                    // A line break ends the record.
                    self.at += 1;
                    self.line += 1;
                    return Some(record);
                }
                None => return Some(record),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    const B: &str = "00000000-0000-4000-8000-000000000002";

    fn lines(problems: &[Problem]) -> Vec<(u64, ProblemKind)> {
        problems.iter().map(|p| (p.line, p.kind)).collect()
    }

    #[test]
    fn one_id_per_line_with_comments_blanks_and_bad_lines() {
        let text = format!(
            "# IDs to delete\n{A}\n\n  {}  \r\nnot-a-uuid\n{B}\n3FA85F64-5717-4562-B3FC-2C963F66AFA6\n",
            B.replace('-', "")
        );
        let input = parse(text.as_bytes(), By::ProfileId, None).expect("readable");
        let ids: Vec<_> = input
            .entries
            .iter()
            .map(|e| (e.line, e.id.as_str()))
            .collect();
        assert_eq!(ids, [(2, A), (4, B)]);
        assert_eq!(
            lines(&input.problems),
            [
                (5, ProblemKind::Invalid),
                (6, ProblemKind::Duplicate),
                (7, ProblemKind::Duplicate)
            ]
        );
        assert_eq!(input.problems[1].message, "duplicate of line 4");
        assert!(input.problems[0].message.contains("profile_id"));
        assert_eq!((input.invalid(), input.duplicates()), (1, 2));
    }

    #[test]
    fn customer_user_ids_a_header_cannot_carry_are_invalid() {
        let input = parse(
            "user-1\nюзер\nuser 2\nuser-1\n\u{1}x\n".as_bytes(),
            By::CustomerUserId,
            None,
        )
        .expect("readable");
        let ids: Vec<_> = input.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["user-1", "user 2"]);
        assert_eq!(
            lines(&input.problems),
            [
                (2, ProblemKind::Invalid),
                (4, ProblemKind::Duplicate),
                (5, ProblemKind::Invalid)
            ]
        );
    }

    #[test]
    fn non_utf8_lines_are_reported_not_fatal() {
        let mut bytes = format!("{A}\n").into_bytes();
        bytes.extend_from_slice(b"\xff\xfe\n");
        bytes.extend_from_slice(B.as_bytes());
        let input = parse(&bytes, By::ProfileId, None).expect("readable");
        assert_eq!(input.entries.len(), 2);
        assert_eq!(lines(&input.problems), [(2, ProblemKind::Invalid)]);
    }

    #[test]
    fn csv_with_quotes_commas_and_line_breaks_in_fields() {
        let text = "\u{feff}name,\"user id\",note\r\n\
                    \"Doe, Jane\",jane-1,\"said \"\"hi\"\"\"\r\n\
                    # a comment\n\
                    \n\
                    \"multi\nline\",\"bob-2\",x\n\
                    short\n\
                    empty,,x\n\
                    q,\"bad\"x,y\n\
                    z,jane-1,dup\n\
                    last,\"carol-3\"";
        let input = parse(text.as_bytes(), By::CustomerUserId, Some("user id")).expect("csv");
        let ids: Vec<_> = input
            .entries
            .iter()
            .map(|e| (e.line, e.id.as_str()))
            .collect();
        assert_eq!(ids, [(2, "jane-1"), (5, "bob-2"), (11, "carol-3")]);
        assert_eq!(
            lines(&input.problems),
            [
                (7, ProblemKind::Invalid),
                (8, ProblemKind::Invalid),
                (9, ProblemKind::Invalid),
                (10, ProblemKind::Duplicate)
            ]
        );
        assert!(input.problems[0].message.contains("the row has 1 field,"));
        assert!(input.problems[1].message.contains("empty"));
        assert_eq!(input.problems[2].message, "text after a closing quote");
        assert_eq!(input.problems[3].message, "duplicate of line 2");
    }

    #[test]
    fn csv_unclosed_quote_and_missing_column() {
        let input = parse(
            b"id\nok-1\n\"open\nstill open",
            By::CustomerUserId,
            Some("id"),
        )
        .expect("csv");
        assert_eq!(input.entries.len(), 1);
        assert_eq!(input.problems[0].line, 3);
        assert_eq!(input.problems[0].message, "a quoted field is not closed");

        let error = parse(
            b"# header next\nuser,other\nx,y\n",
            By::CustomerUserId,
            Some("id"),
        )
        .expect_err("no column");
        assert_eq!(
            error.to_string(),
            "2: the header has no column \"id\" (its columns: \"user\", \"other\")"
        );
        assert!(
            parse(b"", By::ProfileId, Some("id"))
                .expect("empty")
                .entries
                .is_empty()
        );
    }
}
