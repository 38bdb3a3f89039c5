//! The values a template sees, on their own so that both engines (handlebars in
//! [`super::render`], the compiled form in [`super::compiled`]) read them without depending on
//! each other.

use serde_json::{Map, Value};

/// The values a template sees: shared variables, and a step's own (its captures) over them.
#[derive(Debug, Clone, Copy)]
pub struct Values<'a> {
    base: &'a Map<String, Value>,
    overlay: Option<&'a Map<String, Value>>,
}

impl<'a> Values<'a> {
    /// Shared variables alone.
    pub fn new(base: &'a Map<String, Value>) -> Values<'a> {
        Values {
            base,
            overlay: None,
        }
    }

    /// `overlay`'s values win over `base`'s.
    pub fn with(base: &'a Map<String, Value>, overlay: &'a Map<String, Value>) -> Values<'a> {
        Values {
            base,
            overlay: Some(overlay),
        }
    }

    /// A value by name, the step's own first.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.overlay
            .and_then(|o| o.get(name))
            .or_else(|| self.base.get(name))
    }

    /// One map of everything, for handlebars.
    pub fn merged(&self) -> Map<String, Value> {
        let mut all = self.base.clone();
        if let Some(overlay) = self.overlay {
            all.extend(overlay.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        all
    }
}
