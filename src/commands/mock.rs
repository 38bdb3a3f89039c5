//! `odoo-har mock`: an Odoo that answers from what a suite (or a capture) recorded, for
//! developing and testing integrations with no Odoo at hand.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::cli::MockArgs;
use crate::error::{Error, Result};
use crate::mock::http;
use crate::mock::server::{self, Log, Mock};
use crate::template::load::suite_or_captures;

pub fn run(args: &MockArgs, out: &mut impl Write) -> Result<i32> {
    let addr: SocketAddr = args.listen.parse().map_err(|_| {
        Error::Usage(format!(
            "--listen {}: expected ADDRESS:PORT, such as 127.0.0.1:8069",
            args.listen
        ))
    })?;
    let login = match (&args.login, &args.password_env) {
        (Some(login), Some(var)) => {
            let password = std::env::var(var)
                .ok()
                .filter(|p| !p.is_empty())
                .ok_or_else(|| {
                    Error::Usage(format!("--password-env {var}: the variable is not set"))
                })?;
            Some((login.clone(), password))
        }
        _ => None,
    };
    let (suite, _) = suite_or_captures(&args.inputs, args.with_ui)?;
    let mock = Arc::new(Mock::of_suite(&suite, login, args.match_loose)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("cannot start the runtime: {e}")))?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(addr))
        .map_err(|e| Error::Setup(format!("cannot listen on {addr}: {e}")))?;
    let bound = listener.local_addr().unwrap_or(addr);
    if !bound.ip().is_loopback() {
        eprintln!(
            "odoo-har: warning: listening on {bound}, reachable from other machines (asked for with --listen)"
        );
    }
    super::print(writeln!(
        out,
        "odoo-har mock: {} recorded answers from {}\nlistening on http://{bound} (Ctrl-C stops)",
        mock.len(),
        suite.dir.display()
    ))?;
    super::print(out.flush())?;
    let (done, finished) = tokio::sync::watch::channel(false);
    let log: Log = {
        let mock = mock.clone();
        let limit = args.requests;
        Arc::new(move |line: &str| {
            // The log goes to standard output line by line, so a pipe sees each at once.
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "{line}");
            let _ = stdout.flush();
            let (answered, _) = mock.counts();
            if limit.is_some_and(|n| answered >= n) {
                let _ = done.send(true);
            }
        })
    };
    let handler = server::handler(mock.clone(), log);
    runtime.block_on(async move {
        let mut finished = finished;
        tokio::select! {
            _ = http::serve(listener, handler) => {}
            _ = tokio::signal::ctrl_c() => {}
            _ = finished.wait_for(|d| *d) => {
                // Let the last answer reach its client before the process ends.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    });
    let (served, unmatched) = mock.counts();
    super::print(writeln!(
        out,
        "odoo-har mock: {served} requests answered, {unmatched} with no recorded answer"
    ))?;
    Ok(if args.strict && unmatched > 0 { 1 } else { 0 })
}
