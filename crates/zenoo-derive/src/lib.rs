//! Derives for `zenoo-rpc` (re-exported there; use them through `zenoo_rpc`):
//!
//! - `#[derive(Model)]` with `#[odoo(model = "res.partner")]` on the struct and
//!   `#[odoo(name = "...")]`, `#[odoo(skip)]` (never read) or `#[odoo(lazy)]`
//!   (an `Option` read only when asked with `only`) on fields: the `Model` and
//!   `Record` impls, a decoder that maps Odoo's `false` to `None` for every
//!   `Option` field, a typed field handle per field (`Partner::name()`),
//!   and `<Name>Fields`, the handles reached through a relation
//!   (`Partner::country_id().code()`).
//! - `#[derive(Selection)]` on a field-less enum, with `#[odoo(value = "...")]`
//!   per variant (default: the variant name in snake_case).

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote};
use syn::{
    Data, DeriveInput, Error, Fields, GenericArgument, Ident, LitStr, PathArguments, Type,
    parse_macro_input,
};

/// Derives `zenoo_rpc::Model` for a struct with named fields. See the
/// `zenoo_rpc::Model` documentation for an example.
#[proc_macro_derive(Model, attributes(odoo))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    model(input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// Derives serde and `as_str` for an enum of Odoo selection values. See
/// `zenoo_rpc::Selection`.
#[proc_macro_derive(Selection, attributes(odoo))]
pub fn derive_selection(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    selection(input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

#[derive(Default)]
struct OdooAttrs {
    model: Option<LitStr>,
    name: Option<LitStr>,
    value: Option<LitStr>,
    skip: bool,
    lazy: bool,
}

fn odoo_attrs(attrs: &[syn::Attribute]) -> syn::Result<OdooAttrs> {
    let mut out = OdooAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("odoo")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("model") {
                out.model = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("name") {
                out.name = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("value") {
                out.value = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("skip") {
                out.skip = true;
            } else if meta.path.is_ident("lazy") {
                out.lazy = true;
            } else {
                return Err(
                    meta.error("unknown odoo attribute; expected model, name, value, skip or lazy")
                );
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// The first type argument of `ty`'s last path segment when that segment
/// is one of `names` (`Option<T>` → `T`).
fn type_arg<'a>(ty: &'a Type, names: &[&str]) -> Option<&'a Type> {
    let Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    if !names.iter().any(|n| seg.ident == n) {
        return None;
    }
    match &seg.arguments {
        PathArguments::AngleBracketed(a) => match a.args.first()? {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

/// The type inside `Option<..>`, if `ty` is an `Option`.
fn option_inner(ty: &Type) -> Option<&Type> {
    type_arg(ty, &["Option"])
}

/// The target model type of `Many2one<T>` / `X2many<T>` (optionally in an `Option`).
fn relation_target(ty: &Type) -> Option<&Type> {
    type_arg(option_inner(ty).unwrap_or(ty), &["Many2one", "X2many"])
}

fn model(input: DeriveInput) -> syn::Result<TokenStream2> {
    let ident = &input.ident;
    let vis = &input.vis;
    if !input.generics.params.is_empty() {
        return Err(Error::new_spanned(
            &input.generics,
            "#[derive(Model)] does not support generic structs",
        ));
    }
    let attrs = odoo_attrs(&input.attrs)?;
    let model_name = attrs.model.ok_or_else(|| {
        Error::new(
            Span::call_site(),
            "#[derive(Model)] needs #[odoo(model = \"res.partner\")] on the struct",
        )
    })?;
    let Data::Struct(data) = &input.data else {
        return Err(Error::new_spanned(
            ident,
            "#[derive(Model)] works on structs",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(Error::new_spanned(
            ident,
            "#[derive(Model)] needs a struct with named fields",
        ));
    };

    let shadow = format_ident!("__Zenoo{}Row", ident);
    let fields_struct = format_ident!("{}Fields", ident);
    let mut names = Vec::new();
    let mut shadow_fields = Vec::new();
    let mut build = Vec::new();
    let mut accessors = Vec::new();
    let mut path_accessors = Vec::new();
    let mut has_id = false;
    for f in &fields.named {
        let Some(fi) = &f.ident else { continue };
        let fa = odoo_attrs(&f.attrs)?;
        let ty = &f.ty;
        if fa.skip {
            build.push(quote! { #fi: ::core::default::Default::default() });
            continue;
        }
        let name = fa.name.map_or_else(
            || fi.to_string().trim_start_matches("r#").to_string(),
            |n| n.value(),
        );
        if name == "id" {
            has_id = true;
        }
        let name_lit = LitStr::new(&name, fi.span());
        if fa.lazy {
            if option_inner(ty).is_none() {
                return Err(Error::new_spanned(
                    ty,
                    "#[odoo(lazy)] fields are not read by default, so they must be an Option",
                ));
            }
        } else {
            names.push(name_lit.clone());
        }
        let serde_attr = if option_inner(ty).is_some() {
            quote! { #[serde(rename = #name_lit, default, deserialize_with = "::zenoo_rpc::value::false_as_none")] }
        } else {
            quote! { #[serde(rename = #name_lit)] }
        };
        shadow_fields.push(quote! { #serde_attr #fi: #ty });
        build.push(quote! { #fi: row.#fi });
        let doc = format!("The `{name}` field of `{}`.", model_name.value());
        match relation_target(ty) {
            Some(target) => {
                accessors.push(quote! {
                    #[doc = #doc]
                    #vis fn #fi() -> ::zenoo_rpc::Relation<#target> {
                        ::zenoo_rpc::Relation::new(#name_lit)
                    }
                });
                path_accessors.push(quote! {
                    #[doc = #doc]
                    pub fn #fi(&self) -> ::zenoo_rpc::Relation<#target> {
                        ::zenoo_rpc::Relation::under(&self.prefix, #name_lit)
                    }
                });
            }
            None => {
                accessors.push(quote! {
                    #[doc = #doc]
                    #vis fn #fi() -> ::zenoo_rpc::Field {
                        ::zenoo_rpc::Field::new(#name_lit)
                    }
                });
                path_accessors.push(quote! {
                    #[doc = #doc]
                    pub fn #fi(&self) -> ::zenoo_rpc::Field {
                        ::zenoo_rpc::Field::under(&self.prefix, #name_lit)
                    }
                });
            }
        }
    }
    if !has_id {
        return Err(Error::new_spanned(
            ident,
            "#[derive(Model)] needs an `id: i64` field (records are identified by it)",
        ));
    }
    let id_field = fields
        .named
        .iter()
        .find_map(|f| {
            let fi = f.ident.as_ref()?;
            let fa = odoo_attrs(&f.attrs).ok()?;
            let name = fa.name.map_or_else(|| fi.to_string(), |n| n.value());
            (name == "id").then(|| fi.clone())
        })
        .unwrap_or_else(|| Ident::new("id", Span::call_site()));
    let fields_doc = format!(
        "Field handles of `{}` under a relation path (`...().{}`).",
        model_name.value(),
        names.get(1).map_or("id".to_string(), LitStr::value)
    );

    Ok(quote! {
        impl ::zenoo_rpc::Record for #ident {
            fn record_id(&self) -> i64 {
                self.#id_field
            }
        }

        impl ::zenoo_rpc::Model for #ident {
            const MODEL: &'static str = #model_name;
            const FIELDS: &'static [&'static str] = &[#(#names),*];
            type Fields = #fields_struct;
        }

        impl #ident {
            #(#accessors)*
        }

        #[doc = #fields_doc]
        #[derive(Debug, Clone)]
        #vis struct #fields_struct {
            prefix: ::std::borrow::Cow<'static, str>,
        }

        impl ::zenoo_rpc::FieldSet for #fields_struct {
            fn with_prefix(prefix: ::std::borrow::Cow<'static, str>) -> Self {
                Self { prefix }
            }
        }

        impl #fields_struct {
            #(#path_accessors)*
        }

        const _: () = {
            #[derive(::zenoo_rpc::__private::serde::Deserialize)]
            #[serde(crate = "::zenoo_rpc::__private::serde")]
            struct #shadow {
                #(#shadow_fields,)*
            }

            impl<'de> ::zenoo_rpc::__private::serde::Deserialize<'de> for #ident {
                fn deserialize<D>(d: D) -> ::core::result::Result<Self, D::Error>
                where
                    D: ::zenoo_rpc::__private::serde::Deserializer<'de>,
                {
                    let row = <#shadow as ::zenoo_rpc::__private::serde::Deserialize>::deserialize(d)?;
                    ::core::result::Result::Ok(#ident { #(#build,)* })
                }
            }
        };
    })
}

fn snake_case(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn selection(input: DeriveInput) -> syn::Result<TokenStream2> {
    let ident = &input.ident;
    let Data::Enum(data) = &input.data else {
        return Err(Error::new_spanned(
            ident,
            "#[derive(Selection)] works on enums",
        ));
    };
    let mut variants = Vec::new();
    let mut values = Vec::new();
    for v in &data.variants {
        if !matches!(v.fields, Fields::Unit) {
            return Err(Error::new_spanned(
                v,
                "#[derive(Selection)] variants carry no data",
            ));
        }
        let a = odoo_attrs(&v.attrs)?;
        let value = a
            .value
            .map_or_else(|| snake_case(&v.ident.to_string()), |l| l.value());
        variants.push(&v.ident);
        values.push(LitStr::new(&value, v.ident.span()));
    }
    let expected = values
        .iter()
        .map(|v| format!("{:?}", v.value()))
        .collect::<Vec<_>>()
        .join(", ");
    let type_name = ident.to_string();
    Ok(quote! {
        impl #ident {
            /// Every value, in declaration order.
            pub const ALL: &'static [#ident] = &[#(#ident::#variants),*];

            /// The value as Odoo stores it.
            pub fn as_str(&self) -> &'static str {
                match self {
                    #(#ident::#variants => #values,)*
                }
            }
        }

        impl ::core::str::FromStr for #ident {
            type Err = ::std::string::String;
            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                match s {
                    #(#values => ::core::result::Result::Ok(#ident::#variants),)*
                    other => ::core::result::Result::Err(::std::format!(
                        "{:?} is not a value of {} (expected one of {})", other, #type_name, #expected
                    )),
                }
            }
        }

        impl ::core::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::zenoo_rpc::__private::serde::Serialize for #ident {
            fn serialize<S>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error>
            where
                S: ::zenoo_rpc::__private::serde::Serializer,
            {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::zenoo_rpc::__private::serde::Deserialize<'de> for #ident {
            fn deserialize<D>(d: D) -> ::core::result::Result<Self, D::Error>
            where
                D: ::zenoo_rpc::__private::serde::Deserializer<'de>,
            {
                let s = <::std::borrow::Cow<'de, str> as ::zenoo_rpc::__private::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(<D::Error as ::zenoo_rpc::__private::serde::de::Error>::custom)
            }
        }

        impl ::core::convert::From<#ident> for ::zenoo_rpc::Operand {
            fn from(v: #ident) -> Self {
                ::zenoo_rpc::Operand::Str(v.as_str().into())
            }
        }
    })
}
