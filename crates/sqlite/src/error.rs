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
    /// Boxed: errors stay small.
    #[error(transparent)]
    Commit(Box<write::CommitError>),
    /// A write statement reaches no method, several, or a row lacks a parameter (boxed).
    #[error(transparent)]
    Write(Box<github_sql_engine::scan::RowWriteError>),
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
            E::Choose(e) => Error::Write(Box::new((*e).into())),
            E::Row(r) => Error::Usage(r.to_string()),
            E::Io(e) => Error::Io(e),
            E::Usage(m) => Error::Usage(m),
            E::Journal(j) => Error::Usage(j.to_string()),
            E::Setting(s) => Error::Usage(s.to_string()),
            // A member's failure keeps its name in the message.
            e @ (E::Member { .. } | E::Config(_)) => Error::Usage(e.to_string()),
        }
    }
}

impl From<github_sql_engine::exec::ExecError> for Error {
    fn from(e: github_sql_engine::exec::ExecError) -> Self {
        github_sql_engine::Error::from(e).into()
    }
}

impl From<github_sql_engine::scan::ScanError> for Error {
    fn from(e: github_sql_engine::scan::ScanError) -> Self {
        github_sql_engine::Error::from(e).into()
    }
}

impl From<github_sql_engine::settings::SettingError> for Error {
    fn from(e: github_sql_engine::settings::SettingError) -> Self {
        Error::Usage(e.to_string())
    }
}

impl From<github_sql_engine::scan::RowWriteError> for Error {
    fn from(e: github_sql_engine::scan::RowWriteError) -> Self {
        Error::Write(Box::new(e))
    }
}

/// SQLite's own message without rusqlite's wrapping (`ModuleError`, error codes, the offset of
/// a prepare error), with [`hint`].
fn sqlite_message(e: &rusqlite::Error) -> String {
    let msg = match e {
        rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.clone(),
        rusqlite::Error::ModuleError(msg) => msg.clone(),
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        other => other.to_string(),
    };
    hint(&msg)
}

/// SQLite's message with what to do about it, where github-sql knows: a table used from a view
/// or trigger stored in a database file (our tables are DIRECTONLY, see vtab.rs).
pub fn hint(msg: &str) -> String {
    if msg.starts_with("unsafe use of virtual table") && !msg.contains(ALLOW_VIEWS_HINT) {
        return format!(
            "{msg}: github-sql tables cannot be used from views or triggers stored in a database file; \
             {ALLOW_VIEWS_HINT} if you trust the file"
        );
    }
    msg.to_string()
}

const ALLOW_VIEWS_HINT: &str = "use a TEMP view, or set GITHUB_SQL_ALLOW_VIEWS=1";

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
