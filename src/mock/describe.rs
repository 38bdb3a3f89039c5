//! The mock's `/doc-bearer/<model>.json`: Odoo 19 describes a model's methods there (see
//! [`crate::odoo::signatures`]), and a JSON-2 client asks before it names arguments. The mock
//! describes the methods its recording holds for the model, with the parameters odoo-har's
//! table gives them for 19: the names it matches JSON-2 calls by.

use serde_json::Value;

use super::http::Response;
use crate::odoo::signatures::{self, ParamKind};

/// The description of `model`'s recorded `methods`, as Odoo 19's `api_doc` writes it
/// (`kind` only when not `POSITIONAL_OR_KEYWORD`; parameters in order, so written as text:
/// a `Map` here would sort them). `None` when nothing is recorded for the model.
pub fn doc_bearer<'a>(model: &str, methods: impl Iterator<Item = &'a str>) -> Option<Response> {
    let quote = |text: &str| Value::String(text.to_string()).to_string();
    let mut described: Vec<String> = methods
        .filter_map(|method| {
            let signature = signatures::builtin(method, Some(19))?;
            let parameters: Vec<String> = signature
                .params
                .iter()
                .map(|p| match p.kind {
                    ParamKind::PositionalOrKeyword => format!("{}: {{}}", quote(&p.name)),
                    kind => format!(
                        "{}: {{\"kind\": {}}}",
                        quote(&p.name),
                        serde_json::to_string(&kind).unwrap_or_default()
                    ),
                })
                .collect();
            let api: Vec<&str> = [
                (signature.model, "\"model\""),
                (signature.readonly, "\"readonly\""),
            ]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
            Some(format!(
                "{}: {{\"signature\": {}, \"parameters\": {{{}}}, \"api\": [{}], \"model\": \"core\", \"module\": \"core\"}}",
                quote(method),
                quote(&signature.text()),
                parameters.join(", "),
                api.join(", ")
            ))
        })
        .collect();
    described.sort();
    described.dedup();
    if described.is_empty() {
        return None;
    }
    let body = format!(
        "{{\"model\": {m}, \"name\": {m}, \"doc\": null, \"fields\": {{}}, \"methods\": {{{}}}}}",
        described.join(", "),
        m = quote(model)
    );
    Some(Response::text(
        200,
        "application/json; charset=utf-8",
        &body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_reads_back_as_the_table_says() {
        let response = doc_bearer(
            "res.partner",
            ["search_read", "write", "x_custom"].into_iter(),
        )
        .unwrap();
        let (model, methods) = signatures::parse_doc(&response.body).unwrap();
        assert_eq!(model, "res.partner");
        assert_eq!(methods.keys().collect::<Vec<_>>(), ["search_read", "write"]);
        assert_eq!(
            methods["search_read"],
            signatures::builtin("search_read", Some(19)).unwrap()
        );
        assert!(doc_bearer("res.partner", ["x_custom"].into_iter()).is_none());
    }
}
