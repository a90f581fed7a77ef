//! The message Python's `xmlrpc.client.loads` (expat) gives for an XML-RPC
//! body that is not well-formed, as it ends the traceback of Odoo's fault
//! ("mismatched tag: line 1, column 5"): the common cases, found in one
//! pass with a stack of open tags (no recursion). Columns count characters
//! from 0, lines from 1, as expat does.

/// Expat's error for `text`, or `None` when it finds the document
/// well-formed (or fails in a way this scan does not model).
pub fn error(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let (msg, at) = scan(&chars)?;
    let before = &chars[..at.min(chars.len())];
    let line = before.iter().filter(|c| **c == '\n').count() + 1;
    let column = match before.iter().rposition(|c| *c == '\n') {
        Some(nl) => at - nl - 1,
        None => at,
    };
    Some(format!("{msg}: line {line}, column {column}"))
}

fn name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')
}

fn name_start(c: char) -> bool {
    c.is_alphabetic() || matches!(c, '_' | ':')
}

/// The first error: (message, character position).
fn scan(s: &[char]) -> Option<(&'static str, usize)> {
    let mut open: Vec<(usize, usize)> = Vec::new(); // (start, end) of each open tag's name
    let mut seen_root = false;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c != '<' {
            if open.is_empty() && !c.is_whitespace() {
                return Some((
                    if seen_root {
                        "junk after document element"
                    } else {
                        "syntax error"
                    },
                    i,
                ));
            }
            if c == '&' {
                let end = (i + 1..s.len()).find(|j| s[*j] == ';')?;
                let entity: String = s[i + 1..end].iter().collect();
                let known = matches!(entity.as_str(), "lt" | "gt" | "amp" | "quot" | "apos")
                    || entity.starts_with('#');
                if !known {
                    return Some(("undefined entity", i));
                }
                i = end + 1;
                continue;
            }
            i += 1;
            continue;
        }
        let start = i;
        match s.get(i + 1) {
            None => return Some(("unclosed token", start)),
            Some('?') | Some('!') => {
                // Declarations, comments and processing instructions.
                let close = if s.get(i + 1) == Some(&'?') {
                    "?>"
                } else {
                    ">"
                };
                let end = find(s, i + 2, close);
                match end {
                    Some(e) => i = e + close.len(),
                    None => return Some(("unclosed token", start)),
                }
                continue;
            }
            Some('/') => {
                let name_at = i + 2;
                let mut j = name_at;
                while s.get(j).copied().is_some_and(name_char) {
                    j += 1;
                }
                let Some((os, oe)) = open.pop() else {
                    return Some((
                        if seen_root {
                            "junk after document element"
                        } else {
                            "syntax error"
                        },
                        start,
                    ));
                };
                if s[os..oe] != s[name_at..j] {
                    return Some(("mismatched tag", name_at));
                }
                while s.get(j).copied().is_some_and(char::is_whitespace) {
                    j += 1;
                }
                match s.get(j) {
                    Some('>') => i = j + 1,
                    None => return Some(("unclosed token", start)),
                    Some(_) => return Some(("not well-formed (invalid token)", j)),
                }
            }
            Some(&n) if name_start(n) => {
                if open.is_empty() && seen_root {
                    return Some(("junk after document element", start));
                }
                let mut j = i + 1;
                while s.get(j).copied().is_some_and(name_char) {
                    j += 1;
                }
                let name = (i + 1, j);
                // Attributes up to `>` or `/>`.
                loop {
                    while s.get(j).copied().is_some_and(char::is_whitespace) {
                        j += 1;
                    }
                    match s.get(j) {
                        None => return Some(("unclosed token", start)),
                        Some('>') => {
                            open.push(name);
                            seen_root = true;
                            i = j + 1;
                            break;
                        }
                        Some('/') if s.get(j + 1) == Some(&'>') => {
                            seen_root = true;
                            i = j + 2;
                            break;
                        }
                        Some(&c) if name_start(c) => {
                            while s.get(j).copied().is_some_and(name_char) {
                                j += 1;
                            }
                            while s.get(j).copied().is_some_and(char::is_whitespace) {
                                j += 1;
                            }
                            if s.get(j) != Some(&'=') {
                                return Some(("not well-formed (invalid token)", j));
                            }
                            j += 1;
                            while s.get(j).copied().is_some_and(char::is_whitespace) {
                                j += 1;
                            }
                            let Some(&q) = s.get(j).filter(|q| matches!(q, '"' | '\'')) else {
                                return Some(("not well-formed (invalid token)", j));
                            };
                            match (j + 1..s.len()).find(|k| s[*k] == q) {
                                Some(k) => j = k + 1,
                                None => return Some(("unclosed token", start)),
                            }
                        }
                        Some(_) => return Some(("not well-formed (invalid token)", j)),
                    }
                }
            }
            Some(_) => return Some(("not well-formed (invalid token)", i + 1)),
        }
    }
    if !open.is_empty() || !seen_root {
        return Some(("no element found", s.len()));
    }
    None
}

fn find(s: &[char], from: usize, what: &str) -> Option<usize> {
    let w: Vec<char> = what.chars().collect();
    (from..s.len()).find(|i| s[*i..].starts_with(&w))
}

#[cfg(test)]
mod tests {
    use super::error;

    /// Messages and positions as Python's `xmlrpc.client.loads` gives them.
    #[test]
    fn expat_messages_and_positions() {
        let cases = [
            ("", "no element found: line 1, column 0"),
            ("garbage", "syntax error: line 1, column 0"),
            (
                "<methodCall><methodName>a</methodName>",
                "no element found: line 1, column 38",
            ),
            ("<a></b>", "mismatched tag: line 1, column 5"),
            (
                "<methodCall></methodCall>x",
                "junk after document element: line 1, column 25",
            ),
            ("<a>\n  <b></a>", "mismatched tag: line 2, column 7"),
            (
                "<a><1/></a>",
                "not well-formed (invalid token): line 1, column 4",
            ),
            (
                "<a b=1></a>",
                "not well-formed (invalid token): line 1, column 5",
            ),
            ("<a>&nbsp;</a>", "undefined entity: line 1, column 3"),
            ("<a", "unclosed token: line 1, column 0"),
            (
                "<?xml version='1.0'?>\n<a/><b/>",
                "junk after document element: line 2, column 4",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(error(text).as_deref(), Some(want), "{text:?}");
        }
        for ok in [
            "<a/>",
            "<?xml version='1.0'?>\n<a x=\"1\"><b>t &amp; u</b><!-- c --></a>\n",
        ] {
            assert_eq!(error(ok), None, "{ok:?}");
        }
        assert!(error(&"<a>".repeat(100_000)).is_some());
    }
}
