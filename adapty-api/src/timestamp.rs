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
        // chrono's relaxed RFC 3339 parser: it takes `+0000` as well as `+00:00` and `Z`.
        text.parse::<DateTime<Utc>>()
            .map(Self)
            .map_err(|_| TimestampError {
                len: text.chars().count(),
            })
    }
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

    #[test]
    fn a_bad_text_is_refused_without_repeating_it() {
        for bad in ["1999-01-01", "yesterday", "1999-01-01T00:00:00", ""] {
            let error = bad.parse::<Timestamp>().unwrap_err().to_string();
            assert!(bad.is_empty() || !error.contains(bad), "{error}");
        }
        assert!(serde_json::from_str::<Timestamp>("0").is_err());
    }
}
