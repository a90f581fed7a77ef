//! The text syntax of domains, for people and the command line:
//!
//! ```text
//! expr      := or
//! or        := and ("or" and)*
//! and       := not ("and" not)*
//! not       := "not" not | "(" expr ")" | "true" | "false" | condition
//! condition := path operator value
//! path      := name ("." name)*
//! operator  := = != <> < <= > >= =? like ilike =like =ilike in child_of parent_of any
//!              | "not" (like | ilike | in | any)
//! value     := 'text' | "text" | number | true | false | null | none
//!              | "(" [value ("," value)* [","]] ")"      (a list; `[...]` too)
//!              | "(" expr ")"                            (after any / not any)
//! ```
//! Keywords are case-insensitive; strings take `\\`, `\'`, `\"`, `\n`, `\t` escapes.

use std::fmt;

use super::{Domain, Leaf, Operand, Operator};

/// A domain text that does not parse: what was expected and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    offset: usize,
    column: usize,
    message: String,
}

impl ParseError {
    /// Byte offset of the offending token in the input.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// 1-based character column of the offending token.
    pub fn column(&self) -> usize {
        self.column
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid domain at column {}: {}",
            self.column, self.message
        )
    }
}

impl std::error::Error for ParseError {}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Int(i64),
    Float(f64),
    Sym(&'static str),
    End,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Word(w) => write!(f, "`{w}`"),
            Tok::Str(s) => write!(f, "the string {s:?}"),
            Tok::Int(i) => write!(f, "the number {i}"),
            Tok::Float(x) => write!(f, "the number {x}"),
            Tok::Sym(s) => write!(f, "`{s}`"),
            Tok::End => f.write_str("the end of the text"),
        }
    }
}

struct Lexer<'a> {
    src: &'a str,
    toks: Vec<(Tok, usize)>,
}

const SYMBOLS: [&str; 17] = [
    "=ilike", "=like", "!=", "<>", "<=", ">=", "==", "=?", "=", "<", ">", "(", ")", "[", "]", ",",
    ".",
];

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn error_at(src: &str, offset: usize, message: impl Into<String>) -> ParseError {
    let offset = offset.min(src.len());
    ParseError {
        offset,
        column: src.get(..offset).map_or(0, |s| s.chars().count()) + 1,
        message: message.into(),
    }
}

impl<'a> Lexer<'a> {
    fn error(&self, offset: usize, message: impl Into<String>) -> ParseError {
        error_at(self.src, offset, message)
    }

    fn run(mut self) -> Result<Vec<(Tok, usize)>, ParseError> {
        let src = self.src;
        let mut i = 0;
        while i < src.len() {
            let rest = &src[i..];
            let Some(c) = rest.chars().next() else { break };
            if c.is_whitespace() {
                i += c.len_utf8();
                continue;
            }
            if c == '\'' || c == '"' {
                let (s, len) = self.string(i, c)?;
                self.toks.push((Tok::Str(s), i));
                i += len;
                continue;
            }
            if c.is_ascii_digit()
                || (c == '-' && rest[1..].starts_with(|d: char| d.is_ascii_digit()))
            {
                let len = rest
                    .char_indices()
                    .skip(1)
                    .find(|&(k, d)| {
                        !(d.is_ascii_digit()
                            || d == '.'
                            || d == 'e'
                            || d == 'E'
                            || ((d == '-' || d == '+')
                                && matches!(rest.as_bytes()[k - 1], b'e' | b'E')))
                    })
                    .map_or(rest.len(), |(k, _)| k);
                let text = &rest[..len];
                let tok = if text.contains(['.', 'e', 'E']) {
                    text.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .map(Tok::Float)
                } else {
                    text.parse::<i64>().ok().map(Tok::Int)
                };
                let tok = tok.ok_or_else(|| self.error(i, format!("`{text}` is not a number")))?;
                self.toks.push((tok, i));
                i += len;
                continue;
            }
            if is_word_char(c) {
                let len = rest
                    .char_indices()
                    .find(|&(_, d)| !is_word_char(d))
                    .map_or(rest.len(), |(k, _)| k);
                self.toks.push((Tok::Word(rest[..len].to_string()), i));
                i += len;
                continue;
            }
            let sym = SYMBOLS.iter().find(|s| {
                rest.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s))
                    // `=like` must not swallow `=likely_field`
                    && (!s.ends_with("like")
                        || !rest[s.len()..].starts_with(is_word_char))
            });
            match sym {
                Some(s) => {
                    self.toks.push((Tok::Sym(s), i));
                    i += s.len();
                }
                None => return Err(self.error(i, format!("unexpected character {c:?}"))),
            }
        }
        self.toks.push((Tok::End, src.len()));
        Ok(self.toks)
    }

    fn string(&self, start: usize, quote: char) -> Result<(String, usize), ParseError> {
        let mut out = String::new();
        let mut chars = self.src[start + 1..].char_indices();
        while let Some((k, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, e)) => out.push(e),
                    None => break,
                },
                c if c == quote => return Ok((out, k + 2)),
                c => out.push(c),
            }
        }
        Err(self.error(start, "this string is not closed"))
    }
}

/// How deeply parentheses (and `any (...)` sub-domains) may nest.
pub const MAX_NESTING: usize = 200;

struct Parser<'a> {
    src: &'a str,
    toks: Vec<(Tok, usize)>,
    pos: usize,
    depth: usize,
}

pub(super) fn parse(src: &str) -> Result<Domain, ParseError> {
    let toks = Lexer {
        src,
        toks: Vec::new(),
    }
    .run()?;
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        depth: 0,
    };
    if p.peek() == &Tok::End {
        return Ok(Domain::True);
    }
    let d = p.or()?;
    match p.peek() {
        Tok::End => Ok(d),
        t => Err(p.here(format!("expected `and`, `or` or the end, found {t}"))),
    }
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos.min(self.toks.len() - 1)].0
    }

    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.pos + n).min(self.toks.len() - 1)].0
    }

    fn here(&self, message: String) -> ParseError {
        let offset = self.toks[self.pos.min(self.toks.len() - 1)].1;
        error_at(self.src, offset, message)
    }

    fn bump(&mut self) -> Tok {
        let t = self.peek().clone();
        self.pos += 1;
        t
    }

    fn keyword(&self, n: usize, kw: &str) -> bool {
        matches!(self.peek_at(n), Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    fn expect_sym(&mut self, sym: &str) -> Result<(), ParseError> {
        match self.peek() {
            Tok::Sym(s) if *s == sym => {
                self.pos += 1;
                Ok(())
            }
            t => Err(self.here(format!("expected `{sym}`, found {t}"))),
        }
    }

    fn or(&mut self) -> Result<Domain, ParseError> {
        let mut parts = vec![self.and()?];
        while self.keyword(0, "or") {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(Domain::any(parts))
    }

    fn and(&mut self) -> Result<Domain, ParseError> {
        let mut parts = vec![self.not()?];
        while self.keyword(0, "and") {
            self.pos += 1;
            parts.push(self.not()?);
        }
        Ok(Domain::all(parts))
    }

    /// `or()` inside parentheses, within the nesting limit.
    fn nested(&mut self) -> Result<Domain, ParseError> {
        if self.depth >= MAX_NESTING {
            // Point at the parenthesis that is one too many.
            let at = self.pos.saturating_sub(1).min(self.toks.len() - 1);
            return Err(error_at(
                self.src,
                self.toks[at].1,
                format!("parentheses nest deeper than {MAX_NESTING} levels"),
            ));
        }
        self.depth += 1;
        let d = self.or();
        self.depth -= 1;
        d
    }

    fn not(&mut self) -> Result<Domain, ParseError> {
        // Iterative, so that a long run of `not` cannot exhaust the stack.
        let mut negations = 0usize;
        while self.keyword(0, "not") {
            self.pos += 1;
            negations += 1;
        }
        let d = self.primary()?;
        Ok(if negations % 2 == 1 { d.negate() } else { d })
    }

    fn primary(&mut self) -> Result<Domain, ParseError> {
        match self.peek() {
            Tok::Sym("(") => {
                self.pos += 1;
                let d = self.nested()?;
                self.expect_sym(")")?;
                Ok(d)
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("true") => {
                self.pos += 1;
                Ok(Domain::True)
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("false") => {
                self.pos += 1;
                Ok(Domain::False)
            }
            Tok::Word(w) if !(w.eq_ignore_ascii_case("and") || w.eq_ignore_ascii_case("or")) => {
                self.condition()
            }
            t => Err(self.here(format!("expected a condition, `not` or `(`, found {t}"))),
        }
    }

    fn path(&mut self) -> Result<String, ParseError> {
        let mut path = String::new();
        loop {
            match self.bump() {
                Tok::Word(w) => path.push_str(&w),
                t => {
                    self.pos -= 1;
                    return Err(self.here(format!("expected a field name, found {t}")));
                }
            }
            if self.peek() == &Tok::Sym(".") {
                self.pos += 1;
                path.push('.');
            } else {
                return Ok(path);
            }
        }
    }

    fn operator(&mut self) -> Result<Operator, ParseError> {
        let start = self.pos;
        let op = match self.bump() {
            Tok::Sym(s) => Operator::parse(s),
            Tok::Word(w) if w.eq_ignore_ascii_case("not") => match self.bump() {
                Tok::Word(n) => Operator::parse(&format!("not {n}")),
                _ => None,
            },
            Tok::Word(w) => Operator::parse(&w),
            _ => None,
        };
        op.ok_or_else(|| {
            self.pos = start;
            let found = self.peek().to_string();
            self.here(format!(
                "expected an operator (=, !=, <, like, in, ...), found {found}"
            ))
        })
    }

    fn condition(&mut self) -> Result<Domain, ParseError> {
        let field = self.path()?;
        let operator = self.operator()?;
        let value = if operator.takes_domain() {
            self.expect_sym("(")?;
            let sub = if self.peek() == &Tok::Sym(")") {
                Domain::True
            } else {
                self.nested()?
            };
            self.expect_sym(")")?;
            Operand::Domain(Box::new(sub))
        } else {
            self.value()?
        };
        Ok(Domain::Leaf(Leaf {
            field,
            operator,
            value,
        }))
    }

    fn value(&mut self) -> Result<Operand, ParseError> {
        match self.bump() {
            Tok::Str(s) => Ok(Operand::Str(s)),
            Tok::Int(i) => Ok(Operand::Int(i)),
            Tok::Float(f) => Ok(Operand::Float(f)),
            Tok::Word(w) if w.eq_ignore_ascii_case("true") => Ok(Operand::Bool(true)),
            Tok::Word(w) if w.eq_ignore_ascii_case("false") => Ok(Operand::Bool(false)),
            Tok::Word(w) if w.eq_ignore_ascii_case("null") || w.eq_ignore_ascii_case("none") => {
                Ok(Operand::None)
            }
            Tok::Sym(open @ ("(" | "[")) => {
                let close = if open == "(" { ")" } else { "]" };
                let mut items = Vec::new();
                loop {
                    if self.peek() == &Tok::Sym(close) {
                        self.pos += 1;
                        return Ok(Operand::List(items));
                    }
                    items.push(self.value()?);
                    match self.peek() {
                        Tok::Sym(",") => self.pos += 1,
                        Tok::Sym(s) if *s == close => {}
                        t => return Err(self.here(format!("expected `,` or `{close}`, found {t}"))),
                    }
                }
            }
            t => {
                self.pos -= 1;
                Err(self.here(format!(
                    "expected a value ('text', a number, true, false, null or a list), found {t}"
                )))
            }
        }
    }
}

/// Writes `d` in the text syntax, with parentheses only where needed.
pub(super) fn write_text(d: &Domain, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match d {
        Domain::True => f.write_str("true"),
        Domain::False => f.write_str("false"),
        Domain::Leaf(l) => {
            write!(f, "{} {} ", l.field, l.operator)?;
            write_operand(&l.value, f)
        }
        Domain::And(items) => write_joined(items, " and ", true, f),
        Domain::Or(items) => write_joined(items, " or ", false, f),
        Domain::Not(inner) => {
            f.write_str("not ")?;
            match **inner {
                Domain::And(_) | Domain::Or(_) => {
                    f.write_str("(")?;
                    write_text(inner, f)?;
                    f.write_str(")")
                }
                _ => write_text(inner, f),
            }
        }
    }
}

fn write_joined(items: &[Domain], sep: &str, and: bool, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            f.write_str(sep)?;
        }
        let parens = match item {
            Domain::Or(_) => and,
            Domain::And(_) => !and,
            _ => false,
        };
        if parens {
            f.write_str("(")?;
        }
        write_text(item, f)?;
        if parens {
            f.write_str(")")?;
        }
    }
    Ok(())
}

fn write_operand(v: &Operand, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match v {
        Operand::None => f.write_str("null"),
        Operand::Bool(b) => write!(f, "{b}"),
        Operand::Int(i) => write!(f, "{i}"),
        Operand::Float(x) if x.is_finite() => write!(f, "{x:?}"),
        Operand::Float(_) => f.write_str("null"),
        Operand::Str(s) => write_str(s, f),
        Operand::Date(_) | Operand::Datetime(_) => match v.to_json() {
            serde_json::Value::String(s) => write_str(&s, f),
            _ => Ok(()),
        },
        Operand::List(items) => {
            f.write_str("(")?;
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    f.write_str(", ")?;
                }
                write_operand(item, f)?;
            }
            f.write_str(")")
        }
        Operand::Domain(d) => match **d {
            Domain::True => f.write_str("()"),
            _ => {
                f.write_str("(")?;
                write_text(d, f)?;
                f.write_str(")")
            }
        },
    }
}

fn write_str(s: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str("'")?;
    for c in s.chars() {
        match c {
            '\'' => f.write_str("\\'")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\t' => f.write_str("\\t")?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_point_at_the_token() {
        let e = parse("name = 'x' and and").expect_err("double and");
        assert_eq!(e.column(), 16, "{e}");
        let e = parse("name ~ 1").expect_err("bad char");
        assert_eq!(e.column(), 6);
        assert!(e.message().contains("unexpected character"), "{e}");
        let e = parse("name between 1").expect_err("bad op");
        assert_eq!(e.column(), 6);
        assert!(e.message().contains("expected an operator"), "{e}");
        let e = parse("name = 'open").expect_err("unclosed");
        assert_eq!(e.column(), 8);
        let e = parse("(a = 1").expect_err("paren");
        assert!(e.to_string().contains("expected `)`"), "{e}");
        let e = parse("é = 1 and x in (1 2)").expect_err("list");
        assert_eq!(e.column(), 19, "{e}");
    }

    #[test]
    fn operators_and_values() {
        let d = parse("a not in (1, 2.5, 'x', null) or b =ilike 'A\\'_%' or c not any (d = true)")
            .expect("parses");
        assert_eq!(
            d.to_json(),
            serde_json::json!([
                "|",
                "|",
                ["a", "not in", [1, 2.5, "x", false]],
                ["b", "=ilike", "A'_%"],
                ["c", "not any", [["d", "=", true]]]
            ])
        );
        assert_eq!(parse("").expect("empty"), Domain::True);
        assert_eq!(
            parse("  x.y =? false ").expect("=?").to_json(),
            serde_json::json!([["x.y", "=?", false]])
        );
    }
}
