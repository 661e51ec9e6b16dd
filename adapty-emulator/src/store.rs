//! Profiles in memory, indexed by profile ID and by customer user ID. Every operation takes the
//! lock once and does all of its reads and writes under it, so concurrent requests see each other's
//! changes whole and no update is lost.

use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::SystemTime;

use adapty_api::v1::facts;
use chrono::NaiveDate;
use serde::Serialize;
use serde::ser::SerializeMap;
use uuid::Uuid;

use crate::error::ApiFailure;
use crate::request::{AttributeValue, MAX_CUSTOM_ATTRIBUTES, ProfilePatch};

/// One stored profile.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Profile {
    pub(crate) profile_id: Uuid,
    pub(crate) customer_user_id: Option<String>,
    pub(crate) total_revenue_usd: f64,
    /// The request's nullable text fields (`facts::PROFILE_REQUEST_NULLABLE_TEXT`), by name.
    text: BTreeMap<&'static str, String>,
    gender: Option<String>,
    birthday: Option<NaiveDate>,
    ip_country: Option<String>,
    analytics_disabled: Option<bool>,
    device_id: Option<String>,
    /// The device's nullable text fields (`installation_meta`), by name.
    device: BTreeMap<&'static str, String>,
    /// In the order they were first set.
    custom_attributes: Vec<(String, AttributeValue)>,
    /// Purchases, in v1's shapes (seeded and checked by [`crate::purchases::checked`], or made by
    /// the v2 purchase operations); v2 answers convert them (`crate::v2::view`).
    pub(crate) access_levels: Vec<serde_json::Value>,
    pub(crate) subscriptions: Vec<serde_json::Value>,
    pub(crate) non_subscriptions: Vec<serde_json::Value>,
    /// What only v2 reads and writes.
    pub(crate) v2: V2State,
}

/// An answer kept to be replayed: its status and its body, byte for byte.
pub(crate) type StoredAnswer = (u16, Vec<u8>);

/// The state of a profile that only the v2 operations reach.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct V2State {
    /// Integration identifiers set (`setIntegrationIdentifiers`), by name.
    pub(crate) integration_identifiers: BTreeMap<String, String>,
    /// Refund Saver: the data-sharing consent, if set.
    pub(crate) refund_consent: Option<bool>,
    /// Refund Saver: the refund preference, if set.
    pub(crate) refund_preference: Option<String>,
    /// Virtual currency balances, by currency code (a code absent has balance 0).
    pub(crate) balances: BTreeMap<String, i64>,
    /// Virtual currency transactions, oldest first, as served (`VirtualCurrencyTransaction`).
    pub(crate) currency_transactions: Vec<serde_json::Value>,
    /// Idempotency keys of virtual currency transactions: the answer to replay (its status and
    /// body, byte for byte as first sent), or `None` while the first request with the key is
    /// being processed; with when it was first seen.
    pub(crate) idempotency: HashMap<Uuid, (std::time::Instant, Option<StoredAnswer>)>,
    /// The transactions the v2 purchase operations recorded (set transaction, Stripe, Paddle), by
    /// store transaction ID: what `crate::v2::purchases` needs to tell an update from a new
    /// transaction (written and read only there).
    pub(crate) transactions: BTreeMap<String, serde_json::Value>,
    /// The v2 request fields v1 does not have (`ip_v4_address`, `store_account_token`,
    /// `att_status`, ...), as last sent, by name.
    pub(crate) extra: BTreeMap<String, serde_json::Value>,
}

impl Profile {
    /// A new empty profile.
    pub(crate) fn new(profile_id: Uuid, customer_user_id: Option<String>) -> Self {
        Self {
            profile_id,
            customer_user_id,
            total_revenue_usd: 0.0,
            text: BTreeMap::new(),
            gender: None,
            birthday: None,
            ip_country: None,
            analytics_disabled: None,
            device_id: None,
            device: BTreeMap::new(),
            custom_attributes: Vec::new(),
            access_levels: Vec::new(),
            subscriptions: Vec::new(),
            non_subscriptions: Vec::new(),
            v2: V2State::default(),
        }
    }

    /// Applies a checked request body: sent fields replace, `null` clears, custom attributes are
    /// merged by key (a `null` or empty value deletes one). Nothing changes if the result would
    /// hold more custom attributes than allowed.
    pub(crate) fn apply(&mut self, patch: ProfilePatch) -> Result<(), ApiFailure> {
        let mut attributes = self.custom_attributes.clone();
        for (key, value) in patch.custom_attributes {
            let at = attributes.iter().position(|(k, _)| *k == key);
            match (at, value) {
                (Some(at), Some(value)) => attributes[at].1 = value,
                (Some(at), None) => {
                    attributes.remove(at);
                }
                (None, Some(value)) => attributes.push((key, value)),
                (None, None) => {}
            }
        }
        if attributes.len() > MAX_CUSTOM_ATTRIBUTES {
            return Err(ApiFailure::validation(vec![(
                "custom_attributes".to_owned(),
                format!(
                    "The profile would have {} custom attributes; at most {MAX_CUSTOM_ATTRIBUTES} are allowed.",
                    attributes.len()
                ),
            )]));
        }
        self.custom_attributes = attributes;
        for (field, change) in patch.text {
            change.apply_to(&mut self.text, field);
        }
        patch.gender.apply(&mut self.gender);
        patch.birthday.apply(&mut self.birthday);
        patch.ip_country.apply(&mut self.ip_country);
        patch.analytics_disabled.apply(&mut self.analytics_disabled);
        if let Some(meta) = patch.installation_meta {
            self.device_id = Some(meta.device_id);
            for (field, change) in meta.fields {
                change.apply_to(&mut self.device, field);
            }
        }
        Ok(())
    }

    /// The `data` object of a response, as the spec's `Profile`.
    pub(crate) fn view(&self, app_id: Uuid) -> ProfileView<'_> {
        ProfileView {
            app_id,
            profile: self,
        }
    }

    /// A short hex digest of the profile's attributes, standing in for Adapty's internal
    /// `segment_hash`: it changes when the attributes that segments filter on change.
    fn segment_hash(&self) -> String {
        let mut hasher = DefaultHasher::new();
        for (key, value) in &self.custom_attributes {
            key.hash(&mut hasher);
            match value {
                AttributeValue::Text(t) => t.hash(&mut hasher),
                AttributeValue::Number(n) => n.to_bits().hash(&mut hasher),
            }
        }
        (
            &self.gender,
            &self.birthday,
            self.text.get("store_country"),
            self.text.get("store"),
        )
            .hash(&mut hasher);
        format!("{:016x}", hasher.finish())
    }
}

/// Serializes a profile as the spec's `Profile`: the required fields, then the optional
/// "extended" fields that the emulator knows (so that an update can be read back).
pub(crate) struct ProfileView<'a> {
    app_id: Uuid,
    profile: &'a Profile,
}

#[derive(Serialize)]
struct Attribute<'a> {
    key: &'a str,
    value: AttributeJson<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum AttributeJson<'a> {
    Text(&'a str),
    Number(f64),
}

impl Serialize for ProfileView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.profile;
        let attributes: Vec<Attribute<'_>> = p
            .custom_attributes
            .iter()
            .map(|(key, value)| Attribute {
                key,
                value: match value {
                    AttributeValue::Text(t) => AttributeJson::Text(t),
                    AttributeValue::Number(n) => AttributeJson::Number(*n),
                },
            })
            .collect();
        let timestamp = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("app_id", &self.app_id)?;
        map.serialize_entry("profile_id", &p.profile_id)?;
        map.serialize_entry("customer_user_id", &p.customer_user_id)?;
        map.serialize_entry("total_revenue_usd", &p.total_revenue_usd)?;
        map.serialize_entry("segment_hash", &p.segment_hash())?;
        map.serialize_entry("timestamp", &timestamp)?;
        map.serialize_entry("custom_attributes", &attributes)?;
        map.serialize_entry("access_levels", &p.access_levels)?;
        map.serialize_entry("subscriptions", &p.subscriptions)?;
        map.serialize_entry("non_subscriptions", &p.non_subscriptions)?;
        // The optional "extended" fields of the spec's `Profile` that the emulator knows: those
        // named like a stored request field (text, gender, birthday, device fields).
        for &field in facts::PROFILE_PROPERTIES {
            if let Some(value) = p.text.get(field).or_else(|| p.device.get(field)) {
                map.serialize_entry(field, value)?;
            } else if facts::PROFILE_REQUEST_NULLABLE_TEXT.contains(&field)
                || facts::INSTALLATION_META_NULLABLE_TEXT.contains(&field)
            {
                map.serialize_entry(field, &())?;
            }
        }
        map.serialize_entry("gender", &p.gender)?;
        map.serialize_entry(
            "birthday",
            &p.birthday.map(|d| d.format("%Y-%m-%d").to_string()),
        )?;
        map.end()
    }
}

/// How a request names a profile: the identity headers, as sent.
#[derive(Debug, Clone, Default)]
pub(crate) struct Identity {
    /// `adapty-profile-id`: `Ok` when it is a UUID, `Err(raw)` when it is not.
    pub(crate) profile_id: Option<Result<Uuid, String>>,
    /// `adapty-customer-user-id`: `Err(())` when it is not printable ASCII.
    pub(crate) customer_user_id: Option<Result<String, ()>>,
}

/// The profiles and their customer user ID index.
#[derive(Debug, Default)]
pub(crate) struct Profiles {
    by_id: HashMap<Uuid, Profile>,
    by_customer_user_id: HashMap<String, Uuid>,
    /// Purchases every profile created through the API starts with (`--demo-purchases`).
    demo_purchases: Option<Purchases>,
}

/// A set of checked purchases, as served.
#[derive(Debug, Clone, Default)]
pub(crate) struct Purchases {
    pub(crate) access_levels: Vec<serde_json::Value>,
    pub(crate) subscriptions: Vec<serde_json::Value>,
    pub(crate) non_subscriptions: Vec<serde_json::Value>,
}

/// Which of the identity headers a 404 hint talks about.
fn lookup_hint(identity: &Identity) -> Option<String> {
    match (&identity.profile_id, &identity.customer_user_id) {
        (None, None) => Some(
            "No profile was named: send the adapty-profile-id or the adapty-customer-user-id header.".to_owned(),
        ),
        (Some(Err(raw)), _) => Some(format!("adapty-profile-id {raw:?} is not a UUID, so it names no profile.")),
        (_, Some(Err(()))) => {
            Some("adapty-customer-user-id is not printable ASCII, so it names no profile.".to_owned())
        }
        (Some(Ok(_)), Some(Ok(_))) => {
            Some("No profile has both the adapty-profile-id and the adapty-customer-user-id sent.".to_owned())
        }
        _ => None,
    }
}

impl Profiles {
    /// The profile the identity headers name: by ID, by customer user ID, or, when both are sent,
    /// the profile that has both.
    pub(crate) fn find(&self, identity: &Identity) -> Result<&Profile, ApiFailure> {
        let not_found = || ApiFailure::not_found(lookup_hint(identity));
        let by_cuid = |cuid: &str| {
            self.by_customer_user_id
                .get(cuid)
                .and_then(|id| self.by_id.get(id))
        };
        let found = match (&identity.profile_id, &identity.customer_user_id) {
            (Some(Ok(id)), None) => self.by_id.get(id),
            (None, Some(Ok(cuid))) => by_cuid(cuid),
            (Some(Ok(id)), Some(Ok(cuid))) => self
                .by_id
                .get(id)
                .filter(|p| p.customer_user_id.as_deref() == Some(cuid.as_str())),
            _ => None,
        };
        found.ok_or_else(not_found)
    }

    fn find_id(&self, identity: &Identity) -> Result<Uuid, ApiFailure> {
        self.find(identity).map(|p| p.profile_id)
    }

    /// Looks a profile up by its ID.
    pub(crate) fn get(&self, id: &Uuid) -> Option<&Profile> {
        self.by_id.get(id)
    }

    /// Looks a profile up by its ID, to change it in place.
    pub(crate) fn get_mut(&mut self, id: &Uuid) -> Option<&mut Profile> {
        self.by_id.get_mut(id)
    }

    /// The profile the identity headers name, to change it in place.
    pub(crate) fn find_mut(&mut self, identity: &Identity) -> Result<&mut Profile, ApiFailure> {
        let id = self.find_id(identity)?;
        self.by_id
            .get_mut(&id)
            .ok_or_else(|| ApiFailure::not_found(None))
    }

    /// The profile of `customer_user_id`, created (anonymous attributes, no purchases) when there
    /// is none: what the Stripe and Paddle imports do.
    pub(crate) fn find_or_create(&mut self, customer_user_id: &str) -> &mut Profile {
        let id = match self.by_customer_user_id.get(customer_user_id) {
            Some(id) => *id,
            None => self.insert(Profile::new(
                Uuid::new_v4(),
                Some(customer_user_id.to_owned()),
            )),
        };
        self.by_id
            .entry(id)
            .or_insert_with(|| Profile::new(id, Some(customer_user_id.to_owned())))
    }

    /// The number of stored profiles.
    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// The create operation: see the crate README for what each combination of headers does.
    pub(crate) fn create(
        &mut self,
        identity: &Identity,
        patch: ProfilePatch,
    ) -> Result<&Profile, ApiFailure> {
        let cuid = match &identity.customer_user_id {
            None => None,
            Some(Ok(cuid)) if cuid.is_empty() => {
                return Err(taken_or_bad("The customer user ID must not be empty."));
            }
            Some(Ok(cuid)) => Some(cuid.clone()),
            Some(Err(())) => {
                return Err(taken_or_bad(
                    "The customer user ID must be printable ASCII.",
                ));
            }
        };
        let id = match (&identity.profile_id, cuid) {
            // A new profile, anonymous or with the customer user ID.
            (None, cuid) => {
                if let Some(cuid) = &cuid {
                    self.ensure_free(cuid, None)?;
                }
                let mut profile = Profile::new(Uuid::new_v4(), cuid);
                profile.apply(patch)?;
                if let Some(demo) = &self.demo_purchases {
                    profile.access_levels = demo.access_levels.clone();
                    profile.subscriptions = demo.subscriptions.clone();
                    profile.non_subscriptions = demo.non_subscriptions.clone();
                }
                self.insert(profile)
            }
            // Attach the customer user ID to the existing profile (documented by Adapty).
            (Some(_), Some(cuid)) => {
                let id = self.find_id(&Identity {
                    profile_id: identity.profile_id.clone(),
                    customer_user_id: None,
                })?;
                self.ensure_free(&cuid, Some(id))?;
                let mut profile = self.by_id[&id].clone();
                match &profile.customer_user_id {
                    Some(existing) if *existing != cuid => {
                        return Err(ApiFailure::validation(vec![(
                            "adapty-customer-user-id".to_owned(),
                            format!(
                                "The profile already has the customer user ID {existing:?}; a profile keeps the \
                                 one it was given."
                            ),
                        )]));
                    }
                    _ => {}
                }
                profile.customer_user_id = Some(cuid.clone());
                profile.apply(patch)?;
                self.by_customer_user_id.insert(cuid, id);
                self.by_id.insert(id, profile);
                id
            }
            // Only a profile ID: profile IDs are assigned by the emulator, so there is nothing to create.
            (Some(_), None) => {
                self.find_id(identity)?;
                return Err(ApiFailure::validation(vec![(
                    "adapty-profile-id".to_owned(),
                    "This profile already exists. To attach a customer user ID to it, also send \
                     adapty-customer-user-id; to change its attributes, send an update (PATCH)."
                        .to_owned(),
                )]));
            }
        };
        Ok(&self.by_id[&id])
    }

    /// The update operation: merges the body into the named profile, whole or not at all.
    pub(crate) fn update(
        &mut self,
        identity: &Identity,
        patch: ProfilePatch,
    ) -> Result<&Profile, ApiFailure> {
        let id = self.find_id(identity)?;
        let profile = self
            .by_id
            .get_mut(&id)
            .ok_or_else(|| ApiFailure::not_found(None))?;
        let mut updated = profile.clone();
        updated.apply(patch)?;
        *profile = updated;
        Ok(profile)
    }

    /// The delete operation.
    pub(crate) fn delete(&mut self, identity: &Identity) -> Result<(), ApiFailure> {
        let id = self.find_id(identity)?;
        if let Some(profile) = self.by_id.remove(&id)
            && let Some(cuid) = profile.customer_user_id
        {
            self.by_customer_user_id.remove(&cuid);
        }
        Ok(())
    }

    /// Stores a seeded profile; its ID and customer user ID must be free.
    pub(crate) fn seed(&mut self, profile: Profile) -> Result<Uuid, ApiFailure> {
        if self.by_id.contains_key(&profile.profile_id) {
            return Err(ApiFailure::validation(vec![(
                "profile_id".to_owned(),
                format!(
                    "A profile with the ID {} exists already.",
                    profile.profile_id
                ),
            )]));
        }
        if let Some(cuid) = &profile.customer_user_id {
            self.ensure_free(cuid, None).map_err(|_| {
                ApiFailure::validation(vec![(
                    "customer_user_id".to_owned(),
                    format!("A profile with the customer user ID {cuid:?} exists already."),
                )])
            })?;
        }
        Ok(self.insert(profile))
    }

    /// Gives every profile created from now on these purchases (`None`: none).
    pub(crate) fn set_demo_purchases(&mut self, purchases: Option<Purchases>) {
        self.demo_purchases = purchases;
    }

    /// Removes every profile.
    pub(crate) fn clear(&mut self) {
        self.by_id.clear();
        self.by_customer_user_id.clear();
    }

    fn insert(&mut self, profile: Profile) -> Uuid {
        let id = profile.profile_id;
        if let Some(cuid) = &profile.customer_user_id {
            self.by_customer_user_id.insert(cuid.clone(), id);
        }
        self.by_id.insert(id, profile);
        id
    }

    /// Fails when another profile than `owner` has the customer user ID.
    fn ensure_free(&self, cuid: &str, owner: Option<Uuid>) -> Result<(), ApiFailure> {
        match self.by_customer_user_id.get(cuid) {
            Some(holder) if Some(*holder) != owner => Err(ApiFailure::new(
                axum::http::StatusCode::BAD_REQUEST,
                "profile_already_exists",
                Some("adapty-customer-user-id"),
                vec![format!(
                    "A profile with the customer user ID {cuid:?} exists already."
                )],
            )),
            _ => Ok(()),
        }
    }
}

fn taken_or_bad(message: &str) -> ApiFailure {
    ApiFailure::validation(vec![(
        "adapty-customer-user-id".to_owned(),
        message.to_owned(),
    )])
}

/// The shared store.
#[derive(Debug, Default)]
pub(crate) struct Store(RwLock<Profiles>);

impl Store {
    /// Shared access for reads. A poisoned lock (a panic while writing) is recovered: every write
    /// replaces whole values, so the data stays consistent.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Profiles> {
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Exclusive access for writes.
    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Profiles> {
        self.0.write().unwrap_or_else(|e| e.into_inner())
    }
}
