//! Translations for the context's `lang`.
//!
//! - Record values of translatable fields come from data: a fixture's
//!   `i18n/<lang>.json` (`{"<lang>": {"<model>": {"<id>": {"<field>":
//!   "<value>"}}}}`, exported from real Odoo), read by `read`, `search_read`
//!   and the display names of many2one values.
//! - Field labels and selection values (which the exports do not hold) come
//!   from a small French glossary; labels without an entry stay in English,
//!   as untranslated terms do in Odoo.

use rustc_hash::FxHashMap;
use serde_json::{Map, Value};

use crate::orm::database::{Database, Env};

/// Translated values: lang -> model -> id -> field -> value.
pub type Translations = FxHashMap<String, FxHashMap<String, FxHashMap<i64, Map<String, Value>>>>;

/// Reads an `i18n/<lang>.json` document into `into`; entries that are not
/// objects or ids that are not numbers are skipped.
pub fn load_translations(doc: &Value, into: &mut Translations) {
    let Some(langs) = doc.as_object() else {
        return;
    };
    for (lang, models) in langs {
        let Some(models) = models.as_object() else {
            continue;
        };
        let by_model = into.entry(lang.clone()).or_default();
        for (model, records) in models {
            let Some(records) = records.as_object() else {
                continue;
            };
            let by_id = by_model.entry(model.clone()).or_default();
            for (id, fields) in records {
                if let (Ok(id), Some(fields)) = (id.parse::<i64>(), fields.as_object()) {
                    by_id.insert(id, fields.clone());
                }
            }
        }
    }
}

impl Database {
    /// The translated values of a record for the call's language, if any.
    pub(crate) fn translated(
        &self,
        env: &Env,
        model: &str,
        id: i64,
    ) -> Option<&Map<String, Value>> {
        let lang = env.context.get("lang")?.as_str()?;
        self.translations.get(lang)?.get(model)?.get(&id)
    }

    /// A display name in the call's language: the record's translated name
    /// put in place of its English one (`[FURN_0001] Desk` keeps its code).
    pub(crate) fn display_name_in(&self, env: &Env, model: &str, id: i64) -> String {
        let english = self.display_name(model, id);
        let Some(rec_name) = self.tables.get(model).map(|t| t.def.rec_name.clone()) else {
            return english;
        };
        let Some(local) = self
            .translated(env, model, id)
            .and_then(|t| t.get(&rec_name))
            .and_then(Value::as_str)
        else {
            return english;
        };
        match self.value(model, id, &rec_name).as_str() {
            Some(name) if !name.is_empty() && english.contains(name) => {
                english.replacen(name, local, 1)
            }
            _ => local.to_string(),
        }
    }
}

/// The French label of a common English one.
pub fn french(label: &str) -> Option<&'static str> {
    Some(match label {
        "Name" => "Nom",
        "Email" => "E-mail",
        "Phone" => "Téléphone",
        "Mobile" => "Mobile",
        "Street" => "Rue",
        "Street2" => "Rue 2",
        "City" => "Ville",
        "Zip" => "Code postal",
        "Country" => "Pays",
        "State" => "État",
        "Company" => "Société",
        "Companies" => "Sociétés",
        "Active" => "Actif",
        "Notes" => "Notes",
        "Language" => "Langue",
        "Timezone" => "Fuseau horaire",
        "Website" => "Site Web",
        "Tags" => "Étiquettes",
        "Reference" => "Référence",
        "Status" => "Statut",
        "Customer" => "Client",
        "Vendor" => "Fournisseur",
        "Quantity" => "Quantité",
        "Description" => "Description",
        "Total" => "Total",
        "Currency" => "Devise",
        "Is a Company" => "Est une société",
        "Related Company" => "Société liée",
        "Address Type" => "Type d'adresse",
        "Invoice" => "Facture",
        "Delivery" => "Livraison",
        "Other" => "Autre",
        "Contact" => "Contact",
        "Invoice Address" => "Adresse de facturation",
        "Delivery Address" => "Adresse de livraison",
        "Other Address" => "Autre adresse",
        "Quotation" => "Devis",
        "Sales Order" => "Bon de commande",
        "Cancelled" => "Annulé",
        _ => return None,
    })
}
