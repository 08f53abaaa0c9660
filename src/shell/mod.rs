//! The SQL shell: `github-sql exec` and `github-sql shell`, StackQL's syntax over SQLite.

pub mod output;
mod repl;
pub mod rewrite;
pub mod stackql;

use std::io::Write;

use rusqlite::types::Value;
use rusqlite::Connection;

use crate::engine::Engine;
use output::{formatter, OutputFormat, ResultSet};
use stackql::Statement;

fn rows(n: u64) -> String {
    if n == 1 {
        "1 row".into()
    } else {
        format!("{n} rows")
    }
}

/// A JSON answer as a result set: an object is one row, an array of objects one row each.
fn json_result(body: serde_json::Value) -> ResultSet {
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
                        crate::rows::field_value(crate::spec::SqlType::Json, item.get(c))
                    }
                    v => crate::rows::field_value(crate::spec::SqlType::Text, v),
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

pub use repl::run_repl;

/// One shell session: an in-memory SQLite connection with the provider's tables registered.
pub struct Session {
    conn: Connection,
    engine: Engine,
    /// Format for results.
    pub format: OutputFormat,
    /// List what DELETE and EXEC would do instead of doing it.
    pub dry_run: bool,
}

impl Session {
    /// Opens a session on this engine.
    pub fn new(engine: Engine, format: OutputFormat) -> crate::Result<Self> {
        let conn = Connection::open_in_memory()?;
        // The shell's database is its own, in memory: views there are the user's, so the tables
        // need not be DIRECTONLY (an ATTACHed file's views still cannot be trusted: documented).
        let engine = Engine {
            allow_in_views: true,
            ..engine
        };
        crate::sqlite::register(&conn, &engine)?;
        Ok(Session {
            conn,
            engine,
            format,
            dry_run: false,
        })
    }

    /// The underlying connection.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Runs every statement of a script, writing each result; stops at the first error.
    /// Results go to `out`; notes (rows deleted, dry runs) go to stderr so `out` stays parseable.
    pub fn run_script(&self, sql: &str, out: &mut dyn Write) -> crate::Result<()> {
        for stmt in rewrite::split_statements(sql) {
            match stackql::classify(&self.engine.provider, &stmt)? {
                Statement::Sql(sql) | Statement::Meta(sql) => {
                    let rs = self.query(&sql)?;
                    formatter(self.format).write(&rs, out)?;
                }
                Statement::Delete { sql, select, table } => {
                    self.delete(&sql, &select, &table, out)?
                }
                Statement::Exec(call) => self.exec(&call, out)?,
            }
        }
        out.flush()?;
        Ok(())
    }

    fn delete(
        &self,
        sql: &str,
        select: &str,
        table: &str,
        out: &mut dyn Write,
    ) -> crate::Result<()> {
        if self.dry_run {
            let rs = self.query(select)?;
            formatter(self.format).write(&rs, out)?;
            eprintln!(
                "dry run: DELETE would remove {} of {table}; nothing was sent",
                rows(rs.rows.len() as u64)
            );
            return Ok(());
        }
        self.query(sql)?;
        let n = self.conn.changes();
        if self.conn.is_autocommit() {
            eprintln!("DELETE: {} of {table} deleted", rows(n));
        } else {
            eprintln!(
                "DELETE: {} of {table} queued; deleted at COMMIT (ROLLBACK sends nothing)",
                rows(n)
            );
        }
        Ok(())
    }

    fn exec(&self, call: &stackql::ExecCall, out: &mut dyn Write) -> crate::Result<()> {
        let (resource, method) = (&call.resource, &call.resource.methods[call.method]);
        let bound = crate::exec::bind_named(resource, method, &call.args)?;
        if self.dry_run {
            let req = crate::exec::describe_call(&self.engine.client, method, &bound)?;
            eprintln!(
                "dry run: EXEC {} would send {req}; nothing was sent",
                method.name
            );
            return Ok(());
        }
        match crate::exec::call(&self.engine.client, resource, method, &bound)? {
            Some(body) => formatter(self.format).write(&json_result(body), out)?,
            None => eprintln!("EXEC {}: done", method.name),
        }
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
