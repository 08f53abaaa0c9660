//! One client connection: the simple and extended query protocols over the shell's engine.
//!
//! Every statement is classified ([`super::classify`]), then either answered here (`SET`,
//! `SHOW`, `DISCARD`) or run on the connection's own thread ([`super::worker`]) through
//! [`Session::run`](crate::shell::Session::run), the same path as `github-sql exec`. Results are
//! read whole and encoded before the first row is sent, so a failure mid-scan is an
//! `ErrorResponse`, never a short result.
//!
//! Types: a simple query and a described portal run at once, so an expression's type comes from
//! its values; a described statement (no values yet) types expressions as text, and executing it
//! later keeps those types. A portal is run when it is described (its rows wait in the portal for
//! Execute), so it is run exactly once.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;
use futures::{stream, Sink};
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{
    DescribePortalResponse, DescribeStatementResponse, FieldInfo, QueryResponse, Response, Tag,
};
use pgwire::api::stmt::{QueryParser, StoredStatement};
use pgwire::api::store::{Entry, PortalStore};
use pgwire::api::{
    ClientInfo, ClientPortalStore, ConnectionHandle, Type, DEFAULT_NAME, METADATA_USER,
};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::data::DataRow;
use pgwire::messages::extendedquery::Execute;
use pgwire::messages::response::TransactionStatus;
use pgwire::messages::simplequery::Query;
use pgwire::messages::PgWireBackendMessage;
use rusqlite::types::Value;

use super::catalog;
use super::classify::{classify, Kind};
use super::errors::{to_pg, user_error, Failure};
use super::types;
use super::worker::{Conn, Worker};
use crate::http::GitHubClient;
use crate::shell::output::ResultSet;
use crate::shell::{rewrite, stackql, Outcome};
use crate::spec::Provider;

/// A statement as the extended protocol stores it.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The SQL as the client sent it (for the log).
    pub sql: String,
    /// Its classification.
    pub kind: Kind,
}

/// Parses `Parse` messages into [`Prepared`] statements.
#[derive(Debug)]
pub struct PgParser {
    provider: Arc<Provider>,
}

#[async_trait]
impl QueryParser for PgParser {
    type Statement = Prepared;

    async fn parse_sql<C>(
        &self,
        _client: &C,
        sql: &str,
        _types: &[Option<Type>],
    ) -> PgWireResult<Option<Prepared>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let mut stmts = rewrite::split_statements(sql);
        match stmts.len() {
            0 => Ok(None),
            1 => {
                let sql = stmts.remove(0);
                let kind = classify(&self.provider, &sql);
                Ok(Some(Prepared { sql, kind }))
            }
            _ => Err(user_error(
                "42601",
                "cannot insert multiple commands into a prepared statement; send them one at a time",
            )),
        }
    }

    fn get_parameter_types(&self, _stmt: &Prepared) -> PgWireResult<Vec<Type>> {
        Ok(vec![])
    }

    fn get_result_schema(
        &self,
        _stmt: &Prepared,
        _format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        Ok(vec![])
    }
}

/// How result columns get their types (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Typing {
    /// From the values at hand.
    Values,
    /// From declared types only.
    Declared,
}

/// What a statement run on the worker produced, ready to send.
enum Reply {
    Rows {
        schema: Arc<Vec<FieldInfo>>,
        rows: Vec<DataRow>,
    },
    Tag(String, u64),
}

/// The handler of one client connection.
pub struct Backend {
    worker: Worker,
    provider: Arc<Provider>,
    client: GitHubClient,
    parser: Arc<PgParser>,
    /// Values of `SET`, for `SHOW`.
    settings: Mutex<HashMap<String, String>>,
    /// Statements running in the whole server (shutdown waits for them).
    busy: Arc<AtomicUsize>,
}

/// Counts a running statement for as long as it lives.
struct Running(Arc<AtomicUsize>);

impl Running {
    fn start(busy: &Arc<AtomicUsize>) -> Running {
        busy.fetch_add(1, Ordering::SeqCst);
        Running(busy.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Backend {
    /// A handler over its own session (its own SQLite connection and GitHub client).
    pub fn new(session: crate::shell::Session, busy: Arc<AtomicUsize>) -> std::io::Result<Backend> {
        let provider = session.engine().provider.clone();
        let client = session.engine().client.clone();
        Ok(Backend {
            worker: Worker::spawn(session)?,
            parser: Arc::new(PgParser {
                provider: provider.clone(),
            }),
            provider,
            client,
            settings: Mutex::new(HashMap::new()),
            busy,
        })
    }

    fn show(&self, name: &str) -> PgWireResult<Response> {
        let set = self.settings.lock().map(|s| s.clone()).unwrap_or_default();
        let known = catalog::settings(&self.provider);
        let rows: Vec<Vec<Value>> = if name == "all" {
            known
                .iter()
                .map(|(k, v)| vec![Value::Text((*k).into()), Value::Text(v.clone())])
                .collect()
        } else {
            let v = set
                .get(name)
                .cloned()
                .or_else(|| {
                    known
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v.clone())
                })
                .ok_or_else(|| {
                    user_error(
                        "42704",
                        format!("unrecognized configuration parameter \"{name}\""),
                    )
                })?;
            vec![vec![Value::Text(v)]]
        };
        let columns = if name == "all" {
            vec!["name".to_string(), "setting".to_string()]
        } else {
            vec![name.to_string()]
        };
        let schema = Arc::new(types::fields(
            &columns,
            &vec![Type::TEXT; columns.len()],
            &Format::UnifiedText,
        ));
        let rows = types::encode_rows(&schema, &rows)?;
        Ok(rows_response(schema, rows))
    }

    /// Runs one classified statement and returns its response.
    async fn execute<C: ClientInfo>(
        &self,
        client: &C,
        prepared: &Prepared,
        params: Vec<Value>,
        format: &Format,
        typing: Typing,
    ) -> PgWireResult<Response> {
        let status = client.transaction_status();
        let aborted = status == TransactionStatus::Error;
        let user = user_of(client);
        match &prepared.kind {
            Kind::Commit | Kind::Rollback => {
                // A failed transaction ends in ROLLBACK whatever was asked, as in Postgres.
                let commit = prepared.kind == Kind::Commit && !aborted;
                let sql = if commit { "COMMIT" } else { "ROLLBACK" };
                let started = Instant::now();
                let before = self.client.requests_sent();
                let r = self
                    .worker
                    .run_to_end(move |conn| -> Result<(), Failure> {
                        let c = conn.session(&user).map_err(Failure::from)?.connection();
                        if c.is_autocommit() {
                            return Ok(());
                        }
                        let r = c.execute_batch(sql).map_err(|e| Failure::from(crate::Error::from(e)));
                        if r.is_err() && !c.is_autocommit() {
                            let _ = c.execute_batch("ROLLBACK");
                        }
                        r
                    })
                    .await
                    .map_err(|e| user_error("XX000", e.to_string()))?;
                self.log(sql, started, before, None, r.as_ref().err());
                r.map_err(|e| to_pg(&e))?;
                return Ok(Response::TransactionEnd(Tag::new(sql)));
            }
            _ if aborted => {
                return Err(user_error(
                    "25P02",
                    "current transaction is aborted, commands ignored until end of transaction block; send ROLLBACK",
                ))
            }
            Kind::Set { name, value } => {
                if let Ok(mut s) = self.settings.lock() {
                    s.insert(name.clone(), value.clone());
                }
                return Ok(Response::Execution(Tag::new("SET")));
            }
            Kind::Show(name) => return self.show(name),
            Kind::Noop(tag) => return Ok(Response::Execution(Tag::new(tag))),
            Kind::Begin => {
                self.worker
                    .run(move |conn| {
                        let c = conn.session(&user).map_err(Failure::from)?.connection();
                        if c.is_autocommit() {
                            c.execute_batch("BEGIN")
                                .map_err(|e| Failure::from(crate::Error::from(e)))
                        } else {
                            Ok(())
                        }
                    })
                    .await
                    .map_err(|e| user_error("XX000", e.to_string()))?
                    .map_err(|e| to_pg(&e))?;
                return Ok(Response::TransactionStart(Tag::new("BEGIN")));
            }
            Kind::Catalog(_) | Kind::Engine(_) | Kind::RollbackTo(_) => {}
        }
        let reply = self
            .run(client, prepared, params, format.clone(), typing, false)
            .await?;
        Ok(match reply {
            Some(Reply::Rows { schema, rows }) => rows_response(schema, rows),
            Some(Reply::Tag(tag, n)) => tag_response(&tag, n),
            None => Response::EmptyQuery,
        })
    }

    /// Runs an engine or catalog statement on the worker. With `describe_only`, a statement that
    /// returns no rows (DELETE, DDL) is not run and `None` comes back.
    async fn run<C: ClientInfo>(
        &self,
        client: &C,
        prepared: &Prepared,
        params: Vec<Value>,
        format: Format,
        typing: Typing,
        describe_only: bool,
    ) -> PgWireResult<Option<Reply>> {
        let sql = match &prepared.kind {
            Kind::Catalog(sql) | Kind::Engine(sql) | Kind::RollbackTo(sql) => sql.clone(),
            _ => return Ok(None),
        };
        let user = user_of(client);
        let provider = self.provider.clone();
        let _running = Running::start(&self.busy);
        let started = Instant::now();
        let before = self.client.requests_sent();
        let result = self
            .worker
            .run(move |conn: &mut Conn| -> Result<Option<Reply>, Failure> {
                let mut run = || -> crate::Result<Option<Reply>> {
                    let session = conn.session(&user)?;
                    let stmt = stackql::classify(&provider, &sql)?;
                    if describe_only {
                        let returns_rows = match &stmt {
                            stackql::Statement::Sql(s) => {
                                session.connection().prepare(s)?.column_count() > 0
                            }
                            stackql::Statement::Delete { .. } => session.dry_run,
                            stackql::Statement::Meta(_) | stackql::Statement::Exec(_) => true,
                        };
                        if !returns_rows {
                            return Ok(None);
                        }
                    }
                    let outcome = session.run(stmt, &params)?;
                    let changes = session.connection().changes();
                    Ok(Some(reply(outcome, &sql, changes, &format, typing)?))
                };
                run().map_err(Failure::from)
            })
            .await
            .map_err(|e| user_error("XX000", e.to_string()))?;
        let rows = match &result {
            Ok(Some(Reply::Rows { rows, .. })) => Some(rows.len()),
            _ => None,
        };
        self.log(&prepared.sql, started, before, rows, result.as_ref().err());
        let result = result.map_err(|e| to_pg(&e))?;
        Ok(result)
    }

    /// One line per statement: what ran, how long it took, how many GitHub requests it made.
    /// Never the bound values (they may be secrets) and never the token.
    fn log(
        &self,
        sql: &str,
        started: Instant,
        before: u64,
        rows: Option<usize>,
        err: Option<&Failure>,
    ) {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let requests = self.client.requests_sent().saturating_sub(before);
        let sql: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        let sql = match sql.char_indices().nth(300) {
            Some((at, _)) => format!("{}…", &sql[..at]),
            None => sql,
        };
        match err {
            None => tracing::info!(
                duration_ms = format!("{ms:.1}"),
                github_requests = requests,
                rows,
                "{sql}"
            ),
            Some(e) => {
                tracing::info!(duration_ms = format!("{ms:.1}"), github_requests = requests, error = %e, "{sql}")
            }
        }
    }

    fn params<S: Clone>(portal: &Portal<S>) -> PgWireResult<Vec<Value>> {
        (0..portal.parameter_len())
            .map(|k| {
                let ty = types::param_type(portal.statement.parameter_types.get(k));
                types::decode_param(
                    k + 1,
                    &ty,
                    portal.parameter_format.is_binary(k),
                    portal.parameters.get(k).and_then(|p| p.as_deref()),
                )
            })
            .collect()
    }
}

/// Turns an outcome into rows or a command tag, encoding every row now.
fn reply(
    outcome: Outcome,
    sql: &str,
    changes: u64,
    format: &Format,
    typing: Typing,
) -> crate::Result<Reply> {
    let rows = |rs: ResultSet| -> crate::Result<Reply> {
        let tys = match typing {
            Typing::Values => types::result_types(&rs),
            Typing::Declared => types::static_types(&rs.decltypes),
        };
        let schema = Arc::new(types::fields(&rs.columns, &tys, format));
        let rows = types::encode_rows(&schema, &rs.rows)
            .map_err(|e| crate::Error::Usage(pg_message(&e)))?;
        Ok(Reply::Rows { schema, rows })
    };
    Ok(match outcome {
        Outcome::Rows(rs) if rs.columns.is_empty() => {
            let (tag, counted) = sql_tag(sql);
            Reply::Tag(tag, if counted { changes } else { u64::MAX })
        }
        Outcome::Rows(rs) => rows(rs)?,
        Outcome::Deleted { rows, .. } => Reply::Tag("DELETE".into(), rows),
        Outcome::DryRun {
            listing: Some(rs),
            note,
        } => {
            tracing::info!("{note}");
            rows(rs)?
        }
        Outcome::DryRun {
            listing: None,
            note,
        } => {
            tracing::info!("{note}");
            Reply::Tag("EXEC".into(), u64::MAX)
        }
        Outcome::Done { .. } => Reply::Tag("EXEC".into(), u64::MAX),
    })
}

/// The user name the client logged in with (the catalog's owner of everything).
fn user_of<C: ClientInfo + ?Sized>(client: &C) -> String {
    client
        .metadata()
        .get(METADATA_USER)
        .cloned()
        .unwrap_or_else(|| "github".into())
}

fn pg_message(e: &PgWireError) -> String {
    match e {
        PgWireError::UserError(info) => info.message.clone(),
        other => other.to_string(),
    }
}

/// The command tag of a statement that returned no rows, and whether it counts rows.
fn sql_tag(sql: &str) -> (String, bool) {
    let words: Vec<String> = sql
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .take(3)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let first = words.first().cloned().unwrap_or_default();
    match first.as_str() {
        "INSERT" | "UPDATE" | "DELETE" | "REPLACE" => (first, true),
        "CREATE" | "DROP" | "ALTER" => {
            let what = words
                .iter()
                .skip(1)
                .find(|w| {
                    !matches!(
                        w.as_str(),
                        "TEMP" | "TEMPORARY" | "VIRTUAL" | "UNIQUE" | "IF"
                    )
                })
                .cloned()
                .unwrap_or_default();
            (format!("{first} {what}").trim().to_string(), false)
        }
        "END" => ("COMMIT".into(), false),
        _ => (first, false),
    }
}

fn rows_response(schema: Arc<Vec<FieldInfo>>, rows: Vec<DataRow>) -> Response {
    Response::Query(QueryResponse::new(
        schema,
        stream::iter(rows.into_iter().map(Ok)),
    ))
}

fn tag_response(tag: &str, n: u64) -> Response {
    let t = match (tag, n) {
        ("INSERT", n) => Tag::new("INSERT")
            .with_oid(0)
            .with_rows(usize::try_from(n).unwrap_or(usize::MAX)),
        (_, u64::MAX) => Tag::new(tag),
        (_, n) => Tag::new(tag).with_rows(usize::try_from(n).unwrap_or(usize::MAX)),
    };
    // Plain BEGIN/COMMIT/ROLLBACK are classified before the engine; here BEGIN and COMMIT are
    // SQLite's own forms (`BEGIN IMMEDIATE`), and ROLLBACK is `ROLLBACK TO savepoint`, which
    // does not end the transaction.
    match tag {
        "BEGIN" => Response::TransactionStart(t),
        "COMMIT" => Response::TransactionEnd(t),
        _ => Response::Execution(t),
    }
}

impl Backend {
    /// Whether `kind` is a `ROLLBACK TO` that may recover a failed transaction (as in Postgres).
    fn recovers(&self, kind: &Kind) -> bool {
        // The tables take back the DELETEs queued after the savepoint, so this is always safe.
        matches!(kind, Kind::RollbackTo(_))
    }

    /// pgwire carries a failed transaction's state through every later statement; a
    /// `ROLLBACK TO SAVEPOINT` clears it. Set before pgwire reads it, so the statement runs and
    /// the client sees the transaction usable again (or failed again, if it fails).
    fn recover<C: ClientInfo>(&self, client: &mut C, kind: &Kind) {
        if client.transaction_status() == TransactionStatus::Error && self.recovers(kind) {
            client.set_transaction_status(TransactionStatus::Transaction);
        }
    }
}

#[async_trait]
impl SimpleQueryHandler for Backend {
    async fn on_query<C>(&self, client: &mut C, query: Query) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if client.transaction_status() == TransactionStatus::Error {
            if let [only] = rewrite::split_statements(&query.query).as_slice() {
                self.recover(client, &classify(&self.provider, only));
            }
        }
        self._on_query(client, query).await
    }

    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut out = Vec::new();
        for sql in rewrite::split_statements(query) {
            let prepared = Prepared {
                kind: classify(&self.provider, &sql),
                sql,
            };
            match self
                .execute(
                    &*client,
                    &prepared,
                    Vec::new(),
                    &Format::UnifiedText,
                    Typing::Values,
                )
                .await
            {
                Ok(r) => {
                    // Later statements see the transaction state this one left.
                    match &r {
                        Response::TransactionStart(_) => client.set_transaction_status(
                            client.transaction_status().to_in_transaction_state(),
                        ),
                        Response::TransactionEnd(_) => client
                            .set_transaction_status(client.transaction_status().to_idle_state()),
                        _ => {}
                    }
                    out.push(r)
                }
                Err(PgWireError::UserError(info)) if !out.is_empty() => {
                    out.push(Response::Error(info));
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        if out.is_empty() {
            out.push(Response::EmptyQuery);
        }
        Ok(out)
    }
}

#[async_trait]
impl ExtendedQueryHandler for Backend {
    type Statement = Prepared;
    type QueryParser = PgParser;

    fn query_parser(&self) -> Arc<PgParser> {
        self.parser.clone()
    }

    async fn on_execute<C>(&self, client: &mut C, message: Execute) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let name = message.name.as_deref().unwrap_or(DEFAULT_NAME);
        if let Some(Entry::Value(portal)) = client.portal_store().get_portal(name) {
            let kind = portal.statement.statement.kind.clone();
            self.recover(client, &kind);
        }
        self._on_execute(client, message).await
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Prepared>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let params = Self::params(portal)?;
        self.execute(
            &*client,
            &portal.statement.statement,
            params,
            &portal.result_column_format,
            Typing::Declared,
        )
        .await
    }

    async fn do_describe_statement<C>(
        &self,
        client: &mut C,
        target: &StoredStatement<Prepared>,
    ) -> PgWireResult<DescribeStatementResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let declared = target.parameter_types.clone();
        let sql = match &target.statement.kind {
            Kind::Catalog(sql) | Kind::Engine(sql) => sql.clone(),
            Kind::Show(name) => {
                let fields = types::fields(
                    std::slice::from_ref(name),
                    &[Type::TEXT],
                    &Format::UnifiedText,
                );
                return Ok(DescribeStatementResponse::new(vec![], fields));
            }
            _ => return Ok(DescribeStatementResponse::new(vec![], vec![])),
        };
        let user = user_of(&*client);
        let provider = self.provider.clone();
        // Prepare only: column names and declared types, and how many parameters it uses.
        let described = self
            .worker
            .run(move |conn: &mut Conn| -> Result<(Vec<String>, Vec<Option<String>>, usize), Failure> {
                let mut describe = || -> crate::Result<(Vec<String>, Vec<Option<String>>, usize)> {
                let session = conn.session(&user)?;
                let (sql, rows) = match stackql::classify(&provider, &sql)? {
                    stackql::Statement::Sql(s) | stackql::Statement::Meta(s) => (s, true),
                    stackql::Statement::Delete { sql, select, .. } => {
                        if session.dry_run {
                            (select, true)
                        } else {
                            (sql, false)
                        }
                    }
                    stackql::Statement::Exec(_) => return Ok((vec![], vec![], 0)),
                };
                let stmt = session.connection().prepare(&sql)?;
                let nparams = (1..=stmt.parameter_count())
                    .map(|i| {
                        stmt.parameter_name(i)
                            .and_then(|n| n[1..].parse::<usize>().ok())
                            .unwrap_or(i)
                    })
                    .max()
                    .unwrap_or(0);
                if !rows {
                    return Ok((vec![], vec![], nparams));
                }
                let cols = stmt.column_names().map(String::from).collect();
                let decl = stmt.columns().map(|c| c.decl_type().map(String::from)).collect();
                Ok((cols, decl, nparams))
                };
                describe().map_err(Failure::from)
            })
            .await
            .map_err(|e| user_error("XX000", e.to_string()))?
            .map_err(|e| to_pg(&e))?;
        let (cols, decl, nparams) = described;
        let params = (0..nparams.max(declared.len()))
            .map(|k| types::param_type(declared.get(k)))
            .collect();
        let fields = types::fields(&cols, &types::static_types(&decl), &Format::UnifiedText);
        Ok(DescribeStatementResponse::new(params, fields))
    }

    async fn do_describe_portal<C>(
        &self,
        client: &mut C,
        portal: &Portal<Prepared>,
    ) -> PgWireResult<DescribePortalResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let prepared = &portal.statement.statement;
        let format = &portal.result_column_format;
        if client.transaction_status() == TransactionStatus::Error {
            return Ok(DescribePortalResponse::new(vec![]));
        }
        let response = match &prepared.kind {
            Kind::Show(name) => match self.show(name)? {
                Response::Query(q) => q,
                _ => return Ok(DescribePortalResponse::new(vec![])),
            },
            Kind::Catalog(_) | Kind::Engine(_) => {
                let params = Self::params(portal)?;
                // The statement runs here, so a cancel request must reach it here too (pgwire
                // only watches Execute and simple queries).
                let cancel = match client.session_extensions().get::<Arc<ConnectionHandle>>() {
                    Some(h) => Some(h.start_query().await),
                    None => None,
                };
                let work = self.run(
                    &*client,
                    prepared,
                    params,
                    format.clone(),
                    Typing::Values,
                    true,
                );
                let reply = match cancel {
                    Some(cancel) => tokio::select! {
                        r = work => r?,
                        Ok(()) = cancel => return Err(PgWireError::QueryCanceled),
                    },
                    None => work.await?,
                };
                match reply {
                    Some(Reply::Rows { schema, rows }) => {
                        QueryResponse::new(schema, stream::iter(rows.into_iter().map(Ok)))
                    }
                    // An EXEC without a body already ran: Execute must only report it.
                    Some(Reply::Tag(tag, _)) => {
                        let mut q = QueryResponse::new(Arc::new(vec![]), stream::empty());
                        q.set_command_tag(&tag);
                        portal.start(q).await;
                        return Ok(DescribePortalResponse::new(vec![]));
                    }
                    // No rows (DELETE, DDL): not run yet; Execute runs it.
                    None => return Ok(DescribePortalResponse::new(vec![])),
                }
            }
            _ => return Ok(DescribePortalResponse::new(vec![])),
        };
        let fields = response.row_schema().as_ref().clone();
        // The rows wait in the portal; Execute sends them without running the statement again.
        portal.start(response).await;
        Ok(DescribePortalResponse::new(fields))
    }
}
