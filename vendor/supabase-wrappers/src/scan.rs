use pgrx::FromDatum;
use pgrx::{
    IntoDatum, PgSqlErrorCode, debug2,
    memcxt::PgMemoryContexts,
    pg_sys::{Datum, MemoryContext, MemoryContextData, Oid},
    prelude::*,
};
use std::collections::HashMap;
use std::marker::PhantomData;

use pgrx::pg_sys::panic::ErrorReport;
use std::os::raw::c_int;
use std::ptr;

use crate::instance;
use crate::interface::{Aggregate, Cell, Column, Limit, Qual, Row, Sort, Value};
use crate::limit::*;
use crate::memctx;
use crate::options::options_to_hashmap;
use crate::polyfill;
use crate::prelude::ForeignDataWrapper;
use crate::qual::*;
use crate::sort::*;
use crate::utils::{self, ReportableError, SerdeList, report_error};

// Fdw private state for scan
pub(crate) struct FdwState<E: Into<ErrorReport>, W: ForeignDataWrapper<E>> {
    // foreign data wrapper instance
    pub(crate) instance: Option<W>,

    // query conditions
    pub(crate) quals: Vec<Qual>,

    // query target column list
    pub(crate) tgts: Vec<Column>,

    // sort list
    pub(crate) sorts: Vec<Sort>,

    // limit
    pub(crate) limit: Option<Limit>,

    // foreign table options
    pub(crate) opts: HashMap<String, String>,

    // aggregate pushdown
    pub(crate) aggregates: Vec<Aggregate>,
    pub(crate) group_by: Vec<Column>,

    // temporary memory context per foreign table, created under Wrappers root
    // memory context
    tmp_ctx: MemoryContext,

    // query result list
    values: Vec<Datum>,
    nulls: Vec<bool>,
    row: Row,
    // github-sql patch: the states of the plan's `fdw_exprs` (the values of quals computed at
    // execution), set up by begin_foreign_scan
    param_states: Vec<*mut pg_sys::ExprState>,
    // github-sql patch: the scan was begun with the current parameter values (a scan begins at
    // its first row, once the outer rows of a join have set them, and again after a rescan)
    started: bool,
    // github-sql patch: the memory contexts of the executed plans that point at this state; it
    // is dropped when the last of them goes (see `own_by_plan`)
    owners: Vec<pg_sys::MemoryContext>,
    _phantom: PhantomData<E>,
}

impl<E: Into<ErrorReport>, W: ForeignDataWrapper<E>> FdwState<E, W> {
    unsafe fn new(foreigntableid: Oid, tmp_ctx: MemoryContext) -> Self {
        Self {
            instance: Some(unsafe { instance::create_fdw_instance_from_table_id(foreigntableid) }),
            quals: Vec::new(),
            tgts: Vec::new(),
            sorts: Vec::new(),
            limit: None,
            opts: HashMap::new(),
            aggregates: Vec::new(),
            group_by: Vec::new(),
            tmp_ctx,
            values: Vec::new(),
            nulls: Vec::new(),
            row: Row::new(),
            param_states: Vec::new(),
            started: false,
            owners: Vec::new(),
            _phantom: PhantomData,
        }
    }

    #[inline]
    fn get_rel_size(&mut self) -> Result<(i64, i32), E> {
        if let Some(ref mut instance) = self.instance {
            instance.get_rel_size(
                &self.quals,
                &self.tgts,
                &self.sorts,
                &self.limit,
                &self.opts,
            )
        } else {
            Ok((0, 0))
        }
    }

    #[inline]
    pub(crate) fn is_aggregate_scan(&self) -> bool {
        !self.aggregates.is_empty()
    }

    #[inline]
    fn begin_aggregate_scan(&mut self) -> Result<(), E> {
        if let Some(ref mut instance) = self.instance {
            instance.begin_aggregate_scan(&self.aggregates, &self.group_by, &self.quals, &self.opts)
        } else {
            Ok(())
        }
    }

    #[inline]
    fn begin_scan(&mut self) -> Result<(), E> {
        if let Some(ref mut instance) = self.instance {
            instance.begin_scan(
                &self.quals,
                &self.tgts,
                &self.sorts,
                &self.limit,
                &self.opts,
            )
        } else {
            Ok(())
        }
    }

    #[inline]
    fn iter_scan(&mut self) -> Result<Option<()>, E> {
        if let Some(ref mut instance) = self.instance {
            instance.iter_scan(&mut self.row)
        } else {
            Ok(None)
        }
    }

    #[inline]
    fn re_scan(&mut self) -> Result<(), E> {
        if let Some(ref mut instance) = self.instance {
            instance.re_scan()
        } else {
            Ok(())
        }
    }

    #[inline]
    fn end_scan(&mut self) -> Result<(), E> {
        if let Some(ref mut instance) = self.instance {
            instance.end_scan()
        } else {
            Ok(())
        }
    }
}

impl<E: Into<ErrorReport>, W: ForeignDataWrapper<E>> utils::SerdeList for FdwState<E, W> {}

impl<E: Into<ErrorReport>, W: ForeignDataWrapper<E>> Drop for FdwState<E, W> {
    fn drop(&mut self) {
        // drop foreign data wrapper instance
        self.instance.take();

        // remove the allocated memory context
        unsafe {
            memctx::delete_wrappers_memctx(self.tmp_ctx);
            self.tmp_ctx = ptr::null::<MemoryContextData>() as _;
        }
    }
}

/// github-sql patch: makes the memory context holding `plan` an owner of `state`; the state is
/// dropped when the last owner's memory is reset or deleted (a one-shot plan at the end of its
/// statement, a cached plan when it is released).
unsafe fn own_by_plan<E: Into<ErrorReport>, W: ForeignDataWrapper<E>>(
    state: *mut FdwState<E, W>,
    plan: *mut std::os::raw::c_void,
) {
    unsafe {
        let ctx = pg_sys::GetMemoryChunkContext(plan);
        if ctx.is_null() || (*state).owners.contains(&ctx) {
            return;
        }
        (*state).owners.push(ctx);
        let cb = pg_sys::MemoryContextAlloc(ctx, std::mem::size_of::<pg_sys::MemoryContextCallback>())
            as *mut pg_sys::MemoryContextCallback;
        (*cb).func = Some(release_owner::<E, W>);
        (*cb).arg = state as *mut std::os::raw::c_void;
        (*cb).next = ptr::null_mut();
        pg_sys::MemoryContextRegisterResetCallback(ctx, cb);
    }
}

unsafe extern "C-unwind" fn release_owner<E: Into<ErrorReport>, W: ForeignDataWrapper<E>>(
    arg: *mut std::os::raw::c_void,
) {
    unsafe {
        let state = arg as *mut FdwState<E, W>;
        // One owner fewer; the context is going, so forget it by position (contexts may be
        // reused by a later allocation, which then registers afresh).
        (*state).owners.pop();
        if (*state).owners.is_empty() {
            // Never unwind into Postgres's memory-context code.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop_fdw_state(state)));
        }
    }
}

// drop the scan state, so the inner fdw instance can be dropped too
unsafe fn drop_fdw_state<E: Into<ErrorReport>, W: ForeignDataWrapper<E>>(
    fdw_state: *mut FdwState<E, W>,
) {
    let boxed_fdw_state = unsafe { Box::from_raw(fdw_state) };
    drop(boxed_fdw_state);
}

#[pg_guard]
pub(super) extern "C-unwind" fn get_foreign_rel_size<
    E: Into<ErrorReport>,
    W: ForeignDataWrapper<E>,
>(
    root: *mut pg_sys::PlannerInfo,
    baserel: *mut pg_sys::RelOptInfo,
    foreigntableid: pg_sys::Oid,
) {
    debug2!("---> get_foreign_rel_size");
    unsafe {
        // create memory context for scan
        let ctx_name = format!("Wrappers_scan_{}", foreigntableid.to_u32());
        let ctx = memctx::create_wrappers_memctx(&ctx_name);

        // create scan state
        let mut state = FdwState::<E, W>::new(foreigntableid, ctx);

        PgMemoryContexts::For(state.tmp_ctx).switch_to(|_| {
            // extract qual list
            state.quals = extract_quals(root, baserel, foreigntableid);

            // extract target column list from target and restriction expression
            state.tgts = utils::extract_target_columns(root, baserel);

            // extract sort list
            state.sorts = extract_sorts(root, baserel, foreigntableid);

            // extract limit
            state.limit = extract_limit(root, baserel, foreigntableid);

            // get foreign table options
            let ftable = pg_sys::GetForeignTable(foreigntableid);
            state.opts = options_to_hashmap((*ftable).options).report_unwrap();

            // add additional metadata to the options
            state.opts.insert(
                "wrappers.fserver_oid".into(),
                (*ftable).serverid.to_u32().to_string(),
            );
            state.opts.insert(
                "wrappers.ftable_oid".into(),
                (*ftable).relid.to_u32().to_string(),
            );
        });

        // get estimate row count and mean row width
        let (rows, width) = state.get_rel_size().report_unwrap();
        (*baserel).rows = rows as f64;
        (*(*baserel).reltarget).width = width;

        // save the state for following callbacks
        (*baserel).fdw_private = Box::leak(Box::new(state)) as *mut FdwState<E, W> as _;
    }
}

#[pg_guard]
pub(super) extern "C-unwind" fn get_foreign_paths<
    E: Into<ErrorReport>,
    W: ForeignDataWrapper<E>,
>(
    root: *mut pg_sys::PlannerInfo,
    baserel: *mut pg_sys::RelOptInfo,
    foreigntableid: pg_sys::Oid,
) {
    debug2!("---> get_foreign_paths");
    unsafe {
        let state = &mut *((*baserel).fdw_private as *mut FdwState<E, W>);

        // get startup cost from foreign table options
        let startup_cost = state
            .opts
            .get("startup_cost")
            .map(|c| match c.parse::<f64>() {
                Ok(v) => v,
                Err(_) => {
                    pgrx::error!("invalid option startup_cost: {}", c);
                }
            })
            .unwrap_or(0.0);
        // github-sql patch: the wrapper prices the scan (default: its rows)
        let rows = (*baserel).rows;
        let total_cost = startup_cost
            + match state.instance.as_mut() {
                Some(i) => i.path_cost(&state.quals, rows, &state.opts),
                None => rows,
            };

        // create a ForeignPath node and add it as the only possible path
        // (github-sql patch: parameterized by the relations a LATERAL reference needs)
        let path = pg_sys::create_foreignscan_path(
            root,
            baserel,
            ptr::null_mut(), // default pathtarget
            (*baserel).rows,
            #[cfg(feature = "pg18")]
            0, // disabled_nodes
            startup_cost,
            total_cost,
            ptr::null_mut(), // no pathkeys
            (*baserel).lateral_relids,
            ptr::null_mut(), // no extra plan
            #[cfg(any(feature = "pg17", feature = "pg18"))]
            ptr::null_mut(), // no restrict info
            ptr::null_mut(), // no fdw_private data
        );
        pg_sys::add_path(baserel, &mut ((*path).path));

        // github-sql patch: parameterized paths. A join clause `col = <outer expression>` (from
        // an equivalence class or the relation's join clauses) can be applied by the scan when
        // the outer rows come first: a nested loop re-runs the scan per outer row with the
        // value. The wrapper prices each such path with the clauses as quals; one that costs
        // no less than the plain scan is not offered.
        for required_outer in outer_candidates(root, baserel) {
            let ppi = pg_sys::get_baserel_parampathinfo(root, baserel, required_outer);
            if ppi.is_null() {
                continue;
            }
            let mut values = ValueExprs::new(true);
            let mut quals = state.quals.clone();
            let before = quals.len();
            pgrx::memcx::current_context(|mcx| {
                if let Some(clauses) =
                    pgrx::list::List::<*mut std::ffi::c_void>::downcast_ptr_in_memcx(
                        (*ppi).ppi_clauses,
                        mcx,
                    )
                {
                    for rinfo in clauses.iter() {
                        let clause = (*(*rinfo as *mut pg_sys::RestrictInfo)).clause;
                        if let Some(q) = extract_qual(
                            root,
                            baserel,
                            foreigntableid,
                            clause as _,
                            &mut values,
                        ) {
                            quals.push(q);
                        }
                    }
                }
            });
            if quals.len() == before {
                continue;
            }
            let Some(instance) = state.instance.as_mut() else {
                continue;
            };
            let rows = match instance.get_rel_size(&quals, &state.tgts, &state.sorts, &None, &state.opts) {
                Ok((rows, _)) => rows as f64,
                Err(_) => continue,
            };
            let cost = startup_cost + instance.path_cost(&quals, rows, &state.opts);
            if cost >= total_cost {
                continue;
            }
            let path = pg_sys::create_foreignscan_path(
                root,
                baserel,
                ptr::null_mut(),
                rows,
                #[cfg(feature = "pg18")]
                0,
                startup_cost,
                cost,
                ptr::null_mut(),
                required_outer,
                ptr::null_mut(),
                #[cfg(any(feature = "pg17", feature = "pg18"))]
                ptr::null_mut(),
                ptr::null_mut(),
            );
            pg_sys::add_path(baserel, &mut ((*path).path));
        }
    }
}

/// github-sql patch: the sets of other relations whose rows could supply values to this
/// relation's scan: each equivalence class joining one of its columns to another relation's
/// expression, and each join clause that may move down to it; then all of them together. A
/// relation that LATERAL-references this one cannot supply it (that would be a cycle).
unsafe fn outer_candidates(
    root: *mut pg_sys::PlannerInfo,
    baserel: *mut pg_sys::RelOptInfo,
) -> Vec<pg_sys::Relids> {
    unsafe {
        let mut out: Vec<pg_sys::Relids> = Vec::new();
        let own = (*baserel).relids;
        let add = |out: &mut Vec<pg_sys::Relids>, relids: pg_sys::Relids| {
            let relids = pg_sys::bms_union(relids, (*baserel).lateral_relids);
            let relids = pg_sys::bms_difference(relids, own);
            if pg_sys::bms_num_members(relids) == 0
                || pg_sys::bms_overlap(relids, (*baserel).lateral_referencers)
                || out.iter().any(|r| pg_sys::bms_equal(*r, relids))
            {
                return;
            }
            out.push(relids);
        };
        pgrx::memcx::current_context(|mcx| {
            use pgrx::list::List;
            use std::ffi::c_void;
            if (*baserel).has_eclass_joins {
                if let Some(ecs) = List::<*mut c_void>::downcast_ptr_in_memcx((*root).eq_classes, mcx)
                {
                    for ec in ecs.iter() {
                        let ec = *ec as *mut pg_sys::EquivalenceClass;
                        if (*ec).ec_has_const
                            || (*ec).ec_has_volatile
                            || (*ec).ec_broken
                            || !pg_sys::bms_is_subset(own, (*ec).ec_relids)
                        {
                            continue;
                        }
                        let Some(members) =
                            List::<*mut c_void>::downcast_ptr_in_memcx((*ec).ec_members, mcx)
                        else {
                            continue;
                        };
                        let members: Vec<*mut pg_sys::EquivalenceMember> =
                            members.iter().map(|m| *m as _).collect();
                        let mine = members.iter().any(|m| {
                            !(**m).em_is_child
                                && pg_sys::bms_equal((**m).em_relids, own)
                                && pgrx::is_a((**m).em_expr as _, pg_sys::NodeTag::T_Var)
                        });
                        if !mine {
                            continue;
                        }
                        for m in &members {
                            if !(**m).em_is_child
                                && !(**m).em_is_const
                                && !pg_sys::bms_overlap((**m).em_relids, own)
                            {
                                add(&mut out, (**m).em_relids);
                            }
                        }
                    }
                }
            }
            if let Some(clauses) =
                List::<*mut c_void>::downcast_ptr_in_memcx((*baserel).joininfo, mcx)
            {
                for rinfo in clauses.iter() {
                    let rinfo = *rinfo as *mut pg_sys::RestrictInfo;
                    if pg_sys::join_clause_is_movable_to(rinfo, baserel) {
                        add(&mut out, (*rinfo).clause_relids);
                    }
                }
            }
        });
        if out.len() > 1 {
            let all = out
                .iter()
                .fold(ptr::null_mut(), |acc, r| pg_sys::bms_union(acc, *r));
            add(&mut out, all);
        }
        out
    }
}

#[pg_guard]
pub(super) extern "C-unwind" fn get_foreign_plan<E: Into<ErrorReport>, W: ForeignDataWrapper<E>>(
    root: *mut pg_sys::PlannerInfo,
    baserel: *mut pg_sys::RelOptInfo,
    foreigntableid: pg_sys::Oid,
    _best_path: *mut pg_sys::ForeignPath,
    tlist: *mut pg_sys::List,
    scan_clauses: *mut pg_sys::List,
    outer_plan: *mut pg_sys::Plan,
) -> *mut pg_sys::ForeignScan {
    debug2!("---> get_foreign_plan");
    unsafe {
        let mut state = PgBox::<FdwState<E, W>>::from_pg((*baserel).fdw_private as _);

        // make foreign scan plan
        let restrictinfos = scan_clauses;
        let mut scan_clauses = pg_sys::extract_actual_clauses(scan_clauses, false);
        let mut fdw_exprs: *mut pg_sys::List = ptr::null_mut();

        // Aggregate pushdown: state.aggregates was populated by upper.rs via the
        // shared FdwState pointer (input_rel.fdw_private and output_rel.fdw_private
        // alias the same object). That mutation is visible regardless of which
        // path the planner picked, so it cannot be used as the discriminator —
        // we must key off baserel.reloptkind. When the planner picked the upper
        // aggregate path, baserel IS the upper rel; otherwise we are being called
        // for the base-rel scan path (with a local Aggregate node above us) and
        // must NOT treat this as an aggregate scan.
        let is_agg = (*baserel).reloptkind == pg_sys::RelOptKind::RELOPT_UPPER_REL
            && state.is_aggregate_scan();

        if !is_agg && state.is_aggregate_scan() {
            // Upper-path was registered but the planner chose the base-rel scan
            // (typically because a local HashAgg over a small input was cheaper).
            // Drop the aggregate state so begin_foreign_scan dispatches to
            // begin_scan and the tuple slot is the base-rel's row type.
            state.aggregates = Vec::new();
            state.group_by = Vec::new();
        }

        if !is_agg {
            // github-sql patch: the quals again, from the clauses this path applies (a
            // parameterized path adds the join clauses its outer rows supply); the values
            // computed at execution become the plan's fdw_exprs; the clauses the wrapper applies
            // exactly are not checked again.
            let (local, exprs) = requalify(root, baserel, foreigntableid, restrictinfos, &mut state);
            scan_clauses = local;
            fdw_exprs = exprs;
        }

        let (final_tlist, agg_fdw_scan_tlist) = if is_agg {
            // baserel here is the GROUP_AGG upper rel; its reltarget->exprs
            // contains the aggregate outputs (Var nodes for GROUP BY columns
            // and Aggref nodes for the aggregates). Build both the plan tlist
            // and fdw_scan_tlist from it so:
            //   1. final_tlist has the right Aggref/Var nodes for
            //      set_foreignscan_references to rewrite into Var(INDEX_VAR,n).
            //   2. fdw_scan_tlist drives ExecTypeFromTL to a tuple descriptor
            //      whose attribute types match what iter_scan returns —
            //      otherwise heap_form_tuple dereferences a non-pointer Datum
            //      and segfaults.
            let reltarget = (*baserel).reltarget;
            let exprs = (*reltarget).exprs;
            let n = if exprs.is_null() {
                0
            } else {
                (*exprs).length as usize
            };
            let mut agg_tlist: *mut pg_sys::List = ptr::null_mut();
            for i in 0..n {
                let cell = (*exprs).elements.add(i);
                let expr = (*cell).ptr_value as *mut pg_sys::Expr;
                let tle = pg_sys::makeTargetEntry(
                    expr,
                    (i + 1) as pg_sys::AttrNumber,
                    ptr::null_mut(),
                    false,
                );
                // Preserve sortgrouprefs so Sort nodes can identify columns.
                if !(*reltarget).sortgrouprefs.is_null() {
                    (*tle).ressortgroupref = *(*reltarget).sortgrouprefs.add(i);
                }
                agg_tlist = pg_sys::lappend(agg_tlist, tle as *mut std::ffi::c_void);
            }
            let fdw_scan_tlist = pg_sys::list_copy(agg_tlist);

            // Now that we know the upper path is in the plan, project state.tgts
            // to match the aggregate output shape. iterate_foreign_scan uses
            // tgts to map cells returned by the FDW's iter_scan into the
            // correct attribute slots; for aggregate scans this is GROUP BY
            // columns first, then aggregate result columns keyed by alias.
            // We keep this off the base-rel-scan code path so state.tgts (the
            // base-rel scan columns set in get_foreign_rel_size) is preserved
            // when the planner picks the base-rel path.
            let mut new_tgts = Vec::new();
            let mut col_num = 1usize;
            for col in &state.group_by {
                new_tgts.push(Column {
                    name: col.name.clone(),
                    num: col_num,
                    type_oid: col.type_oid,
                });
                col_num += 1;
            }
            for agg in &state.aggregates {
                new_tgts.push(Column {
                    name: agg.alias.clone(),
                    num: col_num,
                    type_oid: agg.type_oid,
                });
                col_num += 1;
            }
            state.tgts = new_tgts;

            (agg_tlist, fdw_scan_tlist)
        } else {
            (tlist, ptr::null_mut())
        };

        // 'serialize' state to list, basically what we're doing here is to store
        // the state pointer as an integer constant in the list, so it can be
        // `deserialized` when executing the plan later.
        // Note that the state itself is not serialized to any memory contexts,
        // it just sits in Rust managed Box'ed memory and will be dropped when
        // end_foreign_scan() is called.
        let fdw_private =
            PgMemoryContexts::For(state.tmp_ctx).switch_to(|_| FdwState::serialize_to_list(state));

        pg_sys::make_foreignscan(
            final_tlist,
            scan_clauses,
            (*baserel).relid,
            fdw_exprs,
            fdw_private as _,
            agg_fdw_scan_tlist,
            ptr::null_mut(),
            outer_plan,
        )
    }
}

/// github-sql patch: the quals of the restriction clauses a plan applies, the clauses Postgres
/// must still check (those the wrapper does not apply exactly), and the expressions evaluated at
/// execution (`fdw_exprs`; a qual's `Param::id` indexes it).
unsafe fn requalify<E: Into<ErrorReport>, W: ForeignDataWrapper<E>>(
    root: *mut pg_sys::PlannerInfo,
    baserel: *mut pg_sys::RelOptInfo,
    foreigntableid: pg_sys::Oid,
    restrictinfos: *mut pg_sys::List,
    state: &mut FdwState<E, W>,
) -> (*mut pg_sys::List, *mut pg_sys::List) {
    unsafe {
        let mut values = ValueExprs::new(true);
        let mut quals = Vec::new();
        let mut clauses: Vec<(*mut pg_sys::Expr, Option<usize>)> = Vec::new();
        pgrx::memcx::current_context(|mcx| {
            if let Some(list) = pgrx::list::List::<*mut std::ffi::c_void>::downcast_ptr_in_memcx(
                restrictinfos,
                mcx,
            ) {
                for rinfo in list.iter() {
                    let rinfo = *rinfo as *mut pg_sys::RestrictInfo;
                    if (*rinfo).pseudoconstant {
                        continue;
                    }
                    let clause = (*rinfo).clause;
                    let qual = extract_qual(root, baserel, foreigntableid, clause as _, &mut values);
                    let index = qual.map(|q| {
                        quals.push(q);
                        quals.len() - 1
                    });
                    clauses.push((clause, index));
                }
            }
        });
        let exact = match state.instance.as_mut() {
            Some(instance) => instance.exact_quals(&quals, &state.opts),
            None => Vec::new(),
        };
        state.quals = quals;
        let mut local: *mut pg_sys::List = ptr::null_mut();
        for (clause, index) in clauses {
            let applied = index.is_some_and(|i| exact.get(i).copied().unwrap_or(false));
            if !applied {
                local = pg_sys::lappend(local, clause as *mut std::ffi::c_void);
            }
        }
        let mut exprs: *mut pg_sys::List = ptr::null_mut();
        for e in values.exprs {
            exprs = pg_sys::lappend(exprs, e as *mut std::ffi::c_void);
        }
        (local, exprs)
    }
}

#[pg_guard]
pub(super) extern "C-unwind" fn explain_foreign_scan<
    E: Into<ErrorReport>,
    W: ForeignDataWrapper<E>,
>(
    node: *mut pg_sys::ForeignScanState,
    es: *mut pg_sys::ExplainState,
) {
    debug2!("---> explain_foreign_scan");
    unsafe {
        let fdw_state = (*node).fdw_state as *mut FdwState<E, W>;
        if fdw_state.is_null() {
            return;
        }

        let mut state = PgBox::<FdwState<E, W>>::from_pg(fdw_state);
        let state = &mut *state;

        // github-sql patch: the wrapper says what the scan does (default: the quals, columns,
        // sorts and limit, as upstream printed them)
        let lines = match state.instance.as_mut() {
            Some(instance) => instance.explain(
                &state.quals,
                &state.tgts,
                &state.sorts,
                &state.limit,
                &state.opts,
            ),
            None => Vec::new(),
        };
        let ctx = PgMemoryContexts::For(state.tmp_ctx);
        for (label, value) in lines {
            let label = ctx.pstrdup(&label.replace('\0', " "));
            let value = ctx.pstrdup(&value.replace('\0', " "));
            pg_sys::ExplainPropertyText(label, value, es);
        }
    }
}

/// github-sql patch: a datum as a cell: the types a [`Cell`] holds by value, else (varchar,
/// bpchar, name, domains, enums, anything else) its text form from the type's output function.
/// `None` for NULL.
unsafe fn datum_to_cell(datum: Datum, isnull: bool, type_oid: Oid) -> Option<Cell> {
    unsafe {
        if isnull {
            return None;
        }
        let by_value = matches!(
            type_oid,
            pg_sys::BOOLOID
                | pg_sys::INT2OID
                | pg_sys::INT4OID
                | pg_sys::INT8OID
                | pg_sys::FLOAT4OID
                | pg_sys::FLOAT8OID
                | pg_sys::TEXTOID
                | pg_sys::DATEOID
                | pg_sys::TIMESTAMPOID
                | pg_sys::TIMESTAMPTZOID
                | pg_sys::JSONBOID
        );
        if by_value {
            if let Some(cell) = Cell::from_polymorphic_datum(datum, false, type_oid) {
                return Some(cell);
            }
        }
        let mut output: Oid = Oid::INVALID;
        let mut varlena = false;
        pg_sys::getTypeOutputInfo(type_oid, &mut output, &mut varlena);
        let text = pg_sys::OidOutputFunctionCall(output, datum);
        Some(Cell::String(
            std::ffi::CStr::from_ptr(text).to_string_lossy().into_owned(),
        ))
    }
}

/// github-sql patch: an array datum's elements as cells (NULL elements left out).
unsafe fn array_to_cells(datum: Datum) -> Vec<Cell> {
    unsafe {
        let arr = pg_sys::pg_detoast_datum(datum.cast_mut_ptr()) as *mut pg_sys::ArrayType;
        let elem = (*arr).elemtype;
        let mut len: i16 = 0;
        let mut byval = false;
        let mut align: std::os::raw::c_char = 0;
        pg_sys::get_typlenbyvalalign(elem, &mut len, &mut byval, &mut align);
        let mut elems: *mut Datum = ptr::null_mut();
        let mut nulls: *mut bool = ptr::null_mut();
        let mut n: c_int = 0;
        pg_sys::deconstruct_array(arr, elem, len as _, byval, align, &mut elems, &mut nulls, &mut n);
        (0..n.max(0) as usize)
            .filter_map(|i| datum_to_cell(*elems.add(i), *nulls.add(i), elem))
            .collect()
    }
}

/// github-sql patch: evaluates the values computed at execution (the plan's fdw_exprs: statement
/// parameters, subquery parameters, the outer rows of a join) into their quals. Called when the
/// scan begins, once the executor has set them, never at executor start-up (a join's outer row
/// is not there yet). A NULL leaves the qual's value empty (`eval_value` None; an `=` on it
/// matches no row).
unsafe fn assign_parameter_value<E: Into<ErrorReport>, W: ForeignDataWrapper<E>>(
    node: *mut pg_sys::ForeignScanState,
    state: &mut FdwState<E, W>,
) {
    unsafe {
        let econtext = (*node).ss.ps.ps_ExprContext;
        let row_ctx = (*econtext).ecxt_per_tuple_memory;
        for qual in state.quals.iter_mut() {
            let Some(param) = &qual.param else { continue };
            let Some(&expr_state) = state.param_states.get(param.id) else {
                continue;
            };
            let type_oid = param.type_oid;
            let is_array = pg_sys::get_element_type(type_oid) != Oid::INVALID;
            let value = PgMemoryContexts::For(row_ctx).switch_to(|_| {
                let mut isnull = false;
                let datum = polyfill::exec_eval_expr(expr_state, econtext, &mut isnull)?;
                if isnull {
                    None
                } else if is_array {
                    Some(Value::Array(array_to_cells(datum)))
                } else {
                    datum_to_cell(datum, false, type_oid).map(Value::Cell)
                }
            });
            if let Some(v) = &value {
                qual.value = v.clone();
            }
            if let Ok(mut slot) = param.eval_value.lock() {
                *slot = value;
            }
        }
    }
}

#[pg_guard]
pub(super) extern "C-unwind" fn begin_foreign_scan<
    E: Into<ErrorReport>,
    W: ForeignDataWrapper<E>,
>(
    node: *mut pg_sys::ForeignScanState,
    eflags: c_int,
) {
    debug2!("---> begin_foreign_scan");
    unsafe {
        let scan_state = (*node).ss;
        let plan = scan_state.ps.plan as *mut pg_sys::ForeignScan;
        let mut state = FdwState::<E, W>::deserialize_from_list((*plan).fdw_private as _);
        assert!(!state.is_null());
        // github-sql patch: the plan (possibly cached and executed again) keeps pointing at
        // the state, so it lives as long as the plan's memory, not the scan
        own_by_plan(state.as_ptr(), plan as *mut std::os::raw::c_void);

        // github-sql patch: the values computed at execution, from this plan's own fdw_exprs
        // (the outer columns of a join are parameters there); evaluated when the scan begins
        state.param_states.clear();
        pgrx::memcx::current_context(|mcx| {
            if let Some(exprs) = pgrx::list::List::<*mut std::ffi::c_void>::downcast_ptr_in_memcx(
                (*plan).fdw_exprs,
                mcx,
            ) {
                for e in exprs.iter() {
                    state.param_states.push(pg_sys::ExecInitExpr(
                        *e as *mut pg_sys::Expr,
                        node as *mut pg_sys::PlanState,
                    ));
                }
            }
        });
        state.started = false;

        if eflags & pg_sys::EXEC_FLAG_EXPLAIN_ONLY as c_int <= 0 {
            // For aggregate upper-rel scans, scanrelid=0 so ss_currentRelation is
            // NULL. Use the number of output columns from state.tgts instead.
            let natts = if state.is_aggregate_scan() {
                state.tgts.len()
            } else {
                let rel = scan_state.ss_currentRelation;
                (*(*rel).rd_att).natts as usize
            };

            // initialize scan result lists (github-sql patch: once per execution, not growing)
            state.values.clear();
            state.nulls.clear();
            state
                .values
                .extend_from_slice(&vec![0.into_datum().unwrap(); natts]);
            state.nulls.extend_from_slice(&vec![true; natts]);
        }

        (*node).fdw_state = state.into_pg() as _;
    }
}

/// github-sql patch: begins the scan with the current parameter values, at its first row.
unsafe fn start_scan<E: Into<ErrorReport>, W: ForeignDataWrapper<E>>(
    node: *mut pg_sys::ForeignScanState,
    state: &mut FdwState<E, W>,
) {
    unsafe {
        assign_parameter_value(node, state);
        state.started = true;
        // choose aggregate scan or normal scan based on state
        let result = if state.is_aggregate_scan() {
            state.begin_aggregate_scan()
        } else {
            state.begin_scan()
        };
        // github-sql patch: the plan owns the state; an error leaves it for the plan's end
        result.report_unwrap();
    }
}

#[pg_guard]
pub(super) extern "C-unwind" fn iterate_foreign_scan<
    E: Into<ErrorReport>,
    W: ForeignDataWrapper<E>,
>(
    node: *mut pg_sys::ForeignScanState,
) -> *mut pg_sys::TupleTableSlot {
    // `debug!` macros are quite expensive at the moment, so avoid logging in the inner loop
    // debug2!("---> iterate_foreign_scan");
    unsafe {
        let mut state = PgBox::<FdwState<E, W>>::from_pg((*node).fdw_state as _);

        if !state.started {
            start_scan(node, &mut state);
        }

        // clear slot
        let slot = (*node).ss.ss_ScanTupleSlot;
        polyfill::exec_clear_tuple(slot);

        state.row.clear();

        let result = state.iter_scan();
        if result.report_unwrap().is_some() {
            if state.row.cols.len() != state.tgts.len() {
                report_error(
                    PgSqlErrorCode::ERRCODE_FDW_INVALID_COLUMN_NUMBER,
                    "target column number not match",
                );
                return slot;
            }

            let is_agg = state.is_aggregate_scan();
            // github-sql patch: a row's datums live in the executor's per-tuple memory, reset
            // before the next row, not in the scan's context (which grew with every row)
            let row_ctx = (*(*node).ss.ps.ps_ExprContext).ecxt_per_tuple_memory;
            PgMemoryContexts::For(row_ctx).switch_to(|_| {
                for i in 0..state.row.cells.len() {
                    let att_idx = state.tgts[i].num - 1;
                    let cell = state.row.cells.get_unchecked_mut(i);
                    match cell.take() {
                        Some(cell) => {
                            state.values[att_idx] = cell.into_datum().unwrap();
                            state.nulls[att_idx] = false;
                        }
                        None => {
                            state.nulls[att_idx] = true;
                        }
                    }
                }

                if is_agg {
                    // For aggregate scans the slot type is TTSOpsHeapTuple (because
                    // fdw_scan_tlist != NIL).  ExecStoreVirtualTuple is only correct
                    // for TTSOpsVirtual slots; using it on a HeapTuple slot leaves
                    // hslot->tuple == NULL, which causes tts_heap_materialize (called
                    // by Sort) to re-read tts_values after zeroing tts_nvalid —
                    // resulting in a SIGSEGV when a Sort node is present (ORDER BY).
                    // Form a proper HeapTuple and use ExecStoreHeapTuple instead.
                    let desc = (*slot).tts_tupleDescriptor;
                    let htup = pg_sys::heap_form_tuple(
                        desc,
                        state.values.as_mut_ptr(),
                        state.nulls.as_mut_ptr(),
                    );
                    // github-sql patch: the tuple is in per-tuple memory, which frees it
                    pg_sys::ExecStoreHeapTuple(htup, slot, false);
                } else {
                    (*slot).tts_values = state.values.as_mut_ptr();
                    (*slot).tts_isnull = state.nulls.as_mut_ptr();
                    pg_sys::ExecStoreVirtualTuple(slot);
                }
            });
        }

        slot
    }
}

#[pg_guard]
pub(super) extern "C-unwind" fn re_scan_foreign_scan<
    E: Into<ErrorReport>,
    W: ForeignDataWrapper<E>,
>(
    node: *mut pg_sys::ForeignScanState,
) {
    debug2!("---> re_scan_foreign_scan");
    unsafe {
        let fdw_state = (*node).fdw_state as *mut FdwState<E, W>;
        if !fdw_state.is_null() {
            let mut state = PgBox::<FdwState<E, W>>::from_pg(fdw_state);
            // github-sql patch: the scan begins again at its next row, with the parameter
            // values of then (a nested loop's next outer row); the wrapper's re_scan is for a
            // rescan with the same values
            if state.started {
                let any_param = state.quals.iter().any(|q| q.param.is_some());
                let result = if any_param {
                    state.started = false;
                    state.end_scan()
                } else {
                    state.re_scan()
                };
                // github-sql patch: the plan owns the state
                result.report_unwrap();
            }
        }
    }
}

#[pg_guard]
pub(super) extern "C-unwind" fn end_foreign_scan<E: Into<ErrorReport>, W: ForeignDataWrapper<E>>(
    node: *mut pg_sys::ForeignScanState,
) {
    debug2!("---> end_foreign_scan");
    unsafe {
        let fdw_state = (*node).fdw_state as *mut FdwState<E, W>;
        if fdw_state.is_null() {
            return;
        }

        // the scan state is actually not allocated by PG, but we use 'from_pg()'
        // here just to tell PgBox don't free the state, instead we will handle
        // drop the state by ourselves
        let mut state = PgBox::<FdwState<E, W>>::from_pg(fdw_state);
        let result = state.end_scan();
        // github-sql patch: the state stays with the plan (see `own_by_plan`); a cached plan
        // executed again used the freed state before
        (*node).fdw_state = ptr::null::<FdwState<E, W>>() as _;

        result.report_unwrap();
    }
}
