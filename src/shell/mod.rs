//! The SQL shell: `github-sql exec` and `github-sql shell`, StackQL's syntax over SQLite.

pub mod output;
mod repl;
pub mod rewrite;

use std::io::Write;

use rusqlite::types::Value;
use rusqlite::Connection;

use crate::engine::Engine;
use output::{formatter, OutputFormat, ResultSet};

pub use repl::run_repl;

/// One shell session: an in-memory SQLite connection with the provider's tables registered.
pub struct Session {
    conn: Connection,
    engine: Engine,
    /// Format for results.
    pub format: OutputFormat,
}

impl Session {
    /// Opens a session on this engine.
    pub fn new(engine: Engine, format: OutputFormat) -> crate::Result<Self> {
        let conn = Connection::open_in_memory()?;
        crate::sqlite::register(&conn, &engine)?;
        Ok(Session {
            conn,
            engine,
            format,
        })
    }

    /// The underlying connection.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Runs every statement of a script, writing each result; stops at the first error.
    pub fn run_script(&self, sql: &str, out: &mut dyn Write) -> crate::Result<()> {
        for stmt in rewrite::prepare_script(&self.engine.provider, sql) {
            let rs = self.query(&stmt)?;
            formatter(self.format).write(&rs, out)?;
        }
        out.flush()?;
        Ok(())
    }

    /// Runs one statement (already rewritten) and reads its whole result. A failure in the middle
    /// of a scan is an error, never a short result.
    pub fn query(&self, sql: &str) -> crate::Result<ResultSet> {
        let mut stmt = self.conn.prepare(sql)?;
        let columns: Vec<String> = stmt.column_names().map(String::from).collect();
        let decltypes = stmt
            .columns()
            .map(|c| c.decl_type().map(String::from))
            .collect();
        let n = columns.len();
        let mut rows = Vec::new();
        let mut cursor = stmt.query([])?;
        while let Some(row) = cursor.next()? {
            rows.push(
                (0..n)
                    .map(|i| row.get::<_, Value>(i))
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
