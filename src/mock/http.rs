//! The mock's HTTP server, on hyper (which the replay's client uses too): HTTP/1.1 with
//! keep-alive, `Content-Length` or chunked bodies, answered by a plain function.
//!
//! The mock never misbehaves on purpose, so it has no use for a hand-written server; the
//! tests' fake Odoo, which must cut connections and stall, keeps one in `tests/support/`,
//! with these same [`Request`] and [`Response`].

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// Request bodies larger than this are refused (413): the largest real Odoo call is a few
/// megabytes (an attachment's base64).
const MAX_BODY: usize = 256 * 1024 * 1024;

/// A request as the mock sees it: the body read whole.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first header of that name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split(['?', '#']).next().unwrap_or("/")
    }

    /// A cookie the request carries.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let header = self.header("cookie")?;
        crate::capture::parse_cookie_header(header)
            .into_iter()
            .find(|c| c.name == name)
            .map(|c| c.value)
    }
}

/// A response to send.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON response.
    pub fn json(status: u16, body: &serde_json::Value) -> Response {
        Response::bytes(
            status,
            "application/json; charset=utf-8",
            serde_json::to_vec(body).unwrap_or_default(),
        )
    }

    /// A text, HTML or XML response.
    pub fn text(status: u16, content_type: &str, body: &str) -> Response {
        Response::bytes(status, content_type, body.as_bytes().to_vec())
    }

    fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
        }
    }

    /// The response with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// What answers a request.
pub type Handler = Arc<dyn Fn(Request) -> Response + Send + Sync>;

/// Serves connections from `listener` until the future is dropped.
pub async fn serve(listener: TcpListener, handler: Handler) {
    loop {
        // A failed accept (too many open files, a reset before accept) ends one connection,
        // not the server.
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let handler = handler.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let handler = handler.clone();
                async move { Ok::<_, Infallible>(answer(request, &handler).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(
    request: hyper::Request<Incoming>,
    handler: &Handler,
) -> hyper::Response<Full<Bytes>> {
    let (head, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(why) => {
            let status = if why.is::<http_body_util::LengthLimitError>() {
                413
            } else {
                400
            };
            return to_hyper(Response::text(
                status,
                "text/plain; charset=utf-8",
                &format!("cannot read the request body: {why}"),
            ));
        }
    };
    let request = Request {
        method: head.method.as_str().to_string(),
        target: head
            .uri
            .path_and_query()
            .map_or_else(|| head.uri.path().to_string(), |p| p.as_str().to_string()),
        headers: head
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    to_hyper(handler(request))
}

fn to_hyper(response: Response) -> hyper::Response<Full<Bytes>> {
    let mut reply = hyper::Response::new(Full::new(Bytes::from(response.body)));
    *reply.status_mut() =
        hyper::StatusCode::from_u16(response.status).unwrap_or(hyper::StatusCode::OK);
    for (name, value) in response.headers {
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(&value),
        ) {
            reply.headers_mut().append(name, value);
        }
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn echo() -> Handler {
        Arc::new(|request: Request| {
            let body = serde_json::json!({"method": request.method, "path": request.path(), "body": String::from_utf8_lossy(&request.body), "type": request.header("content-type")});
            Response::json(200, &body)
        })
    }

    async fn exchange(raw: &[u8]) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(serve(listener, echo()));
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(raw).await.unwrap();
        let mut out = Vec::new();
        let _ = tokio::time::timeout(
            std::time::Duration::from_millis(500),
            stream.read_to_end(&mut out),
        )
        .await;
        server.abort();
        String::from_utf8_lossy(&out).into_owned()
    }

    #[tokio::test]
    async fn keep_alive_content_length_and_chunked() {
        let out = exchange(b"POST /jsonrpc HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 2\r\n\r\n{}POST /a?x=1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").await;
        assert_eq!(out.matches("HTTP/1.1 200 OK").count(), 2, "{out}");
        assert!(
            out.contains(r#""body":"{}""#)
                && out.contains(r#""body":"abcde""#)
                && out.contains(r#""path":"/a""#)
                && out.contains(r#""type":"text/xml""#),
            "{out}"
        );
    }

    #[tokio::test]
    async fn malformed_requests_get_an_error_not_a_panic() {
        let out = exchange(b"POST /x HTTP/1.1\r\nContent-Length: nope\r\n\r\n").await;
        assert!(out.starts_with("HTTP/1.1 400 Bad Request"), "{out}");
        let big = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(600_000));
        assert!(exchange(big.as_bytes()).await.starts_with("HTTP/1.1 431"));
    }
}
