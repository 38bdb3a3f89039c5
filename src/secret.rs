//! A secret's value in a type that never prints it, as xh's `redacted.rs` does: whatever
//! holds a password or an API key can derive `Debug`, log itself or end up in a panic message
//! without showing it.

use std::fmt;

/// What replaces a secret in everything the tool writes; in a baseline it stands for any value
/// (a comparison never reports it as a difference).
pub const REDACTED: &str = "REDACTED";

/// A password or an API key. `Debug` and `Display` print `***`; [`Secret::expose`] is the
/// one way to the value, for the request or the template that needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value read from the environment or standard input.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, to send.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let secret = Secret::new("hunter2");
        assert_eq!(
            format!("{secret} {secret:?} {:?}", Some(&secret)),
            "*** *** Some(***)"
        );
        assert_eq!(secret.expose(), "hunter2");
    }
}
