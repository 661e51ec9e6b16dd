//! Reading an [`Offer`] in either of the shapes Adapty sends.
//!
//! The v1 response example names an offer's keys `offer_category`, `offer_type` and `offer_id`;
//! other Adapty pages (and the v2 API) name them `category`, `type` and `id`. The spec declares
//! both, none required, so an offer of either shape (or an odd one) never fails a profile. These
//! methods read whichever key the server used.

use crate::v1::types::Offer;
use crate::v1::{OfferCategory, OfferType};

impl Offer {
    /// The kind of offer, from `offer_category` or else `category`.
    ///
    /// ```
    /// use adapty_api::v1::{OfferCategory, types::Offer};
    ///
    /// let v1: Offer = serde_json::from_str(r#"{"offer_category":"introductory","offer_type":"free_trial"}"#)?;
    /// let v2: Offer = serde_json::from_str(r#"{"category":"introductory","type":"free_trial","id":null}"#)?;
    /// assert_eq!(v1.any_category(), Some(&OfferCategory::Introductory));
    /// assert_eq!(v1.any_category(), v2.any_category());
    /// assert_eq!(v1.any_type(), v2.any_type());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn any_category(&self) -> Option<&OfferCategory> {
        self.offer_category.as_ref().or(self.category.as_ref())
    }

    /// How the offer is paid, from `offer_type` or else `type`.
    pub fn any_type(&self) -> Option<&OfferType> {
        self.offer_type.as_ref().or(self.type_.as_ref())
    }

    /// The offer's ID in its store, from `offer_id` or else `id`.
    pub fn any_id(&self) -> Option<&str> {
        self.offer_id.as_deref().or(self.id.as_deref())
    }
}
