//! Sending: every request is a POST with a JSON body; TLS certificates are verified unless the
//! user says `--insecure`. Failures are classified by what they mean for a retry: whether the
//! request can have reached the server.

use std::time::{Duration, Instant};

use bytes::Bytes;

/// An HTTP answer, whatever its status.
#[derive(Debug, Clone)]
pub struct HttpReply {
    pub status: u16,
    /// Kept as received: most runs never read them, and copying them out costs per step.
    pub headers: reqwest::header::HeaderMap,
    pub body: Bytes,
    pub elapsed: Duration,
}

impl HttpReply {
    /// The first header of that name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
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

/// An HTTP client bound to one Odoo.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    timeout: Duration,
}

impl Client {
    /// A client for the Odoo at `base` (`https://mycompany.odoo.com`).
    pub fn new(
        base: &str,
        insecure: bool,
        timeout: Duration,
        connections: usize,
    ) -> Result<Client, String> {
        let parsed = url::Url::parse(base).map_err(|e| format!("--url {base}: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("--url {base}: give an http:// or https:// address"));
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .danger_accept_invalid_certs(insecure)
            .pool_max_idle_per_host(connections.max(1))
            .user_agent(concat!("odoo-har/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            timeout,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
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

    /// Posts a JSON body to `route` (a path on the base URL).
    pub async fn post(
        &self,
        route: &str,
        body: Bytes,
        headers: &[(String, String)],
    ) -> Result<HttpReply, Fault> {
        let start = Instant::now();
        let mut request = self
            .http
            .post(format!("{}{route}", self.base))
            .header("Content-Type", "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let mut response = request.send().await.map_err(|e| self.fault(&e))?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        let body = response.bytes().await.map_err(|e| self.fault(&e))?;
        Ok(HttpReply {
            status,
            headers,
            body,
            elapsed: start.elapsed(),
        })
    }

    fn fault(&self, error: &reqwest::Error) -> Fault {
        let mut chain = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            source = cause.source();
        }
        let lower = chain.to_ascii_lowercase();
        let short = chain.rsplit(": ").next().unwrap_or(&chain).to_string();
        if error.is_timeout() || lower.contains("timed out") {
            Fault::Timeout(self.timeout)
        } else if lower.contains("dns error")
            || lower.contains("failed to lookup")
            || lower.contains("name or service not known")
        {
            Fault::Dns(short)
        } else if lower.contains("certificate")
            || lower.contains("tls")
            || lower.contains("handshake")
        {
            Fault::Tls(short)
        } else if error.is_connect() {
            Fault::Refused(short)
        } else if error.is_request()
            || error.is_body()
            || error.is_decode()
            || lower.contains("connection")
        {
            Fault::Lost(short)
        } else {
            Fault::Other(chain)
        }
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
