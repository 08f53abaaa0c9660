//! Sending what a COMMIT queued: one run id, one journal run and one report for every table of
//! the transaction. INSERT, UPDATE and REPLACE rows go first, in order, then the DELETE rows, in
//! order; every request is paced as every write is, journaled before it is sent and again with
//! its outcome.
//!
//! A failure names every row: the ones that failed, the ones whose outcome is unknown (an
//! ambiguous answer a GET could not settle), and every row not sent, table by table. Rows after
//! a per-row refusal (a 404, a 422) are still sent; an auth, rate-limit or network failure, an
//! unknown outcome, an interrupt or the statement's deadline stops the rest.

use serde_json::Value as Json;

use crate::exec;
use crate::http::{GitHubClient, HttpError, Stop};
use crate::journal;
use crate::spec::Resource;
use crate::write::confirm::label;
use crate::write::queue::{Batch, Kind, Target};

/// What a COMMIT sent.
#[derive(Clone, Debug, PartialEq)]
pub struct CommitReport {
    /// The journal's run id: one per COMMIT.
    pub run_id: String,
    /// The journal's path, when journaling is on.
    pub journal: Option<String>,
    /// Why the journal is off, when it is (`GITHUB_SQL_JOURNAL=off`, or the demo's fake data).
    pub journal_off: Option<String>,
    /// Per table, in order: the labels (version ids, typically) of the rows deleted.
    pub deleted: Vec<(String, Vec<String>)>,
    /// What each INSERT, UPDATE and REPLACE row sent answered, in order.
    pub writes: Vec<WriteResult>,
}

impl CommitReport {
    /// Rows deleted, every table counted.
    pub fn deleted_count(&self) -> usize {
        self.deleted.iter().map(|(_, d)| d.len()).sum()
    }

    /// The summary's last lines: the rows deleted per table and the journal's location.
    pub fn tail(&self) -> String {
        let mut s = String::new();
        for (table, ids) in &self.deleted {
            if ids.is_empty() {
                continue;
            }
            if self.deleted.len() > 1 {
                s.push_str(&format!("deleted from {table}: {}\n", ids.join("; ")));
            } else {
                s.push_str(&format!("deleted: {}\n", ids.join("; ")));
            }
        }
        s.push_str(&journal_line(
            self.journal.as_deref(),
            self.journal_off.as_deref(),
            &self.run_id,
        ));
        s
    }

    /// One line per table: `DELETE: 3 rows of auth_user_versions deleted`, and the writes.
    pub fn headline(&self) -> String {
        let mut parts: Vec<String> = self
            .deleted
            .iter()
            .map(|(t, ids)| format!("DELETE: {} of {t} deleted", rows(ids.len())))
            .collect();
        // INSERT/UPDATE/REPLACE rows, per verb and table in order.
        let mut groups: Vec<(&str, &str, Vec<String>)> = Vec::new();
        for w in &self.writes {
            let sent = format!("{} {}", w.request, w.status);
            match groups
                .iter_mut()
                .find(|(v, t, _)| *v == w.verb && *t == w.table)
            {
                Some((_, _, v)) => v.push(sent),
                None => groups.push((w.verb, &w.table, vec![sent])),
            }
        }
        for (verb, table, sent) in groups {
            parts.push(format!(
                "{verb}: {} of {table} sent ({})",
                rows(sent.len()),
                sent.join("; ")
            ));
        }
        parts.join("\n")
    }
}

/// "1 row", "3 rows".
pub fn rows(n: usize) -> String {
    if n == 1 {
        "1 row".into()
    } else {
        format!("{n} rows")
    }
}

/// Where a run's journal is, for the summaries of DELETEs and writes.
pub fn journal_line(journal: Option<&str>, off: Option<&str>, run_id: &str) -> String {
    match journal {
        Some(j) => format!(
            "journal: {j} (run_id '{run_id}'; SELECT * FROM github_sql_journal WHERE run_id = '{run_id}')"
        ),
        None => format!("journal: off ({})", off.unwrap_or("GITHUB_SQL_JOURNAL=off")),
    }
}

/// Why an interrupted or timed-out run stopped before its next request.
#[derive(Debug, Clone, PartialEq)]
pub enum Stopped {
    /// An interrupt (Ctrl-C, `sqlite3_interrupt`, a cancel).
    Interrupted,
    /// The statement deadline: its message (naming `GITHUB_SQL_DEADLINE`).
    Deadline(Box<str>),
}

/// Why some of a COMMIT's rows were not done. Nothing here was silently dropped: every row the
/// COMMIT queued is in the report's done lists, in `failed`, in `unknown` or in `not_sent`.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.render())]
pub struct CommitFailure {
    /// Rows the COMMIT queued.
    pub total: usize,
    /// Whether every row was a DELETE (the summary then speaks of rows deleted).
    pub deletes_only: bool,
    /// The tables of the COMMIT, in queue order.
    pub tables: Vec<String>,
    /// (row, message) for each failed row.
    pub failed: Vec<(String, String)>,
    /// (row, message) for a write whose outcome could not be established (it may have happened).
    pub unknown: Vec<(String, String)>,
    /// Per table: the rows never sent.
    pub not_sent: Vec<(String, Vec<String>)>,
    /// The run was stopped before its next request (boxed: errors stay small).
    pub stopped: Option<Box<Stopped>>,
    /// How to undo what was deleted, when the table's rows stay restorable (boxed: errors stay
    /// small).
    pub restore_hint: Option<Box<RestoreHint>>,
    /// What was done, and the journal (boxed: errors stay small).
    pub report: Box<CommitReport>,
}

impl CommitFailure {
    /// Whether an interrupt stopped the run.
    pub fn interrupted(&self) -> bool {
        self.stopped.as_deref() == Some(&Stopped::Interrupted)
    }

    /// Rows not sent, every table counted.
    pub fn not_sent_count(&self) -> usize {
        self.not_sent.iter().map(|(_, r)| r.len()).sum()
    }

    fn render(&self) -> String {
        let done = self.report.deleted_count() + self.report.writes.len();
        let tables: Vec<&str> = self.tables.iter().map(String::as_str).collect();
        let what = if self.deletes_only {
            format!("DELETE on {} deleted", tables.join(" and "))
        } else {
            "COMMIT did".to_string()
        };
        let mut s = format!(
            "{what} {done} of {} rows; {} failed",
            self.total,
            self.failed.len()
        );
        if !self.unknown.is_empty() {
            s.push_str(&format!(", {} unknown", self.unknown.len()));
        }
        let not_sent = self.not_sent_count();
        if not_sent > 0 {
            s.push_str(&format!(", {not_sent} not sent"));
        }
        match self.stopped.as_deref() {
            Some(Stopped::Interrupted) => s.push_str(" (interrupted: nothing more was sent)"),
            Some(Stopped::Deadline(d)) => s.push_str(&format!(" (nothing more was sent: {d})")),
            None => {}
        }
        s.push(':');
        for (row, msg) in &self.failed {
            s.push_str(&format!("\n  {row}: {msg}"));
        }
        for (row, msg) in &self.unknown {
            s.push_str(&format!(
                "\n  {row}: UNKNOWN whether GitHub did it ({msg}); check before retrying"
            ));
        }
        for (table, rows) in &self.not_sent {
            s.push_str(&format!(
                "\n  not sent ({table}, {}): {}",
                rows.len(),
                rows.join("; ")
            ));
        }
        if let (Some(hint), true) = (&self.restore_hint, self.report.deleted_count() > 0) {
            s.push_str(&format!(
                "\nGitHub keeps what it deleted restorable for {} days: {} (or SELECT {}(…) in SQLite).",
                hint.days, hint.exec, hint.function
            ));
        }
        s.push('\n');
        s.push_str(&self.report.tail());
        s
    }
}

/// Whether a failure would repeat for every remaining row.
fn stops_the_rest(e: &HttpError) -> bool {
    matches!(
        e,
        HttpError::MissingToken { .. }
            | HttpError::Unauthorized { .. }
            | HttpError::Forbidden { .. }
            | HttpError::RateLimited { .. }
            | HttpError::SecondaryRateLimited { .. }
            | HttpError::Transport { .. }
            | HttpError::InsecureUrl { .. }
            | HttpError::BadBaseUrl { .. }
            | HttpError::BadToken
    )
}

/// How one delete ended.
enum Outcome {
    /// Done; how an ambiguous answer was resolved, if it was one.
    Deleted(Option<String>),
    /// Not done; `stop` when the failure would repeat for every remaining row.
    Failed { stop: bool, message: String },
    /// May or may not have been done.
    Unknown(String),
}

/// What a GET of the deleted URL says about a write that got an ambiguous answer.
enum Verified {
    Done(String),
    NotDone,
    Unknown(String),
}

/// After a 5xx, timeout or reset on a DELETE: the object is gone (404) or shows the resource's
/// soft-delete field set → it was done; still there → it was not; anything else → unknown.
fn verify(
    client: &GitHubClient,
    resource: &Resource,
    url: &url::Url,
    scopes: &[String],
) -> Verified {
    match client.send_full("GET", url, scopes) {
        Err(e) if e.is_not_found() => Verified::Done("a GET afterwards answered 404".into()),
        Ok(sent) => {
            let field = resource.soft_delete.as_ref().map(|s| s.field.as_str());
            match field.and_then(|f| sent.body.as_ref().and_then(|b| b.get(f))) {
                Some(d) if !d.is_null() => {
                    Verified::Done("a GET afterwards lists it as deleted".into())
                }
                _ => Verified::NotDone,
            }
        }
        Err(e) => Verified::Unknown(format!("checking with a GET failed too: {e}")),
    }
}

/// How to undo a failed run's deletes: data, so each front end writes the call in its own
/// syntax (the shell's EXEC here; the wrapper rewrites it as its SQL function).
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreHint {
    /// Days a deleted row stays restorable.
    pub days: u32,
    /// The restore call for the first row deleted, as the shell writes it (`EXEC …`).
    pub exec: String,
    /// The method's SQL function (SQLite).
    pub function: String,
}

/// The restore hint of a resource whose deleted rows stay restorable, with a deleted row's
/// arguments filled in.
fn restore_hint(resource: &Resource, first: Option<&Target>) -> Option<Box<RestoreHint>> {
    let sd = resource.soft_delete.as_ref()?;
    let method = resource.methods.iter().find(|m| m.name == sd.restore)?;
    Some(Box::new(RestoreHint {
        days: sd.days,
        exec: crate::examples::example_exec_with(
            resource,
            method,
            first.map(|t| t.args.as_slice()).unwrap_or(&[]),
        ),
        function: method.function.clone(),
    }))
}

/// The journal's location and, when it is off, why.
fn journal_of(batch: &Batch) -> (Option<String>, Option<String>) {
    let config = batch.entries.first().map(|q| q.table.client.config());
    let journal = config
        .and_then(|c| c.journal.as_ref())
        .map(|p| p.display().to_string());
    let off = config.and_then(|c| c.journal_off.clone());
    (journal, off)
}

/// Sends a committed batch under the statement's [`Stop`]: the writes, then the deletes, with one
/// run id. The confirmation rule has been checked by the caller.
pub fn send(
    batch: &Batch,
    stop: &Stop,
    progress: Option<&dyn crate::write::Progress>,
) -> Result<CommitReport, Box<CommitFailure>> {
    let (journal, journal_off) = journal_of(batch);
    let mut report = CommitReport {
        run_id: journal::new_run_id(),
        journal,
        journal_off,
        deleted: Vec::new(),
        writes: Vec::new(),
    };
    let total = batch.entries.len();
    let mut failed: Vec<(String, String)> = Vec::new();
    let mut unknown: Vec<(String, String)> = Vec::new();
    let mut halted: Option<Stopped> = None;
    // Set when the rest of the batch must not be sent.
    let mut stop_all = false;
    let mut not_sent: Vec<(String, Vec<String>)> = Vec::new();
    let mut note_unsent =
        |table: &str, label: String| match not_sent.iter_mut().find(|(t, _)| t == table) {
            Some((_, v)) => v.push(label),
            None => not_sent.push((table.to_string(), vec![label])),
        };
    let stopped = |e: &HttpError| match e {
        HttpError::Interrupted => Stopped::Interrupted,
        other => Stopped::Deadline(other.to_string().into_boxed_str()),
    };

    // INSERT, UPDATE and REPLACE rows, in order.
    for (i, (q, w)) in batch.writes().enumerate() {
        let resource = &q.table.resource;
        let client = &q.table.client;
        let Some(method) = resource.methods.get(w.method) else {
            failed.push((format!("row {}", i + 1), "internal: no such method".into()));
            continue;
        };
        let bound = match crate::plan::bind_named(resource, method, &w.args) {
            Ok(b) => b,
            Err(e) => {
                failed.push((
                    format!("{} row {} of {}", w.verb, i + 1, resource.name),
                    e.to_string(),
                ));
                continue;
            }
        };
        let request =
            exec::describe_call(client, method, &bound).unwrap_or_else(|_| method.name.clone());
        let name = format!("{} row {} ({request})", w.verb, i + 1);
        if stop_all {
            note_unsent(&resource.name, name);
            continue;
        }
        match exec::call_in_run(client, resource, method, &bound, stop, Some(&report.run_id)) {
            Ok(sent) => report.writes.push(WriteResult {
                table: resource.name.clone(),
                verb: w.verb,
                method: method.name.clone(),
                request,
                status: sent.status,
                body: sent.body,
            }),
            Err(e) if exec::outcome_unknown(&e) => {
                unknown.push((name, e.to_string()));
                stop_all = true;
            }
            Err(e) => {
                let stop_now = match &e {
                    exec::ExecError::Http(h) => {
                        if h.not_processed() {
                            halted = Some(stopped(h));
                        }
                        stops_the_rest(h) || h.not_processed()
                    }
                    exec::ExecError::Journal(_) => true,
                    _ => false,
                };
                if stop_now && matches!(&e, exec::ExecError::Http(h) if h.not_processed()) {
                    note_unsent(&resource.name, name);
                } else {
                    failed.push((name, e.to_string()));
                }
                stop_all |= stop_now;
            }
        }
    }

    // DELETE rows, in order.
    let deletes: Vec<(&crate::write::queue::Queued, &Target)> = batch.deletes().collect();
    if let Some(p) = progress {
        p.begin(deletes.len());
    }
    let mut first_deleted: Option<(&Resource, &Target)> = None;
    for (q, t) in &deletes {
        let resource = &q.table.resource;
        let client = &q.table.client;
        let same_table: Vec<&Target> = deletes
            .iter()
            .filter(|(o, _)| o.table.resource.id == resource.id)
            .map(|(_, t)| *t)
            .collect();
        let name = label(t, &same_table);
        if stop_all {
            note_unsent(&resource.name, name);
            continue;
        }
        // The pause before this write; an interrupt or the deadline ends it, nothing is sent.
        let slot = match client.write_slot(stop) {
            Ok(slot) => slot,
            Err(e) => {
                halted = Some(stopped(&e));
                stop_all = true;
                note_unsent(&resource.name, name);
                continue;
            }
        };
        let method = &resource.methods[t.method];
        let prepared = crate::plan::bind_named(resource, method, &t.args)
            .map_err(exec::ExecError::from)
            .and_then(|b| {
                let url = exec::url_of(client, method, &b)?;
                Ok((
                    exec::scopes_for(resource, method, &b),
                    url,
                    b.body_json(method),
                ))
            });
        let (scopes, url, body) = match prepared {
            Ok(p) => p,
            Err(e) => {
                failed.push((name, e.to_string()));
                continue;
            }
        };
        let mut w = exec::JournalWrite::new(
            client,
            resource,
            method,
            &url,
            journal::params_json(&t.args),
            Some(&report.run_id),
        );
        if let Err(e) = w.intent() {
            failed.push((name, e.to_string()));
            stop_all = true;
            continue;
        }
        let result = client.request(&method.http_method, &url).and_then(|req| {
            // The method's fixed headers go out on writes too (one request path).
            let req = req
                .headers(&method.headers)
                .scopes(&scopes)
                .body(body.as_ref())
                .stop(stop);
            client.send_request_in_slot(&slot, &req)
        });
        drop(slot);
        let (status, request_id) = match &result {
            Ok(s) => (Some(s.status), s.request_id.clone()),
            Err(e) => (e.status(), None),
        };
        let outcome = match result {
            Ok(_) => Outcome::Deleted(None),
            Err(e) if e.not_processed() => {
                halted = Some(stopped(&e));
                let _ = w.outcome(status, None, "failed", Some(format!("not done: {e}")));
                stop_all = true;
                note_unsent(&resource.name, name);
                continue;
            }
            Err(e) if e.is_ambiguous() => match verify(client, resource, &url, &scopes) {
                Verified::Done(how) => {
                    Outcome::Deleted(Some(format!("GitHub answered: {e}; {how}")))
                }
                Verified::NotDone => Outcome::Failed {
                    stop: false,
                    message: e.to_string(),
                },
                Verified::Unknown(why) => Outcome::Unknown(format!("{e}; {why}")),
            },
            Err(e) => Outcome::Failed {
                stop: stops_the_rest(&e),
                message: e.to_string(),
            },
        };
        if let Some(p) = progress {
            p.step();
        }
        let journaled = match &outcome {
            Outcome::Deleted(how) => w.outcome(status, request_id, "deleted", how.clone()),
            Outcome::Unknown(m) => w.outcome(status, request_id, "unknown", Some(m.clone())),
            Outcome::Failed { message, .. } => {
                w.outcome(status, request_id, "failed", Some(message.clone()))
            }
        };
        match outcome {
            Outcome::Deleted(_) => {
                match report.deleted.iter_mut().find(|(n, _)| *n == resource.name) {
                    Some((_, v)) => v.push(name),
                    None => report.deleted.push((resource.name.clone(), vec![name])),
                }
                first_deleted.get_or_insert((resource, t));
            }
            Outcome::Unknown(m) => {
                unknown.push((name, m));
                stop_all = true;
            }
            Outcome::Failed { stop, message } => {
                failed.push((name, message));
                stop_all |= stop;
            }
        }
        if let Err(e) = journaled {
            failed.push(("journal".into(), e.to_string()));
            stop_all = true;
        }
    }
    if let Some(p) = progress {
        p.end(halted.as_ref().map(|h| match h {
            Stopped::Interrupted => "interrupted",
            Stopped::Deadline(_) => "the statement deadline passed",
        }));
    }
    if failed.is_empty() && unknown.is_empty() && not_sent.is_empty() && halted.is_none() {
        return Ok(report);
    }
    let restore = first_deleted.and_then(|(r, t)| restore_hint(r, Some(t)));
    Err(Box::new(CommitFailure {
        total,
        deletes_only: batch.writes().next().is_none(),
        tables: batch.entries.iter().fold(Vec::new(), |mut v, q| {
            if !v.contains(&q.table.resource.name) {
                v.push(q.table.resource.name.clone());
            }
            v
        }),
        failed,
        unknown,
        not_sent,
        stopped: halted.map(Box::new),
        restore_hint: restore,
        report: Box::new(report),
    }))
}

/// One request a dry run's COMMIT would send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Described {
    /// The table.
    pub table: String,
    /// The statement's verb (`DELETE`, `INSERT`, `UPDATE`, `REPLACE`).
    pub verb: &'static str,
    /// The method.
    pub method: String,
    /// `DELETE /user/packages/…`, with ` with body {…}` when there is one.
    pub request: String,
}

/// What a dry run's COMMIT would send, one entry per row, in the order it would be sent.
pub fn describe(batch: &Batch) -> Vec<Described> {
    let mut out = Vec::new();
    let ordered = batch
        .entries
        .iter()
        .filter(|q| matches!(q.kind, Kind::Write(_)))
        .chain(
            batch
                .entries
                .iter()
                .filter(|q| matches!(q.kind, Kind::Delete(_))),
        );
    for q in ordered {
        let resource = &q.table.resource;
        let (verb, method, args): (&'static str, usize, &[(String, crate::value::Value)]) =
            match &q.kind {
                Kind::Delete(t) => ("DELETE", t.method, &t.args),
                Kind::Write(w) => (w.verb, w.method, &w.args),
            };
        let Some(m) = resource.methods.get(method) else {
            continue;
        };
        let request = crate::plan::bind_named(resource, m, args)
            .map_err(exec::ExecError::from)
            .and_then(|b| {
                let req = exec::describe_call(&q.table.client, m, &b)?;
                Ok(match b.body_json(m) {
                    Some(body) => format!("{req} with body {}", Json::to_string(&body)),
                    None => req,
                })
            })
            .unwrap_or_else(|e| format!("{} (cannot be sent: {e})", m.name));
        out.push(Described {
            table: resource.name.clone(),
            verb,
            method: m.name.clone(),
            request,
        });
    }
    out
}

/// The one-line summary of what a dry run would send: per statement verb and table, `DELETE
/// would remove 6 rows of auth_user_versions`, `INSERT would send POST /user/repos with body …`.
pub fn summarize(requests: &[Described]) -> String {
    let mut groups: Vec<(&str, &str, Vec<&str>)> = Vec::new();
    for d in requests {
        match groups
            .iter_mut()
            .find(|(v, t, _)| *v == d.verb && *t == d.table)
        {
            Some((_, _, r)) => r.push(&d.request),
            None => groups.push((d.verb, &d.table, vec![&d.request])),
        }
    }
    groups
        .iter()
        .map(|(verb, table, reqs)| match (*verb, reqs.as_slice()) {
            ("DELETE", _) => format!("DELETE would remove {} of {table}", rows(reqs.len())),
            (_, [one]) => format!("{verb} would send {one}"),
            _ => format!("{verb} would send {} requests to {table}", reqs.len()),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What one sent write answered.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteResult {
    /// The table.
    pub table: String,
    /// `INSERT`, `UPDATE` or `REPLACE`.
    pub verb: &'static str,
    /// The method called.
    pub method: String,
    /// `POST /user/repos`.
    pub request: String,
    /// HTTP status.
    pub status: u16,
    /// GitHub's JSON answer (the created object, typically), if any.
    pub body: Option<Json>,
}
