use crate::prelude::*;
use pgrx::pg_sys::Oid;
use pgrx::{
    FromDatum, PgBuiltInOids, PgOid, debug2,
    datum::{Array, Date, JsonB, Timestamp},
    is_a,
    list::List,
    pg_sys,
    pg_sys::Datum,
};
use std::ffi::CStr;
use std::ffi::c_void;
use std::os::raw::c_int;
use std::sync::Mutex;

use crate::interface::Param;

// create array of Cell from constant datum array
pub(crate) unsafe fn form_array_from_datum(
    datum: Datum,
    is_null: bool,
    typoid: pg_sys::Oid,
) -> Option<Vec<Cell>> {
    let oid = PgOid::from(typoid);
    match oid {
        PgOid::BuiltIn(PgBuiltInOids::BOOLARRAYOID) => {
            unsafe { Array::<bool>::from_polymorphic_datum(datum, is_null, pg_sys::BOOLOID) }.map(
                |arr| {
                    arr.iter()
                        .filter(|v| v.is_some())
                        .map(|v| Cell::Bool(v.expect("non-null array element")))
                        .collect::<Vec<_>>()
                },
            )
        }
        PgOid::BuiltIn(PgBuiltInOids::CHARARRAYOID) => {
            unsafe { Array::<i8>::from_polymorphic_datum(datum, is_null, pg_sys::CHAROID) }.map(
                |arr| {
                    arr.iter()
                        .filter(|v| v.is_some())
                        .map(|v| Cell::I8(v.expect("non-null array element")))
                        .collect::<Vec<_>>()
                },
            )
        }
        PgOid::BuiltIn(PgBuiltInOids::INT2ARRAYOID) => {
            unsafe { Array::<i16>::from_polymorphic_datum(datum, is_null, pg_sys::INT2OID) }.map(
                |arr| {
                    arr.iter()
                        .filter(|v| v.is_some())
                        .map(|v| Cell::I16(v.expect("non-null array element")))
                        .collect::<Vec<_>>()
                },
            )
        }
        PgOid::BuiltIn(PgBuiltInOids::FLOAT4ARRAYOID) => {
            unsafe { Array::<f32>::from_polymorphic_datum(datum, is_null, pg_sys::FLOAT4OID) }.map(
                |arr| {
                    arr.iter()
                        .filter(|v| v.is_some())
                        .map(|v| Cell::F32(v.expect("non-null array element")))
                        .collect::<Vec<_>>()
                },
            )
        }
        PgOid::BuiltIn(PgBuiltInOids::INT4ARRAYOID) => {
            unsafe { Array::<i32>::from_polymorphic_datum(datum, is_null, pg_sys::INT4OID) }.map(
                |arr| {
                    arr.iter()
                        .filter(|v| v.is_some())
                        .map(|v| Cell::I32(v.expect("non-null array element")))
                        .collect::<Vec<_>>()
                },
            )
        }
        PgOid::BuiltIn(PgBuiltInOids::FLOAT8ARRAYOID) => {
            unsafe { Array::<f64>::from_polymorphic_datum(datum, is_null, pg_sys::FLOAT8OID) }.map(
                |arr| {
                    arr.iter()
                        .filter(|v| v.is_some())
                        .map(|v| Cell::F64(v.expect("non-null array element")))
                        .collect::<Vec<_>>()
                },
            )
        }
        PgOid::BuiltIn(PgBuiltInOids::INT8ARRAYOID) => {
            unsafe { Array::<i64>::from_polymorphic_datum(datum, is_null, pg_sys::INT8OID) }.map(
                |arr| {
                    arr.iter()
                        .filter(|v| v.is_some())
                        .map(|v| Cell::I64(v.expect("non-null array element")))
                        .collect::<Vec<_>>()
                },
            )
        }
        PgOid::BuiltIn(PgBuiltInOids::TEXTARRAYOID) => {
            unsafe { Array::<String>::from_polymorphic_datum(datum, is_null, pg_sys::TEXTOID) }.map(
                |arr| {
                    arr.iter()
                        .filter(|v| v.is_some())
                        .map(|v| Cell::String(v.expect("non-null array element")))
                        .collect::<Vec<_>>()
                },
            )
        }
        PgOid::BuiltIn(PgBuiltInOids::DATEARRAYOID) => {
            unsafe { Array::<Date>::from_polymorphic_datum(datum, is_null, pg_sys::DATEOID) }.map(
                |arr| {
                    arr.iter()
                        .filter(|v| v.is_some())
                        .map(|v| Cell::Date(v.expect("non-null array element")))
                        .collect::<Vec<_>>()
                },
            )
        }
        PgOid::BuiltIn(PgBuiltInOids::TIMESTAMPARRAYOID) => unsafe {
            Array::<Timestamp>::from_polymorphic_datum(datum, is_null, pg_sys::TIMESTAMPOID)
        }
        .map(|arr| {
            arr.iter()
                .filter(|v| v.is_some())
                .map(|v| Cell::Timestamp(v.expect("non-null array element")))
                .collect::<Vec<_>>()
        }),
        PgOid::BuiltIn(PgBuiltInOids::JSONBARRAYOID) => {
            unsafe { Array::<JsonB>::from_polymorphic_datum(datum, is_null, pg_sys::JSONBOID) }.map(
                |arr| {
                    arr.iter()
                        .filter(|v| v.is_some())
                        .map(|v| Cell::Json(v.expect("non-null array element")))
                        .collect::<Vec<_>>()
                },
            )
        }
        _ => None,
    }
}

pub(crate) unsafe fn get_operator(opno: pg_sys::Oid) -> pg_sys::Form_pg_operator {
    unsafe {
        let htup = pg_sys::SearchSysCache1(
            pg_sys::SysCacheIdentifier::OPEROID.try_into().unwrap(),
            opno.into(),
        );
        if htup.is_null() {
            pg_sys::ReleaseSysCache(htup);
            pgrx::error!("cache lookup operator {:?} failed", opno);
        }
        let op = pg_sys::GETSTRUCT(htup) as pg_sys::Form_pg_operator;
        pg_sys::ReleaseSysCache(htup);
        op
    }
}

pub(crate) unsafe fn unnest_clause(node: *mut pg_sys::Node) -> *mut pg_sys::Node {
    unsafe {
        if is_a(node, pg_sys::NodeTag::T_RelabelType) {
            (*(node as *mut pg_sys::RelabelType)).arg as _
        } else if is_a(node, pg_sys::NodeTag::T_ArrayCoerceExpr) {
            (*(node as *mut pg_sys::ArrayCoerceExpr)).arg as _
        } else {
            node
        }
    }
}

/// github-sql patch: where a qual's value comes from when it is not a constant. A statement
/// parameter (`$1`), the parameter of a subquery (`(SELECT … WHERE v.x = outer.y)`), a stable
/// expression (`now() - interval '1 day'`) and, on a parameterized path, an expression over the
/// outer rows of a join are all evaluated at execution: each is kept here, and its qual's
/// [`Param::id`] is its index (the plan's `fdw_exprs`).
pub(crate) struct ValueExprs {
    /// Whether values may read other relations (the clauses of a parameterized path).
    pub(crate) outer: bool,
    /// The expressions, in order of their quals.
    pub(crate) exprs: Vec<*mut pg_sys::Node>,
}

impl ValueExprs {
    pub(crate) fn new(outer: bool) -> Self {
        ValueExprs {
            outer,
            exprs: Vec::new(),
        }
    }
}

/// Whether `node` is a Var of the scanned relation (a real column).
unsafe fn is_own_var(node: *mut pg_sys::Node, baserel_ids: pg_sys::Relids) -> bool {
    unsafe {
        is_a(node, pg_sys::NodeTag::T_Var) && {
            let var = node as *mut pg_sys::Var;
            pg_sys::bms_is_member((*var).varno as c_int, baserel_ids) && (*var).varattno >= 1
        }
    }
}

/// github-sql patch: a value that can be computed at execution, before the scan starts: no Var of
/// the scanned relation (nor of any other one unless `values.outer`), nothing volatile, no
/// subplan. It is recorded in `values`; the returned parameter points at it.
unsafe fn execution_value(
    root: *mut pg_sys::PlannerInfo,
    baserel_ids: pg_sys::Relids,
    node: *mut pg_sys::Node,
    values: &mut ValueExprs,
) -> Option<Param> {
    unsafe {
        if node.is_null()
            || pg_sys::contain_volatile_functions(node)
            || pg_sys::contain_subplans(node)
        {
            return None;
        }
        let varnos = pg_sys::pull_varnos(root, node);
        if pg_sys::bms_overlap(varnos, baserel_ids)
            || (!values.outer && pg_sys::bms_num_members(varnos) > 0)
        {
            return None;
        }
        let kind = if is_a(node, pg_sys::NodeTag::T_Param) {
            (*(node as *mut pg_sys::Param)).paramkind
        } else {
            pg_sys::ParamKind::PARAM_EXEC
        };
        values.exprs.push(node);
        Some(Param {
            kind,
            id: values.exprs.len() - 1,
            type_oid: pg_sys::exprType(node),
            eval_value: Mutex::new(None).into(),
        })
    }
}

pub(crate) unsafe fn extract_from_op_expr(
    root: *mut pg_sys::PlannerInfo,
    baserel_id: pg_sys::Oid,
    baserel_ids: pg_sys::Relids,
    expr: *mut pg_sys::OpExpr,
    values: &mut ValueExprs,
) -> Option<Qual> {
    unsafe {
        pgrx::memcx::current_context(|mcx| {
            if let Some(args) = List::<*mut c_void>::downcast_ptr_in_memcx((*expr).args, mcx) {
                // only deal with binary operator
                if args.len() != 2 {
                    debug2!("only support binary operator expression");
                    return None;
                }

                // get operator
                let opno = (*expr).opno;
                let mut opr = get_operator(opno);
                if opr.is_null() {
                    debug2!("operator is empty");
                    return None;
                }

                let mut left = unnest_clause(*args.get(0).unwrap() as _);
                let mut right = unnest_clause(*args.get(1).unwrap() as _);

                // github-sql patch: put the scanned relation's column on the left (a join
                // clause may name it second), under the commutator's name
                if is_own_var(right, baserel_ids)
                    && !is_own_var(left, baserel_ids)
                    && (*opr).oprcom != Oid::INVALID
                {
                    std::mem::swap(&mut left, &mut right);
                    opr = get_operator((*opr).oprcom);
                }

                if is_own_var(left, baserel_ids) {
                    let left = left as *mut pg_sys::Var;
                    let field = pg_sys::get_attname(baserel_id, (*left).varattno, false);

                    let (value, param) = if is_a(right, pg_sys::NodeTag::T_Const) {
                        let right = right as *mut pg_sys::Const;
                        (
                            Cell::from_polymorphic_datum(
                                (*right).constvalue,
                                (*right).constisnull,
                                (*right).consttype,
                            ),
                            None,
                        )
                    } else if let Some(param) =
                        execution_value(root, baserel_ids, right, values)
                    {
                        // a placeholder until the value is evaluated at execution
                        (Some(Cell::I64(0)), Some(param))
                    } else {
                        (None, None)
                    };

                    if let Some(value) = value {
                        let qual = Qual {
                            field: CStr::from_ptr(field).to_str().unwrap().to_string(),
                            operator: pgrx::name_data_to_str(&(*opr).oprname).to_string(),
                            value: Value::Cell(value),
                            use_or: false,
                            param,
                        };
                        return Some(qual);
                    }
                }

                // github-sql patch: the scan filters nothing here; Postgres checks the clause
                // itself, as it does every clause the wrapper does not apply exactly (DEBUG,
                // not a WARNING with the planner's node tree).
                debug2!("qual not pushed down: operator {}", pgrx::name_data_to_str(&(*opr).oprname));
            }

            None
        })
    }
}

pub(crate) unsafe fn extract_from_null_test(
    baserel_id: pg_sys::Oid,
    expr: *mut pg_sys::NullTest,
) -> Option<Qual> {
    unsafe {
        let var = (*expr).arg as *mut pg_sys::Var;
        if !is_a(var as _, pg_sys::NodeTag::T_Var) || (*var).varattno < 1 {
            return None;
        }

        let field = pg_sys::get_attname(baserel_id, (*var).varattno, false);

        let opname = if (*expr).nulltesttype == pg_sys::NullTestType::IS_NULL {
            "is".to_string()
        } else {
            "is not".to_string()
        };

        let qual = Qual {
            field: CStr::from_ptr(field).to_str().unwrap().to_string(),
            operator: opname,
            value: Value::Cell(Cell::String("null".to_string())),
            use_or: false,
            param: None,
        };

        Some(qual)
    }
}


pub(crate) unsafe fn extract_from_scalar_array_op_expr(
    root: *mut pg_sys::PlannerInfo,
    baserel_id: pg_sys::Oid,
    baserel_ids: pg_sys::Relids,
    expr: *mut pg_sys::ScalarArrayOpExpr,
    values: &mut ValueExprs,
) -> Option<Qual> {
    unsafe {
        pgrx::memcx::current_context(|mcx| {
            if let Some(args) = List::<*mut c_void>::downcast_ptr_in_memcx((*expr).args, mcx) {
                // only deal with binary operator
                if args.len() != 2 {
                    return None;
                }

                // get operator
                let opno = (*expr).opno;
                let opr = get_operator(opno);
                if opr.is_null() {
                    return None;
                }

                let left = unnest_clause(*args.get(0).unwrap() as _);
                let right = unnest_clause(*args.get(1).unwrap() as _);

                if is_own_var(left, baserel_ids) {
                    let left = left as *mut pg_sys::Var;
                    let field = pg_sys::get_attname(baserel_id, (*left).varattno, false);
                    let (value, param) = if is_a(right, pg_sys::NodeTag::T_Const) {
                        let right = right as *mut pg_sys::Const;
                        (
                            form_array_from_datum(
                                (*right).constvalue,
                                (*right).constisnull,
                                (*right).consttype,
                            ),
                            None,
                        )
                    } else if let Some(param) =
                        // github-sql patch: `= ANY($1)` and arrays computed at execution
                        execution_value(root, baserel_ids, right, values)
                    {
                        (Some(Vec::new()), Some(param))
                    } else {
                        (None, None)
                    };
                    if let Some(value) = value {
                        let qual = Qual {
                            field: CStr::from_ptr(field).to_str().unwrap().to_string(),
                            operator: pgrx::name_data_to_str(&(*opr).oprname).to_string(),
                            value: Value::Array(value),
                            use_or: (*expr).useOr,
                            param,
                        };
                        return Some(qual);
                    }
                }

                debug2!("array qual not pushed down: operator {}", pgrx::name_data_to_str(&(*opr).oprname));
            }

            None
        })
    }
}

pub(crate) unsafe fn extract_from_var(
    _root: *mut pg_sys::PlannerInfo,
    baserel_id: pg_sys::Oid,
    baserel_ids: pg_sys::Relids,
    var: *mut pg_sys::Var,
) -> Option<Qual> {
    unsafe {
        if (*var).varattno < 1
            || (*var).vartype != pg_sys::BOOLOID
            || !pg_sys::bms_is_member((*var).varno as c_int, baserel_ids)
        {
            return None;
        }

        let field = pg_sys::get_attname(baserel_id, (*var).varattno, false);

        let qual = Qual {
            field: CStr::from_ptr(field).to_str().unwrap().to_string(),
            operator: "=".to_string(),
            value: Value::Cell(Cell::Bool(true)),
            use_or: false,
            param: None,
        };

        Some(qual)
    }
}

pub(crate) unsafe fn extract_from_bool_expr(
    _root: *mut pg_sys::PlannerInfo,
    baserel_id: pg_sys::Oid,
    baserel_ids: pg_sys::Relids,
    expr: *mut pg_sys::BoolExpr,
) -> Option<Qual> {
    unsafe {
        pgrx::memcx::current_context(|mcx| {
            if let Some(args) = List::<*mut c_void>::downcast_ptr_in_memcx((*expr).args, mcx) {
                if (*expr).boolop != pg_sys::BoolExprType::NOT_EXPR || args.len() != 1 {
                    return None;
                }

                let var = *args.get(0).unwrap() as *mut pg_sys::Var;
                if (*var).varattno < 1
                    || (*var).vartype != pg_sys::BOOLOID
                    || !pg_sys::bms_is_member((*var).varno as c_int, baserel_ids)
                {
                    return None;
                }

                let field = pg_sys::get_attname(baserel_id, (*var).varattno, false);

                let qual = Qual {
                    field: CStr::from_ptr(field).to_str().unwrap().to_string(),
                    operator: "=".to_string(),
                    value: Value::Cell(Cell::Bool(false)),
                    use_or: false,
                    param: None,
                };

                return Some(qual);
            }

            None
        })
    }
}

pub(crate) unsafe fn extract_from_boolean_test(
    baserel_id: pg_sys::Oid,
    expr: *mut pg_sys::BooleanTest,
) -> Option<Qual> {
    unsafe {
        let var = (*expr).arg as *mut pg_sys::Var;
        if !is_a(var as _, pg_sys::NodeTag::T_Var) || (*var).varattno < 1 {
            return None;
        }

        let field = pg_sys::get_attname(baserel_id, (*var).varattno, false);

        let (opname, value) = match (*expr).booltesttype {
            pg_sys::BoolTestType::IS_TRUE => ("is".to_string(), true),
            pg_sys::BoolTestType::IS_FALSE => ("is".to_string(), false),
            pg_sys::BoolTestType::IS_NOT_TRUE => ("is not".to_string(), true),
            pg_sys::BoolTestType::IS_NOT_FALSE => ("is not".to_string(), false),
            _ => return None,
        };

        let qual = Qual {
            field: CStr::from_ptr(field).to_str().unwrap().to_string(),
            operator: opname,
            value: Value::Cell(Cell::Bool(value)),
            use_or: false,
            param: None,
        };

        Some(qual)
    }
}


/// One restriction clause as a qual, if it has a form the wrapper is handed (github-sql patch:
/// shared by the relation's own restrictions and the clauses of a parameterized path).
pub(crate) unsafe fn extract_qual(
    root: *mut pg_sys::PlannerInfo,
    baserel: *mut pg_sys::RelOptInfo,
    baserel_id: pg_sys::Oid,
    expr: *mut pg_sys::Node,
    values: &mut ValueExprs,
) -> Option<Qual> {
    unsafe {
        let ids = (*baserel).relids;
        if is_a(expr, pg_sys::NodeTag::T_OpExpr) {
            extract_from_op_expr(root, baserel_id, ids, expr as _, values)
        } else if is_a(expr, pg_sys::NodeTag::T_NullTest) {
            extract_from_null_test(baserel_id, expr as _)
        } else if is_a(expr, pg_sys::NodeTag::T_ScalarArrayOpExpr) {
            extract_from_scalar_array_op_expr(root, baserel_id, ids, expr as _, values)
        } else if is_a(expr, pg_sys::NodeTag::T_Var) {
            extract_from_var(root, baserel_id, ids, expr as _)
        } else if is_a(expr, pg_sys::NodeTag::T_BoolExpr) {
            extract_from_bool_expr(root, baserel_id, ids, expr as _)
        } else if is_a(expr, pg_sys::NodeTag::T_BooleanTest) {
            extract_from_boolean_test(baserel_id, expr as _)
        } else {
            // github-sql patch: DEBUG, not a WARNING (Postgres checks the clause itself)
            debug2!("qual not pushed down: node {:?}", (*expr).type_);
            None
        }
    }
}

pub(crate) unsafe fn extract_quals(
    root: *mut pg_sys::PlannerInfo,
    baserel: *mut pg_sys::RelOptInfo,
    baserel_id: pg_sys::Oid,
) -> Vec<Qual> {
    unsafe {
        pgrx::memcx::current_context(|mcx| {
            let mut quals = Vec::new();
            // Values are evaluated from the plan's own expressions (get_foreign_plan extracts
            // the quals again); these are for estimates.
            let mut values = ValueExprs::new(false);

            if let Some(conds) =
                List::<*mut c_void>::downcast_ptr_in_memcx((*baserel).baserestrictinfo, mcx)
            {
                for cond in conds.iter() {
                    let expr = (*(*cond as *mut pg_sys::RestrictInfo)).clause as *mut pg_sys::Node;
                    if let Some(qual) = extract_qual(root, baserel, baserel_id, expr, &mut values) {
                        quals.push(qual);
                    }
                }
            }

            quals
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(feature = "pg_test", pgrx_embed))]
    use pgrx::IntoDatum;

    #[cfg(all(feature = "pg_test", pgrx_embed))]
    #[test]
    fn test_form_array_from_datum_int4_array() {
        let values = vec![1_i32, 2_i32, 3_i32];
        let datum = values
            .into_datum()
            .expect("int4 array datum should be created");

        let result = unsafe { form_array_from_datum(datum, false, pg_sys::INT4ARRAYOID) };
        let result = result.expect("int4 array should be parsed");

        assert_eq!(result.len(), 3);
        assert!(matches!(result[0], Cell::I32(1)));
        assert!(matches!(result[1], Cell::I32(2)));
        assert!(matches!(result[2], Cell::I32(3)));
    }

    #[test]
    fn test_form_array_from_datum_null_datum_returns_none() {
        let result = unsafe { form_array_from_datum(0.into(), true, pg_sys::INT4ARRAYOID) };
        assert!(result.is_none());
    }

    #[cfg(all(feature = "pg_test", pgrx_embed))]
    #[test]
    fn test_form_array_from_datum_unsupported_oid_returns_none() {
        let values = vec![1_i32, 2_i32];
        let datum = values
            .into_datum()
            .expect("int4 array datum should be created");

        let result = unsafe { form_array_from_datum(datum, false, pg_sys::UUIDARRAYOID) };
        assert!(result.is_none());
    }
}
