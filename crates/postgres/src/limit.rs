//! LIMIT pushdown, only where it cannot shorten a result.
//!
//! supabase-wrappers 0.1.28 hands a scan the query's constant LIMIT whatever else the query does
//! (a join, an ORDER BY, a filter Postgres applies after the scan). Sending it to GitHub (a smaller
//! page, no pages past the LIMIT) is right only when every row the scan returns is a row of the
//! result: one relation, no ORDER BY/DISTINCT/window/set operation/set-returning function, and
//! every restriction of the WHERE pushed down exactly. The query's shape is read here, at
//! planning, from Postgres's own planner data (our `GetForeignRelSize` wraps the wrapper's); the
//! restrictions are compared with the quals the wrapper extracted in
//! [`GithubSqlFdw::get_rel_size`](crate::fdw).

use std::cell::Cell;

use pgrx::pg_guard;
use pgrx::pg_sys;

type RelSizeFn =
    unsafe extern "C-unwind" fn(*mut pg_sys::PlannerInfo, *mut pg_sys::RelOptInfo, pg_sys::Oid);

/// What planning learnt of the relation being sized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// The query's shape allows a LIMIT to be pushed (see the module docs).
    pub simple: bool,
    /// How many restrictions Postgres will check on this relation's rows.
    pub restrictions: usize,
}

thread_local! {
    static ORIGINAL: Cell<Option<RelSizeFn>> = const { Cell::new(None) };
    static SIZING: Cell<Option<Shape>> = const { Cell::new(None) };
}

/// Wraps the wrapper's `GetForeignRelSize` so `get_rel_size` can ask [`shape`].
pub fn install(routine: &mut supabase_wrappers::FdwRoutine<pgrx::AllocatedByRust>) {
    ORIGINAL.with(|o| o.set(routine.GetForeignRelSize));
    routine.GetForeignRelSize = Some(get_foreign_rel_size);
}

/// The shape of the relation being sized now (taken: a second ask gets `None`).
pub fn shape() -> Option<Shape> {
    SIZING.with(|s| s.take())
}

#[pg_guard]
unsafe extern "C-unwind" fn get_foreign_rel_size(
    root: *mut pg_sys::PlannerInfo,
    baserel: *mut pg_sys::RelOptInfo,
    foreigntableid: pg_sys::Oid,
) {
    // SAFETY: the planner passes live planner data for this relation.
    let shape = unsafe { read_shape(root, baserel) };
    SIZING.with(|s| s.set(Some(shape)));
    if let Some(original) = ORIGINAL.with(|o| o.get()) {
        // SAFETY: the wrapper's own callback, called with the arguments Postgres gave us.
        unsafe { original(root, baserel, foreigntableid) };
    }
    SIZING.with(|s| s.set(None));
}

/// Reads the query's shape; anything unexpected (a null pointer) says "not simple".
unsafe fn read_shape(root: *mut pg_sys::PlannerInfo, baserel: *mut pg_sys::RelOptInfo) -> Shape {
    let not = Shape {
        simple: false,
        restrictions: 0,
    };
    if root.is_null() || baserel.is_null() {
        return not;
    }
    // SAFETY: non-null planner structures, read only.
    unsafe {
        let parse = (*root).parse;
        if parse.is_null() {
            return not;
        }
        let q = &*parse;
        let one_relation = pg_sys::bms_num_members((*root).all_baserels) == 1;
        let simple = one_relation
            && q.sortClause.is_null()
            && q.distinctClause.is_null()
            && q.groupClause.is_null()
            && q.setOperations.is_null()
            && !q.hasAggs
            && !q.hasWindowFuncs
            && !q.hasTargetSRFs
            && !q.hasDistinctOn;
        let restrictions = list_length((*baserel).baserestrictinfo);
        Shape {
            simple,
            restrictions,
        }
    }
}

fn list_length(list: *mut pg_sys::List) -> usize {
    if list.is_null() {
        0
    } else {
        // SAFETY: a non-null List has a valid length.
        usize::try_from(unsafe { (*list).length }).unwrap_or(usize::MAX)
    }
}
