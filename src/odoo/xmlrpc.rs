//! XML-RPC bodies (`/xmlrpc/2/common`, `/xmlrpc/2/object`, `/xmlrpc/2/db`) read into JSON
//! values, so that an XML-RPC call is recognised exactly like its `/jsonrpc` twin.

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Map, Number, Value};

/// Nesting deeper than this is refused: real calls nest a domain a few levels deep, and the
/// conversion below is recursive.
const MAX_DEPTH: usize = 256;

/// A parsed XML-RPC document.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// `<methodCall>`: what the client asked for.
    Call { method: String, params: Vec<Value> },
    /// `<methodResponse>` with a value.
    Response(Value),
    /// `<methodResponse>` with a `<fault>`.
    Fault { code: i64, message: String },
}

#[derive(Debug, Default)]
struct Element {
    name: String,
    children: Vec<Node>,
}

#[derive(Debug)]
enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                Node::Element(_) => None,
            })
            .collect()
    }
}

/// Parses an XML-RPC request or response body.
pub fn parse(body: &str) -> Result<Message, String> {
    let root = tree(body)?;
    match root.name.as_str() {
        "methodCall" => {
            let method = root
                .child("methodName")
                .map(|m| m.text().trim().to_string())
                .ok_or("methodCall without methodName")?;
            let params = match root.child("params") {
                Some(params) => params
                    .elements()
                    .filter(|p| p.name == "param")
                    .map(param_value)
                    .collect::<Result<_, _>>()?,
                None => Vec::new(),
            };
            Ok(Message::Call { method, params })
        }
        "methodResponse" => {
            if let Some(fault) = root.child("fault") {
                let value = fault
                    .child("value")
                    .map(value)
                    .transpose()?
                    .unwrap_or(Value::Null);
                let code = value
                    .get("faultCode")
                    .and_then(|c| c.as_i64().or_else(|| c.as_str()?.parse().ok()))
                    .unwrap_or(0);
                let message = value
                    .get("faultString")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                return Ok(Message::Fault { code, message });
            }
            let first = root
                .child("params")
                .and_then(|p| p.elements().find(|e| e.name == "param"));
            Ok(Message::Response(
                first.map(param_value).transpose()?.unwrap_or(Value::Null),
            ))
        }
        other => Err(format!(
            "expected <methodCall> or <methodResponse>, found <{other}>"
        )),
    }
}

/// An XML-RPC `methodCall` body for `method` with `params`, as Python's xmlrpc.client
/// writes them (`null` as `<nil/>`, which Odoo accepts).
pub fn method_call(method: &str, params: &[Value]) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\"?>\n<methodCall>\n<methodName>{}</methodName>\n<params>\n",
        escape(method)
    );
    for param in params {
        xml.push_str("<param>");
        write_value(&mut xml, param);
        xml.push_str("</param>\n");
    }
    xml.push_str("</params>\n</methodCall>\n");
    xml
}

/// An XML-RPC `methodResponse` holding `value`, as Odoo writes one. `None` when the value
/// holds a `null` anywhere: Odoo marshals with `allow_none=False`, so such an answer is a
/// fault on a real server, never `<nil/>` (16 `rpc.py` `_xmlrpc`).
pub fn method_response(value: &Value) -> Option<String> {
    if has_null(value) {
        return None;
    }
    let mut xml = String::from("<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n");
    write_value(&mut xml, value);
    xml.push_str("\n</param>\n</params>\n</methodResponse>\n");
    Some(xml)
}

/// An XML-RPC fault: `code` an integer (`/xmlrpc/2`) or a string (the legacy `/xmlrpc`).
pub fn fault_response(code: &Value, string: &str) -> String {
    let mut xml = String::from("<?xml version=\"1.0\"?>\n<methodResponse>\n<fault>\n");
    let fault = serde_json::json!({"faultCode": code, "faultString": string});
    write_value(&mut xml, &fault);
    xml.push_str("\n</fault>\n</methodResponse>\n");
    xml
}

fn has_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().any(has_null),
        Value::Object(map) => map.values().any(has_null),
        _ => false,
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn write_value(xml: &mut String, value: &Value) {
    xml.push_str("<value>");
    match value {
        Value::Null => xml.push_str("<nil/>"),
        Value::Bool(b) => xml.push_str(&format!("<boolean>{}</boolean>", u8::from(*b))),
        Value::Number(n) if n.is_i64() => xml.push_str(&format!("<int>{n}</int>")),
        Value::Number(n) => xml.push_str(&format!("<double>{n}</double>")),
        Value::String(s) => xml.push_str(&format!("<string>{}</string>", escape(s))),
        Value::Array(items) => {
            xml.push_str("<array><data>");
            items.iter().for_each(|item| write_value(xml, item));
            xml.push_str("</data></array>");
        }
        Value::Object(map) => {
            xml.push_str("<struct>");
            for (name, item) in map {
                xml.push_str(&format!("<member><name>{}</name>", escape(name)));
                write_value(xml, item);
                xml.push_str("</member>");
            }
            xml.push_str("</struct>");
        }
    }
    xml.push_str("</value>");
}

fn param_value(param: &Element) -> Result<Value, String> {
    param.child("value").map(value).unwrap_or(Ok(Value::Null))
}

fn value(element: &Element) -> Result<Value, String> {
    let Some(typed) = element.elements().next() else {
        // A <value> with no type element is a string.
        return Ok(Value::String(element.text()));
    };
    let text = || typed.text();
    Ok(match typed.name.as_str() {
        "int" | "i4" | "i8" => {
            let t = text();
            Value::Number(
                t.trim()
                    .parse::<i64>()
                    .map_err(|_| format!("<{}> holds `{t}`, not an integer", typed.name))?
                    .into(),
            )
        }
        "boolean" => Value::Bool(text().trim() == "1"),
        "double" => {
            let t = text();
            let n = t
                .trim()
                .parse::<f64>()
                .map_err(|_| format!("<double> holds `{t}`, not a number"))?;
            Number::from_f64(n)
                .map(Value::Number)
                .unwrap_or(Value::Null)
        }
        "string" | "dateTime.iso8601" | "base64" => Value::String(text()),
        "nil" => Value::Null,
        "array" => {
            let data = typed.child("data");
            Value::Array(
                data.map(|d| {
                    d.elements()
                        .filter(|e| e.name == "value")
                        .map(value)
                        .collect()
                })
                .transpose()?
                .unwrap_or_default(),
            )
        }
        "struct" => {
            let mut map = Map::new();
            for member in typed.elements().filter(|e| e.name == "member") {
                let name = member.child("name").map(Element::text).unwrap_or_default();
                let v = member
                    .child("value")
                    .map(value)
                    .transpose()?
                    .unwrap_or(Value::Null);
                map.insert(name, v);
            }
            Value::Object(map)
        }
        other => return Err(format!("unknown XML-RPC type <{other}>")),
    })
}

fn tree(body: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(body);
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        let event = reader.read_event().map_err(|e| {
            format!(
                "not well-formed XML at byte {}: {e}",
                reader.error_position()
            )
        })?;
        match event {
            Event::Start(start) => {
                if stack.len() > MAX_DEPTH {
                    return Err(format!("nested deeper than {MAX_DEPTH} levels"));
                }
                stack.push(Element {
                    name: start.name().as_ref().to_string(),
                    children: Vec::new(),
                });
            }
            Event::Empty(empty) => {
                let element = Element {
                    name: empty.name().as_ref().to_string(),
                    children: Vec::new(),
                };
                push(&mut stack, Node::Element(element));
            }
            Event::End(_) => {
                let element = stack
                    .pop()
                    .filter(|_| !stack.is_empty())
                    .ok_or("a closing tag closes nothing")?;
                push(&mut stack, Node::Element(element));
            }
            Event::Text(text) => push(&mut stack, Node::Text(text.xml10_content().into_owned())),
            Event::CData(data) => push(&mut stack, Node::Text(data.xml10_content().into_owned())),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => match &*reference.xml10_content() {
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "amp" => "&".into(),
                        "apos" => "'".into(),
                        "quot" => "\"".into(),
                        other => return Err(format!("unknown entity &{other};")),
                    },
                };
                push(&mut stack, Node::Text(resolved));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err("the document ends before its elements are closed".into());
    }
    let document = stack.pop().unwrap_or_default();
    document
        .children
        .into_iter()
        .find_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
        .ok_or_else(|| "no root element".to_string())
}

fn push(stack: &mut [Element], node: Node) {
    if let Some(parent) = stack.last_mut() {
        parent.children.push(node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn execute_kw_call_becomes_json() {
        let body = r#"<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params>
            <param><value><string>odoo19_lab</string></value></param><param><value><int>2</int></value></param>
            <param><value><string>a&amp;b &#233;</string></value></param><param><value>res.partner</value></param>
            <param><value><string>search_count</string></value></param>
            <param><value><array><data><value><array><data><value><array><data>
              <value><string>is_company</string></value><value><string>=</string></value><value><boolean>1</boolean></value>
            </data></array></value></data></array></value></data></array></value></param>
            <param><value><struct><member><name>limit</name><value><i4>5</i4></value></member>
              <member><name>x</name><value><nil/></value></member><member><name>d</name><value><double>1.5</double></value></member></struct></value></param>
            </params></methodCall>"#;
        let Message::Call { method, params } = parse(body).unwrap() else {
            panic!("not a call")
        };
        assert_eq!(method, "execute_kw");
        assert_eq!(
            Value::Array(params),
            json!(["odoo19_lab", 2, "a&b é", "res.partner", "search_count", [[["is_company", "=", true]]], {"limit": 5, "x": null, "d": 1.5}])
        );
    }

    #[test]
    fn calls_written_read_back_the_same() {
        let params = vec![
            json!("db"),
            json!(2),
            json!("a<b&c"),
            json!("res.partner"),
            json!("search_read"),
            json!([[["is_company", "=", true]]]),
            json!({"limit": 5, "x": null, "f": 1.5}),
        ];
        let xml = method_call("execute_kw", &params);
        assert_eq!(
            parse(&xml).unwrap(),
            Message::Call {
                method: "execute_kw".into(),
                params
            }
        );
    }

    #[test]
    fn responses_and_faults() {
        let ok = "<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n<value><int>10</int></value>\n</param>\n</params>\n</methodResponse>\n";
        assert_eq!(parse(ok).unwrap(), Message::Response(json!(10)));
        let fault = "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>3</int></value></member>\
                     <member><name>faultString</name><value><string>Access Denied</string></value></member></struct></value></fault></methodResponse>";
        assert_eq!(
            parse(fault).unwrap(),
            Message::Fault {
                code: 3,
                message: "Access Denied".into()
            }
        );
    }

    #[test]
    fn broken_and_hostile_xml_is_an_error_not_a_panic() {
        assert!(
            parse("<methodCall><methodName>x")
                .unwrap_err()
                .contains("ends before")
        );
        assert!(parse("<methodCall><params><param><value><int>x</int></value></param></params><methodName>m</methodName></methodCall>").unwrap_err().contains("not an integer"));
        let deep = "<value><array><data>".repeat(400);
        assert!(
            parse(&format!(
                "<methodCall><methodName>m</methodName><params><param>{deep}"
            ))
            .unwrap_err()
            .contains("nested deeper")
        );
        assert!(
            parse("<html><body>login</body></html>")
                .unwrap_err()
                .contains("expected <methodCall>")
        );
    }

    #[test]
    fn responses_and_faults_written_read_back_the_same() {
        let value = json!({"records": [{"id": 7, "name": "a<b", "active": true, "rate": 0.5}], "length": 1});
        let xml = method_response(&value).unwrap();
        assert_eq!(parse(&xml).unwrap(), Message::Response(value));
        assert_eq!(method_response(&json!([1, {"x": null}])), None);
        let fault = fault_response(&json!(3), "Access Denied");
        assert_eq!(
            parse(&fault).unwrap(),
            Message::Fault {
                code: 3,
                message: "Access Denied".into()
            }
        );
        assert!(
            fault_response(&json!("AccessDenied"), "x").contains("<string>AccessDenied</string>")
        );
    }
}
