//! Reading a response `Offer` in either of the shapes Adapty sends, for every version.
//!
//! The v1 response example names an offer's keys `offer_category`, `offer_type` and `offer_id`;
//! other Adapty pages (and the v2 API) name them `category`, `type` and `id`. Each spec declares
//! both, none required, so an offer of either shape (or an odd one) never fails a profile. The
//! accessors read whichever key the server used; each version invokes [`offer_accessors`] on its
//! generated `Offer`.

/// Implements `any_category`, `any_type` and `any_id` on a version's `types::Offer`.
macro_rules! offer_accessors {
    ($version:ident) => {
        impl $crate::$version::types::Offer {
            /// The kind of offer, from `offer_category` or else `category`.
            ///
            #[doc = concat!("```\nuse adapty_api::", stringify!($version), "::{OfferCategory, types::Offer};\n")]
            /// let old: Offer = serde_json::from_str(r#"{"offer_category":"introductory","offer_type":"free_trial"}"#)?;
            /// let new: Offer = serde_json::from_str(r#"{"category":"introductory","type":"free_trial","id":null}"#)?;
            /// assert_eq!(old.any_category(), Some(&OfferCategory::Introductory));
            /// assert_eq!(old.any_category(), new.any_category());
            /// assert_eq!(old.any_type(), new.any_type());
            /// # Ok::<(), serde_json::Error>(())
            /// ```
            pub fn any_category(&self) -> Option<&$crate::$version::OfferCategory> {
                self.offer_category.as_ref().or(self.category.as_ref())
            }

            /// How the offer is paid, from `offer_type` or else `type`.
            pub fn any_type(&self) -> Option<&$crate::$version::OfferType> {
                self.offer_type.as_ref().or(self.type_.as_ref())
            }

            /// The offer's ID in its store, from `offer_id` or else `id`.
            pub fn any_id(&self) -> Option<&str> {
                self.offer_id.as_deref().or(self.id.as_deref())
            }
        }
    };
}

pub(crate) use offer_accessors;
