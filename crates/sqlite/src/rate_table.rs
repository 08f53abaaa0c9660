//! `github_sql_rate_limit`: GitHub's rate-limit figures per resource (`core`, `search`,
//! `graphql`, `code_search`, …) for the connection's token. Each scan asks `GET /rate_limit`
//! (which GitHub does not count) and keeps what it says; without a token, or when GitHub does
//! not answer it (a GitHub Enterprise Server with rate limits off), it shows the figures the last
//! answers of any process sharing the cache directory carried.
//!
//! With named connections (docs/configuration.md) every connection has its own budget: the
//! table lists each connection's figures, its name in the last column, `connection` (NULL for
//! the environment's token).

use std::sync::Arc;

use rusqlite::vtab::{Module, VTabConfig};
use rusqlite::Connection;

use github_sql_engine::http::{GitHubClient, Stop, RATE_COLUMNS};

use crate::listing::{Listing, ListingTable};

/// The extra column after [`RATE_COLUMNS`]: the connection a row's budget belongs to.
const CONNECTION_COLUMN: &str = "connection";

/// The figures of each client's credentials: the default's, then each named connection's.
pub(crate) struct RateLimits(Vec<GitHubClient>);

impl Listing for RateLimits {
    const NAME: &'static str = "github_sql_rate_limit";

    fn columns(&self) -> String {
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
        cols.join(", ")
    }

    fn config(&self) -> Option<VTabConfig> {
        // It sends a request with the token: not from views stored in a database file.
        Some(VTabConfig::DirectOnly)
    }

    fn rows(&self) -> rusqlite::Result<Vec<Vec<github_sql_engine::Value>>> {
        let mut rows = Vec::new();
        for client in &self.0 {
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
            let connection = client
                .connection()
                .map_or(github_sql_engine::Value::Null, |c| {
                    github_sql_engine::Value::Text(c.to_string())
                });
            rows.extend(figures.iter().map(|f| {
                let mut row: Vec<github_sql_engine::Value> = f.values();
                row.push(connection.clone());
                row
            }));
        }
        Ok(rows)
    }
}

/// Registers `github_sql_rate_limit` for `client`'s token (the default connection) and for
/// each of `connections` (the named ones; the default is listed once).
pub fn register(
    conn: &Connection,
    client: GitHubClient,
    connections: Vec<(String, GitHubClient)>,
) -> rusqlite::Result<()> {
    const MODULE: &Module<'static, ListingTable<RateLimits>> = &Module::read_only_module();
    let default = client.connection().map(String::from);
    let mut clients = vec![client];
    clients.extend(
        connections
            .into_iter()
            .filter(|(name, _)| Some(name) != default.as_ref())
            .map(|(_, c)| c),
    );
    conn.create_module(
        RateLimits::NAME,
        MODULE,
        Some(Arc::new(RateLimits(clients))),
    )
}
