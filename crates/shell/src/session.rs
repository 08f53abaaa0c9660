//! One session of `exec` or `shell`: a SQLite connection with the extension's tables, the
//! display settings, and the statements run through it (StackQL's statements rewritten, writes
//! wrapped in a transaction and confirmed, dry runs and COMMIT reports shown).

use std::io::Write;

use github_sql::value::{from_ref, SqlRef};
use github_sql::Value;
use rusqlite::Connection;

use crate::output::{formatter_with, pager, OutputFormat, ResultSet};
use crate::stackql::Statement;
use crate::{output, progress, rewrite, stackql, suggest};
use github_sql::Engine;

fn rows(n: u64) -> String {
    if n == 1 {
        "1 row".into()
    } else {
        format!("{n} rows")
    }
}

/// A JSON answer as a result set: an object is one row, an array of objects one row each.
fn json_result(body: serde_json::Value) -> ResultSet {
    // A text answer (Markdown as HTML, zen, a diff) is one row of one `content` column.
    let body = match body {
        serde_json::Value::String(text) => serde_json::json!({ "content": text }),
        other => other,
    };
    let items = match body {
        serde_json::Value::Array(a) => a,
        other => vec![other],
    };
    let mut columns: Vec<String> = Vec::new();
    for item in &items {
        if let Some(o) = item.as_object() {
            for k in o.keys() {
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
        }
    }
    let rows = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|c| match item.get(c) {
                    Some(serde_json::Value::Object(_) | serde_json::Value::Array(_)) => {
                        github_sql::rows::field_value(github_sql::spec::SqlType::Json, item.get(c))
                    }
                    v => github_sql::rows::field_value(github_sql::spec::SqlType::Text, v),
                })
                .collect()
        })
        .collect();
    // Object and array fields are JSON, as the tables' JSON columns are.
    let decltypes = columns
        .iter()
        .map(|c| {
            items
                .iter()
                .any(|i| {
                    matches!(
                        i.get(c),
                        Some(serde_json::Value::Object(_) | serde_json::Value::Array(_))
                    )
                })
                .then(|| "JSON".to_string())
        })
        .collect();
    ResultSet {
        decltypes,
        columns,
        rows,
    }
}

/// Ctrl-C interrupts the running statement (SQLite's interrupt, and the flag scans, waits and
/// paced DELETEs ask); a second Ctrl-C while one is pending exits (130).
///
/// Call it after the line editor is created: rustyline installs a SIGINT handler of its own
/// when it starts, which would replace this one (installed later, this one is called first and
/// chains to rustyline's).
pub fn install_ctrl_c(session: &Session) {
    use tokio::signal::unix::{signal, SignalKind};
    let handle = session.interrupt_handle();
    let flag = session.interrupted.clone();
    let rt = github_sql::http::runtime();
    // Registered here, synchronously: a Ctrl-C right after this call is not missed.
    let registered = {
        let _enter = rt.enter();
        signal(SignalKind::interrupt())
    };
    let mut sigint = match registered {
        Ok(s) => s,
        Err(e) => {
            eprintln!("github-sql: Ctrl-C will not interrupt statements: {e}");
            return;
        }
    };
    rt.spawn(async move {
        while sigint.recv().await.is_some() {
            on_ctrl_c(&flag, &handle);
        }
    });
}

fn on_ctrl_c(flag: &std::sync::atomic::AtomicBool, handle: &rusqlite::InterruptHandle) {
    if flag.swap(true, std::sync::atomic::Ordering::SeqCst) {
        eprintln!("\ninterrupted twice: exiting");
        std::process::exit(130);
    }
    eprintln!("\ninterrupt: stopping the running statement");
    handle.interrupt();
}

/// On a terminal, shows a bulk DELETE's count and sample and asks y/N; elsewhere answers no
/// (the error then says to pass `--yes`).
fn confirm_on_terminal(c: &github_sql::write::Confirmation) -> bool {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return false;
    }
    eprintln!(
        "DELETE would remove {} rows of {} ({}).\nFor example: {}",
        c.count,
        c.table,
        c.reason,
        c.sample.join("; ")
    );
    eprint!("Delete them? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes")
}

/// One shell session: an in-memory SQLite connection with the provider's tables registered.
pub struct Session {
    conn: Connection,
    engine: Engine,
    state: std::sync::Arc<github_sql::session::ConnState>,
    /// Set by Ctrl-C; asked by scans and between a DELETE's requests, cleared per statement.
    pub interrupted: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Format for results.
    pub format: OutputFormat,
    /// List what DELETE and EXEC would do instead of doing it.
    pub dry_run: bool,
    /// Headers, vertical output, pager (the shell's `.headers`, `\x`, `.pager`).
    pub display: output::Display,
}

impl Session {
    /// Opens a session on this engine.
    pub fn new(engine: Engine, format: OutputFormat) -> crate::Result<Self> {
        let conn = Connection::open_in_memory()?;
        // The tables stay DIRECTONLY (unless GITHUB_SQL_ALLOW_VIEWS=1): an ATTACHed file's views
        // and triggers must not reach them; TEMP views work.
        let state = github_sql::session::ConnState::new();
        let interrupted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = interrupted.clone();
        state.set_interrupt(Some(std::sync::Arc::new(move || {
            flag.load(std::sync::atomic::Ordering::Relaxed)
        })));
        github_sql::register_with(&conn, &engine, state.clone())?;
        crate::rewrite::set_connections(
            engine.connections.names(),
            engine
                .connections
                .list
                .iter()
                .filter(|c| matches!(c, github_sql::connections::Connection::Aggregate { .. }))
                .map(|c| c.name().to_string())
                .collect(),
        );
        // A COMMIT's deletes show a progress bar on a terminal.
        state.set_progress(Some(std::sync::Arc::new(progress::Bars::default())));
        Ok(Session {
            conn,
            engine,
            state,
            interrupted,
            format,
            dry_run: false,
            display: output::Display::default(),
        })
    }

    /// Confirms every bulk DELETE (`--yes`).
    pub fn set_yes(&self, yes: bool) {
        self.state
            .always_confirm
            .store(yes, std::sync::atomic::Ordering::Relaxed);
    }

    /// A handle that interrupts the running statement from another thread (Ctrl-C).
    pub fn interrupt_handle(&self) -> rusqlite::InterruptHandle {
        self.conn.get_interrupt_handle()
    }

    /// The underlying connection.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The engine this session serves.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// What the last statement cost GitHub: requests, 304s, bytes, points.
    pub fn last_stats(&self) -> github_sql::http::Stats {
        self.state.last_stats()
    }

    /// The connection's github-sql state (its write queue, confirmation and settings).
    pub fn state(&self) -> &std::sync::Arc<github_sql::session::ConnState> {
        &self.state
    }

    /// Runs every statement of a script, writing each result; stops at the first error.
    /// Results go to `out`; notes (rows deleted, dry runs) go to stderr so `out` stays parseable.
    pub fn run_script(&self, sql: &str, out: &mut dyn Write) -> crate::Result<()> {
        for stmt in rewrite::split_statements(sql) {
            self.run_statement(&stmt, out)?;
        }
        out.flush()?;
        Ok(())
    }

    /// Runs one statement as typed (StackQL names, EXEC, SHOW, DESCRIBE) and writes its result.
    /// SQLite's errors come back pointing at the input: a caret under the offending token, and
    /// the nearest table or column.
    pub fn run_statement(&self, stmt: &str, out: &mut dyn Write) -> crate::Result<()> {
        self.interrupted
            .store(false, std::sync::atomic::Ordering::SeqCst);
        let classified = stackql::classify(&self.engine.provider, stmt)?;
        let outcome = self.run(classified, &[]);
        // Aggregator members left out because they failed (the aggregator skips failures).
        for k in self.state.take_skipped() {
            eprintln!(
                "note: aggregator {} skipped connection {}: {}",
                k.aggregate, k.connection, k.error
            );
        }
        let outcome = outcome.map_err(|e| self.explain(stmt, e))?;
        match outcome {
            Outcome::Rows(rs) => self.present(&rs, out)?,
            Outcome::Queued {
                table,
                verb,
                rows: n,
            } => {
                let when = if verb == "DELETE" {
                    "deleted at COMMIT"
                } else {
                    "sent at COMMIT"
                };
                eprintln!(
                    "{verb}: {} of {table} queued; {when} (ROLLBACK sends nothing)",
                    rows(n as u64)
                );
            }
            Outcome::Committed { report, rows: rs } => {
                if !rs.columns.is_empty() {
                    self.present(&rs, out)?;
                }
                let headline = report.headline();
                if !headline.is_empty() {
                    eprintln!("{headline}");
                }
                eprintln!("{}", report.tail());
                // GitHub's answers to the INSERT/UPDATE/REPLACE rows sent (the created objects).
                self.present_writes(report.writes, out)?;
            }
            Outcome::DryRun { listing, note } => {
                if let Some(rs) = listing {
                    self.present_dry_run(&rs, out)?;
                }
                eprintln!("{note}");
            }
            Outcome::Nothing { table, verb } => {
                let done = if verb == "DELETE" { "deleted" } else { "sent" };
                eprintln!("{verb}: 0 rows of {table} {done}");
            }
            Outcome::Done { method } => eprintln!("EXEC {method}: done"),
        }
        Ok(())
    }

    /// A dry run's listing: on a terminal, a long one is paged or summarised as results are.
    fn present_dry_run(&self, rs: &ResultSet, out: &mut dyn Write) -> crate::Result<()> {
        const SHOWN: usize = 20;
        if self.display.terminal && self.display.pager.is_none() && rs.rows.len() > SHOWN + 5 {
            let head = ResultSet {
                columns: rs.columns.clone(),
                decltypes: rs.decltypes.clone(),
                rows: rs.rows[..SHOWN].to_vec(),
            };
            self.present(&head, out)?;
            eprintln!(
                "… and {} more requests (set a pager with .pager, or redirect the output to see them all)",
                rs.rows.len() - SHOWN
            );
            return Ok(());
        }
        self.present(rs, out)
    }

    /// GitHub's answers to sent writes (the created or changed objects), as rows.
    fn present_writes(
        &self,
        results: Vec<github_sql::write::WriteResult>,
        out: &mut dyn Write,
    ) -> crate::Result<()> {
        let bodies: Vec<serde_json::Value> = results.into_iter().filter_map(|r| r.body).collect();
        if bodies.is_empty() {
            return Ok(());
        }
        self.present(&json_result(serde_json::Value::Array(bodies)), out)
    }

    /// Writes a result in the session's format. On a terminal, a table wider than the screen
    /// goes to the pager if one is set, else is shown vertically (`\x auto`); a result taller
    /// than the screen goes to the pager.
    pub fn present(&self, rs: &ResultSet, out: &mut dyn Write) -> crate::Result<()> {
        use output::Expanded;
        let d = &self.display;
        let vertical = |format: OutputFormat| match d.expanded {
            Expanded::On if format.is_tabular() => OutputFormat::Line,
            _ => format,
        };
        let format = vertical(self.format);
        if !d.terminal || rs.columns.is_empty() {
            formatter_with(format, d.headers).write(rs, out)?;
            return Ok(());
        }
        let mut text = Vec::new();
        formatter_with(format, d.headers).write(rs, &mut text)?;
        let mut text = String::from_utf8_lossy(&text).into_owned();
        let (cols, lines) = pager::terminal_size().unwrap_or((usize::MAX, usize::MAX));
        let (width, height) = pager::extent(&text);
        if width > cols && d.pager.is_none() && d.expanded == Expanded::Auto && format.is_tabular()
        {
            let mut v = Vec::new();
            formatter_with(OutputFormat::Line, d.headers).write(rs, &mut v)?;
            text = String::from_utf8_lossy(&v).into_owned();
        }
        let (width, height) = if width > cols {
            pager::extent(&text)
        } else {
            (width, height)
        };
        match &d.pager {
            Some(cmd) if width > cols || height + 1 >= lines => {
                out.flush()?;
                pager::page(cmd, &text)?;
            }
            _ => out.write_all(text.as_bytes())?,
        }
        Ok(())
    }

    /// The user tables and views of this connection (for suggestions).
    fn user_tables(&self) -> Vec<String> {
        let Ok(mut stmt) = self.conn.prepare(
            "SELECT name FROM sqlite_schema WHERE type IN ('table','view') UNION SELECT name FROM sqlite_temp_schema WHERE type IN ('table','view')",
        ) else {
            return Vec::new();
        };
        stmt.query_map([], |r| r.get::<_, String>(0))
            .map(|rows| rows.filter_map(|r| r.ok()).collect())
            .unwrap_or_default()
    }

    /// An error of SQLite's, pointed at the statement as typed (see [`suggest::explain`]).
    fn explain(&self, stmt: &str, e: crate::Error) -> crate::Error {
        let provider = &self.engine.provider;
        if let crate::Error::Plan(github_sql::plan::PlanError::UnknownArg {
            param, known, ..
        }) = &e
        {
            let hint = suggest::did_you_mean(param, known.iter().map(String::as_str));
            if !hint.is_empty() {
                return crate::Error::Usage(format!("{e}{}", hint.replacen("mean ", "mean @", 1)));
            }
        }
        let rewritten = rewrite::rewrite_mapped(provider, stmt);
        match suggest::explain(provider, stmt, &rewritten, &self.user_tables(), &e) {
            Some(m) => crate::Error::Usage(m),
            None => e,
        }
    }

    /// Runs one classified statement and returns what it produced, for front ends that present
    /// results themselves (`run_script`). `params` are bound to the statement's parameters (see
    /// [`Session::query_params`]); EXEC takes none.
    ///
    /// Writes go through the connection's one queue: a write statement outside a transaction is
    /// its own transaction (the shell begins it, checks the bulk rule once over what the statement
    /// queued, asks y/N on a terminal when it needs confirming, then commits, so the rows are
    /// listed once); inside one, it queues, and the COMMIT sends and reports. `--dry-run` runs
    /// every statement as it would run, with the COMMIT listing what it would send instead of
    /// sending it; the rows a dry run would have deleted stay hidden from its later statements.
    pub fn run(&self, stmt: Statement, params: &[Value]) -> crate::Result<Outcome> {
        use std::sync::atomic::Ordering;
        // GITHUB_SQL_DEADLINE bounds the whole statement: every scan and a COMMIT's requests.
        self.state.begin_statement();
        self.state.dry_run.store(self.dry_run, Ordering::Relaxed);
        // A note left by an earlier statement's failure is not this statement's.
        let _ = self.state.take_commit();
        match stmt {
            Statement::Sql(sql) | Statement::Meta(sql) => {
                if !self.dry_run && !self.conn.is_autocommit() && stackql::ends_transaction(&sql) {
                    self.ask_before_commit();
                }
                let result = self.query_params(&sql, params);
                self.after_statement(result)
            }
            Statement::Delete { sql, table, direct } => {
                self.write_statement("DELETE", &table, |s| match &direct {
                    Some(d) => s.queue_direct(d),
                    None => s.query_params(&sql, params).map(|_| ()),
                })
            }
            Statement::Write { sql, table, verb } => {
                self.write_statement(verb, &table, |s| s.query_params(&sql, params).map(|_| ()))
            }
            Statement::Exec(call) => {
                if !params.is_empty() {
                    return Err(crate::Error::Usage(
                        "EXEC takes its values as @name=value, not as bound parameters".into(),
                    ));
                }
                self.exec(&call)
            }
        }
    }

    /// What a statement produced, with what its COMMIT did if it ended a transaction: the report
    /// at this statement, never a later one's.
    fn after_statement(&self, result: crate::Result<ResultSet>) -> crate::Result<Outcome> {
        use github_sql::session::CommitNote;
        match (result, self.state.take_commit()) {
            (
                _,
                Some(CommitNote::DryRun {
                    requests,
                    confirmation,
                }),
            ) => Ok(dry_run_outcome(requests, confirmation)),
            // An EXEC function called from SQL is checked and not sent.
            (Err(_), Some(CommitNote::DryCall(note))) => Ok(Outcome::DryRun {
                listing: None,
                note,
            }),
            (Ok(rows), Some(CommitNote::Sent(report))) => Ok(Outcome::Committed { report, rows }),
            (Ok(rows), _) => Ok(Outcome::Rows(rows)),
            (Err(e), _) => Err(e),
        }
    }

    /// Runs a write statement (`queue` queues its rows). Inside a transaction it only queues;
    /// outside one it is committed at once, as its own transaction.
    fn write_statement(
        &self,
        verb: &'static str,
        table: &str,
        queue: impl FnOnce(&Self) -> crate::Result<()>,
    ) -> crate::Result<Outcome> {
        let own = self.conn.is_autocommit();
        if own {
            self.conn.execute_batch("BEGIN")?;
        }
        let before = self.state.queued();
        if let Err(e) = queue(self) {
            if own && !self.conn.is_autocommit() {
                let _ = self.conn.execute_batch("ROLLBACK");
            }
            return Err(e);
        }
        let queued = self.state.queued().saturating_sub(before);
        if !own {
            return Ok(Outcome::Queued {
                table: table.to_string(),
                verb,
                rows: queued,
            });
        }
        if !self.dry_run {
            self.ask_before_commit();
        }
        let committed = self
            .conn
            .execute_batch("COMMIT")
            .map_err(crate::Error::from);
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        match self.after_statement(committed.map(|_| ResultSet::default()))? {
            // The COMMIT had nothing to send: the statement matched no row.
            Outcome::Rows(_) => Ok(Outcome::Nothing {
                table: table.to_string(),
                verb,
            }),
            other => Ok(other),
        }
    }

    /// Before a COMMIT that needs the user's say-so (the bulk rule over everything queued): on
    /// a terminal, shows the count and a sample and asks y/N; a yes confirms this transaction.
    /// Elsewhere the COMMIT refuses and says to pass `--yes`.
    fn ask_before_commit(&self) {
        use std::sync::atomic::Ordering;
        if self.state.always_confirm.load(Ordering::Relaxed) {
            return;
        }
        let threshold =
            usize::try_from(self.state.confirm_over.load(Ordering::Relaxed)).unwrap_or(usize::MAX);
        let Some(c) = self.state.with_txn(|t| t.pending_confirmation(threshold)) else {
            return;
        };
        if self.state.confirmed.load(Ordering::Relaxed) >= c.count as u64 {
            return;
        }
        // A Ctrl-C at the question is a no.
        if confirm_on_terminal(&c) && !self.interrupted.load(Ordering::SeqCst) {
            self.state
                .confirmed
                .store(c.count as u64, Ordering::Relaxed);
        }
        // The time spent answering does not count against the deadline.
        self.state.begin_statement();
    }

    /// Queues a direct DELETE's calls (no listing), joining the transaction through
    /// `github_sql_queue` so that its COMMIT sends them.
    fn queue_direct(&self, d: &stackql::DirectDelete) -> crate::Result<()> {
        self.conn
            .execute_batch("DELETE FROM github_sql_queue WHERE 0")?;
        let client = match &d.connection {
            None => self.engine.client.clone(),
            Some(name) => self
                .engine
                .connection_clients()
                .into_iter()
                .find(|(n, _)| n == name)
                .map(|(_, c)| c)
                .ok_or_else(|| crate::Error::Usage(format!("no connection {name}")))?,
        };
        let table = std::sync::Arc::new(github_sql::scan::Table::new(d.resource.clone(), client));
        let method = &d.resource.methods[d.method];
        for args in &d.calls {
            // Checked now: a bad value is an error before anything is queued.
            github_sql::plan::bind_named(&d.resource, method, args)?;
        }
        self.state.with_txn(|t| {
            for args in &d.calls {
                t.queue.push_delete(
                    table.clone(),
                    github_sql::write::Target {
                        method: d.method,
                        args: args.clone(),
                    },
                    None,
                );
            }
        });
        Ok(())
    }

    fn exec(&self, call: &stackql::ExecCall) -> crate::Result<Outcome> {
        let (resource, method) = (&call.resource, &call.resource.methods[call.method]);
        let bound = github_sql::plan::bind_named(resource, method, &call.args)?;
        if self.dry_run {
            let req = github_sql::exec::describe_call(&self.engine.client, method, &bound)?;
            return Ok(Outcome::DryRun {
                listing: None,
                note: format!(
                    "dry run: EXEC {} would send {req}{}; nothing was sent",
                    method.name,
                    bound
                        .body_json(method)
                        .map(|b| format!(" with body {b}"))
                        .unwrap_or_default()
                ),
            });
        }
        Ok(
            match github_sql::exec::call_with(
                &self.engine.client,
                resource,
                method,
                &bound,
                &self.state.stop(self.engine.client.config().bounds.deadline),
            )? {
                Some(body) => Outcome::Rows(json_result(body)),
                None => Outcome::Done {
                    method: method.name.clone(),
                },
            },
        )
    }

    /// Runs one statement (already rewritten) and reads its whole result. A failure in the middle
    /// of a scan is an error, never a short result.
    pub fn query(&self, sql: &str) -> crate::Result<ResultSet> {
        self.query_params(sql, &[])
    }

    /// [`Session::query`] with bound values. `$N` and `?N` parameters take `params[N-1]` (so a
    /// value may be used twice, as in Postgres); a plain `?` takes the value at its position.
    pub fn query_params(&self, sql: &str, params: &[Value]) -> crate::Result<ResultSet> {
        let mut stmt = self.conn.prepare(sql)?;
        for i in 1..=stmt.parameter_count() {
            let n = match stmt.parameter_name(i) {
                Some(name) => name[1..].parse::<usize>().map_err(|_| {
                    crate::Error::Usage(format!(
                        "parameter {name} cannot be bound: use $1, $2, … (numbered parameters)"
                    ))
                })?,
                None => i,
            };
            let v = n
                .checked_sub(1)
                .and_then(|k| params.get(k))
                .ok_or_else(|| {
                    crate::Error::Usage(format!(
                        "the statement uses parameter ${n} but {} value{} bound",
                        params.len(),
                        if params.len() == 1 { " was" } else { "s were" }
                    ))
                })?;
            stmt.raw_bind_parameter(i, SqlRef(v))?;
        }
        let columns: Vec<String> = stmt.column_names().map(String::from).collect();
        let decltypes = stmt
            .columns()
            .map(|c| c.decl_type().map(String::from))
            .collect();
        let n = columns.len();
        let mut rows = Vec::new();
        let mut cursor = stmt.raw_query();
        while let Some(row) = cursor.next()? {
            rows.push(
                (0..n)
                    .map(|i| row.get_ref(i).map(from_ref))
                    .collect::<rusqlite::Result<Vec<_>>>()?,
            );
        }
        Ok(ResultSet {
            columns,
            decltypes,
            rows,
        })
    }
}

/// What a dry run's COMMIT would have sent, as a listing (table, method, request) and a note.
fn dry_run_outcome(
    requests: Vec<github_sql::write::Described>,
    confirmation: Option<github_sql::write::Confirmation>,
) -> Outcome {
    let any_delete = requests.iter().any(|r| r.verb == "DELETE");
    let verdict = match (&confirmation, any_delete) {
        (Some(c), _) => format!("; it would need confirmation: {c}"),
        (None, true) => "; it would not need confirmation".to_string(),
        (None, false) => String::new(),
    };
    let note = format!(
        "dry run: {}{verdict}; nothing was sent",
        github_sql::write::send::summarize(&requests)
    );
    let listing = ResultSet {
        columns: vec!["table".into(), "method".into(), "request".into()],
        decltypes: vec![None, None, None],
        rows: requests
            .into_iter()
            .map(|r| {
                vec![
                    Value::Text(r.table),
                    Value::Text(r.method),
                    Value::Text(r.request),
                ]
            })
            .collect(),
    };
    Outcome::DryRun {
        listing: Some(listing),
        note,
    }
}

/// What one statement produced (see [`Session::run`]).
#[derive(Debug)]
pub enum Outcome {
    /// A result: a query, a metadata statement, an EXEC whose answer has a body. Statements that
    /// return no rows (DDL, BEGIN) give an empty result with no columns.
    Rows(ResultSet),
    /// A write statement inside a transaction: its rows are queued, sent at COMMIT.
    Queued {
        /// The table.
        table: String,
        /// `DELETE`, `INSERT`, `UPDATE` or `REPLACE`.
        verb: &'static str,
        /// Rows queued by this statement.
        rows: usize,
    },
    /// A write statement outside a transaction that matched no row: nothing was sent.
    Nothing {
        /// The table.
        table: String,
        /// The verb.
        verb: &'static str,
    },
    /// A COMMIT (or a write statement outside a transaction, which commits itself) sent what
    /// was queued.
    Committed {
        /// What it sent, under one run id.
        report: github_sql::write::CommitReport,
        /// The statement's own result (none for COMMIT).
        rows: ResultSet,
    },
    /// `--dry-run`: what a COMMIT or EXEC would send; nothing was sent.
    DryRun {
        /// The requests (table, method, request).
        listing: Option<ResultSet>,
        /// One line saying what would be sent.
        note: String,
    },
    /// An EXEC whose answer has no body (GitHub's 204).
    Done {
        /// The method called.
        method: String,
    },
}
