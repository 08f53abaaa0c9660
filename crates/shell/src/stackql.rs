//! StackQL's statements on top of SQLite: `EXEC`, `SHOW …`, `DESCRIBE`, and the classification of
//! DELETE/UPDATE/INSERT on provider tables. Parsed on sqlparser's tokens (a small grammar), so
//! strings, comments and quoting behave as in SQL.
//!
//! ```text
//! EXEC [/*+ SHOWRESULTS */] provider.service.resource.method @p1='v', @p2=3
//! SHOW SERVICES IN provider [LIKE 'pat']
//! SHOW RESOURCES IN provider.service [LIKE 'pat']
//! SHOW METHODS IN provider.service.resource
//! DESCRIBE [EXTENDED] provider.service.resource
//! ```

use std::sync::Arc;

use github_sql::Value;
use sqlparser::dialect::SQLiteDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::rewrite::rewrite_names;
use crate::Error;
use github_sql::plan::PlanError;
use github_sql::spec::{Provider, Resource};

/// A shell statement, classified.
#[derive(Debug)]
pub enum Statement {
    /// Plain SQL for SQLite (names rewritten).
    Sql(String),
    /// A DELETE on a provider table: the SQL, and the SELECT that lists what it would delete.
    Delete {
        /// The DELETE, names rewritten.
        sql: String,
        /// `SELECT * FROM … WHERE …` with the same FROM and WHERE.
        select: String,
        /// The table.
        table: String,
    },
    /// An EXEC of a method.
    Exec(ExecCall),
    /// A metadata statement, as SQL over the `github_sql_*` tables.
    Meta(String),
}

/// A parsed EXEC.
#[derive(Debug)]
pub struct ExecCall {
    /// The resource.
    pub resource: Arc<Resource>,
    /// Index of the method in the resource.
    pub method: usize,
    /// `@name = value` arguments, in the order written.
    pub args: Vec<(String, Value)>,
}

fn usage(msg: impl Into<String>) -> Error {
    Error::Usage(msg.into())
}

/// Tokens without whitespace and comments.
fn meaningful(sql: &str) -> Result<Vec<Token>, Error> {
    let dialect = SQLiteDialect {};
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize()
        .map_err(|e| usage(format!("cannot read the statement: {e}")))?;
    Ok(tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::EOF))
        .collect())
}

fn keyword(t: Option<&Token>) -> Option<Keyword> {
    match t {
        Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.keyword),
        _ => None,
    }
}

fn is_word(t: Option<&Token>, word: &str) -> bool {
    matches!(t, Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

/// Reads `a.b.c` from tokens[i..]: the parts and the index after them.
fn dotted(tokens: &[Token], mut i: usize) -> (Vec<String>, usize) {
    let mut parts = Vec::new();
    while let Some(Token::Word(w)) = tokens.get(i) {
        parts.push(w.value.clone());
        i += 1;
        if tokens.get(i) == Some(&Token::Period) {
            i += 1;
        } else {
            break;
        }
    }
    (parts, i)
}

fn sql_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A provider table named by SQL after rewriting: `t`, `main.t`, `temp.t`.
fn provider_table<'p>(provider: &'p Provider, parts: &[String]) -> Option<&'p Arc<Resource>> {
    match parts {
        [t] => provider.resource_by_name(t),
        [schema, t]
            if schema.eq_ignore_ascii_case("main") || schema.eq_ignore_ascii_case("temp") =>
        {
            provider.resource_by_name(t)
        }
        _ => None,
    }
}

/// Classifies one statement (as split from a script).
pub fn classify(provider: &Provider, stmt: &str) -> Result<Statement, Error> {
    let tokens = meaningful(stmt)?;
    let first = tokens.first();
    if is_word(first, "exec") || is_word(first, "execute") {
        return parse_exec(provider, stmt, &tokens).map(Statement::Exec);
    }
    if keyword(first) == Some(Keyword::SHOW) {
        return parse_show(provider, &tokens).map(Statement::Meta);
    }
    if matches!(keyword(first), Some(Keyword::DESCRIBE | Keyword::DESC)) {
        return parse_describe(provider, &tokens).map(Statement::Meta);
    }
    let sql = rewrite_names(provider, stmt);
    let tokens = meaningful(&sql)?;
    let verb = keyword(tokens.first());
    // The target table of a write: after FROM (DELETE) or INTO (INSERT/REPLACE), or UPDATE [OR x].
    let target = |tokens: &[Token]| -> Option<Arc<Resource>> {
        let at = match verb {
            Some(Keyword::DELETE) => {
                tokens
                    .iter()
                    .position(|t| keyword(Some(t)) == Some(Keyword::FROM))?
                    + 1
            }
            Some(Keyword::INSERT | Keyword::REPLACE) => {
                tokens
                    .iter()
                    .position(|t| keyword(Some(t)) == Some(Keyword::INTO))?
                    + 1
            }
            Some(Keyword::UPDATE) => {
                if keyword(tokens.get(1)) == Some(Keyword::OR) {
                    3
                } else {
                    1
                }
            }
            _ => return None,
        };
        provider_table(provider, &dotted(tokens, at).0).cloned()
    };
    match (verb, target(&tokens)) {
        (Some(Keyword::DELETE), Some(r)) => {
            // `DELETE FROM t WHERE …` lists the same rows as `SELECT * FROM t WHERE …`: replace
            // the DELETE keyword where the tokenizer found it (comments may precede it).
            let at = super::rewrite::first_token_offset(&sql).unwrap_or(0);
            let rest = sql.get(at..).unwrap_or_default();
            let select = format!(
                "{}SELECT *{}",
                &sql[..at],
                rest.get("DELETE".len()..).unwrap_or_default()
            );
            Ok(Statement::Delete {
                sql,
                select,
                table: r.name.clone(),
            })
        }
        (Some(v @ (Keyword::INSERT | Keyword::REPLACE | Keyword::UPDATE)), Some(r)) => {
            Err(PlanError::Unsupported {
                table: r.name.clone(),
                verb: format!("{v:?}"),
                supported: r.supported_statements(),
            }
            .into())
        }
        _ => Ok(Statement::Sql(sql)),
    }
}

fn parse_value(tokens: &[Token], i: usize) -> Option<(Value, usize)> {
    let number = |n: &str, neg: bool| -> Option<Value> {
        let s = if neg { format!("-{n}") } else { n.to_string() };
        s.parse::<i64>()
            .map(Value::Integer)
            .ok()
            .or_else(|| s.parse::<f64>().ok().map(Value::Real))
    };
    match tokens.get(i)? {
        Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => {
            Some((Value::Text(s.clone()), i + 1))
        }
        Token::Number(n, _) => Some((number(n, false)?, i + 1)),
        Token::Minus => match tokens.get(i + 1)? {
            Token::Number(n, _) => Some((number(n, true)?, i + 2)),
            _ => None,
        },
        Token::Word(w) if w.value.eq_ignore_ascii_case("null") => Some((Value::Null, i + 1)),
        Token::Word(w) if w.value.eq_ignore_ascii_case("true") => Some((Value::Integer(1), i + 1)),
        Token::Word(w) if w.value.eq_ignore_ascii_case("false") => Some((Value::Integer(0), i + 1)),
        Token::Word(w) => Some((Value::Text(w.value.clone()), i + 1)),
        _ => None,
    }
}

/// `@name` as the tokenizer gives it: a placeholder `@name`, or `@` then a word.
fn param_name(tokens: &[Token], i: usize) -> Option<(String, usize)> {
    match tokens.get(i)? {
        Token::Placeholder(p) if p.starts_with('@') && p.len() > 1 => {
            Some((p[1..].to_string(), i + 1))
        }
        Token::AtSign => match tokens.get(i + 1)? {
            Token::Word(w) => Some((w.value.clone(), i + 2)),
            _ => None,
        },
        _ => None,
    }
}

const EXEC_SYNTAX: &str = "EXEC provider.service.resource.method @param='value', @param=123";

fn parse_exec(provider: &Provider, _stmt: &str, tokens: &[Token]) -> Result<ExecCall, Error> {
    let (parts, mut i) = dotted(tokens, 1);
    let [p, s, r, m] = parts.as_slice() else {
        return Err(usage(format!(
            "EXEC needs a four-part method name: {EXEC_SYNTAX} (SHOW METHODS IN provider.service.resource lists them)"
        )));
    };
    let id = format!("{p}.{s}.{r}");
    let resource = provider.resource_by_id(&id).ok_or_else(|| {
        usage(format!(
            "no resource {id}; SHOW RESOURCES IN {p}.{s} lists them"
        ))
    })?;
    let method = resource
        .exec
        .iter()
        .chain(resource.delete.iter())
        .chain(resource.select.iter())
        .copied()
        .find(|&k| resource.methods[k].name.eq_ignore_ascii_case(m))
        .ok_or_else(|| {
            usage(format!(
                "{id} has no method {m}; SHOW METHODS IN {id} lists them"
            ))
        })?;
    let mut args: Vec<(String, Value)> = Vec::new();
    while i < tokens.len() {
        let (name, j) = param_name(tokens, i).ok_or_else(|| {
            usage(format!(
                "expected @name=value after the method name, e.g. {EXEC_SYNTAX}"
            ))
        })?;
        if tokens.get(j) != Some(&Token::Eq) {
            return Err(usage(format!("expected = after @{name}")));
        }
        let (value, k) = parse_value(tokens, j + 1)
            .ok_or_else(|| usage(format!("expected a value after @{name}=")))?;
        if args.iter().any(|(n, _)| n == &name) {
            return Err(usage(format!("@{name} is given twice")));
        }
        args.push((name, value));
        i = k;
        if tokens.get(i) == Some(&Token::Comma) {
            i += 1;
        } else if i < tokens.len() {
            return Err(usage(format!(
                "expected , between EXEC arguments, e.g. {EXEC_SYNTAX}"
            )));
        }
    }
    Ok(ExecCall {
        resource: resource.clone(),
        method,
        args,
    })
}

fn like_clause(tokens: &[Token], i: usize, column: &str) -> Result<String, Error> {
    match (keyword(tokens.get(i)), tokens.get(i + 1)) {
        (None, None) => Ok(String::new()),
        (Some(Keyword::LIKE), Some(Token::SingleQuotedString(p))) if i + 2 == tokens.len() => {
            Ok(format!(" AND {column} LIKE {}", sql_str(p)))
        }
        _ => Err(usage("expected nothing or LIKE 'pattern' at the end")),
    }
}

fn parse_show(provider: &Provider, tokens: &[Token]) -> Result<String, Error> {
    let what = match tokens.get(1) {
        Some(Token::Word(w)) => w.value.to_ascii_uppercase(),
        _ => String::new(),
    };
    let syntax = "SHOW SERVICES IN github | SHOW RESOURCES IN github.packages | SHOW METHODS IN github.packages.auth_user_versions";
    if keyword(tokens.get(2)) != Some(Keyword::IN) {
        return Err(usage(format!("expected one of: {syntax}")));
    }
    let (parts, end) = dotted(tokens, 3);
    let p = &provider.name;
    match (what.as_str(), parts.as_slice()) {
        ("SERVICES", [prov]) if prov.eq_ignore_ascii_case(p) => Ok(format!(
            "SELECT id, name, title FROM github_sql_services WHERE provider = {}{} ORDER BY name",
            sql_str(p),
            like_clause(tokens, end, "name")?
        )),
        ("RESOURCES", [prov, svc]) if prov.eq_ignore_ascii_case(p) => {
            if !provider
                .services
                .iter()
                .any(|s| s.name.eq_ignore_ascii_case(svc))
            {
                return Err(usage(format!(
                    "no service {prov}.{svc}; SHOW SERVICES IN {p} lists them"
                )));
            }
            Ok(format!(
                "SELECT name, id, description FROM github_sql_resources WHERE service = {} COLLATE NOCASE{} ORDER BY name",
                sql_str(svc),
                like_clause(tokens, end, "name")?
            ))
        }
        ("METHODS", [_, _, _]) => {
            let id = parts.join(".");
            let r = provider.resource_by_id(&id).ok_or_else(|| {
                usage(format!(
                    "no resource {id}; SHOW RESOURCES IN {}.{} lists them",
                    parts[0], parts[1]
                ))
            })?;
            Ok(format!(
                "SELECT method AS MethodName, required_params AS RequiredParams, sql_verb AS SQLVerb FROM github_sql_methods WHERE resource_id = {}{}",
                sql_str(&r.id),
                like_clause(tokens, end, "method")?
            ))
        }
        (_, [prov, ..]) if !prov.eq_ignore_ascii_case(p) => {
            Err(usage(format!("no provider {prov}; this one is {p}")))
        }
        _ => Err(usage(format!("expected one of: {syntax}"))),
    }
}

fn parse_describe(provider: &Provider, tokens: &[Token]) -> Result<String, Error> {
    let extended = is_word(tokens.get(1), "extended");
    let (parts, end) = dotted(tokens, if extended { 2 } else { 1 });
    if end != tokens.len() || parts.is_empty() {
        return Err(usage(
            "expected DESCRIBE [EXTENDED] provider.service.resource",
        ));
    }
    let r = match parts.as_slice() {
        [_, _, _] => provider.resource_by_id(&parts.join(".")),
        [t] => provider.resource_by_name(t),
        _ => None,
    }
    .ok_or_else(|| {
        usage(format!(
            "no resource {}; SHOW RESOURCES IN {}.<service> lists them",
            parts.join("."),
            provider.name
        ))
    })?;
    let cols = if extended {
        "name, type, description, CASE WHEN required_in_where THEN 'required in WHERE' WHEN hidden THEN 'hidden parameter' ELSE '' END AS notes"
    } else {
        "name, type"
    };
    Ok(format!(
        "SELECT {cols} FROM github_sql_columns WHERE resource_id = {} ORDER BY position",
        sql_str(&r.id)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use github_sql::spec::load_embedded;

    fn classify_ok(sql: &str) -> Statement {
        classify(&load_embedded().expect("provider"), sql).expect(sql)
    }

    fn classify_err(sql: &str) -> String {
        classify(&load_embedded().expect("provider"), sql)
            .expect_err(sql)
            .to_string()
    }

    #[test]
    fn exec_with_hint_and_quoted_numbers() {
        let Statement::Exec(call) = classify_ok(
            "EXEC /*+ SHOWRESULTS */ github.packages.auth_user_versions.restore_package_version_for_authenticated_user @package_name='x', @package_type='npm', @package_version_id='123'",
        ) else {
            panic!("not an exec")
        };
        assert_eq!(
            call.resource.methods[call.method].name,
            "restore_package_version_for_authenticated_user"
        );
        assert_eq!(
            call.args,
            vec![
                ("package_name".into(), Value::Text("x".into())),
                ("package_type".into(), Value::Text("npm".into())),
                ("package_version_id".into(), Value::Text("123".into())),
            ]
        );
        let Statement::Exec(call) = classify_ok(
            "exec github.packages.auth_user_versions.restore_package_version_for_authenticated_user @package_version_id=123,@package_name='a/b'",
        ) else {
            panic!("not an exec")
        };
        assert_eq!(call.args[0].1, Value::Integer(123));
    }

    #[test]
    fn exec_errors_name_the_problem() {
        let e = classify_err("EXEC github.packages.auth_user_versions.nope @a=1");
        assert!(
            e.contains("has no method nope; SHOW METHODS IN github.packages.auth_user_versions"),
            "{e}"
        );
        let e = classify_err("EXEC github.packages.auth_user_versions.restore_package_version_for_authenticated_user package_name='x'");
        assert!(e.contains("expected @name=value"), "{e}");
        let e = classify_err("EXEC github.packages.auth_user_versions");
        assert!(e.contains("four-part method name"), "{e}");
        let e = classify_err("EXEC github.packages.auth_user_versions.restore_package_version_for_authenticated_user @a=1, @a=2");
        assert!(e.contains("@a is given twice"), "{e}");
    }

    #[test]
    fn metadata_statements_become_queries() {
        let Statement::Meta(sql) =
            classify_ok("SHOW METHODS IN github.packages.auth_user_versions")
        else {
            panic!()
        };
        assert!(
            sql.contains(
                "FROM github_sql_methods WHERE resource_id = 'github.packages.auth_user_versions'"
            ),
            "{sql}"
        );
        let Statement::Meta(sql) =
            classify_ok("show resources in github.packages like '%versions'")
        else {
            panic!()
        };
        assert!(sql.contains("name LIKE '%versions'"), "{sql}");
        let Statement::Meta(sql) =
            classify_ok("DESCRIBE EXTENDED github.packages.auth_user_versions")
        else {
            panic!()
        };
        assert!(sql.contains("description"), "{sql}");
        assert!(classify_err("SHOW RESOURCES IN github.nope").contains("no service github.nope"));
        assert!(classify_err("DESCRIBE github.packages.nope")
            .contains("no resource github.packages.nope"));
        assert!(classify_err("SHOW SERVICES IN aws").contains("no provider aws"));
    }

    #[test]
    fn writes_on_provider_tables() {
        let Statement::Delete { sql, select, table } =
            classify_ok("DELETE FROM github.packages.auth_user_versions WHERE package_type='npm' AND package_name='x' AND id=1")
        else {
            panic!("not a delete")
        };
        assert_eq!(table, "auth_user_versions");
        assert_eq!(
            sql,
            "DELETE FROM auth_user_versions WHERE package_type='npm' AND package_name='x' AND id=1"
        );
        assert_eq!(select, "SELECT * FROM auth_user_versions WHERE package_type='npm' AND package_name='x' AND id=1");
        let e = classify_err("UPDATE github.packages.auth_user_versions SET name = 'x'");
        assert_eq!(
            e,
            "auth_user_versions supports SELECT, DELETE and EXEC restore_package_version_for_authenticated_user; UPDATE is not supported"
        );
        assert!(
            classify_err("INSERT INTO auth_user_versions(name) VALUES ('x')")
                .contains("INSERT is not supported")
        );
        assert!(matches!(
            classify_ok("DELETE FROM other WHERE 1"),
            Statement::Sql(_)
        ));
        assert!(matches!(
            classify_ok("INSERT INTO t VALUES (1)"),
            Statement::Sql(_)
        ));
    }
}
