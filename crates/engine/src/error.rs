//! The engine's error type: each layer's enum under one roof. Front ends convert it at their
//! edge (an SQLite error message, a Postgres ERROR with a SQLSTATE) using [`Error::kind`].

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
    /// A COMMIT sent nothing (a bulk DELETE unconfirmed) or not everything (every row named).
    #[error(transparent)]
    Commit(#[from] crate::write::CommitError),
    /// A write statement reaches no method, or several.
    #[error(transparent)]
    Choose(#[from] crate::write::ChooseError),
    /// Reading or writing a file or stream failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The write journal could not be written; nothing more was sent.
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
    /// A usage error in a front end (shell, server).
    #[error("{0}")]
    Usage(String),
}

/// What kind of failure an error is, for front ends that report a code (Postgres's SQLSTATE).
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
    /// A front end's usage error.
    Usage,
    /// A file or stream failed.
    Io,
    /// The statement was interrupted (a cancel, a timeout, Ctrl-C).
    Cancelled,
    /// A bug in github-sql.
    Internal,
    /// A bulk write the user has not confirmed; nothing was sent.
    NeedsConfirmation,
    /// A write statement could mean several methods; nothing was sent.
    Ambiguous,
}

impl Error {
    /// The kind of failure.
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
                | P::BadBodyValue { .. }
                | P::BadJson { .. }
                | P::NullArg { .. } => ErrorKind::BadValue,
                P::Unsupported { .. } | P::NoSelect { .. } => ErrorKind::NotSupported,
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
                H::Interrupted => ErrorKind::Cancelled,
                H::Registry(r) => r.kind(),
                H::Status { .. }
                | H::Transport { .. }
                | H::BadJson { .. }
                | H::ForeignLink { .. }
                | H::Bound { .. }
                | H::LinkLoop { .. } => ErrorKind::Upstream,
            },
            Error::Commit(crate::write::CommitError::NeedsConfirmation(_)) => {
                ErrorKind::NeedsConfirmation
            }
            Error::Commit(crate::write::CommitError::Failed(f)) if f.interrupted() => {
                ErrorKind::Cancelled
            }
            Error::Commit(_) => ErrorKind::Upstream,
            Error::Choose(crate::write::ChooseError::Unsupported { .. }) => ErrorKind::NotSupported,
            Error::Choose(crate::write::ChooseError::NoMethod { .. }) => {
                ErrorKind::MissingParameter
            }
            Error::Choose(crate::write::ChooseError::Ambiguous { .. }) => ErrorKind::Ambiguous,
            Error::Io(_) | Error::Journal(_) => ErrorKind::Io,
            Error::Usage(_) => ErrorKind::Usage,
        }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
