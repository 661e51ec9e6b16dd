//! [`Timestamp`]: a point in time as Adapty writes it.
//!
//! It replaces the spec's `Timestamp` schema (see `xtask/src/lib.rs`). Adapty's datetimes are not
//! all RFC 3339: the documented v1 form is `2022-10-12T09:42:50.000000+0000` (an offset without a
//! colon), beside `+00:00` and `Z`. The spec states that with a pattern instead of
//! `format: date-time`; this type reads every form the pattern admits.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time read from Adapty, in UTC.
///
/// Reads ISO 8601 datetimes with an offset, with or without fractional seconds, and with the
/// offset as `Z`, `+HH:MM` or `+HHMM` (`2022-10-12T09:42:50.000000+0000`,
/// `2024-12-24T10:50:23+00:00`, `2022-10-12T09:42:50Z`). It derefs to [`chrono::DateTime<Utc>`]
/// and writes RFC 3339 (`2022-10-12T09:42:50Z`), keeping every fractional digit it holds, so
/// writing and reading again gives the same instant.
///
/// ```
/// use adapty_api::Timestamp;
///
/// let adapty: Timestamp = serde_json::from_str(r#""2022-10-12T12:42:50.000000+0300""#)?;
/// let rfc: Timestamp = "2022-10-12T09:42:50Z".parse()?;
/// assert_eq!(adapty, rfc);
/// assert_eq!(adapty.to_string(), "2022-10-12T09:42:50Z");
/// assert_eq!(adapty.timestamp(), 1_665_567_770); // chrono's methods through Deref
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

/// The forms [`Timestamp`] reads, as a regular expression (the spec's `Timestamp` pattern: a test
/// compares the two): ISO 8601 with optional fractional seconds and a `Z`, `+HH:MM` or `+HHMM`
/// offset.
pub const TIMESTAMP_PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:?[0-9]{2})$";

impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "pattern": TIMESTAMP_PATTERN })
    }
}

impl Timestamp {
    /// The instant as a chrono value.
    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.0
    }

    /// Now, from the system clock.
    pub fn now() -> Self {
        Self(DateTime::<Utc>::from(std::time::SystemTime::now()))
    }

    /// `duration` later (earlier when negative); `None` past chrono's range.
    ///
    /// ```
    /// use adapty_api::Timestamp;
    /// use adapty_api::chrono::Duration;
    ///
    /// let start: Timestamp = "2024-01-01T00:00:00Z".parse()?;
    /// assert_eq!(start.plus(Duration::days(30)).map(|t| t.to_string()), Some("2024-01-31T00:00:00Z".to_owned()));
    /// # Ok::<(), adapty_api::TimestampError>(())
    /// ```
    pub fn plus(&self, duration: chrono::Duration) -> Option<Self> {
        self.0.checked_add_signed(duration).map(Self)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Self(value)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(value: Timestamp) -> Self {
        value.0
    }
}

impl Deref for Timestamp {
    type Target = DateTime<Utc>;

    fn deref(&self) -> &DateTime<Utc> {
        &self.0
    }
}

/// Why a text is not a [`Timestamp`]. The text itself is not repeated: it may be personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a datetime like 2022-10-12T09:42:50.000000+0000 or 2022-10-12T09:42:50Z ({len} characters)"
)]
pub struct TimestampError {
    len: usize,
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(text: &str) -> Result<Self, TimestampError> {
        if let Some(fast) = parse_fast(text.as_bytes()) {
            return Ok(Self(fast));
        }
        // chrono's relaxed RFC 3339 parser: it takes `+0000` as well as `+00:00` and `Z`, and the
        // rarer forms the fast path leaves to it (leap seconds, more than nine fractional digits).
        text.parse::<DateTime<Utc>>()
            .map(Self)
            .map_err(|_| TimestampError {
                len: text.chars().count(),
            })
    }
}

/// Reads exactly the forms of [`TIMESTAMP_PATTERN`] (`YYYY-MM-DDTHH:MM:SS`, up to nine fractional
/// digits, `Z`, `±HH:MM` or `±HHMM`) without chrono's general parser, giving the instant chrono's
/// parser gives. Anything else, and any value it would have to judge (an invalid date or time, a
/// leap second, an offset of a day or more), is left to chrono: `None`.
fn parse_fast(text: &[u8]) -> Option<DateTime<Utc>> {
    use chrono::{NaiveDate, TimeDelta};

    fn digits(bytes: &[u8]) -> Option<u32> {
        bytes.iter().try_fold(0u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    }

    if text.len() < 20 || text[4] != b'-' || text[7] != b'-' || text[10] != b'T' {
        return None;
    }
    if text[13] != b':' || text[16] != b':' {
        return None;
    }
    let year = i32::try_from(digits(&text[0..4])?).ok()?;
    let month = digits(&text[5..7])?;
    let day = digits(&text[8..10])?;
    let hour = digits(&text[11..13])?;
    let minute = digits(&text[14..16])?;
    let second = digits(&text[17..19])?;
    let mut rest = &text[19..];
    let mut nanos = 0u32;
    if let [b'.', tail @ ..] = rest {
        let count = tail.iter().take_while(|b| b.is_ascii_digit()).count();
        if count == 0 || count > 9 {
            return None;
        }
        nanos = digits(&tail[..count])? * 10u32.pow(9 - u32::try_from(count).ok()?);
        rest = &tail[count..];
    }
    let offset_seconds: i64 = match rest {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let hours = i64::from(digits(&[*h1, *h2])?);
            let minutes = i64::from(digits(&[*m1, *m2])?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = hours * 3600 + minutes * 60;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    // A leap second (`:60`) and out-of-range fields are chrono's to judge.
    let local =
        NaiveDate::from_ymd_opt(year, month, day)?.and_hms_nano_opt(hour, minute, second, nanos)?;
    let utc = local.checked_sub_signed(TimeDelta::seconds(offset_seconds))?;
    Some(utc.and_utc())
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a datetime like 2022-10-12T09:42:50.000000+0000")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
                text.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_form_reads_and_writing_keeps_the_instant() {
        let utc: Timestamp = "2022-10-12T09:42:50Z".parse().unwrap();
        for form in [
            "2022-10-12T09:42:50.000000+0000",
            "2022-10-12T09:42:50+0000",
            "2022-10-12T09:42:50+00:00",
            "2022-10-12T12:42:50.000000+0300",
            "2022-10-12T04:12:50-05:30",
        ] {
            assert_eq!(form.parse::<Timestamp>().unwrap(), utc, "{form}");
        }
        for form in [
            "2022-10-12T09:42:50.123456+00:00",
            "2022-10-12T09:42:50.5Z",
            "2022-10-12T09:42:50.123456789Z",
        ] {
            let read: Timestamp = form.parse().unwrap();
            let again: Timestamp = read.to_string().parse().unwrap();
            assert_eq!(read, again, "{form}");
        }
    }

    /// Every form the pattern admits reads (the pattern is what the spec promises).
    #[test]
    fn what_the_pattern_admits_reads() {
        let pattern = regress::Regex::new(TIMESTAMP_PATTERN).unwrap();
        for form in [
            "2022-10-12T09:42:50.000000+0000",
            "2022-10-12T09:42:50+0000",
            "2022-10-12T09:42:50+00:00",
            "2022-10-12T09:42:50Z",
            "2022-10-12T09:42:50.5Z",
            "2022-10-12T09:42:50.123456789-05:30",
            "2022-10-12T09:42:50-0530",
        ] {
            assert!(pattern.find(form).is_some(), "{form} should match");
            assert!(form.parse::<Timestamp>().is_ok(), "{form} should read");
        }
        for not in ["2022-10-12T09:42:50", "2022-10-12 09:42:50Z", "2022-10-12"] {
            assert!(pattern.find(not).is_none(), "{not} should not match");
        }
    }

    /// The fast path gives exactly what chrono's parser gives, for every form it takes, and
    /// declines everything else: a deterministic sweep over each field's edge values.
    #[test]
    fn the_fast_path_agrees_with_chrono() {
        let dates = [
            "2022-10-12",
            "2024-02-29",
            "2023-02-29",
            "0001-01-01",
            "9999-12-31",
            "2022-13-01",
            "2022-00-10",
            "2022-04-31",
        ];
        let times = [
            "09:42:50", "00:00:00", "23:59:59", "23:59:60", "24:00:00", "12:60:00", "12:00:61",
        ];
        let fractions = [
            "",
            ".0",
            ".5",
            ".000000",
            ".123456",
            ".123456789",
            ".1234567891",
            ".",
        ];
        let offsets = [
            "Z", "+0000", "+00:00", "-0530", "-05:30", "+2359", "+23:59", "+2400", "-0060",
            "+05:3", "z", "",
        ];
        let mut fast = 0;
        for date in dates {
            for time in times {
                for fraction in fractions {
                    for offset in offsets {
                        let text = format!("{date}T{time}{fraction}{offset}");
                        let chrono = text.parse::<DateTime<Utc>>().ok();
                        match parse_fast(text.as_bytes()) {
                            Some(value) => {
                                fast += 1;
                                assert_eq!(Some(value), chrono, "{text}");
                            }
                            None => {
                                // Declined: `from_str` falls back to chrono, whose answer stands.
                                let read = text.parse::<Timestamp>().ok().map(|t| t.0);
                                assert_eq!(read, chrono, "{text}");
                            }
                        }
                    }
                }
            }
        }
        assert!(fast > 400, "the fast path took only {fast} forms");
        // Adapty's documented form takes the fast path.
        assert!(parse_fast(b"2022-10-12T09:42:50.000000+0000").is_some());
    }

    #[test]
    fn a_bad_text_is_refused_without_repeating_it() {
        for bad in ["1999-01-01", "yesterday", "1999-01-01T00:00:00", ""] {
            let error = bad.parse::<Timestamp>().unwrap_err().to_string();
            assert!(bad.is_empty() || !error.contains(bad), "{error}");
        }
        assert!(serde_json::from_str::<Timestamp>("0").is_err());
    }
}
