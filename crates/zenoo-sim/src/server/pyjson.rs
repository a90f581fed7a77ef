//! The message Python's `json.loads` gives for a malformed document, as
//! Odoo passes it on ("Expecting ',' delimiter: line 1 column 36 (char
//! 35)"): the same scan as CPython's `json.decoder`, in one loop with an
//! explicit stack, so any nesting is checked without recursion.

/// What the scanner is inside.
#[derive(Clone, Copy, PartialEq)]
enum Frame {
    Array,
    Object,
}

/// Python's error for `text`, or `None` when Python would parse it.
pub fn error(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let (msg, pos) = scan(&chars).err()?;
    let before = &chars[..pos.min(chars.len())];
    let line = before.iter().filter(|c| **c == '\n').count() + 1;
    let column = match before.iter().rposition(|c| *c == '\n') {
        Some(nl) => pos - nl,
        None => pos + 1,
    };
    Some(format!("{msg}: line {line} column {column} (char {pos})"))
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn skip_ws(s: &[char], mut i: usize) -> usize {
    while s.get(i).copied().is_some_and(is_ws) {
        i += 1;
    }
    i
}

type Scan = Result<(), (String, usize)>;

fn fail<T>(msg: impl Into<String>, pos: usize) -> Result<T, (String, usize)> {
    Err((msg.into(), pos))
}

/// The document: a value, then only whitespace.
fn scan(s: &[char]) -> Scan {
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = skip_ws(s, 0);
    loop {
        // A value starts at `i`.
        match s.get(i) {
            Some('"') => i = string(s, i + 1)?,
            Some('{') => {
                let j = skip_ws(s, i + 1);
                match s.get(j) {
                    Some('}') => i = j + 1,
                    Some('"') => {
                        i = key(s, j + 1)?;
                        stack.push(Frame::Object);
                        continue;
                    }
                    _ => return fail("Expecting property name enclosed in double quotes", j),
                }
            }
            Some('[') => {
                let j = skip_ws(s, i + 1);
                if s.get(j) == Some(&']') {
                    i = j + 1;
                } else {
                    stack.push(Frame::Array);
                    i = j;
                    continue;
                }
            }
            _ => i = literal(s, i).ok_or(("Expecting value".to_string(), i))?,
        }
        // A value ended before `i`: close what it ends.
        loop {
            let Some(frame) = stack.last().copied() else {
                let end = skip_ws(s, i);
                if end != s.len() {
                    return fail("Extra data", end);
                }
                return Ok(());
            };
            let j = skip_ws(s, i);
            let close = if frame == Frame::Array { ']' } else { '}' };
            match s.get(j) {
                Some(c) if *c == close => {
                    stack.pop();
                    i = j + 1;
                }
                Some(',') if frame == Frame::Array => {
                    i = skip_ws(s, j + 1);
                    break;
                }
                Some(',') => {
                    let k = skip_ws(s, j + 1);
                    if s.get(k) != Some(&'"') {
                        return fail("Expecting property name enclosed in double quotes", k);
                    }
                    i = key(s, k + 1)?;
                    break;
                }
                _ => return fail("Expecting ',' delimiter", j),
            }
        }
    }
}

/// A key (after its opening quote), the `:` and the whitespace after it:
/// where its value starts.
fn key(s: &[char], start: usize) -> Result<usize, (String, usize)> {
    let end = string(s, start)?;
    let colon = skip_ws(s, end);
    if s.get(colon) != Some(&':') {
        return fail("Expecting ':' delimiter", colon);
    }
    Ok(skip_ws(s, colon + 1))
}

/// A string whose opening quote is just before `start`: where it ends.
fn string(s: &[char], start: usize) -> Result<usize, (String, usize)> {
    let begin = start - 1;
    let mut i = start;
    loop {
        match s.get(i) {
            None => return fail("Unterminated string starting at", begin),
            Some('"') => return Ok(i + 1),
            Some('\\') => match s.get(i + 1) {
                None => return fail("Unterminated string starting at", begin),
                Some('u') => {
                    let hex: String = s.iter().skip(i + 2).take(4).collect();
                    let valid = hex.chars().count() == 4
                        && !matches!(hex.chars().nth(1), Some('x' | 'X'))
                        && u32::from_str_radix(&hex, 16).is_ok();
                    if !valid {
                        return fail("Invalid \\uXXXX escape", i + 1);
                    }
                    i += 6;
                }
                Some('"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't') => i += 2,
                Some(_) => return fail("Invalid \\escape", i),
            },
            Some(c) if u32::from(*c) < 0x20 => {
                return fail("Invalid control character at", i);
            }
            Some(_) => i += 1,
        }
    }
}

/// `null`, `true`, `false`, `NaN`, `Infinity`, `-Infinity` or a number at
/// `i`: where it ends.
fn literal(s: &[char], i: usize) -> Option<usize> {
    for word in ["null", "true", "false", "NaN", "Infinity", "-Infinity"] {
        let len = word.chars().count();
        if s.get(i..i + len)
            .is_some_and(|w| w.iter().copied().eq(word.chars()))
        {
            return Some(i + len);
        }
    }
    // -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?
    let digit = |j: usize| s.get(j).is_some_and(char::is_ascii_digit);
    let mut j = i;
    if s.get(j) == Some(&'-') {
        j += 1;
    }
    match s.get(j) {
        Some('0') => j += 1,
        Some('1'..='9') => {
            while digit(j) {
                j += 1;
            }
        }
        _ => return None,
    }
    if s.get(j) == Some(&'.') && digit(j + 1) {
        j += 1;
        while digit(j) {
            j += 1;
        }
    }
    if matches!(s.get(j), Some('e' | 'E')) {
        let mut k = j + 1;
        if matches!(s.get(k), Some('+' | '-')) {
            k += 1;
        }
        if digit(k) {
            while digit(k) {
                k += 1;
            }
            j = k;
        }
    }
    Some(j)
}

#[cfg(test)]
mod tests {
    use super::error;

    /// Messages and positions as CPython's `json.loads` (its C scanner)
    /// gives them.
    #[test]
    fn python_messages_and_positions() {
        let cases = [
            ("", "Expecting value: line 1 column 1 (char 0)"),
            (
                "{\"a\": 1 \"b\": 2}",
                "Expecting ',' delimiter: line 1 column 9 (char 8)",
            ),
            (
                "{\"a\" 1}",
                "Expecting ':' delimiter: line 1 column 6 (char 5)",
            ),
            (
                "{a: 1}",
                "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            ),
            (
                "{\"a\": 1,}",
                "Expecting property name enclosed in double quotes: line 1 column 9 (char 8)",
            ),
            ("[1, 2", "Expecting ',' delimiter: line 1 column 6 (char 5)"),
            ("[1,]", "Expecting value: line 1 column 4 (char 3)"),
            (
                "{\"a\": \"x",
                "Unterminated string starting at: line 1 column 7 (char 6)",
            ),
            ("\"a\\qb\"", "Invalid \\escape: line 1 column 3 (char 2)"),
            (
                "\"\\u12\"",
                "Invalid \\uXXXX escape: line 1 column 3 (char 2)",
            ),
            (
                "\"a\nb\"",
                "Invalid control character at: line 1 column 3 (char 2)",
            ),
            ("{} x", "Extra data: line 1 column 4 (char 3)"),
            (
                "{\n  \"a\": tru\n}",
                "Expecting value: line 2 column 8 (char 9)",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(error(text).as_deref(), Some(want), "{text:?}");
        }
        for ok in [
            "{}",
            "[]",
            " [1, -2.5e3, \"x\\u00e9\", null, true, {\"a\": [false]}] ",
            "NaN",
        ] {
            assert_eq!(error(ok), None, "{ok:?}");
        }
        // Any depth, without recursion (Python itself gives up with a
        // RecursionError past ~1000 levels).
        assert!(error(&"[".repeat(200_000)).is_some());
    }
}
