//! Building v1 requests: a constructor for [`InstallationMeta`], and a [`ProfileRequest`] made
//! from what a [`Profile`] says (read-modify-write).
//!
//! The generated types are `#[non_exhaustive]` so Adapty's new fields can arrive in a minor
//! release; a request starts from `ProfileRequest::default()` (every field left unchanged) or
//! one of these, and its fields are then set one by one.

use crate::Error;
use crate::v1::Nullable;
use crate::v1::types::{CustomAttributeInput, InstallationMeta, Profile, ProfileRequest};

impl InstallationMeta {
    /// Installation details of the device `device_id` (its one required field); set the others
    /// on the value returned.
    ///
    /// ```
    /// use adapty_api::v1::types::{InstallationMeta, ProfileRequest};
    ///
    /// let mut device = InstallationMeta::new("3fa85f64-5717-4562-b3fc-2c963f66afa6");
    /// device.platform = Some("iOS".into());
    /// let mut request = ProfileRequest::default();
    /// request.installation_meta = Some(device);
    /// assert_eq!(
    ///     serde_json::to_string(&request)?,
    ///     r#"{"installation_meta":{"device_id":"3fa85f64-5717-4562-b3fc-2c963f66afa6","platform":"iOS"}}"#,
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(device_id: impl Into<String>) -> Self {
        Self {
            device_id: device_id.into(),
            advertising_id: None,
            android_app_set_id: None,
            android_id: None,
            device: None,
            idfa: None,
            idfv: None,
            locale: None,
            os: None,
            platform: None,
            timezone: None,
            user_agent: None,
        }
    }
}

/// The attributes a profile has that a request can set again: names, email, phone number,
/// gender, birthday and custom attributes. What the profile leaves unset stays out of the request
/// (unchanged), so sending it back changes nothing until you edit it.
///
/// ```
/// use adapty_api::v1::{Gender, Nullable, custom_attribute};
/// use adapty_api::v1::types::{Profile, ProfileRequest};
///
/// # fn demo(profile: &Profile) -> Result<(), adapty_api::Error> {
/// let mut changes = ProfileRequest::try_from(profile)?;
/// changes.gender = Some(Nullable::Value(Gender::Female));
/// changes.phone_number = Some(Nullable::Null); // clear it
/// changes.custom_attributes.push(custom_attribute("plan", "pro")?);
/// // client.update_profile(&who, &changes).await?;
/// # Ok(())
/// # }
/// ```
///
/// Fails only when a custom attribute Adapty returned could not be sent back (see
/// [`CustomAttributeInput`]'s `TryFrom<&CustomAttribute>`); the error names it.
impl TryFrom<&Profile> for ProfileRequest {
    type Error = Error;

    fn try_from(profile: &Profile) -> Result<Self, Error> {
        let text = |value: &Option<String>| value.clone().map(Nullable::Value);
        let custom_attributes = profile
            .custom_attributes
            .iter()
            .flatten()
            .map(CustomAttributeInput::try_from)
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Self {
            email: text(&profile.email),
            first_name: text(&profile.first_name),
            last_name: text(&profile.last_name),
            phone_number: text(&profile.phone_number),
            gender: profile.gender.clone().map(Nullable::Value),
            birthday: profile.birthday,
            custom_attributes,
            ..Self::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1::Gender;

    #[test]
    fn a_profile_reads_back_into_a_request() -> Result<(), Box<dyn std::error::Error>> {
        let profile: Profile = serde_json::from_value(serde_json::json!({
            "app_id": "a", "profile_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "customer_user_id": "user-42", "total_revenue_usd": 0.0, "segment_hash": "s",
            "timestamp": 1, "access_levels": [], "subscriptions": [], "non_subscriptions": [],
            "email": "jane@example.com", "first_name": null, "gender": "f",
            "birthday": "2000-12-31",
            "custom_attributes": [{"key": "level", "value": 3}, {"key": "sport", "value": "yoga"}],
        }))?;
        let request = ProfileRequest::try_from(&profile)?;
        assert_eq!(request.gender, Some(Nullable::Value(Gender::Female)));
        assert_eq!(
            serde_json::to_value(&request)?,
            serde_json::json!({
                "email": "jane@example.com", "gender": "f", "birthday": "2000-12-31",
                "custom_attributes": [{"key": "level", "value": 3.0}, {"key": "sport", "value": "yoga"}],
            })
        );
        Ok(())
    }
}
