//! SQLite's savepoint callbacks (module version 2, which rusqlite's `Module` leaves unset) for
//! every table that takes part in a transaction's writes: they mark, keep and take back the
//! connection's one write queue, so `ROLLBACK TO` (and a failed statement inside a transaction)
//! takes back exactly what was queued after the savepoint. Without them a later COMMIT would send
//! writes the user rolled back.

use std::ffi::c_int;
use std::panic::{catch_unwind, AssertUnwindSafe};

use rusqlite::ffi;
use rusqlite::vtab::Module;

use crate::session::ConnState;

/// A virtual table whose first field is its `sqlite3_vtab` and that belongs to a connection.
///
/// # Safety
/// The type must be `#[repr(C)]` with `ffi::sqlite3_vtab` as its first field, so SQLite's
/// pointer to the base is a pointer to the table.
pub(crate) unsafe trait QueueOwner {
    /// The connection's state (its write queue).
    fn state(&self) -> &ConnState;
}

/// `m` with the savepoint callbacks set.
pub(crate) const fn with_savepoints<T: QueueOwner + rusqlite::vtab::VTab<'static>>(
    m: Module<'static, T>,
) -> Module<'static, T> {
    // SAFETY: `Module` is `#[repr(transparent)]` over `ffi::sqlite3_module` (plus a marker).
    // (`Module` has no destructor: reading its bytes and letting it go is all there is.)
    let mut base: ffi::sqlite3_module =
        unsafe { std::ptr::read(&m as *const Module<'static, T> as *const ffi::sqlite3_module) };
    base.iVersion = 2;
    base.xSavepoint = Some(x_savepoint::<T>);
    base.xRelease = Some(x_release::<T>);
    base.xRollbackTo = Some(x_rollback_to::<T>);
    // SAFETY: as above (`sqlite3_module` is plain data).
    unsafe { std::ptr::read(&base as *const ffi::sqlite3_module as *const Module<'static, T>) }
}

/// Runs `f` on the connection's write queue; panics become an error code.
unsafe fn with_queue<T: QueueOwner>(
    vtab: *mut ffi::sqlite3_vtab,
    f: impl FnOnce(&mut github_sql_engine::write::WriteQueue),
) -> c_int {
    if vtab.is_null() {
        return ffi::SQLITE_MISUSE;
    }
    // SAFETY: SQLite hands back the pointer our xConnect returned (see `QueueOwner`).
    let table = unsafe { &*(vtab as *const T) };
    match catch_unwind(AssertUnwindSafe(|| {
        table.state().with_txn(|t| f(&mut t.queue))
    })) {
        Ok(()) => ffi::SQLITE_OK,
        Err(_) => ffi::SQLITE_ERROR,
    }
}

unsafe extern "C" fn x_savepoint<T: QueueOwner>(vtab: *mut ffi::sqlite3_vtab, n: c_int) -> c_int {
    let n = usize::try_from(n).unwrap_or(0);
    // SAFETY: called by SQLite with our table.
    unsafe { with_queue::<T>(vtab, |q| q.savepoint(n)) }
}

unsafe extern "C" fn x_release<T: QueueOwner>(vtab: *mut ffi::sqlite3_vtab, n: c_int) -> c_int {
    let n = usize::try_from(n).unwrap_or(0);
    // SAFETY: called by SQLite with our table.
    unsafe { with_queue::<T>(vtab, |q| q.release(n)) }
}

unsafe extern "C" fn x_rollback_to<T: QueueOwner>(vtab: *mut ffi::sqlite3_vtab, n: c_int) -> c_int {
    // SAFETY: called by SQLite with our table.
    unsafe {
        with_queue::<T>(vtab, |q| match usize::try_from(n) {
            Ok(n) => q.rollback_to(n),
            // -1: back to the start of the transaction (the SAVEPOINT that began it).
            Err(_) => q.rollback_to_start(),
        })
    }
}
