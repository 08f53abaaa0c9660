//! The table SQLite declares for a resource (`sqlite3_declare_vtab`), beside the wrapper's
//! `CREATE FOREIGN TABLE` (crates/postgres/src/ddl.rs): each front end writes its own DDL from
//! the same resource.

use github_sql_engine::spec::Resource;

/// The `CREATE TABLE` statement SQLite's `sqlite3_declare_vtab` receives: every column, with
/// parameter and body-field columns `HIDDEN` (they are not in `SELECT *`, and a WHERE or an
/// INSERT names them).
pub fn create_table_sql(r: &Resource) -> String {
    let cols: Vec<String> = r
        .columns
        .iter()
        .map(|c| {
            let hidden = if c.hidden { " HIDDEN" } else { "" };
            format!(
                "\"{}\" {}{}",
                c.name.replace('"', "\"\""),
                c.sql_type.decl(),
                hidden
            )
        })
        .collect();
    format!("CREATE TABLE x({})", cols.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_columns_are_declared_hidden_and_names_are_quoted() {
        let p = github_sql_engine::spec::load_embedded().expect("provider");
        let r = p.resource_by_name("auth_user_versions").expect("resource");
        let sql = create_table_sql(r);
        assert!(sql.starts_with("CREATE TABLE x(\"id\" INTEGER"), "{sql}");
        for c in &r.columns {
            let decl = format!("\"{}\" {}", c.name, c.sql_type.decl());
            let at = sql.find(&decl).unwrap_or_else(|| panic!("{decl} in {sql}"));
            let hidden = sql[at + decl.len()..].starts_with(" HIDDEN");
            assert_eq!(hidden, c.hidden, "{}", c.name);
        }
        // SQLite itself accepts it.
        let db = rusqlite::Connection::open_in_memory().expect("db");
        db.execute_batch(&sql.replacen("CREATE TABLE x", "CREATE TABLE t", 1))
            .expect("valid DDL");
    }
}
