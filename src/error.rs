//! Errors that carry enough context for a user to fix their input.
//!
//! Every error the tool reports names the file, the place in it (entry index, JSON path or
//! line:column) and, where we know it, what to do about it. All of them map to exit code 2:
//! a failed Odoo call is a *result*, never an `Error`.

use std::fmt;

/// Where in a file a problem sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// 1-based line and column, as editors show them.
    LineColumn(usize, usize),
    /// A JSON path such as `log.entries[3].request.url`.
    JsonPath(String),
    /// The index of an entry in a HAR (0-based, as DevTools numbers none and tools count from 0).
    Entry(usize),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::LineColumn(line, column) => write!(f, "line {line}, column {column}"),
            Place::JsonPath(path) => write!(f, "at {path}"),
            Place::Entry(index) => write!(f, "entry {index}"),
        }
    }
}

/// Input the tool cannot use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file as the user named it (`-` for standard input).
    pub file: String,
    pub place: Option<Place>,
    pub message: String,
    /// What the user can do about it.
    pub hint: Option<String>,
}

/// Everything that stops a command before it can produce a result.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Input(Box<InputError>),
    /// The command line itself is wrong.
    #[error("{0}")]
    Usage(String),
    /// The run cannot start: a login refused, a server that is not Odoo.
    #[error("{0}")]
    Setup(String),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(place) = &self.place {
            write!(f, ": {place}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl Error {
    /// An input error with no hint; add one with [`Error::hint`].
    pub fn input(
        file: impl Into<String>,
        place: Option<Place>,
        message: impl Into<String>,
    ) -> Self {
        Error::Input(Box::new(InputError {
            file: file.into(),
            place,
            message: message.into(),
            hint: None,
        }))
    }

    /// Attaches advice to an input error (usage errors are returned unchanged).
    pub fn hint(self, hint: impl Into<String>) -> Self {
        match self {
            Error::Input(mut input) => {
                input.hint = Some(hint.into());
                Error::Input(input)
            }
            other => other,
        }
    }

    /// The process exit code for this error: always 2, "bad input or usage".
    pub fn exit_code(&self) -> i32 {
        2
    }
}

/// A JSON syntax error turned into an input error at its line and column.
pub fn json_syntax(file: &str, err: &serde_json::Error) -> Error {
    let message = strip_serde_position(&err.to_string());
    let place = (err.line() > 0).then(|| Place::LineColumn(err.line(), err.column()));
    Error::input(file, place, message)
}

/// Writes a file the user named (a report, a baseline, a saved HAR); the error names it.
pub fn write_file(path: &std::path::Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| {
        Error::input(
            path.display().to_string(),
            None,
            format!("cannot write: {e}"),
        )
    })
}

/// serde_json appends " at line L column C" to its messages; we show the place ourselves.
pub(crate) fn strip_serde_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_error_names_file_place_and_hint() {
        let err = Error::input("a.har", Some(Place::LineColumn(3, 7)), "expected value")
            .hint("export the HAR again");
        assert_eq!(
            err.to_string(),
            "a.har: line 3, column 7: expected value\n  hint: export the HAR again"
        );
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn json_syntax_error_keeps_line_and_column() {
        let err = serde_json::from_str::<serde_json::Value>("{\n  \"a\": ,\n}").unwrap_err();
        let err = json_syntax("x.json", &err);
        assert_eq!(err.to_string(), "x.json: line 2, column 8: expected value");
    }
}
