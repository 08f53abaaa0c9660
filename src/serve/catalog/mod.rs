//! An emulated Postgres catalog, so BI tools and drivers can list tables and columns.
//!
//! Two in-memory databases are attached to the client's SQLite connection as `pg_catalog` and
//! `information_schema`, holding the tables Postgres clients read (`pg_class`, `pg_attribute`,
//! `pg_namespace`, `pg_type`, `information_schema.columns`, …) filled from the provider document:
//! the same data as `github_sql_resources` and `github_sql_columns`. Each service is a schema
//! (`packages`), each resource a table in it (`packages.auth_user_versions`), the provider is the
//! database (`github`). Tables Postgres has but we do not need (indexes, constraints, triggers,
//! policies, publications) exist and are empty, so their probes succeed with no rows. The SQL
//! functions such probes call are registered next to them ([`functions`]). [`super::translate`]
//! rewrites the Postgres syntax of those queries.

mod ddl;
mod functions;

use std::sync::Arc;

use rusqlite::types::Value;
use rusqlite::Connection;

use crate::spec::{Provider, Resource, SqlType};

/// The Postgres version clients are told (`server_version`, `version()`).
pub const PG_VERSION: &str = "16.6";

/// What `version()` returns; drivers parse the leading `PostgreSQL N.N`.
pub fn version_string() -> String {
    format!(
        "PostgreSQL {PG_VERSION} (github-sql {} over SQLite {}; Postgres wire protocol only)",
        env!("CARGO_PKG_VERSION"),
        rusqlite::version()
    )
}

const NS_PG_CATALOG: i64 = 11;
const NS_PUBLIC: i64 = 2200;
const FIRST_SERVICE_OID: i64 = 16_385;
const FIRST_TABLE_OID: i64 = 16_500;
const PG_CLASS_OID: i64 = 1259;

/// (oid, name, format_type name, typlen, category)
const TYPES: &[(i64, &str, &str, i64, &str)] = &[
    (16, "bool", "boolean", 1, "B"),
    (17, "bytea", "bytea", -1, "U"),
    (18, "char", "\"char\"", 1, "Z"),
    (19, "name", "name", 64, "S"),
    (20, "int8", "bigint", 8, "N"),
    (21, "int2", "smallint", 2, "N"),
    (23, "int4", "integer", 4, "N"),
    (25, "text", "text", -1, "S"),
    (26, "oid", "oid", 4, "N"),
    (114, "json", "json", -1, "U"),
    (700, "float4", "real", 4, "N"),
    (701, "float8", "double precision", 8, "N"),
    (705, "unknown", "unknown", -2, "X"),
    (1043, "varchar", "character varying", -1, "S"),
    (1082, "date", "date", 4, "D"),
    (1114, "timestamp", "timestamp without time zone", 8, "D"),
    (1184, "timestamptz", "timestamp with time zone", 8, "D"),
    (1700, "numeric", "numeric", -1, "N"),
    (3802, "jsonb", "jsonb", -1, "U"),
];

/// The Postgres type oid of a column type.
fn type_oid(t: SqlType) -> i64 {
    match t {
        SqlType::Integer => 20,
        SqlType::Real => 701,
        SqlType::Text => 25,
        SqlType::Json => 114,
    }
}

/// `format_type`'s name for a type oid.
fn type_name(oid: i64) -> Option<&'static str> {
    TYPES.iter().find(|t| t.0 == oid).map(|t| t.2)
}

fn t(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn i(n: i64) -> Value {
    Value::Integer(n)
}

fn b(v: bool) -> Value {
    Value::Integer(i64::from(v))
}

/// An SQL string literal.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// One schema per service.
fn schemas(p: &Provider) -> Vec<(i64, String)> {
    p.services
        .iter()
        .enumerate()
        .map(|(k, s)| (FIRST_SERVICE_OID + k as i64, s.name.clone()))
        .collect()
}

/// The default schema (`current_schema()`): the first service.
pub fn default_schema(p: &Provider) -> String {
    p.services
        .first()
        .map(|s| s.name.clone())
        .unwrap_or_else(|| "public".into())
}

/// The search path clients are told: every service, then `public`.
pub fn search_path(p: &Provider) -> String {
    let mut names: Vec<String> = p.services.iter().map(|s| s.name.clone()).collect();
    names.push("public".into());
    names.join(", ")
}

/// (oid, schema oid, schema, resource) for every table.
fn tables(p: &Provider) -> Vec<(i64, i64, String, Arc<Resource>)> {
    let schemas = schemas(p);
    p.resources()
        .enumerate()
        .map(|(k, r)| {
            let (ns, schema) = schemas
                .iter()
                .find(|(_, s)| *s == r.service)
                .cloned()
                .unwrap_or((NS_PUBLIC, "public".into()));
            (FIRST_TABLE_OID + k as i64, ns, schema, r.clone())
        })
        .collect()
}

/// Attaches and fills the catalog, and registers its functions, on `conn`. SQLite cannot ATTACH
/// inside a transaction: call it before the client's first statement.
pub fn install(conn: &Connection, p: &Provider, user: &str) -> rusqlite::Result<()> {
    conn.execute_batch(
        "ATTACH DATABASE ':memory:' AS pg_catalog; ATTACH DATABASE ':memory:' AS information_schema;",
    )?;
    let mut sql = String::from("BEGIN;");
    for (schema, name, cols) in ddl::TABLES {
        sql.push_str(&format!("CREATE TABLE {schema}.{name} ({cols});"));
    }
    sql.push_str(&rows(p, user));
    sql.push_str("COMMIT;");
    if let Err(e) = conn.execute_batch(&sql) {
        let _ = conn.execute_batch("ROLLBACK");
        return Err(e);
    }
    functions::register(conn, p, user)
}

/// The catalog's rows, as INSERT statements (every value is ours: names and descriptions from the
/// provider document, and the client's user name, all quoted with [`lit`]).
fn rows(p: &Provider, user: &str) -> String {
    let (u, db) = (lit(user), lit(&p.name));
    let mut sql = format!(
        "INSERT INTO pg_catalog.pg_namespace VALUES (11, 'pg_catalog', 10, NULL), \
           (2200, 'public', 10, NULL), (13000, 'information_schema', 10, NULL);
         INSERT INTO pg_catalog.pg_am VALUES (2, 'heap', NULL, 't');
         INSERT INTO pg_catalog.pg_collation (oid, collname, collnamespace, collowner, \
           collprovider, collisdeterministic, collencoding) VALUES (100, 'default', 11, 10, 'd', 1, -1);
         INSERT INTO pg_catalog.pg_roles VALUES (10, {u}, 1, 1, 1, 0, 1, 0, -1, '********', NULL, 0, NULL);
         INSERT INTO pg_catalog.pg_user VALUES ({u}, 10, 0, 1, 0, 0, '********', NULL, NULL);
         INSERT INTO pg_catalog.pg_database (oid, datname, datdba, encoding, datlocprovider, \
           datistemplate, datallowconn, datconnlimit, dattablespace, datcollate, datctype) \
           VALUES (16384, {db}, 10, 6, 'c', 0, 1, -1, 1663, 'C', 'C');
         INSERT INTO pg_catalog.pg_tablespace VALUES (1663, 'pg_default', 10);"
    );
    for (oid, s) in schemas(p) {
        sql.push_str(&format!(
            "INSERT INTO pg_catalog.pg_namespace VALUES ({oid}, {}, 10, NULL);",
            lit(&s)
        ));
    }
    sql.push_str(&format!(
        "INSERT INTO information_schema.schemata (catalog_name, schema_name, schema_owner) \
           SELECT {db}, nspname, {u} FROM pg_catalog.pg_namespace;"
    ));
    for (oid, name, _, len, cat) in TYPES {
        let fixed = *len > 0 && *len <= 8;
        sql.push_str(&format!(
            "INSERT INTO pg_catalog.pg_type (oid, typname, typnamespace, typowner, typlen, \
               typbyval, typtype, typcategory, typispreferred, typisdefined, typdelim, typrelid, \
               typelem, typarray, typbasetype, typndims, typalign, typstorage, typnotnull, \
               typtypmod, typcollation) VALUES ({oid}, {}, {NS_PG_CATALOG}, 10, {len}, {}, 'b', \
               {}, 0, 1, ',', 0, 0, 0, 0, 0, '{}', '{}', 0, -1, {});",
            lit(name),
            i64::from(fixed),
            lit(cat),
            if fixed { "d" } else { "i" },
            if fixed { "p" } else { "x" },
            if *cat == "S" { 100 } else { 0 },
        ));
    }
    for (k, v) in settings(p) {
        sql.push_str(&format!(
            "INSERT INTO pg_catalog.pg_settings (name, setting) VALUES ({}, {});",
            lit(k),
            lit(&v)
        ));
    }
    for (oid, ns, schema, r) in tables(p) {
        let (s, n) = (lit(&schema), lit(&r.name));
        sql.push_str(&format!(
            "INSERT INTO pg_catalog.pg_class VALUES ({oid}, {n}, {ns}, 0, 0, 10, 2, 0, 0, 0, -1, 0, \
               0, 0, 0, 'p', 'r', {}, 0, 0, 0, 0, 0, 0, 1, 'd', 0, 0, NULL, NULL, NULL, NULL, NULL);
             INSERT INTO pg_catalog.pg_description VALUES ({oid}, {PG_CLASS_OID}, 0, {});
             INSERT INTO pg_catalog.pg_tables VALUES ({s}, {n}, {u}, NULL, 0, 0, 0, 0);
             INSERT INTO information_schema.tables (table_catalog, table_schema, table_name, \
               table_type, is_insertable_into, is_typed) VALUES ({db}, {s}, {n}, 'BASE TABLE', 'NO', 'NO');",
            r.columns.len(),
            lit(&r.description),
        ));
        for (k, c) in r.columns.iter().enumerate() {
            let (num, typ) = (k + 1, type_oid(c.sql_type));
            let (_, udt, data_type, len, _) = TYPES
                .iter()
                .find(|x| x.0 == typ)
                .copied()
                .unwrap_or((25, "text", "text", -1, "S"));
            let fixed = len > 0;
            sql.push_str(&format!(
                "INSERT INTO pg_catalog.pg_attribute (attrelid, attname, atttypid, attstattarget, \
                   attlen, attnum, attndims, attcacheoff, atttypmod, attbyval, attalign, attstorage, \
                   attcompression, attnotnull, atthasdef, atthasmissing, attidentity, attgenerated, \
                   attisdropped, attislocal, attinhcount, attcollation) VALUES ({oid}, {}, {typ}, -1, \
                   {len}, {num}, 0, -1, -1, {}, '{}', '{}', '', 0, 0, 0, '', '', 0, 1, 0, {});
                 INSERT INTO information_schema.columns (table_catalog, table_schema, table_name, \
                   column_name, ordinal_position, is_nullable, data_type, udt_catalog, udt_schema, \
                   udt_name, dtd_identifier, is_identity, is_generated, is_updatable) VALUES ({db}, \
                   {s}, {n}, {}, {num}, 'YES', {}, {db}, 'pg_catalog', {}, '{num}', 'NO', 'NEVER', 'NO');",
                lit(&c.name),
                i64::from(fixed),
                if fixed { "d" } else { "i" },
                if fixed { "p" } else { "x" },
                if c.sql_type == SqlType::Text { 100 } else { 0 },
                lit(&c.name),
                lit(data_type),
                lit(udt),
            ));
            if !c.description.is_empty() {
                sql.push_str(&format!(
                    "INSERT INTO pg_catalog.pg_description VALUES ({oid}, {PG_CLASS_OID}, {num}, {});",
                    lit(&c.description)
                ));
            }
        }
    }
    sql
}

/// Settings `SHOW` and `current_setting()` answer.
pub fn settings(p: &Provider) -> Vec<(&'static str, String)> {
    vec![
        ("server_version", PG_VERSION.to_string()),
        ("server_version_num", "160006".to_string()),
        ("server_encoding", "UTF8".to_string()),
        ("client_encoding", "UTF8".to_string()),
        ("standard_conforming_strings", "on".to_string()),
        ("transaction_isolation", "read committed".to_string()),
        (
            "default_transaction_isolation",
            "read committed".to_string(),
        ),
        ("transaction_read_only", "off".to_string()),
        ("default_transaction_read_only", "off".to_string()),
        ("search_path", search_path(p)),
        ("DateStyle", "ISO, MDY".to_string()),
        ("IntervalStyle", "postgres".to_string()),
        ("TimeZone", "UTC".to_string()),
        ("integer_datetimes", "on".to_string()),
        ("max_identifier_length", "63".to_string()),
        ("lc_collate", "C".to_string()),
        ("lc_ctype", "C".to_string()),
        ("is_superuser", "on".to_string()),
        ("max_index_keys", "32".to_string()),
        ("bytea_output", "hex".to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::load_embedded;

    /// Rows of a Postgres catalog query, translated as the server does.
    fn probe(c: &Connection, pg_sql: &str) -> Vec<Vec<Value>> {
        use sqlparser::dialect::PostgreSqlDialect;
        let mut stmts =
            sqlparser::parser::Parser::parse_sql(&PostgreSqlDialect {}, pg_sql).expect("parses");
        let mut stmt = stmts.remove(0);
        assert!(super::super::translate::translate(&mut stmt).catalog);
        let sql = stmt.to_string();
        let mut q = c.prepare(&sql).unwrap_or_else(|e| panic!("{e}: {sql}"));
        let n = q.column_count();
        q.query_map([], |r| (0..n).map(|k| r.get::<_, Value>(k)).collect())
            .expect("runs")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }

    #[test]
    fn jdbc_probes_run() {
        let c = conn();
        // pgjdbc's DatabaseMetaData.getTables.
        let rows = probe(
            &c,
            "SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM, c.relname AS TABLE_NAME, \
             CASE n.nspname ~ '^pg_' OR n.nspname = 'information_schema' WHEN true THEN 'SYSTEM TABLE' \
             WHEN false THEN CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'v' THEN 'VIEW' ELSE NULL END \
             ELSE NULL END AS TABLE_TYPE, d.description AS REMARKS \
             FROM pg_catalog.pg_namespace n, pg_catalog.pg_class c \
             LEFT JOIN pg_catalog.pg_description d ON (c.oid = d.objoid AND d.objsubid = 0 \
               AND d.classoid = 'pg_class'::regclass) \
             WHERE c.relnamespace = n.oid AND n.nspname LIKE 'packages' AND c.relname LIKE '%' \
             ORDER BY TABLE_TYPE, TABLE_SCHEM, TABLE_NAME",
        );
        // One row per resource of the document (six), each a TABLE.
        let resources = crate::spec::load_embedded()
            .expect("provider")
            .resources()
            .count();
        assert_eq!(rows.len(), resources);
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|r| r[2] == t("auth_user_versions"))
            .collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0][3], t("TABLE"));
        assert!(
            matches!(&rows[0][4], Value::Text(d) if d.contains("Versions")),
            "{rows:?}"
        );
        // pgjdbc's TypeInfoCache lookup.
        let rows = probe(
            &c,
            "SELECT typinput='pg_catalog.array_in'::regproc AS is_array, typtype, typname, pg_type.oid \
             FROM pg_catalog.pg_type LEFT JOIN (SELECT ns.oid AS nspoid, ns.nspname, r.r \
               FROM pg_namespace AS ns JOIN (SELECT s.r, (current_schemas(false))[s.r] AS nspname \
               FROM generate_series(1, array_upper(current_schemas(false), 1)) AS s(r)) AS r \
               USING (nspname)) AS sp ON sp.nspoid = typnamespace \
             WHERE pg_type.oid = 20 ORDER BY sp.r, pg_type.oid DESC",
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0][2], t("int8"));
        // Metabase's table-privileges probe.
        let rows = probe(
            &c,
            "WITH table_privileges AS (SELECT NULL AS role, t.schemaname AS schema, \
               t.objectname AS table, pg_catalog.has_any_column_privilege(current_user, \
               '\"' || replace(t.schemaname, '\"', '\"\"') || '\".\"' || t.objectname || '\"', 'update') AS update, \
               pg_catalog.has_table_privilege(current_user, t.objectname, 'select') AS select \
             FROM (SELECT schemaname, tablename AS objectname FROM pg_catalog.pg_tables \
               UNION SELECT schemaname, viewname AS objectname FROM pg_views \
               UNION SELECT schemaname, matviewname AS objectname FROM pg_matviews) t \
             WHERE t.schemaname !~ '^pg_' AND t.schemaname <> 'information_schema' \
               AND pg_catalog.has_schema_privilege(current_user, t.schemaname, 'usage')) \
             SELECT t.* FROM table_privileges t",
        );
        assert_eq!(rows.len(), resources);
        assert!(rows.iter().any(|r| r[2] == t("auth_user_versions")));
    }

    fn conn() -> Connection {
        let c = Connection::open_in_memory().expect("sqlite");
        install(&c, &load_embedded().expect("provider"), "me").expect("install");
        c
    }

    #[test]
    fn tables_and_columns_come_from_the_document() {
        let c = conn();
        let name: String = c
            .query_row(
                "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND c.relname = 'auth_user_versions'",
                [],
                |r| r.get(0),
            )
            .expect("table");
        assert_eq!(name, "packages.auth_user_versions");
        let cols: Vec<(String, String)> = c
            .prepare("SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = regclass('packages.auth_user_versions') ORDER BY a.attnum")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert_eq!(cols[0], ("id".into(), "bigint".into()));
        assert!(
            cols.contains(&("metadata".into(), "json".into())),
            "{cols:?}"
        );
        assert!(
            cols.contains(&("package_type".into(), "text".into())),
            "{cols:?}"
        );
        let n: i64 = c
            .query_row(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'auth_user_versions'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(n as usize, cols.len());
        let ok: bool = c
            .query_row(
                "SELECT pg_regex('auth_user_versions', '^(auth_user_versions)$', 'c')",
                [],
                |r| r.get(0),
            )
            .expect("regex");
        assert!(ok);
    }
}
