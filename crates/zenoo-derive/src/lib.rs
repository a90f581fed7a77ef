//! Derives for `zenoo-rpc` (re-exported there; use them through `zenoo_rpc`):
//!
//! - `#[derive(Model)]` with `#[odoo(model = "res.partner")]` on the struct and
//!   `#[odoo(name = "...")]`, `#[odoo(skip)]` (never read) or `#[odoo(lazy)]`
//!   (an `Option` read only when asked with `also`) on fields: the `Model` and
//!   `Record` impls, a decoder that maps Odoo's `false` to `None` for every
//!   `Option` field, a typed field handle per field (`Partner::name()`),
//!   and `<Name>Fields`, the handles reached through a relation
//!   (`Partner::country_id().code()`).
//! - `#[derive(Selection)]` on a field-less enum, with `#[odoo(value = "...")]`
//!   per variant (default: the variant name in snake_case).
//!
//! Attributes are checked: each stands only where it belongs, none twice,
//! `skip` and `lazy` never together; every error points at the offending token.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use proc_macro::TokenStream;
use syn::{DeriveInput, Error, parse_macro_input};

mod attrs;
mod model;
mod selection;

/// Derives `zenoo_rpc::Model` for a struct with named fields. See the
/// `zenoo_rpc::Model` documentation for an example.
#[proc_macro_derive(Model, attributes(odoo))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    model::expand(&input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// Derives serde, `FromStr`, `Display` and `as_str` for an enum of Odoo
/// selection values. See `zenoo_rpc::Selection`.
#[proc_macro_derive(Selection, attributes(odoo))]
pub fn derive_selection(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    selection::expand(&input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}
