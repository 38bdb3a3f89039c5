//! Splitting a POSIX shell snippet into commands and words, as bash would for the subset
//! DevTools writes: single, double and `$'…'` quotes, backslash escapes, line continuations,
//! comments, and `;`, `&&`, `||`, `|` or newlines between commands.

/// A word and where it starts (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub line: usize,
    pub column: usize,
}

/// A quoting problem, at the place the quote opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

struct Cursor {
    chars: Vec<char>,
    at: usize,
    line: usize,
    column: usize,
}

impl Cursor {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    /// True when a backslash-newline (or backslash-CRLF) continuation starts here.
    fn at_continuation(&self) -> bool {
        self.peek() == Some('\\')
            && match self.chars.get(self.at + 1) {
                Some('\n') => true,
                Some('\r') => self.chars.get(self.at + 2) == Some(&'\n'),
                _ => false,
            }
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn unclosed(&self, line: usize, column: usize, what: &str) -> SplitError {
        SplitError {
            line,
            column,
            message: format!("{what} opened here is never closed"),
        }
    }
}

/// Splits `text` into commands, each a list of words.
pub fn split(text: &str) -> Result<Vec<Vec<Word>>, SplitError> {
    let mut cursor = Cursor {
        chars: text.chars().collect(),
        at: 0,
        line: 1,
        column: 1,
    };
    let mut commands = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut current: Option<Word> = None;

    let end_word = |current: &mut Option<Word>, words: &mut Vec<Word>| {
        if let Some(word) = current.take() {
            words.push(word);
        }
    };
    let end_command = |words: &mut Vec<Word>, commands: &mut Vec<Vec<Word>>| {
        if !words.is_empty() {
            commands.push(std::mem::take(words));
        }
    };

    while let Some(c) = cursor.peek() {
        let (line, column) = (cursor.line, cursor.column);
        if cursor.at_continuation() {
            // Outside quotes a continuation separates words like a space would.
            while cursor.next() != Some('\n') {}
            end_word(&mut current, &mut words);
            continue;
        }
        match c {
            ' ' | '\t' | '\r' => {
                cursor.next();
                end_word(&mut current, &mut words);
            }
            '\n' | ';' | '|' | '&' => {
                cursor.next();
                end_word(&mut current, &mut words);
                end_command(&mut words, &mut commands);
            }
            '#' if current.is_none() => {
                while let Some(c) = cursor.peek() {
                    if c == '\n' {
                        break;
                    }
                    cursor.next();
                }
            }
            _ => {
                let word = current.get_or_insert_with(|| Word {
                    text: String::new(),
                    line,
                    column,
                });
                read_word_part(&mut cursor, &mut word.text)?;
            }
        }
    }
    end_word(&mut current, &mut words);
    end_command(&mut words, &mut commands);
    Ok(commands)
}

/// Reads one quoted or unquoted piece of a word into `out`.
fn read_word_part(cursor: &mut Cursor, out: &mut String) -> Result<(), SplitError> {
    let (line, column) = (cursor.line, cursor.column);
    let Some(c) = cursor.next() else {
        return Ok(());
    };
    match c {
        '\'' => loop {
            match cursor.next() {
                Some('\'') => return Ok(()),
                Some(c) => out.push(c),
                None => return Err(cursor.unclosed(line, column, "the single quote")),
            }
        },
        '"' => loop {
            match cursor.next() {
                Some('"') => return Ok(()),
                Some('\\') => match cursor.next() {
                    Some('\n') => {}
                    Some(c @ ('$' | '`' | '"' | '\\')) => out.push(c),
                    Some(c) => {
                        out.push('\\');
                        out.push(c);
                    }
                    None => return Err(cursor.unclosed(line, column, "the double quote")),
                },
                Some(c) => out.push(c),
                None => return Err(cursor.unclosed(line, column, "the double quote")),
            }
        },
        '$' if cursor.peek() == Some('\'') => {
            cursor.next();
            read_ansi_c(cursor, out).ok_or_else(|| cursor.unclosed(line, column, "the $' quote"))
        }
        '\\' => {
            match cursor.next() {
                // A continuation line: the backslash and the newline vanish.
                Some('\n') => {}
                Some('\r') if cursor.peek() == Some('\n') => {
                    cursor.next();
                }
                Some(c) => out.push(c),
                None => {}
            }
            Ok(())
        }
        c => {
            out.push(c);
            Ok(())
        }
    }
}

/// Reads the body of a `$'…'` string (ANSI-C quoting, as Chrome writes bodies with quotes or
/// non-ASCII characters). `None` when the quote is not closed.
fn read_ansi_c(cursor: &mut Cursor, out: &mut String) -> Option<()> {
    loop {
        match cursor.next()? {
            '\'' => return Some(()),
            '\\' => {
                let c = cursor.next()?;
                match c {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'a' => out.push('\x07'),
                    'b' => out.push('\x08'),
                    'e' | 'E' => out.push('\x1b'),
                    'f' => out.push('\x0c'),
                    'v' => out.push('\x0b'),
                    'x' => push_code(cursor, out, 16, 2),
                    'u' => push_code(cursor, out, 16, 4),
                    'U' => push_code(cursor, out, 16, 8),
                    '0'..='7' => {
                        let mut code = c.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            match cursor.peek().and_then(|d| d.to_digit(8)) {
                                Some(d) => {
                                    code = code * 8 + d;
                                    cursor.next();
                                }
                                None => break,
                            }
                        }
                        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    }
                    other => out.push(other),
                }
            }
            c => out.push(c),
        }
    }
}

fn push_code(cursor: &mut Cursor, out: &mut String, radix: u32, max_digits: usize) {
    let mut code = 0u32;
    let mut digits = 0;
    while digits < max_digits {
        match cursor.peek().and_then(|d| d.to_digit(radix)) {
            Some(d) => {
                code = code.saturating_mul(radix).saturating_add(d);
                cursor.next();
                digits += 1;
            }
            None => break,
        }
    }
    out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str) -> Vec<Vec<String>> {
        split(input)
            .unwrap()
            .into_iter()
            .map(|c| c.into_iter().map(|w| w.text).collect())
            .collect()
    }

    #[test]
    fn quotes_escapes_and_continuations() {
        let commands = texts(
            "curl 'http://h/a b' \\\n  -H \"X: \\\"q\\\"\" --data-raw $'{\"n\":\"\\u00e9\\n\\'\"}' a\\ b",
        );
        assert_eq!(
            commands,
            vec![vec![
                "curl",
                "http://h/a b",
                "-H",
                "X: \"q\"",
                "--data-raw",
                "{\"n\":\"é\n'\"}",
                "a b"
            ]]
        );
    }

    #[test]
    fn several_commands_and_comments() {
        let commands = texts("# first\ncurl a ;\ncurl b && curl c\r\n");
        assert_eq!(
            commands,
            vec![vec!["curl", "a"], vec!["curl", "b"], vec!["curl", "c"]]
        );
    }

    #[test]
    fn crlf_continuations_join_lines() {
        assert_eq!(texts("curl a \\\r\n  -k"), vec![vec!["curl", "a", "-k"]]);
    }

    #[test]
    fn unclosed_quote_is_reported_where_it_opened() {
        let err = split("curl 'http://h' \\\n  --data-raw '{\"a\":1}").unwrap_err();
        assert_eq!((err.line, err.column), (2, 14));
        assert_eq!(err.message, "the single quote opened here is never closed");
    }

    #[test]
    fn word_positions_are_one_based() {
        let commands = split("curl \\\n  -H x").unwrap();
        assert_eq!((commands[0][1].line, commands[0][1].column), (2, 3));
    }
}
