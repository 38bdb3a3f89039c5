//! `odoo-har whoami`: the seed's "find your uid" in one command.

use std::io::Write;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::cli::WhoamiArgs;
use crate::error::Result;
use crate::odoo::session::{Discovery, Field, Identity, SecretKind};
use crate::template::load::{Loaded, Streamed};

pub fn run(args: &WhoamiArgs, out: &mut impl Write) -> Result<i32> {
    // Read entry by entry: nothing of an exchange is kept but what it tells of the session.
    let mut discovery = Discovery::default();
    let read = super::streamed(&args.input, &mut |exchange, call| {
        discovery.observe(&exchange, &call);
        Ok(())
    })?;
    write_identity(out, &read, &discovery.finish(), args.json)?;
    Ok(0)
}

/// Prints what captures already loaded say about the session, as text or JSON: what `run`
/// prints for them, from captures read whole.
pub fn write_loaded(out: &mut impl Write, loaded: Loaded, json: bool) -> Result<()> {
    let identity = Identity::discover(&loaded.exchanges, &loaded.calls);
    let read = Streamed {
        exchanges: loaded.exchanges.len(),
        captures: loaded.captures,
        secrets: Default::default(),
    };
    write_identity(out, &read, &identity, json)
}

fn write_identity(
    out: &mut impl Write,
    read: &Streamed,
    identity: &Identity,
    json: bool,
) -> Result<()> {
    if json {
        let report = to_json(identity, read.several_files());
        return super::print(
            serde_json::to_writer_pretty(&mut *out, &report)
                .map_err(std::io::Error::from)
                .and_then(|_| writeln!(out)),
        );
    }
    super::print(write_text(out, read, identity))
}

fn value(identity: &Identity, field: Field) -> Value {
    identity
        .best(field)
        .map_or(Value::Null, |f| f.value.clone())
}

/// The `--json` form: the values, then where each was found, conflicts and notes.
#[derive(Debug, Serialize)]
pub struct Report {
    pub url: Value,
    pub db: Value,
    pub uid: Value,
    pub login: Value,
    pub name: Value,
    /// The user's own partner id.
    pub partner_id: Value,
    pub context: Context,
    pub company: Option<Company>,
    pub server_version: Value,
    /// Which secrets the capture holds; their values are never reported.
    pub seen: BTreeMap<&'static str, bool>,
    /// Field (or secret) → where it was found: `entry 9 response html odoo.__session_info__.uid`.
    pub sources: BTreeMap<&'static str, String>,
    pub conflicts: Vec<ConflictReport>,
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Context {
    pub lang: Value,
    pub tz: Value,
    pub allowed_company_ids: Value,
}

#[derive(Debug, Serialize)]
pub struct Company {
    pub id: Value,
    pub name: Value,
}

#[derive(Debug, Serialize)]
pub struct ConflictReport {
    pub field: &'static str,
    pub values: Vec<ConflictValue>,
}

#[derive(Debug, Serialize)]
pub struct ConflictValue {
    pub value: Value,
    pub sources: Vec<String>,
}

pub fn to_json(identity: &Identity, with_file: bool) -> Report {
    let mut sources = BTreeMap::new();
    for field in Field::ALL {
        if let Some(finding) = identity.best(field) {
            sources.insert(field.key(), finding.at.describe(with_file));
        }
    }
    let mut seen = BTreeMap::new();
    for kind in SecretKind::ALL {
        let seen_at = identity.secret_seen(kind);
        seen.insert(kind.key(), seen_at.is_some());
        if let Some((first, _)) = seen_at {
            sources.insert(kind.key(), first.describe(with_file));
        }
    }
    let company = identity.best(Field::Company).map(|id| Company {
        id: id.value.clone(),
        name: value(identity, Field::CompanyName),
    });
    let conflicts = identity
        .conflicts()
        .into_iter()
        .map(|c| ConflictReport {
            field: c.field.key(),
            values: c
                .values
                .into_iter()
                .map(|(value, places)| ConflictValue {
                    value,
                    sources: places.iter().map(|p| p.describe(with_file)).collect(),
                })
                .collect(),
        })
        .collect();
    Report {
        url: value(identity, Field::Url),
        db: value(identity, Field::Db),
        uid: value(identity, Field::Uid),
        login: value(identity, Field::Login),
        name: value(identity, Field::Name),
        partner_id: value(identity, Field::Partner),
        context: Context {
            lang: value(identity, Field::Lang),
            tz: value(identity, Field::Tz),
            allowed_company_ids: value(identity, Field::AllowedCompanyIds),
        },
        company,
        server_version: value(identity, Field::ServerVersion),
        seen,
        sources,
        conflicts,
        notes: identity.notes(),
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn write_text(out: &mut impl Write, read: &Streamed, identity: &Identity) -> std::io::Result<()> {
    let with_file = read.several_files();
    writeln!(
        out,
        "{}: {} entries, {} Odoo calls\n",
        read.describe(),
        read.exchanges,
        identity.odoo_calls
    )?;
    let lines: [(&str, Field); 11] = [
        ("url", Field::Url),
        ("database", Field::Db),
        ("uid", Field::Uid),
        ("login", Field::Login),
        ("name", Field::Name),
        ("partner", Field::Partner),
        ("lang", Field::Lang),
        ("tz", Field::Tz),
        ("companies", Field::AllowedCompanyIds),
        ("company", Field::Company),
        ("server version", Field::ServerVersion),
    ];
    let mut rows: Vec<(String, String, String)> = Vec::new();
    for (label, field) in lines {
        let (shown, place) = match identity.best(field) {
            Some(finding) => {
                let mut shown = show(&finding.value);
                if field == Field::Company
                    && let Some(name) = identity.best(Field::CompanyName)
                {
                    shown = format!("{shown} ({})", show(&name.value));
                }
                (shown, finding.at.describe(with_file))
            }
            None => ("not found".to_string(), String::new()),
        };
        rows.push((label.to_string(), shown, place));
    }
    rows.push((String::new(), String::new(), String::new()));
    for (label, kind) in [
        ("session cookie", SecretKind::SessionCookie),
        ("password", SecretKind::Password),
        ("api key", SecretKind::ApiKey),
        ("csrf token", SecretKind::CsrfToken),
    ] {
        let (shown, place) = match identity.secret_seen(kind) {
            None => ("not seen".to_string(), String::new()),
            Some((first, count)) if count > 1 => (
                "seen".to_string(),
                format!("{} (+{} more)", first.describe(with_file), count - 1),
            ),
            Some((first, _)) => ("seen".to_string(), first.describe(with_file)),
        };
        rows.push((label.to_string(), shown, place));
    }
    let value_width = rows
        .iter()
        .map(|r| r.1.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    for (label, shown, place) in rows {
        let line = if label.is_empty() {
            String::new()
        } else {
            format!(
                "{label:<15} {:<value_width$}  {place}",
                crate::text::truncate(&shown, 40)
            )
        };
        writeln!(out, "{}", line.trim_end())?;
    }
    let conflicts = identity.conflicts();
    if !conflicts.is_empty() {
        writeln!(out, "\nconflicts (the capture holds more than one value):")?;
        for conflict in conflicts {
            let values: Vec<String> = conflict
                .values
                .iter()
                .map(|(v, places)| {
                    let more = if places.len() > 1 {
                        format!(", +{} more", places.len() - 1)
                    } else {
                        String::new()
                    };
                    format!("{} ({}{more})", show(v), places[0].describe(with_file))
                })
                .collect();
            writeln!(out, "  {}: {}", conflict.field.key(), values.join("; "))?;
        }
    }
    for note in identity.notes() {
        writeln!(out, "\nnote: {note}")?;
    }
    Ok(())
}
