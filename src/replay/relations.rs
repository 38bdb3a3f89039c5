//! Asking a server how the models a suite touches relate: `fields_get` (a POST, as everything
//! odoo-har sends) for each model the capture did not describe, so links follow Odoo's own
//! relations where the capture holds no `fields_get` or `get_views` answer of a model.

use serde_json::json;

use super::auth::Auth;
use super::client::Client;
use crate::odoo::relations::Relations;

/// What the server said of `models`' relational fields, and the models it would not describe
/// (with why).
pub async fn ask<'a>(
    auth: &Auth,
    client: &Client,
    models: impl IntoIterator<Item = &'a str>,
) -> (Relations, Vec<String>) {
    let mut relations = Relations::default();
    let mut refused = Vec::new();
    for model in models {
        let answer = auth
            .call_model(
                client,
                model,
                "fields_get",
                None,
                json!({"attributes": ["type", "relation", "relation_field"]}),
            )
            .await;
        match answer {
            Ok(fields) => relations.learn(Some(model), Some("fields_get"), &fields),
            Err(why) => refused.push(format!("{model}: {why}")),
        }
    }
    (relations, refused)
}
