//! Open enumerations: the spec's string enums, in a form that survives the values Adapty adds.
//!
//! A generated Rust enum is closed: one value it has not seen fails the decoding of the whole
//! profile. Each enum here (replacing the generated one, see `xtask/src/lib.rs`) has one variant per
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

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

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

            fn parse(value: Cow<'_, str>) -> Self {
                match &*value {
                    $( $value => Self::$variant, )+
                    _ => Self::Unrecognized(value.into_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = Infallible;

            /// Never fails: a value the spec does not list becomes `Unrecognized`.
            fn from_str(value: &str) -> Result<Self, Infallible> {
                Ok(Self::parse(Cow::Borrowed(value)))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::parse(Cow::Borrowed(value))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::parse(Cow::Owned(value))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = Cow::<'de, str>::deserialize(deserializer)?;
                Ok(Self::parse(value))
            }
        }

        /// The values the spec documents. Reading also keeps any other string, as
        /// `Unrecognized`.
        impl schemars::JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "string", "enum": Self::KNOWN })
            }
        }
    };
}

open_enum! {
    /// The end user's gender.
    Gender {
        /// Male.
        Male = "m",
        /// Female.
        Female = "f",
        /// Other.
        Other = "o",
    }
}

open_enum! {
    /// The kind of offer a purchase was made with.
    OfferCategory {
        /// An introductory offer.
        Introductory = "introductory",
        /// A promotional offer.
        Promotional = "promotional",
        /// An offer code.
        OfferCode = "offer_code",
        /// A win-back offer.
        WinBack = "win_back",
    }
}

open_enum! {
    /// How an offer is paid.
    OfferType {
        /// A free trial.
        FreeTrial = "free_trial",
        /// A discounted price for each period.
        PayAsYouGo = "pay_as_you_go",
        /// A discounted price paid once for several periods.
        PayUpFront = "pay_up_front",
        /// Adapty does not know the offer's type (a documented value).
        Unknown = "unknown",
    }
}

open_enum! {
    /// The store environment of a transaction.
    Environment {
        /// A test purchase.
        Sandbox = "Sandbox",
        /// A real purchase.
        Production = "Production",
    }
}

open_enum! {
    /// Why a subscription was cancelled.
    CancellationReason {
        /// The end user cancelled.
        VoluntarilyCancelled = "voluntarily_cancelled",
        /// The store could not charge.
        BillingError = "billing_error",
        /// The end user did not accept a price increase.
        PriceIncrease = "price_increase",
        /// The product was not available when the subscription renewed.
        ProductWasNotAvailable = "product_was_not_available",
        /// The purchase was refunded.
        Refund = "refund",
        /// The end user moved to another subscription.
        Upgraded = "upgraded",
        /// Adapty does not know the reason (a documented value).
        Unknown = "unknown",
        /// The developer cancelled the subscription.
        CancelledByDeveloper = "cancelled_by_developer",
        /// A new subscription replaced this one.
        NewSubscriptionReplace = "new_subscription_replace",
        /// Adapty revoked the access.
        AdaptyRevoked = "adapty_revoked",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
