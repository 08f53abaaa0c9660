//! The SQLite front end's error: the engine's, or SQLite's own, converted at the callback edge.

use github_sql_engine::{http, plan, spec, write};

/// Any failure of a github-sql statement run through SQLite. Every message names the cause and
/// the fix, never the token.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The provider document is unusable.
    #[error(transparent)]
    Spec(#[from] spec::SpecError),
    /// The query cannot be planned or its values are invalid.
    #[error(transparent)]
    Plan(#[from] plan::PlanError),
    /// GitHub or the network failed.
    #[error(transparent)]
    Http(#[from] http::HttpError),
    /// A COMMIT sent nothing (a bulk DELETE unconfirmed) or not everything (every row named).
    #[error(transparent)]
    Commit(#[from] write::CommitError),
    /// A write statement reaches no method, several, or a row lacks a parameter.
    #[error(transparent)]
    Write(#[from] github_sql_engine::scan::RowWriteError),
    /// A dry run's COMMIT: nothing was sent (the front end shows what would have been).
    #[error("dry run: nothing was sent")]
    DryRun,
    /// SQLite reported an error.
    #[error("{}", sqlite_message(.0))]
    Sqlite(#[from] rusqlite::Error),
    /// Reading or writing a file or stream failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A usage error in a front end.
    #[error("{0}")]
    Usage(String),
}

impl From<github_sql_engine::Error> for Error {
    fn from(e: github_sql_engine::Error) -> Self {
        use github_sql_engine::Error as E;
        match e {
            E::Spec(e) => Error::Spec(e),
            E::Plan(e) => Error::Plan(e),
            E::Http(e) => Error::Http(e),
            E::Commit(e) => Error::Commit(e),
            E::Choose(e) => Error::Write(e.into()),
            E::Io(e) => Error::Io(e),
            E::Usage(m) => Error::Usage(m),
            E::Journal(j) => Error::Usage(j.to_string()),
        }
    }
}

/// SQLite's own message without rusqlite's wrapping (`ModuleError`, error codes).
fn sqlite_message(e: &rusqlite::Error) -> String {
    let msg = match e {
        rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.clone(),
        rusqlite::Error::ModuleError(msg) => msg.clone(),
        other => other.to_string(),
    };
    if msg.starts_with("unsafe use of virtual table") {
        // Our tables are DIRECTONLY (see vtab.rs); say how to proceed.
        return format!(
            "{msg}: github-sql tables cannot be used from views or triggers stored in a database file; \
             use a TEMP view, or set {}=1 if you trust the file",
            github_sql_engine::engine::ALLOW_VIEWS_ENV
        );
    }
    msg
}

impl From<Error> for rusqlite::Error {
    #[cold]
    fn from(e: Error) -> Self {
        match e {
            Error::Sqlite(inner) => inner,
            // The boundary: whatever GitHub echoed, the token does not leave the process.
            other => {
                rusqlite::Error::ModuleError(github_sql_engine::http::redact(&other.to_string()))
            }
        }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
