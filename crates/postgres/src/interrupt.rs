//! Whether PostgreSQL wants the running statement to stop: what a scan's waits and a COMMIT's
//! writes ask.

use std::sync::Arc;

use github_sql_engine::http::pages::InterruptCheck;
use pgrx::pg_sys;

/// True while Postgres wants the statement to stop: a cancel (`pg_cancel_backend`, Ctrl-C in
/// psql, `statement_timeout`) or termination. Other interrupts (catalog catch-up, barriers) also
/// set `InterruptPending` but must not end a scan; Postgres serves them at its next check.
pub fn interrupt_check() -> InterruptCheck {
    // SAFETY: plain reads of sig_atomic_t flags that signal handlers set.
    Arc::new(|| unsafe {
        std::ptr::read_volatile(std::ptr::addr_of!(pg_sys::QueryCancelPending)) != 0
            || std::ptr::read_volatile(std::ptr::addr_of!(pg_sys::ProcDiePending)) != 0
    })
}
