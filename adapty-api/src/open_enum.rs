//! Open enumerations: the spec's string enums, in a form that survives the values Adapty adds.
//!
//! Each API version's `enums.rs` is generated from its spec (`cargo xtask generate`): one
//! `open_enum!` per enum schema, its variants named by the schema's `x-enum-varnames` (or the
//! values in UpperCamelCase) and documented by its `x-enum-descriptions`.
//!
//! A generated Rust enum is closed: one value it has not seen fails the decoding of the whole
//! profile. Each enum here (replacing the closed enum progenitor would generate) has one variant per
//! value the spec lists plus `Unrecognized(String)`, which keeps any other value and writes it back
//! unchanged, so reading a profile and sending its values on loses nothing.
//!
//! ```
//! use adapty_api::v1::Environment;
//!
//! let known: Environment = serde_json::from_str(r#""Sandbox""#)?;
//! assert_eq!(known, Environment::Sandbox);
//!
//! let new: Environment = serde_json::from_str(r#""Staging""#)?;
//! assert_eq!(new, Environment::Unrecognized("Staging".into()));
//! assert_eq!(serde_json::to_string(&new)?, r#""Staging""#);
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! The enums are `#[non_exhaustive]`: a value that is `Unrecognized` today may get its own variant
//! in a later release, so match on the variants you handle and keep a `_` arm.

/// What the shared validators need of an open enum (`crate::validate::known`).
pub(crate) trait OpenEnum {
    /// Every value the spec lists.
    fn known_values() -> &'static [&'static str];
    /// Whether this is one of them.
    fn is_known(&self) -> bool;
    /// The value as Adapty writes it.
    fn as_str(&self) -> &str;
}

/// Declares an open enum: one variant per documented value, plus `Unrecognized(String)`.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* #[doc = concat!("\n\nSent as `\"", $value, "\"`.")] $variant, )+
            /// A value this version of the crate does not know, kept as it was received.
            Unrecognized(String),
        }

        impl $name {
            /// Every value the spec lists, in its order.
            pub const KNOWN: &'static [&'static str] = &[$($value),+];

            /// The value as Adapty writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $value, )+
                    Self::Unrecognized(value) => value,
                }
            }

            /// Whether this is one of the values the spec lists.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unrecognized(_))
            }

            fn parse(value: ::std::borrow::Cow<'_, str>) -> Self {
                match &*value {
                    $( $value => Self::$variant, )+
                    _ => Self::Unrecognized(value.into_owned()),
                }
            }
        }

        impl $crate::open_enum::OpenEnum for $name {
            fn known_values() -> &'static [&'static str] {
                Self::KNOWN
            }

            fn is_known(&self) -> bool {
                $name::is_known(self)
            }

            fn as_str(&self) -> &str {
                $name::as_str(self)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            /// Never fails: a value the spec does not list becomes `Unrecognized`.
            fn from_str(value: &str) -> ::std::result::Result<Self, ::std::convert::Infallible> {
                Ok(Self::parse(::std::borrow::Cow::Borrowed(value)))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::parse(::std::borrow::Cow::Borrowed(value))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::parse(::std::borrow::Cow::Owned(value))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                // A visitor, not `Cow<str>` (whose impl always allocates): a known value is
                // matched on the borrowed text, and only an unknown one is copied.
                struct Visitor;

                impl ::serde::de::Visitor<'_> for Visitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str("a string")
                    }

                    fn visit_str<E: ::serde::de::Error>(self, value: &str) -> ::std::result::Result<$name, E> {
                        Ok($name::parse(::std::borrow::Cow::Borrowed(value)))
                    }

                    fn visit_string<E: ::serde::de::Error>(self, value: String) -> ::std::result::Result<$name, E> {
                        Ok($name::parse(::std::borrow::Cow::Owned(value)))
                    }
                }

                deserializer.deserialize_str(Visitor)
            }
        }

        /// The values the spec documents. Reading also keeps any other string, as
        /// `Unrecognized`.
        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(stringify!($name))
            }

            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({ "type": "string", "enum": Self::KNOWN })
            }
        }
    };
}

pub(crate) use open_enum;

#[cfg(test)]
mod tests {
    use crate::v1::{CancellationReason, Environment, Gender, OfferType};

    #[test]
    fn known_values_round_trip() -> Result<(), serde_json::Error> {
        for value in CancellationReason::KNOWN {
            let parsed: CancellationReason = serde_json::from_value(serde_json::json!(value))?;
            assert!(parsed.is_known(), "{value}");
            assert_eq!(serde_json::to_value(&parsed)?, serde_json::json!(value));
        }
        Ok(())
    }

    #[test]
    fn unrecognized_values_are_kept() -> Result<(), serde_json::Error> {
        let parsed: OfferType = serde_json::from_str(r#""pay_later""#)?;
        assert_eq!(parsed, OfferType::Unrecognized("pay_later".into()));
        assert!(!parsed.is_known());
        assert_eq!(serde_json::to_string(&parsed)?, r#""pay_later""#);
        // Escaped strings go through the owned path.
        let escaped: Gender = serde_json::from_str(r#""\u006d""#)?;
        assert_eq!(escaped, Gender::Male);
        assert_eq!("x".parse::<Environment>(), Ok(Environment::from("x")));
        Ok(())
    }

    #[test]
    fn a_non_string_is_an_error() {
        assert!(serde_json::from_str::<Gender>("1").is_err());
    }
}
