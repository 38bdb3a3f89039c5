//! Small text helpers every layer may use: cutting a value to fit a line, counting a noun,
//! placing a byte offset. Nothing here knows about Odoo, suites or terminals.

/// Cuts `text` to `width` characters, marking the cut with `…`.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// `1 path`, `3 paths`.
pub fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("1 {word}")
    } else {
        format!("{count} {word}s")
    }
}

/// 1-based line and column of a byte offset, as editors show them.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_count_and_places() {
        assert_eq!(truncate("res.users.read", 8), "res.use…");
        assert_eq!(truncate("short", 8), "short");
        assert_eq!(plural(1, "path"), "1 path");
        assert_eq!(plural(2, "path"), "2 paths");
        assert_eq!(line_column("ab\ncdé\nf", 6), (2, 3));
        // An offset inside a character counts from the character's start.
        assert_eq!(line_column("é", 1), (1, 1));
    }
}
