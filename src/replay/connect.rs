//! Opening a connection to the server: TCP, then TLS when the URL is `https://` (certificates
//! verified against the Mozilla roots unless `--insecure`), through the HTTP proxy the
//! environment names, as curl and Hurl would.

use std::sync::Arc;

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, ClientConfig, pki_types::ServerName};

use super::client::Fault;

/// Where requests go: the scheme, host and port of `--url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub tls: bool,
    /// The host as [`host_of`] gives it: an IPv6 address without its brackets.
    pub host: String,
    pub port: u16,
}

/// A URL's host as a name or an address, an IPv6 one without the brackets a URL writes
/// around it.
pub fn host_of(url: &url::Url) -> Option<String> {
    match url.host()? {
        url::Host::Ipv6(address) => Some(address.to_string()),
        host => Some(host.to_string()),
    }
}

impl Target {
    /// `host` or `host:port` when the port is not the scheme's own, for the `Host` header.
    pub fn authority(&self) -> String {
        let default = if self.tls { 443 } else { 80 };
        let host = bracket_ipv6(&self.host);
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

fn bracket_ipv6(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// An HTTP proxy (`http://[user:password@]host:port`) from `HTTPS_PROXY`, `HTTP_PROXY` or
/// `ALL_PROXY` (and their lower-case forms), unless `NO_PROXY` names the host.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    host: String,
    port: u16,
    /// `Basic …` from the proxy URL's credentials: a secret, never shown.
    authorization: Option<String>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Proxy({}:{})", self.host, self.port)
    }
}

impl Proxy {
    /// The proxy `env` names for `target`, if any. Loopback addresses never go through a
    /// proxy: it could not reach the user's own machine.
    pub fn for_target(
        target: &Target,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Proxy>, String> {
        if target.is_loopback() {
            return Ok(None);
        }
        let var = |name: &str| {
            env(name)
                .or_else(|| env(&name.to_ascii_lowercase()))
                .filter(|v| !v.trim().is_empty())
        };
        if let Some(list) = var("NO_PROXY")
            && bypassed(&list, &target.host)
        {
            return Ok(None);
        }
        let named = match target.tls {
            true => ["HTTPS_PROXY", "ALL_PROXY"],
            false => ["HTTP_PROXY", "ALL_PROXY"],
        };
        match named
            .into_iter()
            .find_map(|name| var(name).map(|value| (name, value)))
        {
            Some((name, value)) => Proxy::parse(&value)
                .map(Some)
                .map_err(|why| format!("{name}: {why}")),
            None => Ok(None),
        }
    }

    fn parse(value: &str) -> Result<Proxy, String> {
        let with_scheme = if value.contains("://") {
            value.to_string()
        } else {
            format!("http://{value}")
        };
        let url = url::Url::parse(&with_scheme)
            .map_err(|e| format!("not a proxy address ({e}); give http://host:port"))?;
        if url.scheme() != "http" {
            return Err(format!(
                "a {} proxy: odoo-har goes through HTTP proxies only (http://host:port)",
                url.scheme()
            ));
        }
        let host = host_of(&url).ok_or("the proxy address has no host; give http://host:port")?;
        let authorization = (!url.username().is_empty()).then(|| {
            let user = percent_decode(url.username());
            let password = percent_decode(url.password().unwrap_or(""));
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            format!("Basic {token}")
        });
        Ok(Proxy {
            host,
            port: url.port().unwrap_or(80),
            authorization,
        })
    }
}

/// A URL's user or password as written before it was escaped (`p%40ss` is `p@ss`; a `+`
/// stays a `+`, as in any URL but a form).
fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// Whether a `NO_PROXY` list (`*`, host names, `.domain` suffixes, addresses) covers `host`.
fn bypassed(list: &str, host: &str) -> bool {
    list.split(',').map(str::trim).any(|entry| {
        let domain = entry.trim_start_matches("*.").trim_start_matches('.');
        entry == "*"
            || (!domain.is_empty()
                && (host.eq_ignore_ascii_case(domain)
                    || host
                        .to_ascii_lowercase()
                        .ends_with(&format!(".{}", domain.to_ascii_lowercase()))))
    })
}

/// A byte stream to the server, plain or encrypted.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// Opens connections to one target.
#[derive(Clone)]
pub struct Connector {
    target: Target,
    proxy: Option<Proxy>,
    tls: Option<TlsConnector>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("target", &self.target)
            .field("proxy", &self.proxy)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl Connector {
    pub fn new(target: Target, proxy: Option<Proxy>, insecure: bool) -> Result<Connector, String> {
        let tls = match target.tls {
            true => Some(TlsConnector::from(Arc::new(tls_config(insecure)?))),
            false => None,
        };
        Ok(Connector { target, proxy, tls })
    }

    /// True when requests go in the clear to a proxy, which then needs the whole URL
    /// (`POST http://host/jsonrpc`) rather than the path.
    pub fn absolute_form(&self) -> bool {
        self.proxy.is_some() && !self.target.tls
    }

    /// The `Proxy-Authorization` header a clear request to the proxy carries.
    pub fn proxy_authorization(&self) -> Option<&str> {
        self.proxy
            .as_ref()
            .filter(|_| !self.target.tls)
            .and_then(|p| p.authorization.as_deref())
    }

    /// A new connection, ready for HTTP/1.1.
    pub async fn connect(&self) -> Result<Box<dyn Io>, Fault> {
        let stream = match &self.proxy {
            Some(proxy) => tcp(&proxy.host, proxy.port).await?,
            None => tcp(&self.target.host, self.target.port).await?,
        };
        let Some(tls) = &self.tls else {
            return Ok(Box::new(stream));
        };
        let stream = match &self.proxy {
            Some(proxy) => tunnel(stream, &self.target, proxy).await?,
            None => stream,
        };
        let host = &self.target.host;
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| Fault::Tls(format!("{host}: {e}")))?;
        let stream = tls
            .connect(name, stream)
            .await
            .map_err(|e| Fault::Tls(certificate_problem(&e, host)))?;
        Ok(Box::new(stream))
    }
}

/// What went wrong with the handshake, in words for the person who runs the replay.
fn certificate_problem(error: &std::io::Error, host: &str) -> String {
    use rustls::CertificateError as Why;
    let Some(rustls::Error::InvalidCertificate(why)) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    else {
        return error.to_string();
    };
    match why {
        Why::UnknownIssuer | Why::Other(_) => {
            "the server's certificate is not signed by an authority this machine trusts (a self-signed or internal certificate?)".into()
        }
        Why::Expired | Why::ExpiredContext { .. } => "the server's certificate has expired".into(),
        Why::NotValidYet | Why::NotValidYetContext { .. } => {
            "the server's certificate is not valid yet (is this machine's clock right?)".into()
        }
        Why::NotValidForName | Why::NotValidForNameContext { .. } => {
            format!("the server's certificate is not for {host}")
        }
        other => format!("the server's certificate was refused ({other:?})"),
    }
}

async fn tcp(host: &str, port: u16) -> Result<TcpStream, Fault> {
    let addresses: Vec<_> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| Fault::Dns(format!("{host}: {e}")))?
        .collect();
    let mut last = None;
    for address in addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => {
                // Requests are small and written whole: waiting to coalesce them only adds
                // latency.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => Fault::Refused(e.to_string()),
        None => Fault::Dns(format!("{host}: no address")),
    })
}

/// Asks the proxy for a tunnel to the target (`CONNECT host:port`).
async fn tunnel(mut stream: TcpStream, target: &Target, proxy: &Proxy) -> Result<TcpStream, Fault> {
    let authority = format!("{}:{}", bracket_ipv6(&target.host), target.port);
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(authorization) = &proxy.authorization {
        request.push_str(&format!("Proxy-Authorization: {authorization}\r\n"));
    }
    request.push_str("\r\n");
    let refused =
        |why: String| Fault::Refused(format!("the proxy {}:{} {why}", proxy.host, proxy.port));
    let broke = |e: std::io::Error| refused(format!("broke the connection ({e})"));
    stream.write_all(request.as_bytes()).await.map_err(broke)?;
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader.read_line(&mut status).await.map_err(broke)?;
    let code = status.split_whitespace().nth(1).unwrap_or("");
    if code != "200" {
        return Err(refused(format!(
            "refused the tunnel to {authority}: {}",
            status.trim()
        )));
    }
    loop {
        let mut line = String::new();
        let read = reader.read_line(&mut line).await.map_err(broke)?;
        if read == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    Ok(reader.into_inner())
}

fn tls_config(insecure: bool) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?;
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        let roots =
            rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// `--insecure`: any certificate is accepted; signatures are still checked, so the
/// handshake itself stays sound.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(host: &str, tls: bool) -> Target {
        Target {
            tls,
            host: host.into(),
            port: if tls { 443 } else { 80 },
        }
    }

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_proxy_follows_the_scheme_and_no_proxy() {
        let vars = [
            ("HTTPS_PROXY", "http://user:p%40ss+1@proxy.corp:3128"),
            ("http_proxy", "proxy.corp:8080"),
            ("NO_PROXY", "internal.corp, .lan"),
        ];
        let https = Proxy::for_target(&target("odoo.example.com", true), env(&vars))
            .unwrap()
            .unwrap();
        assert_eq!((https.host.as_str(), https.port), ("proxy.corp", 3128));
        let token = base64::engine::general_purpose::STANDARD.encode("user:p@ss+1");
        assert_eq!(https.authorization, Some(format!("Basic {token}")));
        assert!(!format!("{https:?}").contains(&token), "{https:?}");
        let http = Proxy::for_target(&target("odoo.example.com", false), env(&vars))
            .unwrap()
            .unwrap();
        assert_eq!(
            (http.host.as_str(), http.port, http.authorization),
            ("proxy.corp", 8080, None)
        );
        for bypassed in [
            "internal.corp",
            "erp.internal.corp",
            "odoo.lan",
            "127.0.0.1",
            "localhost",
            "::1",
        ] {
            assert_eq!(
                Proxy::for_target(&target(bypassed, true), env(&vars)).unwrap(),
                None,
                "{bypassed}"
            );
        }
        assert_eq!(
            Proxy::for_target(&target("odoo.example.com", true), env(&[])).unwrap(),
            None
        );
        let socks = Proxy::for_target(
            &target("odoo.example.com", true),
            env(&[("ALL_PROXY", "socks5://user:secret@proxy:1080")]),
        )
        .unwrap_err();
        assert!(socks.starts_with("ALL_PROXY: a socks5 proxy"), "{socks}");
        assert!(!socks.contains("secret"), "{socks}");
    }

    #[test]
    fn the_host_header_leaves_out_the_default_port() {
        assert_eq!(
            target("odoo.example.com", true).authority(),
            "odoo.example.com"
        );
        let custom = Target {
            tls: false,
            host: "127.0.0.1".into(),
            port: 8069,
        };
        assert_eq!(custom.authority(), "127.0.0.1:8069");
        let v6 = Target {
            tls: true,
            host: "::1".into(),
            port: 8443,
        };
        assert_eq!(v6.authority(), "[::1]:8443");
    }
}
