//! The write journal: every mutating request is appended (one JSON object per line, flushed and
//! fsync'd) *before* it is sent, and again with its outcome, so a crash, a `kill -9` or a lost
//! answer never leaves a write unaccounted for. Front ends expose the file as the table
//! `github_sql_journal` ([`read`] and [`COLUMNS`] are shared by all of them).
//!
//! Location: `GITHUB_SQL_JOURNAL=/path` (or `off`), else `$XDG_STATE_HOME/github-sql/journal.jsonl`,
//! else `~/.local/state/github-sql/journal.jsonl`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::value::Value;

/// Environment variable: the journal's path, or `off`.
pub const JOURNAL_ENV: &str = "GITHUB_SQL_JOURNAL";

/// The journal's path from the environment; `None` when `GITHUB_SQL_JOURNAL=off` or no home.
pub fn path_from_env() -> Option<PathBuf> {
    match std::env::var(JOURNAL_ENV) {
        Ok(v) if matches!(v.trim(), "off" | "0" | "false" | "no") => None,
        Ok(v) if !v.trim().is_empty() => Some(PathBuf::from(v.trim())),
        _ => default_path(),
    }
}

/// Why [`path_from_env`] gives no journal, for the summaries' `journal: off (…)` line.
pub fn why_off() -> Option<String> {
    match std::env::var(JOURNAL_ENV) {
        Ok(v) if matches!(v.trim(), "off" | "0" | "false" | "no") => {
            Some(format!("{JOURNAL_ENV}={}", v.trim()))
        }
        Ok(v) if !v.trim().is_empty() => None,
        _ => default_path()
            .is_none()
            .then(|| format!("no home directory to keep it in: set {JOURNAL_ENV}=/path")),
    }
}

/// Whether `GITHUB_SQL_JOURNAL` is set at all (the demo journals only when asked to).
pub fn explicitly_configured() -> bool {
    std::env::var_os(JOURNAL_ENV).is_some()
}

fn default_path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/state")))?;
    Some(state.join("github-sql").join("journal.jsonl"))
}

/// One line of the journal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// UTC, RFC 3339.
    pub time: String,
    /// The batch this request belongs to (one DELETE's commit, or one EXEC call).
    pub run_id: String,
    /// `intent` (written before sending) or `outcome`.
    pub phase: String,
    /// HTTP method.
    pub method: String,
    /// Request path (no query, no host).
    pub path: String,
    /// The resource (table) name.
    pub resource: String,
    /// The method's arguments by parameter name (what a restore needs).
    pub params: Json,
    /// HTTP status of the outcome (the final one after retries), when there was an answer.
    #[serde(default)]
    pub status: Option<u16>,
    /// GitHub's `x-github-request-id`, when known.
    #[serde(default)]
    pub request_id: Option<String>,
    /// `deleted`, `done`, `failed`, `unknown` (the write may or may not have happened).
    #[serde(default)]
    pub outcome: Option<String>,
    /// Error text, or how an ambiguous answer was resolved.
    #[serde(default)]
    pub detail: Option<String>,
}

/// The columns of `github_sql_journal`, in order.
pub const COLUMNS: [&str; 11] = [
    "time",
    "run_id",
    "phase",
    "method",
    "path",
    "resource",
    "params",
    "status",
    "request_id",
    "outcome",
    "detail",
];

impl Entry {
    /// The row as column values ([`COLUMNS`] order; `params` is JSON text).
    pub fn values(&self) -> Vec<Value> {
        let text = |s: &Option<String>| s.clone().map(Value::Text).unwrap_or(Value::Null);
        vec![
            Value::Text(self.time.clone()),
            Value::Text(self.run_id.clone()),
            Value::Text(self.phase.clone()),
            Value::Text(self.method.clone()),
            Value::Text(self.path.clone()),
            Value::Text(self.resource.clone()),
            Value::Text(self.params.to_string()),
            self.status
                .map(|s| Value::Integer(i64::from(s)))
                .unwrap_or(Value::Null),
            text(&self.request_id),
            text(&self.outcome),
            text(&self.detail),
        ]
    }
}

/// Failure to write the journal: nothing is sent without its intent on disk.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the write journal {path}: {detail}; nothing more was sent; fix the path or set GITHUB_SQL_JOURNAL to another file (or off)")]
pub struct JournalError {
    /// The journal's path.
    pub path: String,
    /// What failed.
    pub detail: String,
}

/// Appends one entry, flushed and fsync'd before returning.
pub fn append(path: &Path, entry: &Entry) -> Result<(), JournalError> {
    let fail = |e: &dyn std::fmt::Display| JournalError {
        path: path.display().to_string(),
        detail: e.to_string(),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
    }
    let mut line = serde_json::to_string(entry).map_err(|e| fail(&e))?;
    line.push('\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| fail(&e))?;
    f.write_all(line.as_bytes()).map_err(|e| fail(&e))?;
    f.flush().map_err(|e| fail(&e))?;
    f.sync_data().map_err(|e| fail(&e))?;
    Ok(())
}

/// Every entry of the journal, oldest first. A missing file has none; a line that is not an
/// entry (a torn last line after a crash) is skipped.
pub fn read(path: &Path) -> std::io::Result<Vec<Entry>> {
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for line in std::io::BufReader::new(f).lines() {
        if let Ok(e) = serde_json::from_str::<Entry>(&line?) {
            out.push(e);
        }
    }
    Ok(out)
}

/// A fresh run id: UTC time, process id and a random suffix (`20261201T215006Z-1234-9f3a`).
pub fn new_run_id() -> String {
    let t = now_rfc3339().replace(['-', ':'], "");
    format!(
        "{}-{}-{:04x}",
        t.trim_end_matches('Z')
            .split('.')
            .next()
            .unwrap_or_default()
            .to_string()
            + "Z",
        std::process::id(),
        rand::random::<u16>()
    )
}

/// Now, UTC, RFC 3339 with milliseconds.
pub fn now_rfc3339() -> String {
    rfc3339(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default(),
    )
}

/// A time since the epoch, UTC, RFC 3339 with milliseconds.
pub fn rfc3339(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, dd) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{dd:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The arguments as a JSON object (what `params` holds).
pub fn params_json(args: &[(String, Value)]) -> Json {
    let mut m = serde_json::Map::new();
    for (k, v) in args {
        let j = match v {
            Value::Integer(i) => Json::from(*i),
            Value::Real(r) => Json::from(*r),
            Value::Text(t) => Json::from(t.clone()),
            Value::Null | Value::Blob(_) => Json::Null,
        };
        m.insert(k.clone(), j);
    }
    Json::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_torn_lines_are_skipped() {
        let dir = std::env::temp_dir().join(format!("gsql-journal-{}", new_run_id()));
        let path = dir.join("j.jsonl");
        let e = Entry {
            time: now_rfc3339(),
            run_id: "r1".into(),
            phase: "intent".into(),
            method: "DELETE".into(),
            path: "/user/packages/npm/x/versions/1".into(),
            resource: "auth_user_versions".into(),
            params: params_json(&[("package_version_id".into(), Value::Integer(1))]),
            status: None,
            request_id: None,
            outcome: None,
            detail: None,
        };
        append(&path, &e).expect("append");
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(b"{\"time\": \"torn"))
            .expect("torn");
        assert_eq!(read(&path).expect("read"), vec![e]);
        assert!(read(&dir.join("absent")).expect("absent").is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert!(now_rfc3339().ends_with('Z'));
    }
}
