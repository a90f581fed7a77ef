//! The XML-RPC value codec, both directions: [`xml_encode`] writes JSON
//! values into a request body, [`xml`] decodes a `<value>` straight into
//! the caller's type over the scanner of [`xml_scan`].

pub(crate) mod xml;
pub(crate) mod xml_encode;
pub(crate) mod xml_scan;
