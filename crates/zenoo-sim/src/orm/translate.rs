//! A small French glossary for field labels and selection values, so that
//! `context.lang = fr_FR` changes what `fields_get` answers as Odoo does.
//! Labels without an entry stay in English, as untranslated terms do in Odoo.

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
