//! The app's catalog: what an app sets up in Adapty's dashboard and the v2 API reads (its access
//! levels, virtual currencies, products and paywalls), from a seed file.
//!
//! The format is JSON (the default is `src/catalog.json`, which makes the quickstart and the tests
//! work; `--catalog FILE` or [`crate::Emulator::catalog`] gives another):
//!
//! ```json
//! {
//!   "access_levels": ["premium"],
//!   "currencies": [{"code": "COINS", "name": "Gold Coins"}],
//!   "products": [{"product_id": "<uuid>", "title": "Premium Monthly",
//!                 "store_product_id": "premium_monthly", "product_set": "monthly",
//!                 "access_level_id": "premium"}],
//!   "paywalls": [{"paywall_id": "<uuid>", "title": "...", "state": "live", ...,
//!                 "products": [{"product_id": "<uuid>", "offer": null}], "remote_configs": []}]
//! }
//! ```
//!
//! A paywall is written as the v2 spec's `Paywall`, except that each product names a product of
//! the catalog by its ID (and its offer); the emulator fills in the product's title and product
//! set. Each served paywall is checked by decoding it into the client's type generated from the v2
//! spec, so the catalog holds no copy of the spec's schemas. A product's `access_level_id` is what
//! a transaction of it grants (`null`: none, e.g. a consumable).

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// The default catalog (`src/catalog.json`).
pub(crate) const DEFAULT: &str = include_str!("catalog.json");

/// A virtual currency of the app.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Currency {
    pub(crate) code: String,
    pub(crate) name: String,
}

/// A product of the app.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Product {
    pub(crate) product_id: Uuid,
    pub(crate) title: String,
    pub(crate) store_product_id: String,
    pub(crate) product_set: String,
    #[serde(default)]
    pub(crate) access_level_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    access_levels: Vec<String>,
    currencies: Vec<Currency>,
    products: Vec<Product>,
    paywalls: Vec<Value>,
}

/// The catalog, checked: its paywalls as served (the v2 spec's `Paywall`), which `PUT` changes.
#[derive(Debug)]
pub(crate) struct Catalog {
    pub(crate) access_levels: Vec<String>,
    pub(crate) currencies: Vec<Currency>,
    pub(crate) products: Vec<Product>,
    /// The paywalls as first loaded, for a reset.
    seeded: Vec<Value>,
    paywalls: RwLock<Vec<Value>>,
}

impl Catalog {
    /// Reads and checks a catalog; the error names what is wrong.
    pub(crate) fn parse(value: Value) -> Result<Self, String> {
        let file: File = serde_path_to_error::deserialize(value)
            .map_err(|e| format!("at {}: {}", e.path(), e.inner()))?;
        for (i, product) in file.products.iter().enumerate() {
            if let Some(level) = &product.access_level_id
                && !file.access_levels.contains(level)
            {
                return Err(format!(
                    "products[{i}]: the access level {level:?} is not in access_levels"
                ));
            }
            if file.products[..i]
                .iter()
                .any(|p| p.product_id == product.product_id)
            {
                return Err(format!("products[{i}]: the product ID appears twice"));
            }
        }
        for (i, currency) in file.currencies.iter().enumerate() {
            let valid = !currency.code.is_empty()
                && currency
                    .code
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !valid {
                return Err(format!(
                    "currencies[{i}]: a code is ASCII letters, digits and underscores"
                ));
            }
            if file.currencies[..i].iter().any(|c| c.code == currency.code) {
                return Err(format!("currencies[{i}]: the code appears twice"));
            }
        }
        let mut paywalls = Vec::new();
        for (i, paywall) in file.paywalls.into_iter().enumerate() {
            let served = serve_paywall(paywall, &file.products)
                .map_err(|e| format!("paywalls[{i}]: {e}"))?;
            if paywalls
                .iter()
                .any(|p: &Value| p["paywall_id"] == served["paywall_id"])
            {
                return Err(format!("paywalls[{i}]: the paywall ID appears twice"));
            }
            paywalls.push(served);
        }
        Ok(Self {
            access_levels: file.access_levels,
            currencies: file.currencies,
            products: file.products,
            seeded: paywalls.clone(),
            paywalls: RwLock::new(paywalls),
        })
    }

    /// The default catalog.
    pub(crate) fn default_catalog() -> Result<Self, String> {
        let value: Value =
            serde_json::from_str(DEFAULT).map_err(|e| format!("catalog.json: {e}"))?;
        Self::parse(value)
    }

    /// The product whose store product ID is `store_product_id`.
    pub(crate) fn product(&self, store_product_id: &str) -> Option<&Product> {
        self.products
            .iter()
            .find(|p| p.store_product_id == store_product_id)
    }

    /// The currency of `code`.
    pub(crate) fn currency(&self, code: &str) -> Option<&Currency> {
        self.currencies.iter().find(|c| c.code == code)
    }

    /// The paywalls, in the catalog's order, as served.
    pub(crate) fn paywalls(&self) -> RwLockReadGuard<'_, Vec<Value>> {
        self.paywalls.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The paywalls, to change one.
    pub(crate) fn paywalls_mut(&self) -> RwLockWriteGuard<'_, Vec<Value>> {
        self.paywalls.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Puts the paywalls back as loaded.
    pub(crate) fn reset(&self) {
        *self.paywalls_mut() = self.seeded.clone();
    }
}

/// A catalog paywall as served: each product reference replaced by the product (ID, title,
/// product set, offer), checked against the v2 spec's `Paywall`.
fn serve_paywall(mut paywall: Value, products: &[Product]) -> Result<Value, String> {
    let references = paywall
        .get_mut("products")
        .and_then(Value::as_array_mut)
        .ok_or("no list products")?;
    for (i, reference) in references.iter_mut().enumerate() {
        let id = reference["product_id"]
            .as_str()
            .and_then(|id| Uuid::try_parse(id).ok())
            .ok_or_else(|| format!("products[{i}]: no product_id UUID"))?;
        let product = products
            .iter()
            .find(|p| p.product_id == id)
            .ok_or_else(|| format!("products[{i}]: the product {id} is not in products"))?;
        *reference = json!({
            "product_id": product.product_id,
            "title": product.title,
            "product_set": product.product_set,
            "offer": reference.get("offer").cloned().unwrap_or(Value::Null),
        });
    }
    let typed: adapty_api::v2::types::Paywall = serde_path_to_error::deserialize(&paywall)
        .map_err(|e| format!("at {}: {}", e.path(), e.inner()))?;
    if !typed.state.is_known() {
        return Err(format!(
            "state {:?} is not a state the spec lists",
            typed.state.as_str()
        ));
    }
    if let Some(product) = typed.products.iter().find(|p| !p.product_set.is_known()) {
        return Err(format!(
            "product set {:?} is not one the spec lists",
            product.product_set.as_str()
        ));
    }
    Ok(paywall)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_catalog_is_valid() {
        let catalog = Catalog::default_catalog().unwrap();
        assert_eq!(catalog.paywalls().len(), 3);
        assert!(catalog.currency("COINS").is_some());
        assert_eq!(
            catalog
                .product("premium_monthly")
                .and_then(|p| p.access_level_id.as_deref()),
            Some("premium")
        );
    }

    #[test]
    fn bad_catalogs_are_refused_with_the_place() {
        let mut value: Value = serde_json::from_str(DEFAULT).unwrap();
        value["products"][0]["access_level_id"] = json!("gold");
        let error = Catalog::parse(value).unwrap_err();
        assert!(error.contains("products[0]"), "{error}");
        let mut value: Value = serde_json::from_str(DEFAULT).unwrap();
        value["paywalls"][0]["state"] = json!("sleeping");
        let error = Catalog::parse(value).unwrap_err();
        assert!(error.contains("paywalls[0]"), "{error}");
    }
}
