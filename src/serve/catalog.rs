//! An emulated Postgres catalog, so BI tools and drivers can list tables and columns.
//!
//! Two in-memory databases are attached to the client's SQLite connection as `pg_catalog` and
//! `information_schema`, holding the tables Postgres clients read (`pg_class`, `pg_attribute`,
//! `pg_namespace`, `pg_type`, `information_schema.columns`, …) filled from the provider document:
//! the same data as `github_sql_resources` and `github_sql_columns`. Each service is a schema
//! (`packages`), each resource a table in it (`packages.auth_user_versions`), the provider is the
//! database (`github`). Tables Postgres has but we do not need (indexes, constraints, triggers,
//! policies, publications) exist and are empty, so their probes succeed with no rows. The SQL
//! functions such probes call (`format_type`, `pg_table_is_visible`, `version()`, …) are
//! registered next to them. [`super::translate`] rewrites the Postgres syntax of those queries.

use std::sync::Arc;

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::Value;
use rusqlite::Connection;

use crate::spec::{Provider, SqlType};

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
const NS_INFORMATION_SCHEMA: i64 = 13_000;
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

fn type_name(oid: i64) -> Option<&'static str> {
    TYPES.iter().find(|t| t.0 == oid).map(|t| t.2)
}

/// Tables of the emulated catalog: (schema, name, columns). Types: OID, NAME, BOOLEAN, INTEGER,
/// TEXT; Postgres's `"char"` and arrays are TEXT.
const TABLES: &[(&str, &str, &str)] = &[
    (
        "pg_catalog",
        "pg_namespace",
        "oid OID, nspname NAME, nspowner OID, nspacl TEXT",
    ),
    (
        "pg_catalog",
        "pg_class",
        "oid OID, relname NAME, relnamespace OID, reltype OID, reloftype OID, relowner OID, \
         relam OID, relfilenode OID, reltablespace OID, relpages INTEGER, reltuples REAL, \
         relallvisible INTEGER, reltoastrelid OID, relhasindex BOOLEAN, relisshared BOOLEAN, \
         relpersistence TEXT, relkind TEXT, relnatts INTEGER, relchecks INTEGER, \
         relhasrules BOOLEAN, relhastriggers BOOLEAN, relhassubclass BOOLEAN, \
         relrowsecurity BOOLEAN, relforcerowsecurity BOOLEAN, relispopulated BOOLEAN, \
         relreplident TEXT, relispartition BOOLEAN, relrewrite OID, relfrozenxid INTEGER, \
         relminmxid INTEGER, relacl TEXT, reloptions TEXT, relpartbound TEXT",
    ),
    (
        "pg_catalog",
        "pg_attribute",
        "attrelid OID, attname NAME, atttypid OID, attstattarget INTEGER, attlen INTEGER, \
         attnum INTEGER, attndims INTEGER, attcacheoff INTEGER, atttypmod INTEGER, \
         attbyval BOOLEAN, attalign TEXT, attstorage TEXT, attcompression TEXT, \
         attnotnull BOOLEAN, atthasdef BOOLEAN, atthasmissing BOOLEAN, attidentity TEXT, \
         attgenerated TEXT, attisdropped BOOLEAN, attislocal BOOLEAN, attinhcount INTEGER, \
         attcollation OID, attacl TEXT, attoptions TEXT, attfdwoptions TEXT, attmissingval TEXT",
    ),
    (
        "pg_catalog",
        "pg_type",
        "oid OID, typname NAME, typnamespace OID, typowner OID, typlen INTEGER, typbyval BOOLEAN, \
         typtype TEXT, typcategory TEXT, typispreferred BOOLEAN, typisdefined BOOLEAN, \
         typdelim TEXT, typrelid OID, typsubscript TEXT, typelem OID, typarray OID, \
         typinput TEXT, typoutput TEXT, typreceive TEXT, typsend TEXT, typmodin TEXT, \
         typmodout TEXT, typanalyze TEXT, typalign TEXT, typstorage TEXT, typnotnull BOOLEAN, \
         typbasetype OID, typtypmod INTEGER, typndims INTEGER, typcollation OID, \
         typdefaultbin TEXT, typdefault TEXT, typacl TEXT",
    ),
    (
        "pg_catalog",
        "pg_am",
        "oid OID, amname NAME, amhandler TEXT, amtype TEXT",
    ),
    (
        "pg_catalog",
        "pg_attrdef",
        "oid OID, adrelid OID, adnum INTEGER, adbin TEXT",
    ),
    (
        "pg_catalog",
        "pg_description",
        "objoid OID, classoid OID, objsubid INTEGER, description TEXT",
    ),
    (
        "pg_catalog",
        "pg_index",
        "indexrelid OID, indrelid OID, indnatts INTEGER, indnkeyatts INTEGER, \
         indisunique BOOLEAN, indnullsnotdistinct BOOLEAN, indisprimary BOOLEAN, \
         indisexclusion BOOLEAN, indimmediate BOOLEAN, indisclustered BOOLEAN, \
         indisvalid BOOLEAN, indcheckxmin BOOLEAN, indisready BOOLEAN, indislive BOOLEAN, \
         indisreplident BOOLEAN, indkey TEXT, indcollation TEXT, indclass TEXT, \
         indoption TEXT, indexprs TEXT, indpred TEXT",
    ),
    (
        "pg_catalog",
        "pg_constraint",
        "oid OID, conname NAME, connamespace OID, contype TEXT, condeferrable BOOLEAN, \
         condeferred BOOLEAN, convalidated BOOLEAN, conrelid OID, contypid OID, conindid OID, \
         conparentid OID, confrelid OID, confupdtype TEXT, confdeltype TEXT, \
         confmatchtype TEXT, conislocal BOOLEAN, coninhcount INTEGER, connoinherit BOOLEAN, \
         conkey TEXT, confkey TEXT, conpfeqop TEXT, conppeqop TEXT, conffeqop TEXT, \
         confdelsetcols TEXT, conexclop TEXT, conbin TEXT",
    ),
    (
        "pg_catalog",
        "pg_inherits",
        "inhrelid OID, inhparent OID, inhseqno INTEGER, inhdetachpending BOOLEAN",
    ),
    (
        "pg_catalog",
        "pg_trigger",
        "oid OID, tgrelid OID, tgparentid OID, tgname NAME, tgfoid OID, tgtype INTEGER, \
         tgenabled TEXT, tgisinternal BOOLEAN, tgconstrrelid OID, tgconstrindid OID, \
         tgconstraint OID, tgdeferrable BOOLEAN, tginitdeferred BOOLEAN, tgnargs INTEGER, \
         tgattr TEXT, tgargs TEXT, tgqual TEXT, tgoldtable NAME, tgnewtable NAME",
    ),
    (
        "pg_catalog",
        "pg_policy",
        "oid OID, polname NAME, polrelid OID, polcmd TEXT, polpermissive BOOLEAN, \
         polroles TEXT, polqual TEXT, polwithcheck TEXT",
    ),
    (
        "pg_catalog",
        "pg_statistic_ext",
        "oid OID, stxrelid OID, stxname NAME, stxnamespace OID, stxowner OID, \
         stxstattarget INTEGER, stxkeys TEXT, stxkind TEXT, stxexprs TEXT",
    ),
    (
        "pg_catalog",
        "pg_publication",
        "oid OID, pubname NAME, pubowner OID, puballtables BOOLEAN, pubinsert BOOLEAN, \
         pubupdate BOOLEAN, pubdelete BOOLEAN, pubtruncate BOOLEAN, pubviaroot BOOLEAN",
    ),
    (
        "pg_catalog",
        "pg_publication_rel",
        "oid OID, prpubid OID, prrelid OID, prqual TEXT, prattrs TEXT",
    ),
    (
        "pg_catalog",
        "pg_publication_namespace",
        "oid OID, pnpubid OID, pnnspid OID",
    ),
    (
        "pg_catalog",
        "pg_collation",
        "oid OID, collname NAME, collnamespace OID, collowner OID, collprovider TEXT, \
         collisdeterministic BOOLEAN, collencoding INTEGER, collcollate TEXT, collctype TEXT, \
         colliculocale TEXT, collicurules TEXT, collversion TEXT",
    ),
    (
        "pg_catalog",
        "pg_roles",
        "oid OID, rolname NAME, rolsuper BOOLEAN, rolinherit BOOLEAN, rolcreaterole BOOLEAN, \
         rolcreatedb BOOLEAN, rolcanlogin BOOLEAN, rolreplication BOOLEAN, \
         rolconnlimit INTEGER, rolpassword TEXT, rolvaliduntil TEXT, rolbypassrls BOOLEAN, \
         rolconfig TEXT",
    ),
    (
        "pg_catalog",
        "pg_user",
        "usename NAME, usesysid OID, usecreatedb BOOLEAN, usesuper BOOLEAN, userepl BOOLEAN, \
         usebypassrls BOOLEAN, passwd TEXT, valuntil TEXT, useconfig TEXT",
    ),
    (
        "pg_catalog",
        "pg_database",
        "oid OID, datname NAME, datdba OID, encoding INTEGER, datlocprovider TEXT, \
         datistemplate BOOLEAN, datallowconn BOOLEAN, datconnlimit INTEGER, \
         datfrozenxid INTEGER, datminmxid INTEGER, dattablespace OID, datcollate TEXT, \
         datctype TEXT, daticulocale TEXT, daticurules TEXT, datcollversion TEXT, datacl TEXT",
    ),
    (
        "pg_catalog",
        "pg_tables",
        "schemaname NAME, tablename NAME, tableowner NAME, tablespace NAME, \
         hasindexes BOOLEAN, hasrules BOOLEAN, hastriggers BOOLEAN, rowsecurity BOOLEAN",
    ),
    (
        "pg_catalog",
        "pg_views",
        "schemaname NAME, viewname NAME, viewowner NAME, definition TEXT",
    ),
    (
        "pg_catalog",
        "pg_matviews",
        "schemaname NAME, matviewname NAME, matviewowner NAME, tablespace NAME, \
         hasindexes BOOLEAN, ispopulated BOOLEAN, definition TEXT",
    ),
    (
        "pg_catalog",
        "pg_proc",
        "oid OID, proname NAME, pronamespace OID, proowner OID, prolang OID, prokind TEXT, \
         prorettype OID, proargtypes TEXT, proargnames TEXT, prosrc TEXT",
    ),
    (
        "pg_catalog",
        "pg_enum",
        "oid OID, enumtypid OID, enumsortorder REAL, enumlabel NAME",
    ),
    (
        "pg_catalog",
        "pg_extension",
        "oid OID, extname NAME, extowner OID, extnamespace OID, extrelocatable BOOLEAN, \
         extversion TEXT, extconfig TEXT, extcondition TEXT",
    ),
    (
        "pg_catalog",
        "pg_foreign_table",
        "ftrelid OID, ftserver OID, ftoptions TEXT",
    ),
    (
        "pg_catalog",
        "pg_partitioned_table",
        "partrelid OID, partstrat TEXT, partnatts INTEGER, partdefid OID, partattrs TEXT",
    ),
    (
        "pg_catalog",
        "pg_sequence",
        "seqrelid OID, seqtypid OID, seqstart INTEGER, seqincrement INTEGER, seqmax INTEGER, \
         seqmin INTEGER, seqcache INTEGER, seqcycle BOOLEAN",
    ),
    (
        "pg_catalog",
        "pg_tablespace",
        "oid OID, spcname NAME, spcowner OID",
    ),
    (
        "pg_catalog",
        "pg_settings",
        "name TEXT, setting TEXT, unit TEXT, category TEXT, short_desc TEXT",
    ),
    (
        "pg_catalog",
        "pg_depend",
        "classid OID, objid OID, objsubid INTEGER, refclassid OID, refobjid OID, \
         refobjsubid INTEGER, deptype TEXT",
    ),
    (
        "pg_catalog",
        "pg_rewrite",
        "oid OID, rulename NAME, ev_class OID, ev_type TEXT, ev_enabled TEXT, is_instead BOOLEAN",
    ),
    (
        "information_schema",
        "schemata",
        "catalog_name NAME, schema_name NAME, schema_owner NAME, \
         default_character_set_catalog NAME, default_character_set_schema NAME, \
         default_character_set_name NAME, sql_path TEXT",
    ),
    (
        "information_schema",
        "tables",
        "table_catalog NAME, table_schema NAME, table_name NAME, table_type TEXT, \
         self_referencing_column_name NAME, reference_generation TEXT, \
         user_defined_type_catalog NAME, user_defined_type_schema NAME, \
         user_defined_type_name NAME, is_insertable_into TEXT, is_typed TEXT, commit_action TEXT",
    ),
    (
        "information_schema",
        "columns",
        "table_catalog NAME, table_schema NAME, table_name NAME, column_name NAME, \
         ordinal_position INTEGER, column_default TEXT, is_nullable TEXT, data_type TEXT, \
         character_maximum_length INTEGER, character_octet_length INTEGER, \
         numeric_precision INTEGER, numeric_precision_radix INTEGER, numeric_scale INTEGER, \
         datetime_precision INTEGER, interval_type TEXT, interval_precision INTEGER, \
         character_set_catalog NAME, character_set_schema NAME, character_set_name NAME, \
         collation_catalog NAME, collation_schema NAME, collation_name NAME, \
         domain_catalog NAME, domain_schema NAME, domain_name NAME, udt_catalog NAME, \
         udt_schema NAME, udt_name NAME, scope_catalog NAME, scope_schema NAME, \
         scope_name NAME, maximum_cardinality INTEGER, dtd_identifier NAME, \
         is_self_referencing TEXT, is_identity TEXT, identity_generation TEXT, \
         identity_start TEXT, identity_increment TEXT, identity_maximum TEXT, \
         identity_minimum TEXT, identity_cycle TEXT, is_generated TEXT, \
         generation_expression TEXT, is_updatable TEXT",
    ),
    (
        "information_schema",
        "views",
        "table_catalog NAME, table_schema NAME, table_name NAME, view_definition TEXT, \
         check_option TEXT, is_updatable TEXT, is_insertable_into TEXT",
    ),
    (
        "information_schema",
        "table_constraints",
        "constraint_catalog NAME, constraint_schema NAME, constraint_name NAME, \
         table_catalog NAME, table_schema NAME, table_name NAME, constraint_type TEXT, \
         is_deferrable TEXT, initially_deferred TEXT, enforced TEXT, nulls_distinct TEXT",
    ),
    (
        "information_schema",
        "key_column_usage",
        "constraint_catalog NAME, constraint_schema NAME, constraint_name NAME, \
         table_catalog NAME, table_schema NAME, table_name NAME, column_name NAME, \
         ordinal_position INTEGER, position_in_unique_constraint INTEGER",
    ),
    (
        "information_schema",
        "referential_constraints",
        "constraint_catalog NAME, constraint_schema NAME, constraint_name NAME, \
         unique_constraint_catalog NAME, unique_constraint_schema NAME, \
         unique_constraint_name NAME, match_option TEXT, update_rule TEXT, delete_rule TEXT",
    ),
    (
        "information_schema",
        "routines",
        "specific_catalog NAME, specific_schema NAME, specific_name NAME, routine_catalog NAME, \
         routine_schema NAME, routine_name NAME, routine_type TEXT, data_type TEXT",
    ),
];

fn t(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn i(n: i64) -> Value {
    Value::Integer(n)
}

fn b(v: bool) -> Value {
    Value::Integer(i64::from(v))
}

/// A named row: columns not given are NULL, booleans default to false, `"char"` flags to ''.
fn insert(
    conn: &Connection,
    table: &str,
    cols: &[&str],
    rows: &[Vec<Value>],
) -> rusqlite::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        cols.join(", "),
        (1..=cols.len())
            .map(|n| format!("?{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut stmt = conn.prepare(&sql)?;
    for row in rows {
        stmt.execute(rusqlite::params_from_iter(row.iter()))?;
    }
    Ok(())
}

/// One schema per service; the first is the default (`current_schema()`).
fn schemas(p: &Provider) -> Vec<(i64, String)> {
    p.services
        .iter()
        .enumerate()
        .map(|(k, s)| (FIRST_SERVICE_OID + k as i64, s.name.clone()))
        .collect()
}

/// The default schema: the first service.
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
fn tables(p: &Provider) -> Vec<(i64, i64, String, Arc<crate::spec::Resource>)> {
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

/// Attaches and fills the catalog, and registers its functions, on `conn`.
pub fn install(conn: &Connection, p: &Provider, user: &str) -> rusqlite::Result<()> {
    conn.execute_batch(
        "ATTACH DATABASE ':memory:' AS pg_catalog; ATTACH DATABASE ':memory:' AS information_schema;",
    )?;
    let mut ddl = String::from("BEGIN;");
    for (schema, name, cols) in TABLES {
        ddl.push_str(&format!("CREATE TABLE {schema}.{name} ({cols});"));
    }
    conn.execute_batch(&ddl)?;
    let filled = fill(conn, p, user);
    conn.execute_batch(if filled.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
    filled?;
    register_functions(conn, p, user)
}

fn fill(conn: &Connection, p: &Provider, user: &str) -> rusqlite::Result<()> {
    let db = p.name.as_str();
    let mut ns = vec![
        vec![i(NS_PG_CATALOG), t("pg_catalog")],
        vec![i(NS_PUBLIC), t("public")],
        vec![i(NS_INFORMATION_SCHEMA), t("information_schema")],
    ];
    ns.extend(schemas(p).into_iter().map(|(oid, s)| vec![i(oid), t(&s)]));
    for r in &mut ns {
        r.push(i(10));
    }
    insert(
        conn,
        "pg_catalog.pg_namespace",
        &["oid", "nspname", "nspowner"],
        &ns,
    )?;
    let schemata: Vec<Vec<Value>> = ns
        .iter()
        .map(|r| vec![t(db), r[1].clone(), t(user)])
        .collect();
    insert(
        conn,
        "information_schema.schemata",
        &["catalog_name", "schema_name", "schema_owner"],
        &schemata,
    )?;
    let types: Vec<Vec<Value>> = TYPES
        .iter()
        .map(|(oid, name, _, len, cat)| {
            vec![
                i(*oid),
                t(name),
                i(NS_PG_CATALOG),
                i(10),
                i(*len),
                b(*len > 0 && *len <= 8),
                t("b"),
                t(cat),
                b(false),
                b(true),
                t(","),
                i(0),
                i(0),
                i(0),
                i(0),
                i(0),
                t(if *len > 0 { "d" } else { "i" }),
                t(if *len > 0 { "p" } else { "x" }),
                b(false),
                i(-1),
                i(if *cat == "S" { 100 } else { 0 }),
            ]
        })
        .collect();
    insert(
        conn,
        "pg_catalog.pg_type",
        &[
            "oid",
            "typname",
            "typnamespace",
            "typowner",
            "typlen",
            "typbyval",
            "typtype",
            "typcategory",
            "typispreferred",
            "typisdefined",
            "typdelim",
            "typrelid",
            "typelem",
            "typarray",
            "typbasetype",
            "typndims",
            "typalign",
            "typstorage",
            "typnotnull",
            "typtypmod",
            "typcollation",
        ],
        &types,
    )?;
    insert(
        conn,
        "pg_catalog.pg_am",
        &["oid", "amname", "amtype"],
        &[vec![i(2), t("heap"), t("t")]],
    )?;
    insert(
        conn,
        "pg_catalog.pg_collation",
        &[
            "oid",
            "collname",
            "collnamespace",
            "collowner",
            "collprovider",
            "collisdeterministic",
            "collencoding",
        ],
        &[vec![
            i(100),
            t("default"),
            i(NS_PG_CATALOG),
            i(10),
            t("d"),
            b(true),
            i(-1),
        ]],
    )?;
    insert(
        conn,
        "pg_catalog.pg_roles",
        &[
            "oid",
            "rolname",
            "rolsuper",
            "rolinherit",
            "rolcanlogin",
            "rolconnlimit",
            "rolpassword",
        ],
        &[vec![
            i(10),
            t(user),
            b(true),
            b(true),
            b(true),
            i(-1),
            t("********"),
        ]],
    )?;
    insert(
        conn,
        "pg_catalog.pg_user",
        &["usename", "usesysid", "usesuper", "passwd"],
        &[vec![t(user), i(10), b(true), t("********")]],
    )?;
    insert(
        conn,
        "pg_catalog.pg_database",
        &[
            "oid",
            "datname",
            "datdba",
            "encoding",
            "datlocprovider",
            "datallowconn",
            "datconnlimit",
            "dattablespace",
            "datcollate",
            "datctype",
        ],
        &[vec![
            i(16_384),
            t(db),
            i(10),
            i(6),
            t("c"),
            b(true),
            i(-1),
            i(1663),
            t("C"),
            t("C"),
        ]],
    )?;
    insert(
        conn,
        "pg_catalog.pg_tablespace",
        &["oid", "spcname", "spcowner"],
        &[vec![i(1663), t("pg_default"), i(10)]],
    )?;
    let settings: Vec<Vec<Value>> = settings(p)
        .into_iter()
        .map(|(k, v)| vec![t(k), t(&v)])
        .collect();
    insert(
        conn,
        "pg_catalog.pg_settings",
        &["name", "setting"],
        &settings,
    )?;

    let (mut class, mut attrs, mut descs, mut pg_tables, mut is_tables, mut is_cols) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for (oid, ns_oid, schema, r) in tables(p) {
        class.push(vec![
            i(oid),
            t(&r.name),
            i(ns_oid),
            i(0),
            i(0),
            i(10),
            i(2),
            i(0),
            i(0),
            i(0),
            Value::Real(-1.0),
            i(0),
            i(0),
            t("p"),
            t("r"),
            i(r.columns.len() as i64),
            i(0),
            b(true),
            t("d"),
        ]);
        descs.push(vec![i(oid), i(PG_CLASS_OID), i(0), t(&r.description)]);
        pg_tables.push(vec![t(&schema), t(&r.name), t(user)]);
        is_tables.push(vec![
            t(db),
            t(&schema),
            t(&r.name),
            t("BASE TABLE"),
            t("NO"),
            t("NO"),
        ]);
        for (k, c) in r.columns.iter().enumerate() {
            let typ = type_oid(c.sql_type);
            let n = k as i64 + 1;
            let len = TYPES.iter().find(|x| x.0 == typ).map(|x| x.3).unwrap_or(-1);
            attrs.push(vec![
                i(oid),
                t(&c.name),
                i(typ),
                i(len),
                i(n),
                i(-1),
                b(len > 0),
                t(if len > 0 { "d" } else { "i" }),
                t(if len > 0 { "p" } else { "x" }),
                t(""),
                t(""),
                t(""),
                b(true),
                i(if c.sql_type == SqlType::Text { 100 } else { 0 }),
            ]);
            if !c.description.is_empty() {
                descs.push(vec![i(oid), i(PG_CLASS_OID), i(n), t(&c.description)]);
            }
            let data_type = type_name(typ).unwrap_or("text");
            let udt = TYPES
                .iter()
                .find(|x| x.0 == typ)
                .map(|x| x.1)
                .unwrap_or("text");
            is_cols.push(vec![
                t(db),
                t(&schema),
                t(&r.name),
                t(&c.name),
                i(n),
                t("YES"),
                t(data_type),
                t(db),
                t("pg_catalog"),
                t(udt),
                t(&n.to_string()),
                t("NO"),
                t("NEVER"),
                t("NO"),
            ]);
        }
    }
    insert(
        conn,
        "pg_catalog.pg_class",
        &[
            "oid",
            "relname",
            "relnamespace",
            "reltype",
            "reloftype",
            "relowner",
            "relam",
            "relfilenode",
            "reltablespace",
            "relpages",
            "reltuples",
            "relallvisible",
            "reltoastrelid",
            "relpersistence",
            "relkind",
            "relnatts",
            "relchecks",
            "relispopulated",
            "relreplident",
        ],
        &class,
    )?;
    insert(
        conn,
        "pg_catalog.pg_attribute",
        &[
            "attrelid",
            "attname",
            "atttypid",
            "attlen",
            "attnum",
            "atttypmod",
            "attbyval",
            "attalign",
            "attstorage",
            "attidentity",
            "attgenerated",
            "attcompression",
            "attislocal",
            "attcollation",
        ],
        &attrs,
    )?;
    insert(
        conn,
        "pg_catalog.pg_description",
        &["objoid", "classoid", "objsubid", "description"],
        &descs,
    )?;
    insert(
        conn,
        "pg_catalog.pg_tables",
        &["schemaname", "tablename", "tableowner"],
        &pg_tables,
    )?;
    insert(
        conn,
        "information_schema.tables",
        &[
            "table_catalog",
            "table_schema",
            "table_name",
            "table_type",
            "is_insertable_into",
            "is_typed",
        ],
        &is_tables,
    )?;
    insert(
        conn,
        "information_schema.columns",
        &[
            "table_catalog",
            "table_schema",
            "table_name",
            "column_name",
            "ordinal_position",
            "is_nullable",
            "data_type",
            "udt_catalog",
            "udt_schema",
            "udt_name",
            "dtd_identifier",
            "is_identity",
            "is_generated",
            "is_updatable",
        ],
        &is_cols,
    )?;
    // Booleans and `"char"` flags Postgres never leaves NULL.
    conn.execute_batch(
        "UPDATE pg_catalog.pg_class SET relhasindex = 0, relisshared = 0, relhasrules = 0, \
           relhastriggers = 0, relhassubclass = 0, relrowsecurity = 0, relforcerowsecurity = 0, \
           relispartition = 0, relrewrite = 0; \
         UPDATE pg_catalog.pg_attribute SET attstattarget = -1, attndims = 0, attcacheoff = -1, \
           attnotnull = 0, atthasdef = 0, atthasmissing = 0, attisdropped = 0, attinhcount = 0; \
         UPDATE pg_catalog.pg_roles SET rolcreaterole = 1, rolcreatedb = 0, rolreplication = 0, \
           rolbypassrls = 0; \
         UPDATE pg_catalog.pg_user SET usecreatedb = 0, userepl = 0, usebypassrls = 0; \
         UPDATE pg_catalog.pg_database SET datistemplate = 0; \
         UPDATE pg_catalog.pg_tables SET hasindexes = 0, hasrules = 0, hastriggers = 0, \
           rowsecurity = 0;",
    )
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

/// A type's oid from its name (`int4`, `integer`), or an oid as is.
fn regtype(v: Value) -> Option<i64> {
    match v {
        Value::Integer(oid) => Some(oid),
        Value::Text(s) => {
            let s = s.trim().trim_start_matches("pg_catalog.");
            TYPES
                .iter()
                .find(|x| x.1.eq_ignore_ascii_case(s) || x.2.eq_ignore_ascii_case(s))
                .map(|x| x.0)
        }
        _ => None,
    }
}

/// A table's oid from its name (optionally schema-qualified and quoted), or an oid as is.
fn regclass(classes: &[(i64, String, String)], v: Value) -> Option<i64> {
    match v {
        Value::Integer(oid) => Some(oid),
        Value::Text(s) => {
            let parts: Vec<String> = s
                .split('.')
                .map(|x| x.trim().trim_matches('"').to_string())
                .collect();
            let (schema, name) = match parts.as_slice() {
                [n] => (None, n.clone()),
                [sch, n] => (Some(sch.clone()), n.clone()),
                _ => return None,
            };
            classes
                .iter()
                .find(|(_, sch, n)| {
                    n.eq_ignore_ascii_case(&name)
                        && schema.as_ref().is_none_or(|s| s.eq_ignore_ascii_case(sch))
                })
                .map(|(oid, _, _)| *oid)
        }
        _ => None,
    }
}

fn text_arg(ctx: &Context<'_>, k: usize) -> rusqlite::Result<Option<String>> {
    Ok(match ctx.get::<Value>(k)? {
        Value::Text(s) => Some(s),
        Value::Integer(n) => Some(n.to_string()),
        Value::Real(r) => Some(r.to_string()),
        Value::Null | Value::Blob(_) => None,
    })
}

/// Registers the functions catalog probes call.
fn register_functions(conn: &Connection, p: &Provider, user: &str) -> rusqlite::Result<()> {
    let det = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    let constant = |name: &str, n: i32, v: Value| {
        conn.create_scalar_function(name, n, det, move |_| Ok(v.clone()))
    };
    constant("version", 0, t(&version_string()))?;
    constant("current_schema", 0, t(&default_schema(p)))?;
    let mut path = vec!["pg_catalog".to_string()];
    path.extend(p.services.iter().map(|s| s.name.clone()));
    constant("current_schemas", 1, t(&format!("{{{}}}", path.join(","))))?;
    constant("current_database", 0, t(&p.name))?;
    constant("current_user_name", 0, t(user))?;
    constant("pg_backend_pid", 0, i(i64::from(std::process::id())))?;
    constant("pg_is_in_recovery", 0, b(false))?;
    constant("pg_postmaster_start_time", 0, Value::Null)?;
    constant("pg_encoding_to_char", 1, t("UTF8"))?;
    for (name, v) in [
        ("pg_table_is_visible", b(true)),
        ("pg_type_is_visible", b(true)),
        ("pg_function_is_visible", b(true)),
        ("pg_collation_is_visible", b(true)),
        ("has_table_privilege", b(true)),
        ("has_schema_privilege", b(true)),
        ("has_database_privilege", b(true)),
        ("has_column_privilege", b(true)),
        ("pg_relation_is_publishable", b(false)),
        ("row_security_active", b(false)),
        ("pg_total_relation_size", i(0)),
        ("pg_relation_size", i(0)),
        ("pg_table_size", i(0)),
        ("pg_get_userbyid", t(user)),
        ("shobj_description", Value::Null),
    ] {
        conn.create_scalar_function(name, -1, det, move |_| Ok(v.clone()))?;
    }
    let settings = settings(p);
    conn.create_scalar_function("current_setting", -1, det, move |ctx| {
        let name = text_arg(ctx, 0)?.unwrap_or_default();
        Ok(settings
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&name))
            .map(|(_, v)| v.clone()))
    })?;
    conn.create_scalar_function("set_config", 3, det, |ctx| text_arg(ctx, 1))?;
    conn.create_scalar_function("format_type", 2, det, |ctx| {
        Ok(match ctx.get::<Value>(0)? {
            Value::Integer(oid) => Some(type_name(oid).unwrap_or("text").to_string()),
            _ => None,
        })
    })?;
    conn.create_scalar_function("array_to_string", -1, det, |ctx| text_arg(ctx, 0))?;
    conn.create_scalar_function("quote_ident", 1, det, |ctx| {
        Ok(text_arg(ctx, 0)?.map(|s| {
            if s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && !s.starts_with(|c: char| c.is_ascii_digit())
            {
                s
            } else {
                format!("\"{}\"", s.replace('"', "\"\""))
            }
        }))
    })?;
    // Descriptions come from the emulated pg_description.
    conn.create_scalar_function("obj_description", -1, det, |ctx| {
        let oid = ctx.get::<Value>(0)?;
        let conn = unsafe { ctx.get_connection() }?;
        conn.query_row(
            "SELECT description FROM pg_catalog.pg_description WHERE objoid = ?1 AND objsubid = 0",
            [oid],
            |r| r.get::<_, Option<String>>(0),
        )
        .or(Ok(None))
    })?;
    conn.create_scalar_function("col_description", 2, det, |ctx| {
        let (oid, n) = (ctx.get::<Value>(0)?, ctx.get::<Value>(1)?);
        let conn = unsafe { ctx.get_connection() }?;
        conn.query_row(
            "SELECT description FROM pg_catalog.pg_description WHERE objoid = ?1 AND objsubid = ?2",
            [oid, n],
            |r| r.get::<_, Option<String>>(0),
        )
        .or(Ok(None))
    })?;
    // `'name'::regclass` → the table's oid (by name, optionally schema-qualified and quoted).
    let classes: Vec<(i64, String, String)> = tables(p)
        .into_iter()
        .map(|(oid, _, schema, r)| (oid, schema, r.name.clone()))
        .collect();
    let classes2 = classes.clone();
    conn.create_scalar_function("regclass", 1, det, move |ctx| {
        Ok(regclass(&classes, ctx.get::<Value>(0)?))
    })?;
    conn.create_scalar_function("to_regclass", 1, det, move |ctx| {
        Ok(regclass(&classes2, ctx.get::<Value>(0)?))
    })?;
    let names: Vec<(i64, String)> = tables(p)
        .into_iter()
        .map(|(oid, _, _, r)| (oid, r.name.clone()))
        .collect();
    conn.create_scalar_function("regclass_name", 1, det, move |ctx| {
        Ok(match ctx.get::<Value>(0)? {
            Value::Integer(oid) => names
                .iter()
                .find(|(o, _)| *o == oid)
                .map(|(_, n)| n.clone())
                .or(Some(oid.to_string())),
            Value::Text(s) => Some(s),
            _ => None,
        })
    })?;
    for name in ["regtype", "to_regtype"] {
        conn.create_scalar_function(name, 1, det, |ctx| Ok(regtype(ctx.get::<Value>(0)?)))?;
    }
    conn.create_scalar_function("regtype_name", 1, det, |ctx| {
        Ok(regtype(ctx.get::<Value>(0)?).and_then(type_name))
    })?;
    conn.create_scalar_function("pg_regex", 3, det, |ctx| {
        let (Some(s), Some(pat)) = (text_arg(ctx, 0)?, text_arg(ctx, 1)?) else {
            return Ok(None);
        };
        let insensitive = text_arg(ctx, 2)?.as_deref() == Some("i");
        let re = regex::RegexBuilder::new(&pat)
            .case_insensitive(insensitive)
            .build()
            .map_err(|e| {
                rusqlite::Error::UserFunctionError(
                    format!("invalid regular expression {pat:?}: {e}").into(),
                )
            })?;
        Ok(Some(re.is_match(&s)))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::load_embedded;

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
                "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r'",
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
