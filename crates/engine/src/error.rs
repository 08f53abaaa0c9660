//! The engine's error type: each layer's enum under one roof. Front ends convert it at their
//! edge (an SQLite error message, a Postgres ERROR with a SQLSTATE) using [`Error::kind`].

pub use crate::kind::ErrorKind;

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
    /// Boxed: errors stay small.
    #[error(transparent)]
    Commit(Box<crate::write::CommitError>),
    /// A write statement reaches no method, or several (boxed: errors stay small).
    #[error(transparent)]
    Choose(Box<crate::write::ChooseError>),
    /// An INSERT, UPDATE or REPLACE row cannot be sent (boxed: errors stay small).
    #[error(transparent)]
    Row(Box<crate::write::RowError>),
    /// Reading or writing a file or stream failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The write journal could not be written; nothing more was sent.
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
    /// A member of an aggregator failed (boxed: errors stay small).
    #[error("connection {connection} (of aggregator {aggregate}): {source}")]
    Member {
        /// The aggregator.
        aggregate: String,
        /// The member that failed.
        connection: String,
        /// Its error.
        source: Box<Error>,
    },
    /// The config file of named connections is unusable.
    #[error(transparent)]
    Config(#[from] crate::connections::ConfigError),
    /// A usage error in a front end (shell, server).
    #[error("{0}")]
    Usage(String),
    /// A `GITHUB_SQL_*` setting holds a value it does not take.
    #[error(transparent)]
    Setting(Box<crate::settings::SettingError>),
}

impl From<crate::exec::ExecError> for Error {
    fn from(e: crate::exec::ExecError) -> Self {
        match e {
            crate::exec::ExecError::Plan(p) => Error::Plan(p),
            crate::exec::ExecError::Http(h) => Error::Http(h),
            crate::exec::ExecError::Journal(j) => Error::Journal(j),
        }
    }
}

impl From<crate::scan::ScanError> for Error {
    fn from(e: crate::scan::ScanError) -> Self {
        match e {
            crate::scan::ScanError::Plan(p) => Error::Plan(p),
            crate::scan::ScanError::Http(h) => Error::Http(h),
            fan_out @ crate::scan::ScanError::FanOut(_) => Error::Usage(fan_out.to_string()),
        }
    }
}

impl From<crate::write::CommitError> for Error {
    fn from(e: crate::write::CommitError) -> Self {
        Error::Commit(Box::new(e))
    }
}

impl From<crate::write::RowError> for Error {
    fn from(e: crate::write::RowError) -> Self {
        Error::Row(Box::new(e))
    }
}

impl From<crate::write::ChooseError> for Error {
    fn from(e: crate::write::ChooseError) -> Self {
        Error::Choose(Box::new(e))
    }
}

impl From<crate::settings::SettingError> for Error {
    fn from(e: crate::settings::SettingError) -> Self {
        // Boxed: the error stays small for the results that carry it.
        Error::Setting(Box::new(e))
    }
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
                | P::NullArg { .. }
                | P::NotNullable { .. } => ErrorKind::BadValue,
                P::Unsupported { .. } | P::NoSelect { .. } => ErrorKind::NotSupported,
                P::Internal(_) => ErrorKind::Internal,
            },
            Error::Http(h) => match h {
                H::MissingToken { .. }
                | H::Unauthorized { .. }
                | H::BadToken
                | H::App { .. }
                | H::Credentials { .. } => ErrorKind::Unauthenticated,
                H::Forbidden { .. } => ErrorKind::Forbidden,
                H::RateLimited { .. } | H::SecondaryRateLimited { .. } => ErrorKind::RateLimited,
                H::NotFound { .. } => ErrorKind::NotFound,
                H::BadPathParam { .. } | H::Unprocessable { .. } => ErrorKind::BadValue,
                H::BadBaseUrl { .. } | H::InsecureUrl { .. } => ErrorKind::Config,
                H::BadDownload { .. } => ErrorKind::BadValue,
                H::Interrupted => ErrorKind::Cancelled,
                H::Registry(r) => r.kind(),
                H::Status { .. }
                | H::Transport { .. }
                | H::BadJson { .. }
                | H::NotText { .. }
                | H::ForeignLink { .. }
                | H::Bound { .. }
                | H::LinkLoop { .. } => ErrorKind::Upstream,
            },
            Error::Commit(c) => match c.as_ref() {
                crate::write::CommitError::NeedsConfirmation(_) => ErrorKind::NeedsConfirmation,
                crate::write::CommitError::OverBudget(_) => ErrorKind::RateLimited,
                crate::write::CommitError::Failed(f) if f.interrupted() => ErrorKind::Cancelled,
                crate::write::CommitError::Failed(_) => ErrorKind::Upstream,
            },
            Error::Choose(c) => match c.as_ref() {
                crate::write::ChooseError::Unsupported { .. } => ErrorKind::NotSupported,
                crate::write::ChooseError::NoMethod { .. } => ErrorKind::MissingParameter,
                crate::write::ChooseError::Ambiguous { .. } => ErrorKind::Ambiguous,
            },
            Error::Row(r) => match r.as_ref() {
                crate::write::RowError::Unsupported(_) => ErrorKind::NotSupported,
                crate::write::RowError::Missing { .. } => ErrorKind::MissingParameter,
                crate::write::RowError::Choose(crate::write::ChooseError::Ambiguous { .. }) => {
                    ErrorKind::Ambiguous
                }
                _ => ErrorKind::BadValue,
            },
            Error::Io(_) | Error::Journal(_) => ErrorKind::Io,
            Error::Usage(_) => ErrorKind::Usage,
            Error::Member { source, .. } => source.kind(),
            Error::Config(_) => ErrorKind::Config,
            Error::Setting(_) => ErrorKind::Config,
        }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
