//! Sending: every request is a POST with a JSON body; TLS certificates are verified unless the
//! user says `--insecure`. Failures are classified by what they mean for a retry: whether the
//! request can have reached the server.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper_util::rt::TokioIo;

use super::connect::{Connector, Proxy, Target, host_of};

/// An HTTP answer, whatever its status.
#[derive(Debug, Clone)]
pub struct HttpReply {
    pub status: u16,
    /// Kept as received: most runs never read them, and copying them out costs per step.
    pub headers: HeaderMap,
    pub body: Bytes,
    pub elapsed: Duration,
}
impl HttpReply {
    /// The first header of that name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Where a redirect (3xx with a `Location`) points.
    pub fn redirect(&self) -> Option<&str> {
        (300..400)
            .contains(&self.status)
            .then(|| self.header("location"))
            .flatten()
    }

    /// Every value of a header (`Set-Cookie` comes once per cookie).
    pub fn header_values(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    }

    /// All headers as name/value pairs.
    pub fn header_pairs(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect()
    }
}

/// Why no HTTP answer came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Nothing listens there (or a firewall said no): the request was never sent.
    Refused(String),
    /// The name does not resolve.
    Dns(String),
    /// The certificate or the TLS handshake failed.
    Tls(String),
    /// The connection broke after the request went out: the server may have acted on it.
    Lost(String),
    /// No complete answer in time: the server may have acted on it.
    Timeout(Duration),
    Other(String),
}

impl Fault {
    /// True when the request cannot have reached the server, so even a write may be sent again.
    pub fn never_sent(&self) -> bool {
        matches!(self, Fault::Refused(_))
    }

    /// True for faults that may pass: worth a retry.
    pub fn transient(&self) -> bool {
        matches!(self, Fault::Refused(_) | Fault::Lost(_) | Fault::Timeout(_))
    }

    /// What happened, for a person.
    pub fn describe(&self) -> String {
        match self {
            Fault::Refused(why) => {
                match why.to_ascii_lowercase().strip_prefix("connection refused") {
                    Some(rest) => format!("connection refused{rest}"),
                    None => format!("connection refused ({why})"),
                }
            }
            Fault::Dns(why) => format!("the host name does not resolve ({why})"),
            Fault::Tls(why) => format!("TLS failed ({why}); --insecure skips certificate checks"),
            Fault::Lost(why) => {
                format!("the connection broke before the answer was complete ({why})")
            }
            Fault::Timeout(after) => {
                format!("no answer within {:.1} s (--timeout)", after.as_secs_f64())
            }
            Fault::Other(why) => why.clone(),
        }
    }
}

/// An HTTP/1.1 client bound to one Odoo: it keeps the connections it opened and sends each
/// request on an idle one, so `--jobs N` workers hold at most N connections.
///
/// It is hyper's connection, not a general-purpose client: a replay sends tens of thousands
/// of small POSTs to one host, and what a general client does per request (URL parsing,
/// pool keys, redirect and proxy policies) was a third of the send loop's time.
#[derive(Clone, Debug)]
pub struct Client {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    base: String,
    /// What each request's target starts with before its route: the base URL's path
    /// (`/odoo` in `https://host/odoo`), or the whole base URL for a proxy in the clear.
    target_prefix: String,
    host: HeaderValue,
    /// `Proxy-Authorization` for a proxy in the clear that asks for it.
    proxy_authorization: Option<HeaderValue>,
    connector: Connector,
    timeout: Duration,
    idle: Mutex<Vec<SendRequest<Full<Bytes>>>>,
}

const USER_AGENT: &str = concat!("odoo-har/", env!("CARGO_PKG_VERSION"));

impl Client {
    /// A client for the Odoo at `base` (`https://mycompany.odoo.com`), through the proxy
    /// the environment names (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`).
    pub fn new(
        base: &str,
        insecure: bool,
        timeout: Duration,
        connections: usize,
    ) -> Result<Client, String> {
        let env = |name: &str| std::env::var(name).ok();
        Client::with_env(base, insecure, timeout, connections, env)
    }

    /// [`Client::new`] with the environment given, so tests need not change the process's.
    pub fn with_env(
        base: &str,
        insecure: bool,
        timeout: Duration,
        connections: usize,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Client, String> {
        let parsed = url::Url::parse(base).map_err(|e| format!("--url {base}: {e}"))?;
        let tls = match parsed.scheme() {
            "http" => false,
            "https" => true,
            _ => return Err(format!("--url {base}: give an http:// or https:// address")),
        };
        let host =
            host_of(&parsed).ok_or_else(|| format!("--url {base}: the address has no host"))?;
        let target = Target {
            tls,
            host,
            port: parsed
                .port_or_known_default()
                .unwrap_or(if tls { 443 } else { 80 }),
        };
        let proxy = Proxy::for_target(&target, env)?;
        let host =
            HeaderValue::from_str(&target.authority()).map_err(|e| format!("--url {base}: {e}"))?;
        let connector = Connector::new(target, proxy, insecure)?;
        let proxy_authorization = connector
            .proxy_authorization()
            .map(HeaderValue::from_str)
            .transpose()
            .map_err(|_| "the proxy credentials are not a valid header".to_string())?;
        let base = base.trim_end_matches('/').to_string();
        let target_prefix = match connector.absolute_form() {
            true => base.clone(),
            false => parsed.path().trim_end_matches('/').to_string(),
        };
        Ok(Client {
            shared: Arc::new(Shared {
                base,
                target_prefix,
                host,
                proxy_authorization,
                connector,
                timeout,
                idle: Mutex::new(Vec::with_capacity(connections)),
            }),
        })
    }

    pub fn base(&self) -> &str {
        &self.shared.base
    }

    /// What `common.version` answers (`server_version`, `server_version_info`, …): it needs
    /// no login. `None` when the server gives no such answer.
    pub async fn common_version(&self) -> Option<serde_json::Value> {
        let body = serde_json::json!({"jsonrpc": "2.0", "method": "call", "params": {"service": "common", "method": "version", "args": []}, "id": 0});
        let reply = self
            .post("/jsonrpc", Bytes::from(body.to_string()), &[])
            .await
            .ok()?;
        let mut value: serde_json::Value = serde_json::from_slice(&reply.body).ok()?;
        value.get_mut("result").map(serde_json::Value::take)
    }

    /// Posts a JSON body to `route` (a path on the base URL). Redirects are not followed: a
    /// client that follows one turns the POST into a GET, and Odoo would not get the call.
    pub async fn post(
        &self,
        route: &str,
        body: Bytes,
        headers: &[(String, String)],
    ) -> Result<HttpReply, Fault> {
        let start = Instant::now();
        let request = self.request(route, body, headers)?;
        let timeout = self.shared.timeout;
        let (status, headers, body) = tokio::time::timeout(timeout, self.exchange(request))
            .await
            .map_err(|_| Fault::Timeout(timeout))??;
        Ok(HttpReply {
            status,
            headers,
            body,
            elapsed: start.elapsed(),
        })
    }

    fn request(
        &self,
        route: &str,
        body: Bytes,
        headers: &[(String, String)],
    ) -> Result<hyper::Request<Full<Bytes>>, Fault> {
        let shared = &self.shared;
        let mut request = hyper::Request::post(format!("{}{route}", shared.target_prefix))
            .body(Full::new(body))
            .map_err(|e| Fault::Other(format!("cannot build a request to {route}: {e}")))?;
        let map = request.headers_mut();
        map.insert(hyper::header::HOST, shared.host.clone());
        map.insert(
            hyper::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        map.insert(
            hyper::header::USER_AGENT,
            HeaderValue::from_static(USER_AGENT),
        );
        if let Some(authorization) = &shared.proxy_authorization {
            map.insert(hyper::header::PROXY_AUTHORIZATION, authorization.clone());
        }
        for (name, value) in headers {
            // The header's value may be a secret: only its name is told.
            let invalid = || Fault::Other(format!("the {name} header is not a valid HTTP header"));
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
            let value = HeaderValue::from_str(value).map_err(|_| invalid())?;
            map.insert(name, value);
        }
        Ok(request)
    }

    /// Sends on an idle connection, or on a new one. A kept connection the server closed
    /// meanwhile gives the request back unsent, and it goes out on a fresh one.
    async fn exchange(
        &self,
        mut request: hyper::Request<Full<Bytes>>,
    ) -> Result<(u16, HeaderMap, Bytes), Fault> {
        loop {
            let (mut sender, kept) = match self.idle() {
                Some(sender) => (sender, true),
                None => (self.open().await?, false),
            };
            if let Err(error) = sender.ready().await {
                match kept {
                    true => continue,
                    false => return Err(Fault::Lost(error.to_string())),
                }
            }
            let response = match sender.try_send_request(request).await {
                Ok(response) => response,
                Err(mut error) => match error.take_message() {
                    Some(unsent) if kept => {
                        request = unsent;
                        continue;
                    }
                    _ => return Err(Fault::Lost(error.into_error().to_string())),
                },
            };
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|e| Fault::Lost(e.to_string()))?
                .to_bytes();
            self.keep(sender);
            return Ok((parts.status.as_u16(), parts.headers, body));
        }
    }

    fn idle(&self) -> Option<SendRequest<Full<Bytes>>> {
        let mut idle = self.shared.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(sender) = idle.pop() {
            if !sender.is_closed() {
                return Some(sender);
            }
        }
        None
    }

    fn keep(&self, sender: SendRequest<Full<Bytes>>) {
        if !sender.is_closed() {
            let mut idle = self.shared.idle.lock().unwrap_or_else(|p| p.into_inner());
            idle.push(sender);
        }
    }

    async fn open(&self) -> Result<SendRequest<Full<Bytes>>, Fault> {
        let io = self.shared.connector.connect().await?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .map_err(|e| Fault::Lost(e.to_string()))?;
        // The connection's own task: it ends when the server closes it or the last sender
        // is dropped; its error, if any, is the request's.
        tokio::spawn(connection);
        Ok(sender)
    }
}

/// The wait before retry number `attempt` (1-based): 100 ms doubling, at most 2 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((100u64 << attempt.saturating_sub(1).min(5)).min(2_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_millis(100));
        assert_eq!(backoff(2), Duration::from_millis(200));
        assert_eq!(backoff(9), Duration::from_millis(2_000));
    }

    #[test]
    fn only_refused_connections_were_never_sent() {
        assert!(Fault::Refused("x".into()).never_sent());
        assert!(!Fault::Lost("x".into()).never_sent());
        assert!(Fault::Timeout(Duration::from_secs(1)).transient());
        assert!(!Fault::Tls("x".into()).transient());
    }

    #[tokio::test]
    async fn a_closed_port_is_refused_and_urls_are_checked() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let client = Client::new(
            &format!("http://127.0.0.1:{port}"),
            false,
            Duration::from_secs(2),
            1,
        )
        .unwrap();
        let fault = client
            .post("/jsonrpc", Bytes::from_static(b"{}"), &[])
            .await
            .unwrap_err();
        assert!(matches!(fault, Fault::Refused(_)), "{fault:?}");
        assert!(
            Client::new("ftp://x", false, Duration::from_secs(1), 1)
                .unwrap_err()
                .contains("http:// or https://")
        );
        assert!(Client::new("not a url", false, Duration::from_secs(1), 1).is_err());
    }
}
