//! github-sql's Postgres front end: the `github_sql` foreign data wrapper.
//!
//! ```sql
//! CREATE EXTENSION github_sql;
//! CREATE SERVER github FOREIGN DATA WRAPPER github_sql;            -- OPTIONS (api_url 'https://HOST/api/v3')
//! CREATE USER MAPPING FOR CURRENT_USER SERVER github OPTIONS (token 'ghp_…');
//! CREATE SCHEMA packages;
//! IMPORT FOREIGN SCHEMA packages FROM SERVER github INTO packages;
//! SELECT name FROM packages.auth_user_versions WHERE package_type = 'npm' AND package_name = 'x';
//! ```
//!
//! A thin front end like the SQLite virtual table: every table is a resource of the provider
//! document (`IMPORT FOREIGN SCHEMA` writes the `CREATE FOREIGN TABLE`s and the EXEC functions
//! from it), `begin_scan` hands the quals to the engine's planner, `iter_scan` streams the engine's
//! scan, DELETEs are queued and sent at pre-commit, errors become ERRORs with a SQLSTATE chosen in
//! one function ([`error`]). Nothing here is specific to one resource.

mod cells;
mod ddl;
mod error;
mod fdw;
mod functions;
mod interrupt;
mod journal;
mod limit;
mod provider;
mod servers;
mod writes;

pgrx::pg_module_magic!();

/// Called once when a backend loads the library: the write queue follows its transactions and
/// subtransactions from then on.
#[pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    writes::init();
}

// The wrapper itself, created once the handler and validator functions exist.
pgrx::extension_sql!(
    r#"
CREATE FOREIGN DATA WRAPPER github_sql
  HANDLER github_sql_fdw_handler VALIDATOR github_sql_fdw_validator;
COMMENT ON FOREIGN DATA WRAPPER github_sql IS 'github-sql: SQL over the GitHub REST API';
"#,
    name = "create_fdw",
    finalize
);
