//! Errors of the wrapper and the one function that picks their SQLSTATE.

use github_sql_engine::{Error as EngineError, ErrorKind};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

/// A failure of the wrapper. Messages name the cause and the fix, never the token.
#[derive(Debug, thiserror::Error)]
pub enum FdwError {
    /// The engine failed (planning, GitHub, the document).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A foreign table or server is set up wrongly (a missing or unknown option).
    #[error("{0}")]
    Setup(String),
    /// A value Postgres handed over cannot be used (an unsupported type).
    #[error("{0}")]
    Value(String),
}

impl From<github_sql_engine::plan::PlanError> for FdwError {
    fn from(e: github_sql_engine::plan::PlanError) -> Self {
        FdwError::Engine(e.into())
    }
}

impl From<github_sql_engine::http::HttpError> for FdwError {
    fn from(e: github_sql_engine::http::HttpError) -> Self {
        FdwError::Engine(e.into())
    }
}

/// The SQLSTATE for an error: the only place that decides it.
pub fn sqlstate(e: &FdwError) -> PgSqlErrorCode {
    use PgSqlErrorCode as C;
    match e {
        FdwError::Setup(_) => C::ERRCODE_FDW_INVALID_OPTION_NAME,
        FdwError::Value(_) => C::ERRCODE_FDW_INVALID_DATA_TYPE,
        FdwError::Engine(e) => match e.kind() {
            // "A parameter value is needed": the WHERE lacks a required parameter.
            ErrorKind::MissingParameter => C::ERRCODE_FDW_DYNAMIC_PARAMETER_VALUE_NEEDED,
            ErrorKind::BadValue | ErrorKind::Usage => C::ERRCODE_INVALID_PARAMETER_VALUE,
            ErrorKind::NotSupported => C::ERRCODE_FEATURE_NOT_SUPPORTED,
            ErrorKind::Unauthenticated => C::ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
            ErrorKind::Forbidden => C::ERRCODE_INSUFFICIENT_PRIVILEGE,
            ErrorKind::RateLimited => C::ERRCODE_CONFIGURATION_LIMIT_EXCEEDED,
            ErrorKind::NotFound => C::ERRCODE_UNDEFINED_OBJECT,
            ErrorKind::Cancelled => C::ERRCODE_QUERY_CANCELED,
            ErrorKind::Io => C::ERRCODE_IO_ERROR,
            ErrorKind::Config => C::ERRCODE_FDW_INVALID_OPTION_NAME,
            ErrorKind::Upstream => C::ERRCODE_FDW_ERROR,
            ErrorKind::Internal => C::ERRCODE_INTERNAL_ERROR,
            ErrorKind::NeedsConfirmation => C::ERRCODE_INSUFFICIENT_PRIVILEGE,
            // "Ambiguous function": the statement could call several methods.
            ErrorKind::Ambiguous => C::ERRCODE_AMBIGUOUS_FUNCTION,
        },
    }
}

impl From<FdwError> for ErrorReport {
    fn from(e: FdwError) -> Self {
        // Every message leaves through redaction: no token, whatever GitHub or a URL echoed.
        let message = github_sql_engine::http::redact(&e.to_string());
        ErrorReport::new(sqlstate(&e), message, "github-sql")
    }
}

/// Raises the error as a Postgres ERROR. Scan callbacks must raise rather than return `Err`:
/// supabase-wrappers 0.1.28 frees the plan's scan state on `Err`, and a cached plan executed
/// again would then use freed memory.
pub fn raise(e: FdwError) -> ! {
    let report: ErrorReport = e.into();
    report.report(PgLogLevel::ERROR);
    unreachable!("an ERROR report does not return")
}
