//! The loadable-extension entry point. SQLite derives `sqlite3_githubsql_init` from the file name
//! `libgithub_sql.so`. Built against the system libsqlite3 (no `loadable_extension` feature), so the
//! extension and its host share one SQLite library.

use std::ffi::{c_char, c_int};
use std::panic::{catch_unwind, AssertUnwindSafe};

use rusqlite::{ffi, Connection};

use github_sql_engine::Engine;

fn init(db: *mut ffi::sqlite3) -> crate::Result<()> {
    // SAFETY: `db` is the live handle SQLite passes to the entry point; `from_handle` does not
    // close it when the wrapper is dropped.
    let conn = unsafe { Connection::from_handle(db) }?;
    if std::env::var_os(github_sql_engine::logging::LOG_ENV).is_some() {
        github_sql_engine::logging::init();
    }
    let engine = Engine::from_env()?;
    super::register(&conn, &engine)?;
    Ok(())
}

/// Entry point called by `.load libgithub_sql` / `load_extension()`.
///
/// # Safety
/// Called by SQLite with a valid connection handle and error-message slot.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_githubsql_init(
    db: *mut ffi::sqlite3,
    pz_err_msg: *mut *mut c_char,
    _p_api: *mut ffi::sqlite3_api_routines,
) -> c_int {
    let result = catch_unwind(AssertUnwindSafe(|| init(db))).unwrap_or_else(|_| {
        Err(crate::Error::Usage(
            "github-sql: panic while loading the extension".into(),
        ))
    });
    match result {
        Ok(()) => ffi::SQLITE_OK,
        Err(e) => {
            if !pz_err_msg.is_null() {
                let msg =
                    std::ffi::CString::new(e.to_string().replace('\0', " ")).unwrap_or_default();
                // SAFETY: SQLite frees *pz_err_msg with sqlite3_free, so allocate with sqlite3_malloc.
                unsafe {
                    let bytes = msg.as_bytes_with_nul();
                    let p = ffi::sqlite3_malloc(c_int::try_from(bytes.len()).unwrap_or(c_int::MAX))
                        .cast::<c_char>();
                    if !p.is_null() {
                        std::ptr::copy_nonoverlapping(
                            bytes.as_ptr().cast::<c_char>(),
                            p,
                            bytes.len(),
                        );
                        *pz_err_msg = p;
                    }
                }
            }
            ffi::SQLITE_ERROR
        }
    }
}
