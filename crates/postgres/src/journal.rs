//! `github_sql_journal`: the write journal as a view, as in the other front ends.
//!
//! The backend journals every DELETE and EXEC it sends (the engine's journal, at the server's
//! `GITHUB_SQL_JOURNAL` or the `postgres` OS user's XDG state dir). `github_sql_journal_rows()`
//! reads the file at every call; the view gives its columns their Postgres types, so
//! `params->>'package_version_id'` and time ranges work as in any table.

use github_sql_engine::journal;
use pgrx::prelude::*;

use crate::error::{raise, FdwError};

/// The journal's lines, oldest first (none when journaling is off or nothing was written yet).
// The row type must be written out in the signature for `#[pg_extern]` to name the columns.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, parallel_safe)]
fn github_sql_journal_rows() -> TableIterator<
    'static,
    (
        name!(time, String),
        name!(run_id, String),
        name!(phase, String),
        name!(method, String),
        name!(path, String),
        name!(resource, String),
        name!(params, String),
        name!(status, Option<i32>),
        name!(request_id, Option<String>),
        name!(outcome, Option<String>),
        name!(detail, Option<String>),
    ),
> {
    let entries = match journal::path_from_env() {
        None => Vec::new(),
        Some(path) if !path.exists() => Vec::new(),
        Some(path) => journal::read(&path).unwrap_or_else(|e| {
            raise(FdwError::Setup(format!(
                "cannot read the write journal {}: {e}",
                path.display()
            )))
        }),
    };
    TableIterator::new(entries.into_iter().map(|e| {
        (
            e.time,
            e.run_id,
            e.phase,
            e.method,
            e.path,
            e.resource,
            e.params.to_string(),
            e.status.map(i32::from),
            e.request_id,
            e.outcome,
            e.detail,
        )
    }))
}

pgrx::extension_sql!(
    r#"
CREATE VIEW github_sql_journal AS
  SELECT time::timestamptz AS time, run_id, phase, method, path, resource, params::jsonb AS params,
         status, request_id, outcome, detail
  FROM github_sql_journal_rows();
COMMENT ON VIEW github_sql_journal IS 'github-sql: every DELETE and EXEC this server sent to GitHub (intent, then outcome)';
GRANT SELECT ON github_sql_journal TO PUBLIC;
"#,
    name = "journal_view",
    requires = [github_sql_journal_rows]
);
