//! The crate's error type: each layer's enum, converted at the SQLite edge.

/// Any github-sql failure. Every message names the cause and the fix, never the token.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The provider document is unusable.
    #[error(transparent)]
    Spec(#[from] crate::spec::SpecError),
    /// The query cannot be planned or its values are invalid.
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
    /// GitHub or the network failed.
    #[error(transparent)]
    Http(#[from] crate::http::HttpError),
    /// The reference pages could not be generated.
    #[error(transparent)]
    Docs(#[from] crate::docs::DocsError),
    /// Some of a DELETE's calls failed.
    #[error(transparent)]
    Delete(#[from] crate::exec::DeleteFailure),
    /// SQLite reported an error.
    #[error("{}", sqlite_message(.0))]
    Sqlite(#[from] rusqlite::Error),
    /// Reading or writing a file or stream failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A usage error in a front end (shell, server).
    #[error("{0}")]
    Usage(String),
}

/// SQLite's own message without rusqlite's wrapping (`ModuleError`, error codes).
fn sqlite_message(e: &rusqlite::Error) -> String {
    let msg = match e {
        rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.clone(),
        rusqlite::Error::ModuleError(msg) => msg.clone(),
        other => other.to_string(),
    };
    if msg.starts_with("unsafe use of virtual table") {
        // Our tables are DIRECTONLY (see sqlite/vtab.rs); say how to proceed.
        return format!(
            "{msg}: github-sql tables cannot be used from views or triggers stored in a database file; \
             use a TEMP view, or set {}=1 if you trust the file",
            crate::engine::ALLOW_VIEWS_ENV
        );
    }
    msg
}

impl From<Error> for rusqlite::Error {
    #[cold]
    fn from(e: Error) -> Self {
        match e {
            Error::Sqlite(inner) => inner,
            other => {
                remember(&other);
                rusqlite::Error::ModuleError(other.to_string())
            }
        }
    }
}

/// What kind of failure an error is, for front ends that report a code (the server's SQLSTATE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A required parameter or argument is missing (WHERE, EXEC).
    MissingParameter,
    /// A value is invalid for its parameter.
    BadValue,
    /// The statement or verb is not supported.
    NotSupported,
    /// No token, or GitHub rejected it (401).
    Unauthenticated,
    /// The token lacks a scope (403).
    Forbidden,
    /// GitHub's rate limit is exhausted.
    RateLimited,
    /// GitHub answered 404.
    NotFound,
    /// GitHub or the network failed, or answered something unexpected.
    Upstream,
    /// The configuration (provider document, GITHUB_API_URL) is unusable.
    Config,
    /// SQLite rejected or failed the statement itself.
    Sql,
    /// A front end's usage error.
    Usage,
    /// A file or stream failed.
    Io,
    /// A bug in github-sql.
    Internal,
}

thread_local! {
    /// The last github-sql error turned into an SQLite error on this thread, with its message, so
    /// its kind survives the trip through SQLite (which keeps only the text).
    static CONVERTED: std::cell::RefCell<Option<(ErrorKind, String)>> = const { std::cell::RefCell::new(None) };
}

/// Remembers `e`'s kind before it becomes an SQLite error message (see [`Error::kind`]).
pub fn remember(e: &Error) {
    let kind = e.kind();
    CONVERTED.with(|c| *c.borrow_mut() = Some((kind, e.to_string())));
}

impl Error {
    /// The kind of failure. An SQLite error that carries a github-sql error raised on this
    /// thread (a virtual-table or function callback) has that error's kind.
    pub fn kind(&self) -> ErrorKind {
        use crate::http::HttpError as H;
        use crate::plan::PlanError as P;
        match self {
            Error::Spec(_) => ErrorKind::Config,
            Error::Plan(p) => match p {
                P::MissingParams { .. } | P::MissingArgs { .. } => ErrorKind::MissingParameter,
                P::NotAllowed { .. }
                | P::NotInteger { .. }
                | P::TooLong { .. }
                | P::UnknownArg { .. }
                | P::NullArg { .. } => ErrorKind::BadValue,
                P::Unsupported { .. } => ErrorKind::NotSupported,
                P::Internal(_) => ErrorKind::Internal,
            },
            Error::Http(h) => match h {
                H::MissingToken { .. } | H::Unauthorized { .. } | H::BadToken => {
                    ErrorKind::Unauthenticated
                }
                H::Forbidden { .. } => ErrorKind::Forbidden,
                H::RateLimited { .. } | H::SecondaryRateLimited { .. } => ErrorKind::RateLimited,
                H::NotFound { .. } => ErrorKind::NotFound,
                H::BadPathParam { .. } | H::Unprocessable { .. } => ErrorKind::BadValue,
                H::BadBaseUrl { .. } | H::InsecureUrl { .. } => ErrorKind::Config,
                H::Status { .. }
                | H::Transport { .. }
                | H::BadJson { .. }
                | H::ForeignLink { .. } => ErrorKind::Upstream,
            },
            Error::Delete(_) => ErrorKind::Upstream,
            Error::Sqlite(e) => {
                let msg = sqlite_message(e);
                CONVERTED
                    .with(|c| {
                        c.borrow()
                            .as_ref()
                            .filter(|(_, m)| msg.contains(m.as_str()))
                            .map(|(k, _)| *k)
                    })
                    .unwrap_or(ErrorKind::Sql)
            }
            Error::Io(_) => ErrorKind::Io,
            Error::Usage(_) => ErrorKind::Usage,
            Error::Docs(_) => ErrorKind::Usage,
        }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
