//! EXPLAIN shows the GitHub requests a scan will make, installed through supabase-wrappers'
//! `fdw_routine_hook`.
//!
//! The planner's `get_rel_size` call describes the plan (it runs for plain EXPLAIN too, where
//! `begin_scan` does not); the description is kept per foreign table and printed by our
//! `ExplainForeignScan`, after the wrapper's own `Wrappers:` lines. Under `EXPLAIN ANALYZE` it
//! also shows what the scan cost GitHub: requests, `304`s, bytes and points (re-scans included).

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::CString;
use std::sync::Arc;

use github_sql_engine::http::Tally;

use pgrx::pg_guard;
use pgrx::pg_sys;

type ExplainFn =
    unsafe extern "C-unwind" fn(*mut pg_sys::ForeignScanState, *mut pg_sys::ExplainState);

thread_local! {
    static DESCRIPTIONS: RefCell<HashMap<u32, String>> = RefCell::new(HashMap::new());
    static TALLIES: RefCell<HashMap<u32, Arc<Tally>>> = RefCell::new(HashMap::new());
    static ORIGINAL: RefCell<Option<ExplainFn>> = const { RefCell::new(None) };
}

/// Records what a scan of this foreign table will request (the latest plan wins).
pub fn describe(table_oid: u32, text: String) {
    DESCRIPTIONS.with(|d| d.borrow_mut().insert(table_oid, text));
}

/// Counts a foreign table's scans of the running statement into `tally` (the latest scan's
/// node wins).
pub fn track(table_oid: u32, tally: Arc<Tally>) {
    TALLIES.with(|t| t.borrow_mut().insert(table_oid, tally));
}

/// Installs the EXPLAIN hook. (The end-of-scan use-after-free of supabase-wrappers 0.1.28 is
/// fixed in its vendored copy: vendor/supabase-wrappers/PATCHED.md.)
pub fn install(routine: &mut supabase_wrappers::FdwRoutine<pgrx::AllocatedByRust>) {
    ORIGINAL.with(|o| *o.borrow_mut() = routine.ExplainForeignScan);
    routine.ExplainForeignScan = Some(explain_foreign_scan);
}

#[pg_guard]
unsafe extern "C-unwind" fn explain_foreign_scan(
    node: *mut pg_sys::ForeignScanState,
    es: *mut pg_sys::ExplainState,
) {
    if let Some(original) = ORIGINAL.with(|o| *o.borrow()) {
        // SAFETY: the wrapper's own callback, called with the arguments Postgres gave us.
        unsafe { original(node, es) };
    }
    // SAFETY: Postgres passes a live scan state; the relation may be absent (upper rels).
    let oid = unsafe {
        let rel = (*node).ss.ss_currentRelation;
        if rel.is_null() {
            return;
        }
        (*rel).rd_id.to_u32()
    };
    let property = |label: &str, text: &str| {
        let (Ok(label), Ok(value)) = (CString::new(label), CString::new(text.replace('\0', " ")))
        else {
            return;
        };
        // SAFETY: ExplainPropertyText copies both strings.
        unsafe { pg_sys::ExplainPropertyText(label.as_ptr(), value.as_ptr(), es) };
    };
    if let Some(text) = DESCRIPTIONS.with(|d| d.borrow().get(&oid).cloned()) {
        property("GitHub requests", &text);
    }
    // SAFETY: Postgres passes a live ExplainState.
    if unsafe { (*es).analyze } {
        if let Some(stats) = TALLIES.with(|t| t.borrow().get(&oid).map(|t| t.stats())) {
            property("GitHub requests made", &stats.to_string());
        }
    }
}
