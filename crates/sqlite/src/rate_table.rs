//! `github_sql_rate_limit`: GitHub's rate-limit figures per resource (`core`, `search`,
//! `graphql`, `code_search`, …) for the connection's token. Each scan asks `GET /rate_limit`
//! (which GitHub does not count) and keeps what it says; without a token, or when GitHub does
//! not answer it (a GitHub Enterprise Server with rate limits off), it shows the figures the last
//! answers of any process sharing the cache directory carried.
//!
//! With named connections (docs/configuration.md) every connection has its own budget: the
//! table lists each connection's figures, its name in the last column, `connection` (NULL for
//! the environment's token).

use std::borrow::Cow;
use std::ffi::{c_int, CStr, CString};
use std::marker::PhantomData;

use rusqlite::ffi;
use rusqlite::vtab::{
    Context, CreateVTab, Filters, IndexInfo, Module, VTab, VTabConfig, VTabConnection, VTabCursor,
    VTabKind,
};
use rusqlite::Connection;

use github_sql_engine::http::{GitHubClient, RateFigures, Stop, RATE_COLUMNS};

use crate::value::to_sql;
use crate::vtab::guard;

/// The clients whose figures the table shows: the default's, then each named connection's.
type Clients = Vec<GitHubClient>;

/// The extra column after [`RATE_COLUMNS`]: the connection a row's budget belongs to.
const CONNECTION_COLUMN: &str = "connection";

#[repr(C)]
struct RateTable {
    base: ffi::sqlite3_vtab,
    clients: Clients,
}

unsafe impl<'vtab> VTab<'vtab> for RateTable {
    type Aux = Clients;
    type Cursor = RateCursor<'vtab>;

    fn connect(
        db: &mut VTabConnection,
        aux: Option<&Self::Aux>,
        _: &[u8],
        _: &[u8],
        _: &[u8],
        _: &[&[u8]],
    ) -> rusqlite::Result<(Cow<'static, CStr>, Self)> {
        // It sends a request with the token: not from views stored in a database file.
        db.config(VTabConfig::DirectOnly)?;
        let clients = aux.cloned().ok_or_else(|| {
            rusqlite::Error::ModuleError("rate-limit table without a client".into())
        })?;
        let cols: Vec<String> = RATE_COLUMNS
            .iter()
            .chain(&[CONNECTION_COLUMN])
            .map(|c| {
                let ty = match *c {
                    "resource" | "reset_at" | "seen_at" | CONNECTION_COLUMN => "TEXT",
                    _ => "INTEGER",
                };
                format!("\"{c}\" {ty}")
            })
            .collect();
        let sql = CString::new(format!("CREATE TABLE x({})", cols.join(", ")))?;
        Ok((
            Cow::Owned(sql),
            RateTable {
                base: ffi::sqlite3_vtab::default(),
                clients,
            },
        ))
    }

    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<bool> {
        info.set_estimated_cost(10.0);
        Ok(true)
    }

    fn open(&'vtab mut self) -> rusqlite::Result<RateCursor<'vtab>> {
        Ok(RateCursor {
            base: ffi::sqlite3_vtab_cursor::default(),
            clients: self.clients.clone(),
            rows: Vec::new(),
            row: 0,
            phantom: PhantomData,
        })
    }
}

impl CreateVTab<'_> for RateTable {
    const KIND: VTabKind = VTabKind::Eponymous;
}

#[repr(C)]
struct RateCursor<'vtab> {
    base: ffi::sqlite3_vtab_cursor,
    clients: Clients,
    /// Each row's figures and its connection.
    rows: Vec<(RateFigures, Option<String>)>,
    row: usize,
    phantom: PhantomData<&'vtab RateTable>,
}

unsafe impl VTabCursor for RateCursor<'_> {
    fn filter(&mut self, _: c_int, _: Option<&str>, _: &Filters<'_>) -> rusqlite::Result<()> {
        guard(|| {
            self.row = 0;
            self.rows = Vec::new();
            for client in &self.clients {
                let figures = if client.config().has_credentials() {
                    match client.refresh_rate_limits(&Stop::default()) {
                        Ok(rows) => rows,
                        Err(e) => {
                            tracing::debug!(
                                connection = client.connection().unwrap_or(""),
                                "GET /rate_limit failed, showing the last figures: {e}"
                            );
                            client.rate_limits()
                        }
                    }
                } else {
                    client.rate_limits()
                };
                let connection = client.connection().map(String::from);
                self.rows
                    .extend(figures.into_iter().map(|f| (f, connection.clone())));
            }
            Ok(())
        })
    }

    fn next(&mut self) -> rusqlite::Result<()> {
        self.row += 1;
        Ok(())
    }

    fn eof(&self) -> bool {
        self.row >= self.rows.len()
    }

    fn column(&self, ctx: &mut Context, i: c_int) -> rusqlite::Result<()> {
        guard(|| {
            let v = usize::try_from(i)
                .ok()
                .and_then(|i| {
                    let (figures, connection) = self.rows.get(self.row)?;
                    if i == RATE_COLUMNS.len() {
                        return connection.clone().map(github_sql_engine::Value::Text);
                    }
                    figures.values().into_iter().nth(i)
                })
                .unwrap_or(github_sql_engine::Value::Null);
            ctx.set_result(to_sql(v))
        })
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(i64::try_from(self.row).unwrap_or(i64::MAX))
    }
}

/// Registers `github_sql_rate_limit` for `client`'s token (the default connection) and for
/// each of `connections` (the named ones; the default is listed once).
pub fn register(
    conn: &Connection,
    client: GitHubClient,
    connections: Vec<(String, GitHubClient)>,
) -> rusqlite::Result<()> {
    const MODULE: &Module<'static, RateTable> = &Module::read_only_module();
    let default = client.connection().map(String::from);
    let mut clients = vec![client];
    clients.extend(
        connections
            .into_iter()
            .filter(|(name, _)| Some(name) != default.as_ref())
            .map(|(_, c)| c),
    );
    conn.create_module("github_sql_rate_limit", MODULE, Some(clients))
}
