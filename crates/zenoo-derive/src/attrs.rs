//! `#[odoo(...)]` attributes: parsed once, checked against where they
//! stand, every mistake spanned at the offending token.

use syn::{Attribute, Error, LitStr, meta::ParseNestedMeta};

/// Where an attribute stands.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// On a `#[derive(Model)]` struct.
    ModelStruct,
    /// On a field of it.
    ModelField,
    /// On a `#[derive(Selection)]` enum.
    SelectionEnum,
    /// On a variant of it.
    SelectionVariant,
}

impl Place {
    fn describe(self) -> &'static str {
        match self {
            Place::ModelStruct => "on the struct",
            Place::ModelField => "on a field",
            Place::SelectionEnum => "on the enum",
            Place::SelectionVariant => "on a variant",
        }
    }

    /// The attributes allowed here, and where each other one belongs.
    fn allows(self, key: &str) -> Result<(), String> {
        let home = match key {
            "model" => Place::ModelStruct,
            "name" | "skip" | "lazy" => Place::ModelField,
            "value" => Place::SelectionVariant,
            _ => {
                return Err(format!(
                    "unknown odoo attribute `{key}`; expected {}",
                    match self {
                        Place::ModelStruct => "`model = \"...\"`",
                        Place::ModelField => "`name = \"...\"`, `skip` or `lazy`",
                        Place::SelectionEnum => "none here (put `value` on variants)",
                        Place::SelectionVariant => "`value = \"...\"`",
                    }
                ));
            }
        };
        if home == self {
            Ok(())
        } else {
            Err(format!(
                "`{key}` belongs {}, not {}",
                home.describe(),
                self.describe()
            ))
        }
    }
}

/// The `#[odoo(...)]` attributes of one item.
#[derive(Default)]
pub(crate) struct OdooAttrs {
    pub(crate) model: Option<LitStr>,
    pub(crate) name: Option<LitStr>,
    pub(crate) value: Option<LitStr>,
    pub(crate) skip: bool,
    pub(crate) lazy: bool,
}

fn set<T>(slot: &mut Option<T>, meta: &ParseNestedMeta<'_>, key: &str, v: T) -> syn::Result<()> {
    if slot.is_some() {
        return Err(meta.error(format!("duplicate odoo attribute `{key}`")));
    }
    *slot = Some(v);
    Ok(())
}

fn flag(slot: &mut bool, meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<()> {
    if *slot {
        return Err(meta.error(format!("duplicate odoo attribute `{key}`")));
    }
    if meta.input.peek(syn::Token![=]) {
        return Err(meta.error(format!("`{key}` takes no value")));
    }
    *slot = true;
    Ok(())
}

/// Parses the `#[odoo(...)]` attributes in `attrs` standing at `place`.
pub(crate) fn parse(attrs: &[Attribute], place: Place) -> syn::Result<OdooAttrs> {
    let mut out = OdooAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("odoo")) {
        attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map_or_else(|| "?".to_string(), ToString::to_string);
            place.allows(&key).map_err(|why| meta.error(why))?;
            match key.as_str() {
                "model" => {
                    let v: LitStr = meta.value()?.parse()?;
                    if v.value().is_empty() {
                        return Err(Error::new(v.span(), "the model name is empty"));
                    }
                    set(&mut out.model, &meta, "model", v)
                }
                "name" => {
                    let v: LitStr = meta.value()?.parse()?;
                    if v.value().is_empty() {
                        return Err(Error::new(v.span(), "the field name is empty"));
                    }
                    set(&mut out.name, &meta, "name", v)
                }
                "value" => {
                    let v = meta.value()?.parse()?;
                    set(&mut out.value, &meta, "value", v)
                }
                "skip" => {
                    if out.lazy {
                        return Err(meta.error(
                            "`skip` and `lazy` cannot be combined: a skipped field is never read",
                        ));
                    }
                    flag(&mut out.skip, &meta, "skip")
                }
                "lazy" => {
                    if out.skip {
                        return Err(meta.error(
                            "`skip` and `lazy` cannot be combined: a skipped field is never read",
                        ));
                    }
                    flag(&mut out.lazy, &meta, "lazy")
                }
                _ => Err(meta.error("unknown odoo attribute")),
            }
        })?;
    }
    if out.skip
        && let Some(n) = &out.name
    {
        return Err(Error::new(
            n.span(),
            "a `skip` field is never read, so it takes no `name`",
        ));
    }
    Ok(out)
}
