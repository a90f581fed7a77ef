//! A serde `Deserializer` over an XML-RPC `<value>`: quick-xml events go
//! straight into the caller's type, with no value tree in between. Values
//! come out as Odoo's own look over JSON-RPC: `<dateTime.iso8601>` as
//! `"YYYY-MM-DD HH:MM:SS"`, `<base64>` as base64 text, `<nil/>` as `null`.
//! Nesting is limited to [`MAX_DEPTH`] structs and arrays.

use std::borrow::Cow;

use crate::codec::xml_scan::{Scanner, Token as Event};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

use crate::error::{Error, Result};

/// How deeply structs and arrays may nest.
pub(crate) const MAX_DEPTH: usize = 128;

/// Why an XML-RPC value could not be decoded, and where (boxed: results
/// of the hot path stay small).
#[derive(Debug)]
pub(crate) struct XmlError(Box<XmlErrorInner>);

#[derive(Debug)]
struct XmlErrorInner {
    message: String,
    at: Option<u64>,
    /// The bytes are not XML (or end early), rather than a value of the
    /// wrong shape.
    syntax: bool,
}

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.at {
            Some(at) => write!(f, "{} (at byte {at} of the value)", self.0.message),
            None => f.write_str(&self.0.message),
        }
    }
}

impl std::error::Error for XmlError {}

impl de::Error for XmlError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self(Box::new(XmlErrorInner {
            message: msg.to_string(),
            at: None,
            syntax: false,
        }))
    }
}

type XResult<T> = std::result::Result<T, XmlError>;

/// Decodes the XML-RPC `<value>` at the start of `bytes` into `T`, naming
/// the path that failed.
pub(crate) fn from_slice<T: DeserializeOwned>(bytes: &[u8], label: &str, url: &str) -> Result<T> {
    if let Ok(v) = T::deserialize(&mut Deserializer::new(bytes)) {
        return Ok(v);
    }
    match serde_path_to_error::deserialize::<_, T>(&mut Deserializer::new(bytes)) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.0.syntax {
                return Err(Error::malformed(
                    url,
                    format!("the result of {label} is not valid XML-RPC: {inner}"),
                    bytes,
                ));
            }
            let err = Error::decode(label, path.clone(), inner);
            match serde_json::Value::deserialize(&mut Deserializer::new(bytes)) {
                Ok(v) => Err(super::with_record_at(err, &v, &path)),
                Err(_) => Err(err),
            }
        }
    }
}

use serde::Deserialize as _;

/// Reads XML-RPC values from the scanner's tokens.
pub(crate) struct Deserializer<'de> {
    reader: Scanner<'de>,
    /// The whole input as text, when it is UTF-8 (validated once, so that
    /// each piece of text is only sliced out of it).
    text: Option<&'de str>,
    start: usize,
    peeked: Option<Event<'de>>,
    depth: usize,
    /// The `<value>` start tag was read by `deserialize_option`.
    in_value: bool,
}

impl<'de> Deserializer<'de> {
    pub(crate) fn new(bytes: &'de [u8]) -> Self {
        Self {
            reader: Scanner::new(bytes),
            text: std::str::from_utf8(bytes).ok(),
            start: bytes.as_ptr() as usize,
            peeked: None,
            depth: 0,
            in_value: false,
        }
    }

    fn error(&self, message: impl Into<String>) -> XmlError {
        XmlError(Box::new(XmlErrorInner {
            message: message.into(),
            at: Some(self.reader.position() as u64),
            syntax: false,
        }))
    }

    fn syntax_error(&self, message: impl Into<String>) -> XmlError {
        let mut e = self.error(message);
        e.0.syntax = true;
        e
    }

    /// The next token, whitespace included.
    fn next(&mut self) -> XResult<Event<'de>> {
        self.scan(false)
    }

    /// The next token that is not whitespace.
    fn next_tag(&mut self) -> XResult<Event<'de>> {
        self.scan(true)
    }

    fn scan(&mut self, skip_blank: bool) -> XResult<Event<'de>> {
        if let Some(ev) = self.peeked.take() {
            match ev {
                Event::Text(t) if skip_blank && t.iter().all(u8::is_ascii_whitespace) => {}
                ev => return Ok(ev),
            }
        }
        match self.reader.next_token(skip_blank) {
            Ok(Event::Eof) => Err(self.syntax_error("the XML ends inside a value")),
            Ok(ev) => Ok(ev),
            Err(e) => Err(self.syntax_error(format!("invalid XML: {e}"))),
        }
    }

    /// The fast path: nothing peeked, so the scanner can match literally.
    #[inline(always)]
    fn eat(&mut self, lit: &[u8]) -> bool {
        self.peeked.is_none() && self.reader.eat(lit)
    }

    /// `<value><string>…</string></value>` and the other scalars, matched
    /// literally; `None` (nothing consumed) for anything else, which the
    /// token path then reads.
    fn fast_scalar<V: Visitor<'de>>(&mut self, visitor: V) -> XResult<Fast<'de, V>> {
        let start = self.reader.position();
        if self.in_value || !self.eat(b"<value><") {
            return Ok(Fast::Slow(visitor));
        }
        if self.reader.eat(b"struct>") {
            return Ok(Fast::Typed(b"struct", visitor));
        }
        if self.reader.eat(b"array>") {
            return Ok(Fast::Typed(b"array", visitor));
        }
        let (kind, close): (u8, &[u8]) = if self.reader.eat(b"string>") {
            (b's', b"</string></value>")
        } else if self.reader.eat(b"int>") {
            (b'i', b"</int></value>")
        } else if self.reader.eat(b"boolean>") {
            (b'b', b"</boolean></value>")
        } else if self.reader.eat(b"double>") {
            (b'd', b"</double></value>")
        } else if self.reader.eat(b"i4>") {
            (b'i', b"</i4></value>")
        } else {
            self.reader.rewind(start);
            return Ok(Fast::Slow(visitor));
        };
        let Some(raw) = self.reader.text_before(close) else {
            self.reader.rewind(start);
            return Ok(Fast::Slow(visitor));
        };
        let v = match kind {
            b's' => visit_text(self.unescape(raw)?, visitor)?,
            b'i' => match std::str::from_utf8(raw)
                .ok()
                .and_then(|t| t.trim().parse::<i64>().ok())
            {
                Some(n) => visitor.visit_i64(n)?,
                None => {
                    return Err(self.error(format!(
                        "{:?} is not an integer",
                        String::from_utf8_lossy(raw)
                    )));
                }
            },
            b'b' => match raw.trim_ascii() {
                b"1" | b"true" => visitor.visit_bool(true)?,
                b"0" | b"false" => visitor.visit_bool(false)?,
                other => {
                    return Err(self.error(format!(
                        "{:?} is not a boolean",
                        String::from_utf8_lossy(other)
                    )));
                }
            },
            _ => match std::str::from_utf8(raw)
                .ok()
                .and_then(|t| t.trim().parse::<f64>().ok())
            {
                Some(f) => visitor.visit_f64(f)?,
                None => {
                    return Err(self.error(format!(
                        "{:?} is not a double",
                        String::from_utf8_lossy(raw)
                    )));
                }
            },
        };
        Ok(Fast::Done(v))
    }

    fn expect_end(&mut self, name: &[u8]) -> XResult<()> {
        if self.peeked.is_none() && self.reader.eat_end(name) {
            return Ok(());
        }
        match self.next_tag()? {
            Event::End(e) if e == name => Ok(()),
            other => Err(self.error(format!(
                "expected </{}>, found {}",
                String::from_utf8_lossy(name),
                describe(&other)
            ))),
        }
    }

    /// Raw text as UTF-8 with its entities replaced.
    fn unescape(&self, raw: &'de [u8]) -> XResult<Cow<'de, str>> {
        // `raw` is a slice of the input cut at `<` and `>`, so at character
        // boundaries: slice it out of the text validated once.
        let at = (raw.as_ptr() as usize).wrapping_sub(self.start);
        let sliced = self
            .text
            .and_then(|t| t.get(at..at.checked_add(raw.len())?));
        let text = match sliced {
            Some(t) if std::ptr::eq(t.as_ptr(), raw.as_ptr()) => t,
            _ => {
                std::str::from_utf8(raw).map_err(|_| self.syntax_error("the text is not UTF-8"))?
            }
        };
        if memchr::memchr(b'&', raw).is_none() {
            return Ok(Cow::Borrowed(text));
        }
        quick_xml::escape::unescape(text)
            .map_err(|e| self.syntax_error(format!("invalid text: {e}")))
    }

    /// The text up to `</name>`.
    fn text(&mut self, name: &[u8]) -> XResult<Cow<'de, str>> {
        let mut out: Option<Cow<'de, str>> = None;
        loop {
            let piece: Cow<'de, str> = match self.next()? {
                Event::Text(t) => self.unescape(t)?,
                Event::CData(c) => Cow::Borrowed(
                    std::str::from_utf8(c).map_err(|_| self.syntax_error("CDATA is not UTF-8"))?,
                ),
                Event::End(e) if e == name => {
                    return Ok(out.unwrap_or(Cow::Borrowed("")));
                }
                other => {
                    return Err(self.error(format!(
                        "expected text in <{}>, found {}",
                        String::from_utf8_lossy(name),
                        describe(&other)
                    )));
                }
            };
            out = Some(match out {
                None => piece,
                Some(prev) => Cow::Owned(prev.into_owned() + &piece),
            });
        }
    }

    /// Reads `<value>` (unless already read); `Some(tag, empty)` for a typed
    /// value, or `None` after a bare string (handed to `bare`).
    fn open_value(&mut self) -> XResult<ValueStart<'de>> {
        if !std::mem::take(&mut self.in_value) {
            match self.next_tag()? {
                Event::Start(e) if e == b"value" => {}
                Event::Empty(e) if e == b"value" => {
                    return Ok(ValueStart::Bare(Cow::Borrowed("")));
                }
                other => {
                    return Err(self.error(format!("expected <value>, found {}", describe(&other))));
                }
            }
        }
        match self.next()? {
            Event::End(e) if e == b"value" => Ok(ValueStart::Bare(Cow::Borrowed(""))),
            Event::Start(e) => Ok(ValueStart::Typed(e, false)),
            Event::Empty(e) => Ok(ValueStart::Typed(e, true)),
            Event::Text(t) => {
                let blank = t.iter().all(u8::is_ascii_whitespace);
                let text = self.unescape(t)?;
                match self.next()? {
                    Event::End(e) if e == b"value" => Ok(ValueStart::Bare(text)),
                    Event::Start(e) if blank => Ok(ValueStart::Typed(e, false)),
                    Event::Empty(e) if blank => Ok(ValueStart::Typed(e, true)),
                    other => Err(self.error(format!(
                        "expected </value> after text, found {}",
                        describe(&other)
                    ))),
                }
            }
            other => Err(self.error(format!("unexpected {} in <value>", describe(&other)))),
        }
    }

    fn scalar(&mut self, tag: &[u8], empty: bool) -> XResult<Cow<'de, str>> {
        if empty {
            return Ok(Cow::Borrowed(""));
        }
        self.text(tag)
    }

    fn enter(&mut self) -> XResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!(
                "structs and arrays nest deeper than {MAX_DEPTH} levels"
            )));
        }
        Ok(())
    }
}

/// What the literal fast path made of a value.
enum Fast<'de, V: Visitor<'de>> {
    /// A scalar, visited.
    Done(V::Value),
    /// `<value><struct>` or `<value><array>` read: go on with the tag.
    Typed(&'static [u8], V),
    /// Nothing consumed: read tokens.
    Slow(V),
}

enum ValueStart<'de> {
    /// `<value>text</value>`: a string.
    Bare(Cow<'de, str>),
    /// `<value><tag>` (or `<tag/>` when the flag is set).
    Typed(&'de [u8], bool),
}

fn describe(ev: &Event<'_>) -> String {
    match ev {
        Event::Start(e) => format!("<{}>", String::from_utf8_lossy(e)),
        Event::End(e) => format!("</{}>", String::from_utf8_lossy(e)),
        Event::Empty(e) => format!("<{}/>", String::from_utf8_lossy(e)),
        Event::Text(_) => "text".into(),
        Event::CData(_) => "CDATA".into(),
        Event::Eof => "the end".into(),
    }
}

fn visit_text<'de, V: Visitor<'de>>(text: Cow<'de, str>, visitor: V) -> XResult<V::Value> {
    match text {
        Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
        Cow::Owned(s) => visitor.visit_string(s),
    }
}

/// `20240131T13:45:00` (Python's format) or `2024-01-31T13:45:00Z` →
/// `2024-01-31 13:45:00`.
fn odoo_datetime(text: &str) -> Option<String> {
    let t = text.trim();
    let (date, time) = t.split_once('T')?;
    let digits: String = date.chars().filter(|c| *c != '-').collect();
    if digits.len() != 8 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let time = time.trim_end_matches('Z');
    let time = time.split(['+', '.']).next().unwrap_or(time);
    let hms: String = time.chars().filter(|c| *c != ':').collect();
    if hms.len() != 6 || !hms.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(format!(
        "{}-{}-{} {}:{}:{}",
        &digits[..4],
        &digits[4..6],
        &digits[6..],
        &hms[..2],
        &hms[2..4],
        &hms[4..]
    ))
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = XmlError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> XResult<V::Value> {
        let (tag, empty, visitor) = match self.fast_scalar(visitor)? {
            Fast::Done(v) => return Ok(v),
            Fast::Typed(tag, visitor) => (tag, false, visitor),
            Fast::Slow(visitor) => match self.open_value()? {
                ValueStart::Bare(text) => return visit_text(text, visitor),
                ValueStart::Typed(tag, empty) => (tag, empty, visitor),
            },
        };
        let value = match tag {
            b"int" | b"i4" | b"i8" | b"i2" | b"i1" => {
                let text = self.scalar(tag, empty)?;
                let n: i64 = text
                    .trim()
                    .parse()
                    .map_err(|_| self.error(format!("{:?} is not an integer", text)))?;
                visitor.visit_i64(n)?
            }
            b"boolean" => {
                let text = self.scalar(tag, empty)?;
                match text.trim() {
                    "1" | "true" => visitor.visit_bool(true)?,
                    "0" | "false" => visitor.visit_bool(false)?,
                    other => return Err(self.error(format!("{other:?} is not a boolean"))),
                }
            }
            b"double" => {
                let text = self.scalar(tag, empty)?;
                let f: f64 = text
                    .trim()
                    .parse()
                    .map_err(|_| self.error(format!("{:?} is not a double", text)))?;
                visitor.visit_f64(f)?
            }
            b"string" => {
                let text = self.scalar(tag, empty)?;
                visit_text(text, visitor)?
            }
            b"dateTime.iso8601" => {
                let text = self.scalar(tag, empty)?;
                let dt = odoo_datetime(&text)
                    .ok_or_else(|| self.error(format!("{:?} is not an ISO 8601 datetime", text)))?;
                visitor.visit_string(dt)?
            }
            b"base64" => {
                let text = self.scalar(tag, empty)?;
                if text.bytes().any(|b| b.is_ascii_whitespace()) {
                    visitor.visit_string(text.split_ascii_whitespace().collect())?
                } else {
                    visit_text(text, visitor)?
                }
            }
            b"nil" | b"ex:nil" => {
                if !empty {
                    self.expect_end(tag)?;
                }
                visitor.visit_unit()?
            }
            b"struct" => {
                self.enter()?;
                let v = if empty {
                    visitor.visit_map(Members {
                        de: self,
                        done: true,
                    })?
                } else {
                    let v = visitor.visit_map(Members {
                        de: &mut *self,
                        done: false,
                    })?;
                    // A visitor that stopped early leaves members unread.
                    skip_rest(self, b"struct")?;
                    v
                };
                self.depth -= 1;
                v
            }
            b"array" => {
                self.enter()?;
                let v = if empty {
                    visitor.visit_seq(Elements {
                        de: self,
                        done: true,
                    })?
                } else {
                    let data = if self.eat(b"<data>") {
                        Event::Start(b"data")
                    } else {
                        self.next_tag()?
                    };
                    match data {
                        Event::Start(e) if e == b"data" => {
                            let v = visitor.visit_seq(Elements {
                                de: &mut *self,
                                done: false,
                            })?;
                            skip_rest(self, b"data")?;
                            self.expect_end(b"array")?;
                            v
                        }
                        Event::Empty(e) if e == b"data" => {
                            self.expect_end(b"array")?;
                            visitor.visit_seq(Elements {
                                de: self,
                                done: true,
                            })?
                        }
                        other => {
                            return Err(self.error(format!(
                                "expected <data> in <array>, found {}",
                                describe(&other)
                            )));
                        }
                    }
                };
                self.depth -= 1;
                v
            }
            other => {
                return Err(self.error(format!(
                    "unknown XML-RPC type <{}>",
                    String::from_utf8_lossy(other)
                )));
            }
        };
        self.expect_end(b"value")?;
        Ok(value)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> XResult<V::Value> {
        if !self.in_value {
            match self.next_tag()? {
                Event::Start(e) if e == b"value" => {}
                other => {
                    self.peeked = Some(other);
                    return visitor.visit_some(self);
                }
            }
        }
        match self.next_tag()? {
            Event::Empty(b"nil" | b"ex:nil") => {
                self.in_value = false;
                self.expect_end(b"value")?;
                visitor.visit_none()
            }
            other => {
                // Whitespace before the type was dropped by `next_tag`; a
                // bare string of blanks is the only value that loses it.
                self.peeked = Some(other);
                self.in_value = true;
                visitor.visit_some(self)
            }
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> XResult<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> XResult<V::Value> {
        let name = String::deserialize(&mut *self)?;
        visitor.visit_enum(name.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// Reads to `</name>`, skipping whatever a visitor left unread.
fn skip_rest(de: &mut Deserializer<'_>, name: &[u8]) -> XResult<()> {
    let mut depth = 0usize;
    loop {
        match de.next()? {
            Event::Start(_) => depth += 1,
            Event::End(e) if depth == 0 && e == name => return Ok(()),
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
}

struct Members<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    done: bool,
}

impl<'de> MapAccess<'de> for Members<'_, 'de> {
    type Error = XmlError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> XResult<Option<K::Value>> {
        if self.done {
            return Ok(None);
        }
        if self.de.peeked.is_none() && self.de.reader.eat_end(b"struct") {
            self.done = true;
            // `skip_rest` finds it here and stops.
            self.de.peeked = Some(Event::End(b"struct"));
            return Ok(None);
        }
        if self.de.eat(b"<member>") {
            if self.de.eat(b"<name>") {
                if let Some(raw) = self.de.reader.text_before(b"</name>") {
                    let key = self.de.unescape(raw)?;
                    return match key {
                        Cow::Borrowed(s) => {
                            seed.deserialize(de::value::BorrowedStrDeserializer::new(s))
                        }
                        Cow::Owned(s) => seed.deserialize(de::value::StringDeserializer::new(s)),
                    }
                    .map(Some);
                }
                // An odd name (CDATA, a comment): the token path reads it.
                return self.member_name(seed, Some(Event::Start(b"name")));
            }
            return self.member_name(seed, None);
        }
        match self.de.next_tag()? {
            Event::End(e) if e == b"struct" => {
                self.done = true;
                // `skip_rest` must not look for it again.
                self.de.peeked = Some(Event::End(e));
                Ok(None)
            }
            Event::Start(e) if e == b"member" => self.member_name(seed, None),
            other => Err(self.de.error(format!(
                "expected <member> in <struct>, found {}",
                describe(&other)
            ))),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> XResult<V::Value> {
        let v = seed.deserialize(&mut *self.de)?;
        self.de.expect_end(b"member")?;
        Ok(v)
    }
}

impl<'de> Members<'_, 'de> {
    /// The member's name, after `<member>` (and `first`, a token already read).
    fn member_name<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
        first: Option<Event<'de>>,
    ) -> XResult<Option<K::Value>> {
        let next = match first {
            Some(ev) => ev,
            None => self.de.next_tag()?,
        };
        {
            {
                let name = match next {
                    Event::Start(n) if n == b"name" => self.de.text(b"name")?,
                    Event::Empty(n) if n == b"name" => Cow::Borrowed(""),
                    other => {
                        return Err(self.de.error(format!(
                            "expected <name> in <member>, found {}",
                            describe(&other)
                        )));
                    }
                };
                let key = match name {
                    Cow::Borrowed(s) => {
                        seed.deserialize(de::value::BorrowedStrDeserializer::new(s))
                    }
                    Cow::Owned(s) => seed.deserialize(de::value::StringDeserializer::new(s)),
                }?;
                Ok(Some(key))
            }
        }
    }
}

struct Elements<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    done: bool,
}

impl<'de> SeqAccess<'de> for Elements<'_, 'de> {
    type Error = XmlError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> XResult<Option<T::Value>> {
        if self.done {
            return Ok(None);
        }
        if self.de.eat(b"</data>") {
            self.done = true;
            self.de.peeked = Some(Event::End(b"data"));
            return Ok(None);
        }
        if self.de.peeked.is_none() && self.de.reader.at(b"<value>") {
            // The element's own fast path reads it.
            return seed.deserialize(&mut *self.de).map(Some);
        }
        match self.de.next_tag()? {
            Event::End(e) if e == b"data" => {
                self.done = true;
                self.de.peeked = Some(Event::End(e));
                Ok(None)
            }
            ev => {
                self.de.peeked = Some(ev);
                seed.deserialize(&mut *self.de).map(Some)
            }
        }
    }
}

#[cfg(test)]
#[path = "xml_tests.rs"]
mod xml_tests;
