//! `#[derive(Selection)]`.

use proc_macro2::TokenStream as TokenStream2;
use quote::quote;
use syn::{Data, DeriveInput, Error, Fields, Ident, LitStr};

use crate::attrs::{self, Place};

fn field_name(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map_or(s.clone(), str::to_string)
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

/// `as_str`, `FromStr`, `Display`, serde and `Operand` for `input`.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let ident = &input.ident;
    attrs::parse(&input.attrs, Place::SelectionEnum)?;
    let Data::Enum(data) = &input.data else {
        return Err(Error::new_spanned(
            ident,
            "#[derive(Selection)] works on enums",
        ));
    };
    let mut variants = Vec::new();
    let mut values = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for v in &data.variants {
        if !matches!(v.fields, Fields::Unit) {
            return Err(Error::new_spanned(
                v,
                "#[derive(Selection)] variants carry no data",
            ));
        }
        let a = attrs::parse(&v.attrs, Place::SelectionVariant)?;
        let value = a
            .value
            .map_or_else(|| snake_case(&field_name(&v.ident)), |l| l.value());
        if !seen.insert(value.clone()) {
            return Err(Error::new_spanned(
                &v.ident,
                format!("two variants have the value {value:?}"),
            ));
        }
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
        #[automatically_derived]
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

        #[automatically_derived]
        impl ::core::str::FromStr for #ident {
            type Err = ::zenoo_rpc::value::InvalidSelection;
            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                match s {
                    #(#values => ::core::result::Result::Ok(#ident::#variants),)*
                    other => ::core::result::Result::Err(
                        ::zenoo_rpc::__private::invalid_selection(other, #type_name, #expected)
                    ),
                }
            }
        }

        #[automatically_derived]
        impl ::core::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[automatically_derived]
        impl ::zenoo_rpc::__private::serde::Serialize for #ident {
            fn serialize<S>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error>
            where
                S: ::zenoo_rpc::__private::serde::Serializer,
            {
                s.serialize_str(self.as_str())
            }
        }

        #[automatically_derived]
        impl<'de> ::zenoo_rpc::__private::serde::Deserialize<'de> for #ident {
            fn deserialize<D>(d: D) -> ::core::result::Result<Self, D::Error>
            where
                D: ::zenoo_rpc::__private::serde::Deserializer<'de>,
            {
                let s = <::std::borrow::Cow<'de, str> as ::zenoo_rpc::__private::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(<D::Error as ::zenoo_rpc::__private::serde::de::Error>::custom)
            }
        }

        #[automatically_derived]
        impl ::core::convert::From<#ident> for ::zenoo_rpc::Operand {
            fn from(v: #ident) -> Self {
                ::zenoo_rpc::Operand::Str(v.as_str().into())
            }
        }
    })
}
