//! Calls that are not scans: EXEC methods (shell `EXEC`, SQL functions) and each write a COMMIT
//! sends, checked before anything is sent and journaled when they write. What a COMMIT sends,
//! and in which order, is [`crate::write`]'s; example statements are [`crate::examples`]'.

mod call;
mod journaled;

pub(crate) use call::url_of;
pub use call::{
    call, call_in_run, call_named, call_with, describe_call, outcome_unknown, scopes_for,
};
pub use journaled::journal_params;
pub(crate) use journaled::JournalWrite;
