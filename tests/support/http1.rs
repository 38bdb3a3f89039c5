//! A hand-written HTTP/1.1 server on tokio, for the tests' fake Odoo only.
//!
//! Hand-written rather than built on hyper (which the product's `mock` uses) because the fake
//! Odoo must misbehave on purpose: close a connection mid-body, answer slowly, reset. It
//! speaks what JSON-RPC clients send: keep-alive, `Content-Length` or chunked bodies, no
//! upgrades, no pipelining guarantees beyond answering requests in order.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Request heads larger than this are refused (431).
const MAX_HEAD: usize = 64 * 1024;
/// Request bodies larger than this are refused (413).
const MAX_BODY: usize = 256 * 1024 * 1024;

// The same request and response as the mock's server: only the serving differs.
pub use odoo_har::mock::http::{Request, Response};

/// What the server does with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    Send(Response),
    /// Wait, then do what the inner reply says.
    After(Duration, Box<Reply>),
    /// Send the head and half the body, then close: a connection lost mid-body.
    CutShort(Response),
    /// Close the connection without answering.
    Close,
}

/// The handler: a request in, a reply out.
pub type Handler =
    Arc<dyn Fn(Request) -> Pin<Box<dyn Future<Output = Reply> + Send>> + Send + Sync>;

/// Serves connections from `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, handler: Handler) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let handler = handler.clone();
        tokio::spawn(async move {
            let _ = connection(stream, handler).await;
        });
    }
}

async fn connection(stream: TcpStream, handler: Handler) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let request = match read_request(&mut reader).await? {
            Ok(Some(request)) => request,
            Ok(None) => return Ok(()),
            Err(response) => {
                write_response(&mut write, &response, false).await?;
                return Ok(());
            }
        };
        let close = request
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        let mut reply = handler(request).await;
        loop {
            match reply {
                Reply::After(delay, inner) => {
                    tokio::time::sleep(delay).await;
                    reply = *inner;
                }
                Reply::Send(response) => {
                    write_response(&mut write, &response, close).await?;
                    break;
                }
                Reply::CutShort(response) => {
                    let mut head = head(&response, true);
                    head.extend_from_slice(&response.body[..response.body.len() / 2]);
                    write.write_all(&head).await?;
                    write.flush().await?;
                    return Ok(());
                }
                Reply::Close => return Ok(()),
            }
        }
        if close {
            return Ok(());
        }
    }
}

type Parsed = Result<Option<Request>, Response>;

/// Reads one request; `Ok(None)` at a clean end of the connection, `Err` with the answer
/// for a malformed one.
async fn read_request<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> std::io::Result<Parsed> {
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let read = reader.read_until(b'\n', &mut head).await?;
        if read == 0 {
            return Ok(if head.is_empty() {
                Ok(None)
            } else {
                Err(bad(400, "the request ends inside its head"))
            });
        }
        if head.len() > MAX_HEAD {
            return Ok(Err(bad(431, "request head too large")));
        }
        let line = &head[before..];
        if line == b"\r\n" || line == b"\n" {
            if before == 0 {
                head.clear();
                continue;
            }
            break;
        }
    }
    let text = String::from_utf8_lossy(&head);
    let mut lines = text.lines();
    let mut start = lines.next().unwrap_or("").split_whitespace();
    let (Some(method), Some(target)) = (start.next(), start.next()) else {
        return Ok(Err(bad(400, "malformed request line")));
    };
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect();
    let mut request = Request {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        body: Vec::new(),
    };
    if request
        .header("transfer-encoding")
        .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"))
    {
        match read_chunked(reader).await? {
            Some(body) => request.body = body,
            None => return Ok(Err(bad(400, "malformed chunked body"))),
        }
    } else if let Some(length) = request.header("content-length") {
        let Ok(length) = length.parse::<usize>() else {
            return Ok(Err(bad(400, "bad Content-Length")));
        };
        if length > MAX_BODY {
            return Ok(Err(bad(413, "request body too large")));
        }
        request.body = vec![0; length];
        reader.read_exact(&mut request.body).await?;
    }
    Ok(Ok(Some(request)))
}

async fn read_chunked<R: AsyncBufReadExt + Unpin>(
    reader: &mut R,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut body = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await?;
        let Ok(size) = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
        else {
            return Ok(None);
        };
        if body.len() + size > MAX_BODY {
            return Ok(None);
        }
        if size == 0 {
            // Trailers, then the blank line.
            loop {
                line.clear();
                if reader.read_line(&mut line).await? == 0 || line.trim().is_empty() {
                    return Ok(Some(body));
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..]).await?;
        line.clear();
        reader.read_line(&mut line).await?;
    }
}

fn bad(status: u16, message: &str) -> Response {
    Response::text(status, "text/plain; charset=utf-8", message)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        303 => "See Other",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

fn head(response: &Response, close: bool) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    head.into_bytes()
}

async fn write_response<W: AsyncWriteExt + Unpin>(
    write: &mut W,
    response: &Response,
    close: bool,
) -> std::io::Result<()> {
    let mut bytes = head(response, close);
    bytes.extend_from_slice(&response.body);
    write.write_all(&bytes).await?;
    write.flush().await
}
