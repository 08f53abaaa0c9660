//! Postgres-only syntax in queries, rewritten for SQLite on sqlparser's AST (PostgreSQL dialect).
//!
//! BI clients browse schemas with queries written for Postgres: `::regclass` casts,
//! `= ANY(ARRAY[…])`, `OPERATOR(pg_catalog.~)`, `pg_catalog.`-qualified functions, `COLLATE
//! pg_catalog.default`, `E'…'` strings, `current_user`. This pass turns each into what SQLite
//! understands, over the emulated catalog in [`super::catalog`]. Arrays do not exist there: an
//! array value reads as NULL and a set-returning function in FROM yields no rows.
//!
//! A query with none of this (and no catalog relation) is left untouched, byte for byte.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, Expr, FunctionArguments, InTarget, ObjectName,
    ObjectNamePart, Statement, TableFactor, Value, VisitMut, VisitorMut,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// Functions the emulated catalog registers (their `pg_catalog.` prefix is dropped).
pub const CATALOG_FUNCTIONS: &[&str] = &[
    "version",
    "current_schema",
    "current_schemas",
    "current_database",
    "current_setting",
    "set_config",
    "format_type",
    "obj_description",
    "col_description",
    "shobj_description",
    "array_to_string",
    "quote_ident",
    "has_table_privilege",
    "has_schema_privilege",
    "has_database_privilege",
    "has_column_privilege",
    "has_any_column_privilege",
    "has_function_privilege",
    "has_sequence_privilege",
    "regclass",
    "regtype",
    "to_regclass",
    "to_regtype",
    "regclass_name",
    "regtype_name",
    "pg_regex",
];

/// Functions answered with NULL (definitions we do not have: indexes, defaults, views …).
const NULL_FUNCTIONS: &[&str] = &[
    "pg_get_expr",
    "pg_get_indexdef",
    "pg_get_constraintdef",
    "pg_get_viewdef",
    "pg_get_triggerdef",
    "pg_get_ruledef",
    "pg_get_partkeydef",
    "pg_get_serial_sequence",
    "pg_get_function_arguments",
    "pg_get_function_identity_arguments",
    "pg_get_function_result",
    "pg_get_statisticsobjdef_columns",
    "pg_tablespace_location",
    "array_agg",
];

/// What the rewrite found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Translation {
    /// Something was rewritten (the SQL must be re-printed).
    pub changed: bool,
    /// The query reads the emulated catalog (relations or functions).
    pub catalog: bool,
}

/// Rewrites `stmt` in place.
pub fn translate(stmt: &mut Statement) -> Translation {
    let mut v = PgToSqlite::default();
    let _ = stmt.visit(&mut v);
    v.found
}

#[derive(Default)]
struct PgToSqlite {
    found: Translation,
}

fn last_part(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(ObjectNamePart::as_ident)
        .map(|i| i.value.to_ascii_lowercase())
        .unwrap_or_default()
}

fn first_part(name: &ObjectName) -> String {
    name.0
        .first()
        .and_then(ObjectNamePart::as_ident)
        .map(|i| i.value.to_ascii_lowercase())
        .unwrap_or_default()
}

/// A relation of the emulated catalog: `pg_catalog.x`, `information_schema.x`, or `pg_x`.
fn is_catalog_relation(name: &ObjectName) -> bool {
    let first = first_part(name);
    (name.0.len() > 1 && (first == "pg_catalog" || first == "information_schema"))
        || (name.0.len() == 1 && first.starts_with("pg_"))
}

fn expr(sql: &str) -> Option<Expr> {
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .ok()
}

/// `regclass(x)` / `regtype(x)` (what a `::regclass` cast became): the function and argument.
fn is_reg_call(e: &Expr) -> Option<(String, String)> {
    let Expr::Function(f) = e else { return None };
    let name = last_part(&f.name);
    if name != "regclass" && name != "regtype" {
        return None;
    }
    match &f.args {
        FunctionArguments::List(l) if l.args.len() == 1 => Some((name, l.args[0].to_string())),
        _ => None,
    }
}

fn null() -> Expr {
    Expr::value(Value::Null)
}

impl PgToSqlite {
    fn replace(&mut self, e: &mut Expr, with: Option<Expr>) {
        if let Some(new) = with {
            *e = new;
            self.found.changed = true;
        }
    }
}

impl VisitorMut for PgToSqlite {
    type Break = ();

    fn pre_visit_relation(&mut self, name: &mut ObjectName) -> ControlFlow<()> {
        if is_catalog_relation(name) {
            self.found.catalog = true;
        }
        ControlFlow::Continue(())
    }

    fn post_visit_select(&mut self, select: &mut sqlparser::ast::Select) -> ControlFlow<()> {
        // Postgres folds an unquoted alias to lower case and accepts keywords there
        // (`AS table`); SQLite keeps the case and refuses keywords. Quote it, folded.
        if !self.found.catalog {
            return ControlFlow::Continue(());
        }
        use sqlparser::ast::{Ident, SelectItem};
        for item in &mut select.projection {
            match item {
                SelectItem::ExprWithAlias { alias, .. } if alias.quote_style.is_none() => {
                    alias.value = alias.value.to_lowercase();
                    alias.quote_style = Some('"');
                    self.found.changed = true;
                }
                // An unnamed call is named after its function, as in Postgres (`version`).
                SelectItem::UnnamedExpr(e @ Expr::Function(_)) => {
                    let Expr::Function(f) = &*e else { continue };
                    let name = match last_part(&f.name).as_str() {
                        "current_user_name" => "current_user".to_string(),
                        other => other.to_string(),
                    };
                    *item = SelectItem::ExprWithAlias {
                        expr: e.clone(),
                        alias: Ident::with_quote('"', name),
                    };
                    self.found.changed = true;
                }
                _ => {}
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, tf: &mut TableFactor) -> ControlFlow<()> {
        // A set-returning function in FROM (`unnest(x) u`, `generate_series(…)`): no rows.
        if let TableFactor::Table {
            args: Some(_),
            alias,
            name,
            ..
        } = tf
        {
            // Its columns: the alias's column list (`AS s(r)`), else one named like the alias.
            let mut cols: Vec<String> = alias
                .as_ref()
                .map(|a| a.columns.iter().map(|c| c.name.value.clone()).collect())
                .unwrap_or_default();
            if cols.is_empty() {
                cols.push(
                    alias
                        .as_ref()
                        .map(|a| a.name.value.clone())
                        .unwrap_or_else(|| last_part(name)),
                );
            }
            if let Some(a) = alias.as_mut() {
                a.columns.clear();
            }
            let list: Vec<String> = cols
                .iter()
                .map(|c| format!("NULL AS \"{}\"", c.replace('"', "\"\"")))
                .collect();
            let sql = format!("SELECT {} WHERE 0", list.join(", "));
            if let Ok(mut stmts) = Parser::parse_sql(&PostgreSqlDialect {}, &sql) {
                if let Some(Statement::Query(q)) = stmts.pop() {
                    *tf = TableFactor::Derived {
                        lateral: false,
                        subquery: q,
                        alias: alias.clone(),
                        sample: None,
                    };
                    self.found.changed = true;
                    self.found.catalog = true;
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        // `x = ANY(ARRAY[a, b])` → `x IN (a, b)`; before the array itself is visited.
        let replacement = match e {
            Expr::AnyOp {
                left,
                compare_op: BinaryOperator::Eq,
                right,
                ..
            } => match right.as_ref() {
                Expr::Array(a) => Some(Expr::In {
                    expr: left.clone(),
                    target: InTarget::List(a.elem.clone()),
                    negated: false,
                    global: false,
                }),
                _ => Some(Expr::BinaryOp {
                    left: left.clone(),
                    op: BinaryOperator::Eq,
                    right: right.clone(),
                }),
            },
            Expr::AllOp {
                left,
                compare_op: BinaryOperator::NotEq,
                right,
            } => match right.as_ref() {
                Expr::Array(a) => Some(Expr::In {
                    expr: left.clone(),
                    target: InTarget::List(a.elem.clone()),
                    negated: true,
                    global: false,
                }),
                _ => None,
            },
            _ => None,
        };
        self.replace(e, replacement);
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        let replacement = match e {
            Expr::Cast {
                expr: inner,
                data_type,
                ..
            } => {
                let ty = match data_type {
                    DataType::Custom(name, _) => last_part(name),
                    other => other.to_string().to_ascii_lowercase(),
                };
                match ty.as_str() {
                    "regclass" | "regtype" => {
                        self.found.catalog = true;
                        expr(&format!("{ty}({inner})"))
                    }
                    t if t.starts_with("reg") => Some((**inner).clone()),
                    "text" | "name" | "varchar" if is_reg_call(inner).is_some() => {
                        // `x::regtype::text` reads the name, not the oid.
                        is_reg_call(inner).and_then(|(f, arg)| expr(&format!("{f}_name({arg})")))
                    }
                    "text" | "name" | "char" | "\"char\"" | "bpchar" | "json" | "jsonb" => {
                        Some(Expr::Cast {
                            kind: CastKind::Cast,
                            expr: inner.clone(),
                            data_type: DataType::Text,
                            format: None,
                        })
                    }
                    t if t.starts_with("varchar") || t.starts_with("character") => {
                        Some(Expr::Cast {
                            kind: CastKind::Cast,
                            expr: inner.clone(),
                            data_type: DataType::Text,
                            format: None,
                        })
                    }
                    "int" | "int2" | "int4" | "int8" | "integer" | "bigint" | "smallint"
                    | "oid" => expr(&format!("CAST({inner} AS INTEGER)")),
                    "float4" | "float8" | "real" | "double precision" | "numeric" => {
                        expr(&format!("CAST({inner} AS REAL)"))
                    }
                    _ => Some((**inner).clone()),
                }
            }
            Expr::Collate { expr: inner, .. } => Some((**inner).clone()),
            Expr::ILike {
                negated,
                expr: inner,
                pattern,
                ..
            } => expr(&format!(
                "{inner} {}LIKE {pattern}",
                if *negated { "NOT " } else { "" }
            )),
            Expr::BinaryOp { left, op, right } => {
                let op = match op {
                    BinaryOperator::PGCustomBinaryOperator(parts) => {
                        parts.last().cloned().unwrap_or_default()
                    }
                    BinaryOperator::PGRegexMatch => "~".into(),
                    BinaryOperator::PGRegexIMatch => "~*".into(),
                    BinaryOperator::PGRegexNotMatch => "!~".into(),
                    BinaryOperator::PGRegexNotIMatch => "!~*".into(),
                    _ => String::new(),
                };
                let (negated, flags) = match op.as_str() {
                    "~" => (false, "c"),
                    "~*" => (false, "i"),
                    "!~" => (true, "c"),
                    "!~*" => (true, "i"),
                    _ => (false, ""),
                };
                if flags.is_empty() {
                    None
                } else {
                    self.found.catalog = true;
                    expr(&format!(
                        "{}pg_regex({left}, {right}, '{flags}')",
                        if negated { "NOT " } else { "" }
                    ))
                }
            }
            Expr::Value(v) => match &v.value {
                Value::EscapedStringLiteral(s) => {
                    Some(Expr::value(Value::SingleQuotedString(s.clone())))
                }
                _ => None,
            },
            Expr::Array(_) | Expr::CompoundFieldAccess { .. } => Some(null()),
            Expr::Function(f) => {
                let name = last_part(&f.name);
                let qualified = f.name.0.len() > 1;
                let no_parens = matches!(f.args, FunctionArguments::None);
                if no_parens
                    && matches!(
                        name.as_str(),
                        "current_user" | "session_user" | "user" | "current_role"
                    )
                {
                    self.found.catalog = true;
                    expr("current_user_name()")
                } else if no_parens && matches!(name.as_str(), "current_schema" | "current_catalog")
                {
                    self.found.catalog = true;
                    expr(if name == "current_schema" {
                        "current_schema()"
                    } else {
                        "current_database()"
                    })
                } else if name == "array" || NULL_FUNCTIONS.contains(&name.as_str()) {
                    Some(null())
                } else if let Some(to) = match name.as_str() {
                    "json_build_object" => Some("json_object"),
                    "string_agg" => Some("group_concat"),
                    "json_agg" => Some("json_group_array"),
                    _ => None,
                } {
                    let mut g = f.clone();
                    g.name = ObjectName::from(vec![sqlparser::ast::Ident::new(to)]);
                    Some(Expr::Function(g))
                } else if CATALOG_FUNCTIONS.contains(&name.as_str())
                    || name.starts_with("pg_")
                    || qualified
                {
                    self.found.catalog = true;
                    if qualified {
                        let mut g = f.clone();
                        g.name = ObjectName::from(vec![sqlparser::ast::Ident::new(name)]);
                        Some(Expr::Function(g))
                    } else {
                        None
                    }
                } else {
                    None
                }
            }
            _ => None,
        };
        self.replace(e, replacement);
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tr(sql: &str) -> (String, Translation) {
        let mut stmts = Parser::parse_sql(&PostgreSqlDialect {}, sql).expect(sql);
        let mut s = stmts.remove(0);
        let t = translate(&mut s);
        (s.to_string(), t)
    }

    #[test]
    fn plain_queries_are_untouched() {
        let (_, t) = tr("SELECT id FROM auth_user_versions WHERE package_type = 'npm'");
        assert_eq!(t, Translation::default());
    }

    #[test]
    fn psql_constructs_become_sqlite() {
        let (sql, t) = tr("SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relname OPERATOR(pg_catalog.~) '^(x)$' COLLATE pg_catalog.default AND n.nspname !~ '^pg_toast'");
        assert!(t.catalog && t.changed);
        assert!(sql.contains("pg_regex(c.relname, '^(x)$', 'c')"), "{sql}");
        assert!(
            sql.contains("NOT pg_regex(n.nspname, '^pg_toast', 'c')"),
            "{sql}"
        );
        let (sql, _) = tr("SELECT 'x'::regclass, c.oid::text, pg_catalog.format_type(1, 2) FROM pg_class c WHERE relkind = ANY (ARRAY['r', 'p'])");
        assert!(sql.contains("regclass('x')"), "{sql}");
        assert!(sql.contains("CAST(c.oid AS TEXT)"), "{sql}");
        assert!(sql.contains(" format_type(1, 2)"), "{sql}");
        assert!(sql.contains("relkind IN ('r', 'p')"), "{sql}");
        let (sql, _) = tr("SELECT oid::regtype::text FROM pg_type");
        assert!(sql.contains("regtype_name(oid)"), "{sql}");
        let (sql, t) = tr("SELECT current_user, version()");
        assert!(t.catalog);
        assert!(sql.contains("version() AS \"version\""), "{sql}");
        assert!(sql.contains("current_user_name()"), "{sql}");
        let (sql, _) = tr("SELECT r FROM generate_series(1, 2) AS s(r)");
        assert!(sql.contains("(SELECT NULL AS \"r\" WHERE 0) AS s"), "{sql}");
        let (sql, _) = tr("SELECT x FROM pg_catalog.unnest(a) x");
        assert!(sql.contains("(SELECT NULL AS \"x\" WHERE 0) x"), "{sql}");
    }
}
