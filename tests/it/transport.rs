//! The replay's HTTP client against small servers on 127.0.0.1: certificates verified unless
//! `--insecure`, HTTP proxies from the environment, kept connections the server closed,
//! redirects not followed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use odoo_har::replay::client::{Client, Fault};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types};

const ANSWER: &str = r#"{"jsonrpc": "2.0", "id": 1, "result": {"server_version": "17.0"}}"#;

/// The heads of the requests a server saw, in order.
type Seen = Arc<Mutex<Vec<String>>>;

fn acceptor() -> TlsAcceptor {
    let cert = pki_types::CertificateDer::from(include_bytes!("../support/tls/cert.der").to_vec());
    let key =
        pki_types::PrivateKeyDer::Pkcs8(include_bytes!("../support/tls/key.der").to_vec().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    TlsAcceptor::from(Arc::new(config))
}

/// Reads one request (head and `Content-Length` body); `None` at the end of the stream.
async fn read_request<S: AsyncRead + Unpin>(reader: &mut BufReader<S>) -> Option<String> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    Some(head)
}

/// Answers every request on `stream` with `head` (and [`ANSWER`] as the body), or only the
/// first `limit` ones, then closes.
async fn answer<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    seen: Seen,
    head: &str,
    limit: usize,
) {
    let mut reader = BufReader::new(stream);
    for _ in 0..limit {
        let Some(request) = read_request(&mut reader).await else {
            return;
        };
        seen.lock().unwrap().push(request);
        let response = format!(
            "{head}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{ANSWER}",
            ANSWER.len()
        );
        if reader
            .get_mut()
            .write_all(response.as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
    let _ = reader.get_mut().shutdown().await;
}

/// A server on 127.0.0.1 (TLS with the test certificate when `tls`), answering `limit`
/// requests per connection with `head`.
async fn server(tls: bool, head: &'static str, limit: usize) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Seen = Arc::default();
    let kept = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let seen = kept.clone();
            tokio::spawn(async move {
                match tls {
                    true => {
                        if let Ok(stream) = acceptor().accept(stream).await {
                            answer(stream, seen, head, limit).await;
                        }
                    }
                    false => answer(stream, seen, head, limit).await,
                }
            });
        }
    });
    let scheme = if tls { "https" } else { "http" };
    (format!("{scheme}://127.0.0.1:{port}"), seen)
}

fn client(url: &str, insecure: bool, env: &[(&str, String)]) -> Client {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(n, v)| (n.to_string(), v.clone()))
        .collect();
    Client::with_env(url, insecure, Duration::from_secs(5), 4, move |name| {
        env.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    })
    .unwrap()
}

async fn post(client: &Client) -> Result<odoo_har::replay::client::HttpReply, Fault> {
    client
        .post(
            "/jsonrpc",
            Bytes::from_static(b"{}"),
            &[("X-Odoo-Database".into(), "lab".into())],
        )
        .await
}

#[tokio::test]
async fn certificates_are_verified_unless_insecure() {
    let (url, seen) = server(true, "HTTP/1.1 200 OK", usize::MAX).await;
    let fault = post(&client(&url, false, &[])).await.unwrap_err();
    match &fault {
        Fault::Tls(why) => assert!(
            why.contains("not signed by an authority this machine trusts"),
            "{why}"
        ),
        other => panic!("expected a TLS fault, got {other:?}"),
    }
    assert!(
        fault.describe().contains("--insecure"),
        "{}",
        fault.describe()
    );
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing was sent before the check"
    );

    let reply = post(&client(&url, true, &[])).await.unwrap();
    assert_eq!(
        (reply.status, reply.body.as_ref()),
        (200, ANSWER.as_bytes())
    );
    let head = seen.lock().unwrap()[0].clone();
    assert!(head.starts_with("POST /jsonrpc HTTP/1.1\r\n"), "{head}");
    let port = url.rsplit(':').next().unwrap();
    for header in [
        format!("host: 127.0.0.1:{port}"),
        "content-type: application/json".into(),
        "x-odoo-database: lab".into(),
    ] {
        assert!(
            head.to_ascii_lowercase().contains(&header),
            "{header} in {head}"
        );
    }
}

#[tokio::test]
async fn a_clear_request_goes_to_the_proxy_with_the_whole_url() {
    let (proxy, seen) = server(false, "HTTP/1.1 200 OK", usize::MAX).await;
    let proxy = proxy.replace("http://", "http://user:s3cret@");
    let client = client(
        "http://odoo.invalid:8069/base/",
        false,
        &[("HTTP_PROXY", proxy)],
    );
    let reply = post(&client).await.unwrap();
    assert_eq!(reply.status, 200);
    let head = seen.lock().unwrap()[0].clone();
    assert!(
        head.starts_with("POST http://odoo.invalid:8069/base/jsonrpc HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("host: odoo.invalid:8069"),
        "{head}"
    );
    assert!(head.contains("Basic dXNlcjpzM2NyZXQ="), "{head}");
}

#[tokio::test]
async fn a_tls_request_goes_through_a_connect_tunnel() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let tunnel: Seen = Arc::default();
    let seen: Seen = Arc::default();
    let (tunnel_seen, requests_seen) = (tunnel.clone(), seen.clone());
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut reader = BufReader::new(stream);
        let connect = read_request(&mut reader).await.unwrap();
        tunnel_seen.lock().unwrap().push(connect);
        let mut stream = reader.into_inner();
        stream
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await
            .unwrap();
        // The proxy ends the tunnel itself here: the client's TLS is with it.
        let stream = acceptor().accept(stream).await.unwrap();
        answer(stream, requests_seen, "HTTP/1.1 200 OK", usize::MAX).await;
    });
    let proxy = format!("http://127.0.0.1:{port}");
    let client = client("https://odoo.invalid", true, &[("https_proxy", proxy)]);
    let reply = post(&client).await.unwrap();
    assert_eq!(reply.status, 200);
    let connect = tunnel.lock().unwrap()[0].clone();
    assert!(
        connect.starts_with("CONNECT odoo.invalid:443 HTTP/1.1\r\n"),
        "{connect}"
    );
    let head = seen.lock().unwrap()[0].clone();
    assert!(head.starts_with("POST /jsonrpc HTTP/1.1\r\n"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("host: odoo.invalid\r\n"),
        "{head}"
    );
}

#[tokio::test]
async fn a_kept_connection_the_server_closed_is_replaced_without_losing_the_request() {
    // One answer per connection, then the server closes: the way a server ends keep-alive.
    let (url, seen) = server(false, "HTTP/1.1 200 OK", 1).await;
    let client = client(&url, false, &[]);
    for _ in 0..3 {
        let reply = post(&client).await.unwrap();
        assert_eq!(reply.status, 200);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_redirect_is_reported_not_followed() {
    let (url, seen) = server(
        false,
        "HTTP/1.1 301 Moved Permanently\r\nLocation: https://odoo.example.com/jsonrpc",
        usize::MAX,
    )
    .await;
    let reply = post(&client(&url, false, &[])).await.unwrap();
    assert_eq!(reply.status, 301);
    assert_eq!(reply.redirect(), Some("https://odoo.example.com/jsonrpc"));
    assert_eq!(seen.lock().unwrap().len(), 1, "one POST, no GET after it");
}
