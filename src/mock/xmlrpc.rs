//! The mock's XML-RPC face: `/xmlrpc/2/<service>` (and the legacy `/xmlrpc/<service>`), for
//! clients such as Python's `xmlrpc.client`, which the external-API documentation uses.
//!
//! An XML-RPC call is its `/jsonrpc` twin in another encoding, so it is answered by the same
//! code from the same recordings, whatever dialect they were made in, and the answer is
//! written back as XML: a result as a `methodResponse`, an Odoo error as the fault Odoo sends
//! for that exception.

use serde_json::{Value, json};

use super::http::{Request, Response};
use super::server::Mock;
use crate::odoo::rpc;
use crate::odoo::xmlrpc::{self, Message};

/// The service an XML-RPC path names, and whether it is the legacy route (string fault codes).
pub fn service(path: &str) -> Option<(&str, bool)> {
    let (rest, legacy) = match path.strip_prefix("/xmlrpc/2/") {
        Some(rest) => (rest, false),
        None => (path.strip_prefix("/xmlrpc/")?, true),
    };
    let service = rest.trim_end_matches('/');
    (!service.is_empty() && !service.contains('/')).then_some((service, legacy))
}

impl Mock {
    /// Answers an XML-RPC call to `service`, and says in a few words what it did.
    pub(super) fn answer_xml_rpc(
        &self,
        request: &Request,
        service: &str,
        legacy: bool,
    ) -> (Response, String) {
        let call = std::str::from_utf8(&request.body)
            .map_err(|e| e.to_string())
            .and_then(xmlrpc::parse);
        let (method, params) = match call {
            Ok(Message::Call { method, params }) => (method, params),
            Ok(_) => return python_fault("expected a <methodCall>", legacy),
            Err(why) => return python_fault(&why, legacy),
        };
        let twin = json!({"jsonrpc": "2.0", "method": "call", "id": null,
            "params": {"service": service, "method": method, "args": params}});
        let (answer, what) = self.answer_json(request, "/jsonrpc", twin);
        let envelope: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        if let Some(error) = envelope.get("error").filter(|e| !e.is_null()) {
            let error = rpc::json_rpc_error(error);
            let (code, string) = if legacy {
                let (code, string) = error.legacy_xml_rpc_fault();
                (Value::String(code), string)
            } else {
                let (code, string) = error.xml_rpc_fault();
                (Value::from(code), string)
            };
            let what = format!("{what} (fault {code})");
            return (xml(&xmlrpc::fault_response(&code, &string)), what);
        }
        let result = envelope.get("result").cloned().unwrap_or(Value::Null);
        match xmlrpc::method_response(&result) {
            Some(body) => (xml(&body), what),
            // What Odoo itself answers for a method that returned None.
            None => {
                let (answer, _) =
                    python_fault("cannot marshal None unless allow_none is enabled", legacy);
                let why = "(fault: the answer holds a null, which Odoo cannot send over XML-RPC)";
                (answer, format!("{what} {why}"))
            }
        }
    }
}

fn xml(body: &str) -> Response {
    Response::text(200, "text/xml; charset=utf-8", body)
}

/// The fault Odoo sends when Python itself fails (code 1, the traceback as the string).
fn python_fault(why: &str, legacy: bool) -> (Response, String) {
    let (exception, message) = match why.strip_prefix("cannot marshal") {
        Some(_) => ("TypeError", why.to_string()),
        None => ("xml.parsers.expat.ExpatError", why.to_string()),
    };
    let traceback =
        format!("Traceback (most recent call last):\n  (odoo-har mock)\n{exception}: {message}\n");
    let code = if legacy {
        Value::String(message.clone())
    } else {
        Value::from(1)
    };
    (
        xml(&xmlrpc::fault_response(&code, &traceback)),
        format!("→ fault 1: {exception}: {message}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_by_path() {
        assert_eq!(service("/xmlrpc/2/object"), Some(("object", false)));
        assert_eq!(service("/xmlrpc/common"), Some(("common", true)));
        assert_eq!(service("/xmlrpc/2/"), None);
        assert_eq!(service("/jsonrpc"), None);
    }
}
