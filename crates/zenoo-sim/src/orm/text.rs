//! Text matching as PostgreSQL does it (`LIKE`, `ILIKE`).

/// SQL `LIKE` with `%`, `_` and backslash escapes; `insensitive` for `ILIKE`.
pub fn like_match(text: &str, pattern: &str, insensitive: bool) -> bool {
    let (t, p): (Vec<char>, Vec<char>) = if insensitive {
        (
            text.to_lowercase().chars().collect(),
            pattern.to_lowercase().chars().collect(),
        )
    } else {
        (text.chars().collect(), pattern.chars().collect())
    };
    matches(&t, &p)
}

fn matches(t: &[char], p: &[char]) -> bool {
    // Iterative wildcard matching with backtracking on the last '%'.
    let (mut ti, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '%' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '_' => {
                    ti += 1;
                    pi += 1;
                    continue;
                }
                '\\' if pi + 1 < p.len() && p[pi + 1] == t[ti] => {
                    ti += 1;
                    pi += 2;
                    continue;
                }
                '\\' if pi + 1 < p.len() => {}
                c if c == t[ti] => {
                    ti += 1;
                    pi += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::like_match;

    #[test]
    fn like_patterns() {
        assert!(like_match("Azure Interior", "%interior%", true));
        assert!(!like_match("Azure Interior", "%interior%", false));
        assert!(like_match("FURN_7800", "FURN_7%", false));
        assert!(like_match("a_b", "a\\_b", false));
        assert!(!like_match("axb", "a\\_b", false));
        assert!(like_match("abc", "a%c", false));
        assert!(!like_match("abd", "a%c", false));
        assert!(like_match("", "%", false));
    }
}
