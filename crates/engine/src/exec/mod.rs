//! Calls that are not scans: EXEC methods (shell `EXEC`, SQL functions) and each write a COMMIT
//! sends, checked before anything is sent and journaled when they write. What a COMMIT sends,
//! and in which order, is [`crate::write`]'s; example statements are [`crate::examples`]'.

/// Why a call was not made or failed. The engine's [`crate::Error`] takes each as it is.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The arguments do not fit the method; nothing was sent.
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
    /// GitHub or the network failed, or the statement was stopped.
    #[error(transparent)]
    Http(#[from] crate::http::HttpError),
    /// The journal could not be written; the call was not sent.
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
}

/// A call's result.
pub type Result<T, E = ExecError> = std::result::Result<T, E>;

mod call;
mod journaled;

pub use call::{
    call, call_in_run, call_named, call_with, describe_call, outcome_unknown, scopes_for,
};
pub(crate) use call::{url_of, url_with};
pub use journaled::journal_params;
pub(crate) use journaled::JournalWrite;
