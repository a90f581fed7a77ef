//! `#[derive(Model)]`.

use proc_macro2::TokenStream as TokenStream2;
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Error, Fields, GenericArgument, Ident, LitStr, PathArguments, Type};

use crate::attrs::{self, Place};

/// The Odoo name of a Rust field: its identifier without `r#`.
fn field_name(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map_or(s.clone(), str::to_string)
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

/// The `Model` and `Record` impls, field handles and decoder of `input`.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let ident = &input.ident;
    let vis = &input.vis;
    if !input.generics.params.is_empty() {
        return Err(Error::new_spanned(
            &input.generics,
            "#[derive(Model)] does not support generic structs",
        ));
    }
    let attrs = attrs::parse(&input.attrs, Place::ModelStruct)?;
    let model_name = attrs.model.ok_or_else(|| {
        Error::new_spanned(
            ident,
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
    let mut id_field: Option<Ident> = None;
    let mut seen = std::collections::HashSet::new();
    for f in &fields.named {
        let Some(fi) = &f.ident else { continue };
        let fa = attrs::parse(&f.attrs, Place::ModelField)?;
        let ty = &f.ty;
        if fa.skip {
            build.push(quote! { #fi: ::core::default::Default::default() });
            continue;
        }
        let name = fa.name.map_or_else(|| field_name(fi), |n| n.value());
        if !seen.insert(name.clone()) {
            return Err(Error::new_spanned(
                fi,
                format!("two fields read the Odoo field `{name}`"),
            ));
        }
        if name == "id" {
            id_field = Some(fi.clone());
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
    let Some(id_field) = id_field else {
        return Err(Error::new_spanned(
            ident,
            "#[derive(Model)] needs an `id: i64` field (records are identified by it)",
        ));
    };
    let fields_doc = format!(
        "Field handles of `{}` under a relation path (`...().{}`).",
        model_name.value(),
        names.get(1).map_or("id".to_string(), LitStr::value)
    );

    Ok(quote! {
        #[automatically_derived]
        impl ::zenoo_rpc::Record for #ident {
            fn record_id(&self) -> i64 {
                self.#id_field
            }
        }

        #[automatically_derived]
        impl ::zenoo_rpc::Model for #ident {
            const MODEL: &'static str = #model_name;
            const FIELDS: &'static [&'static str] = &[#(#names),*];
            type Fields = #fields_struct;
        }

        #[automatically_derived]
        impl #ident {
            #(#accessors)*
        }

        #[doc = #fields_doc]
        #[derive(Debug, Clone)]
        #vis struct #fields_struct {
            prefix: ::std::borrow::Cow<'static, str>,
        }

        #[automatically_derived]
        impl ::zenoo_rpc::FieldSet for #fields_struct {
            fn with_prefix(prefix: ::std::borrow::Cow<'static, str>) -> Self {
                Self { prefix }
            }
        }

        #[automatically_derived]
        impl #fields_struct {
            #(#path_accessors)*
        }

        const _: () = {
            #[derive(::zenoo_rpc::__private::serde::Deserialize)]
            #[serde(crate = "::zenoo_rpc::__private::serde")]
            struct #shadow {
                #(#shadow_fields,)*
            }

            #[automatically_derived]
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
