//! Which model a relational field points to: `sale.order.order_line` holds `sale.order.line`
//! ids, `sale.order.line.product_id` a `product.product` id.
//!
//! Odoo says so in `fields_get` (each field's `type` and `relation`), which OdooRPC calls
//! before it touches a model, and in the `models` part of a `get_views` answer (16+; 19
//! nests them under `fields`), which the web client loads with every screen. Links between
//! steps follow these relations rather than guess from field names.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Relational field → the model it points to, by model.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Relations(pub BTreeMap<String, BTreeMap<String, String>>);

impl Relations {
    /// The model `field` of `model` points to, when known.
    pub fn target(&self, model: &str, field: &str) -> Option<&str> {
        self.0.get(model)?.get(field).map(String::as_str)
    }

    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every relational field name known, of any model: where ids stand in answers.
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.0
            .values()
            .flat_map(|fields| fields.keys().map(String::as_str))
    }

    /// Learns what an answer says about fields: a `fields_get` of `model`, or the `models` of
    /// a `get_views`/`load_views` answer. Other answers teach nothing.
    pub fn learn(&mut self, model: Option<&str>, method: Option<&str>, result: &Value) {
        match method {
            Some("fields_get") => {
                if let (Some(model), Some(fields)) = (model, result.as_object()) {
                    self.learn_fields(model, fields);
                }
            }
            Some("get_views" | "load_views") => {
                if let Some(models) = result.get("models").and_then(Value::as_object) {
                    for (model, described) in models {
                        // 16–18: the fields themselves; 19: under `fields`.
                        let fields = described
                            .get("fields")
                            .and_then(Value::as_object)
                            .or_else(|| described.as_object());
                        if let Some(fields) = fields {
                            self.learn_fields(model, fields);
                        }
                    }
                }
                // 14/15 `load_views`: the model's own fields at the top.
                if let (Some(model), Some(fields)) =
                    (model, result.get("fields").and_then(Value::as_object))
                {
                    self.learn_fields(model, fields);
                }
            }
            _ => {}
        }
    }

    fn learn_fields(&mut self, model: &str, fields: &Map<String, Value>) {
        for (name, field) in fields {
            let relational = field
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| matches!(t, "many2one" | "one2many" | "many2many"));
            if let (true, Some(target)) =
                (relational, field.get("relation").and_then(Value::as_str))
            {
                self.0
                    .entry(model.to_string())
                    .or_default()
                    .insert(name.clone(), target.to_string());
                // A one2many names its inverse (`order_line` → `order_id`), which the line's
                // view may not list although its onchange sends the order's values under it.
                if let Some(inverse) = field.get("relation_field").and_then(Value::as_str) {
                    self.0
                        .entry(target.to_string())
                        .or_default()
                        .entry(inverse.to_string())
                        .or_insert_with(|| model.to_string());
                }
            }
        }
    }

    /// Keeps only the models in `models` and those their fields point to, so a suite caches
    /// what its steps need rather than every model a screen described.
    pub fn keep(&mut self, models: &std::collections::BTreeSet<String>) {
        self.0.retain(|model, _| models.contains(model));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_get_and_both_get_views_shapes() {
        let mut relations = Relations::default();
        relations.learn(
            Some("sale.order"),
            Some("fields_get"),
            &json!({"order_line": {"type": "one2many", "relation": "sale.order.line", "relation_field": "order_id"}, "name": {"type": "char"}, "partner_id": {"type": "many2one", "relation": "res.partner"}}),
        );
        relations.learn(
            Some("sale.order"),
            Some("get_views"),
            &json!({"views": {}, "models": {"sale.order.line": {"product_id": {"type": "many2one", "relation": "product.product"}}, "res.partner": {"fields": {"category_id": {"type": "many2many", "relation": "res.partner.category"}}}}}),
        );
        assert_eq!(
            relations.target("sale.order", "order_line"),
            Some("sale.order.line")
        );
        assert_eq!(relations.target("sale.order", "name"), None);
        assert_eq!(
            relations.target("sale.order.line", "order_id"),
            Some("sale.order")
        );
        assert_eq!(
            relations.target("sale.order.line", "product_id"),
            Some("product.product")
        );
        assert_eq!(
            relations.target("res.partner", "category_id"),
            Some("res.partner.category")
        );
        relations.learn(Some("res.partner"), Some("read"), &json!([{"id": 1}]));
        assert_eq!(relations.0.len(), 3);
    }
}
