//! StackQL's statements on top of SQLite: `EXEC`, `SHOW …`, `DESCRIBE`, and the classification of
//! DELETE/UPDATE/INSERT on provider tables. Parsed on sqlparser's tokens (a small grammar), so
//! strings, comments and quoting behave as in SQL.
//!
//! ```text
//! EXEC [/*+ SHOWRESULTS */] provider.service.resource.method @p1='v', @p2=3
//! SHOW SERVICES IN provider [LIKE 'pat']
//! SHOW RESOURCES IN provider.service [LIKE 'pat']
//! SHOW METHODS IN provider.service.resource
//! SHOW UNSERVED [IN provider[.service]] [LIKE 'pat']
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
    /// A DELETE on a provider table (also `WITH … DELETE`).
    Delete {
        /// The DELETE, names rewritten (SQLite runs it: the table's scan lists the rows and each
        /// goes to the method the statement reaches).
        sql: String,
        /// The table.
        table: String,
        /// When the WHERE names a delete method's parameters and nothing else: that method's
        /// calls, sent with no listing (StackQL's DELETE).
        direct: Option<DirectDelete>,
    },
    /// An INSERT, UPDATE or REPLACE on a provider table with methods for it: SQLite runs it and
    /// the table queues the rows for the write methods (sent at COMMIT).
    Write {
        /// The statement, names rewritten.
        sql: String,
        /// The table.
        table: String,
        /// `INSERT`, `UPDATE` or `REPLACE`.
        verb: &'static str,
    },
    /// An EXEC of a method.
    Exec(ExecCall),
    /// A metadata statement, as SQL over the `github_sql_*` tables.
    Meta(String),
}

/// A DELETE whose WHERE gives exactly a delete method's parameters (`=` and `IN` joined by AND):
/// one call per combination of the values, with no listing.
#[derive(Debug)]
pub struct DirectDelete {
    /// The resource.
    pub resource: Arc<Resource>,
    /// The method.
    pub method: usize,
    /// Each call's arguments.
    pub calls: Vec<Vec<(String, Value)>>,
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

/// Whether a statement is `COMMIT` or `END` (a transaction's end that sends its writes).
pub fn ends_transaction(stmt: &str) -> bool {
    meaningful(stmt)
        .is_ok_and(|t| matches!(keyword(t.first()), Some(Keyword::COMMIT | Keyword::END)))
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
    crate::suggest::check_three_part_names(provider, stmt)?;
    let sql = rewrite_names(provider, stmt);
    let all = meaningful(&sql)?;
    // The statement's own verb: the first keyword, or after a WITH clause the first DML
    // keyword outside parentheses (`WITH old AS (SELECT …) DELETE FROM …`).
    let main = main_verb(&all);
    let tokens = &all[main..];
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
    match (verb, target(tokens)) {
        (Some(Keyword::DELETE), Some(r)) => {
            // A WHERE of parameters alone goes straight to the method they name (no listing).
            let direct = if main == 0 {
                direct_delete(&r, tokens)?
            } else {
                None
            };
            if direct.is_none() && r.select.is_empty() {
                return Err(no_select_delete(&r));
            }
            let sql = if main == 0 {
                delete_statement(&r, &sql)?
            } else {
                sql.clone()
            };
            Ok(Statement::Delete {
                sql,
                table: r.name.clone(),
                direct,
            })
        }
        (Some(v @ (Keyword::INSERT | Keyword::REPLACE | Keyword::UPDATE)), Some(r)) => {
            // `INSERT OR REPLACE` is REPLACE, as SQLite (and the table) take it.
            let or_replace = keyword(tokens.get(1)) == Some(Keyword::OR)
                && keyword(tokens.get(2)) == Some(Keyword::REPLACE);
            let (verb, methods) = match v {
                Keyword::UPDATE => ("UPDATE", &r.update),
                Keyword::INSERT if !or_replace => ("INSERT", &r.insert),
                _ => ("REPLACE", &r.replace),
            };
            if methods.is_empty() {
                return Err(PlanError::Unsupported {
                    table: r.name.clone(),
                    verb: verb.into(),
                    supported: r.supported_statements(),
                }
                .into());
            }
            Ok(Statement::Write {
                sql,
                table: r.name.clone(),
                verb,
            })
        }
        _ => Ok(Statement::Sql(sql)),
    }
}

/// The top-level clauses of `DELETE FROM target [WHERE …] [ORDER BY …] [LIMIT …] [RETURNING …]`
/// as byte ranges of the statement.
struct DeleteClauses {
    /// `target` (the table and its alias).
    target: std::ops::Range<usize>,
    /// The WHERE condition, if any.
    condition: Option<std::ops::Range<usize>>,
    /// ORDER BY … LIMIT … OFFSET …, if any.
    tail: Option<std::ops::Range<usize>>,
    /// The RETURNING list, if any.
    returning: Option<std::ops::Range<usize>>,
}

fn delete_clauses(sql: &str) -> Option<DeleteClauses> {
    let toks = crate::suggest::tokens(sql);
    let upper = |k: usize| match toks.get(k).map(|t| &t.1) {
        Some(Token::Word(w)) if w.quote_style.is_none() => w.value.to_ascii_uppercase(),
        _ => String::new(),
    };
    let from = (0..toks.len()).find(|&k| upper(k) == "FROM")?;
    let (mut where_at, mut tail_at, mut ret_at) = (None, None, None);
    let mut depth = 0i32;
    for (k, (_, t)) in toks.iter().enumerate().skip(from + 1) {
        match t {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ if depth != 0 => {}
            _ => match upper(k).as_str() {
                "WHERE" if where_at.is_none() && tail_at.is_none() => where_at = Some(k),
                "ORDER" if upper(k + 1) == "BY" && tail_at.is_none() && ret_at.is_none() => {
                    tail_at = Some(k)
                }
                "LIMIT" if tail_at.is_none() && ret_at.is_none() => tail_at = Some(k),
                "RETURNING" if ret_at.is_none() => ret_at = Some(k),
                _ => {}
            },
        }
    }
    let at = |k: usize| toks.get(k).map(|t| t.0).unwrap_or(sql.len());
    let end_of = |k: Option<usize>| k.map(at).unwrap_or(sql.len());
    let target_end = end_of(where_at.or(tail_at).or(ret_at));
    Some(DeleteClauses {
        target: at(from + 1)..target_end,
        condition: where_at.map(|w| at(w + 1)..end_of(tail_at.or(ret_at))),
        tail: tail_at.map(|t| at(t)..end_of(ret_at)),
        returning: ret_at.map(|r| at(r + 1)..sql.len()),
    })
}

/// Where a statement's own verb is: 0, or after a leading WITH clause the first DELETE, INSERT,
/// REPLACE, UPDATE or SELECT outside parentheses.
fn main_verb(tokens: &[Token]) -> usize {
    if keyword(tokens.first()) != Some(Keyword::WITH) {
        return 0;
    }
    let mut depth = 0i32;
    for (i, t) in tokens.iter().enumerate().skip(1) {
        match t {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ if depth == 0
                && matches!(
                    keyword(Some(t)),
                    Some(
                        Keyword::DELETE
                            | Keyword::INSERT
                            | Keyword::REPLACE
                            | Keyword::UPDATE
                            | Keyword::SELECT
                    )
                ) =>
            {
                return i;
            }
            _ => {}
        }
    }
    0
}

/// The DELETE to run. SQLite has no RETURNING on virtual tables, so that is refused up front
/// (the dry run and the real run agree). ORDER BY and LIMIT are turned into a key IN (SELECT …
/// ORDER BY … LIMIT …) over the delete method's parameters, so the table's scan still gets the
/// WHERE's required parameters.
fn delete_statement(r: &Resource, sql: &str) -> Result<String, Error> {
    let Some(c) = delete_clauses(sql) else {
        return Ok(sql.to_string());
    };
    let part = |r: std::ops::Range<usize>| sql.get(r).unwrap_or_default().trim();
    let target = part(c.target.clone());
    let condition = c.condition.clone().map(|w| part(w).to_string());
    let where_sql = condition
        .as_ref()
        .map(|w| format!(" WHERE {w}"))
        .unwrap_or_default();
    if let Some(ret) = c.returning.clone() {
        return Err(usage(format!(
            "DELETE … RETURNING is not available on {} (SQLite has no RETURNING for virtual tables); \
             list the rows first with SELECT {} FROM {target}{where_sql}, or see what the DELETE would remove with --dry-run",
            r.name,
            part(ret)
        )));
    }
    let Some(tail) = c.tail.clone() else {
        return Ok(sql.to_string());
    };
    let keys: Option<Vec<String>> = r
        .delete
        .first()
        .map(|&m| {
            r.methods[m]
                .required()
                .map(|p| r.column_index(&p.name).map(|i| r.columns[i].name.clone()))
                .collect()
        })
        .unwrap_or(None);
    let Some(keys) = keys.filter(|k| !k.is_empty()) else {
        return Ok(sql.to_string());
    };
    let (row, keys) = (format!("({})", keys.join(", ")), keys.join(", "));
    let head = sql.get(..c.target.end).unwrap_or(sql);
    let delete = match &condition {
        Some(w) => format!(
            "{} WHERE ({w}) AND {row} IN (SELECT {keys} FROM {target} WHERE ({w}) {})",
            head.trim_end(),
            part(tail.clone())
        ),
        None => format!(
            "{} WHERE {row} IN (SELECT {keys} FROM {target} {})",
            head.trim_end(),
            part(tail)
        ),
    };
    Ok(delete)
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

/// The refusal of a DELETE on a resource without SELECT whose WHERE does not name a delete
/// method's parameters (nothing can list its rows).
fn no_select_delete(r: &Resource) -> Error {
    let example = r
        .direct_delete
        .first()
        .map(|&m| {
            let required: Vec<_> = r.methods[m].required().collect();
            github_sql::plan::example_where(r, &required).replacen(
                "SELECT * FROM",
                "DELETE FROM",
                1,
            )
        })
        .unwrap_or_default();
    usage(format!(
        "{} has no SELECT, so a DELETE on it takes only `column = value` (or IN) conditions joined by \
         AND, which name a delete method's parameters: {example} (or EXEC it: SHOW METHODS IN {})",
        r.name, r.id
    ))
}

/// `DELETE FROM r WHERE a = v AND b IN (w, x)`: when the WHERE is parameter equalities (and IN
/// lists) alone and they give a delete method's parameters, that method's calls, one per
/// combination of the values (StackQL's DELETE: no listing). `None` when the WHERE has anything
/// else, or its parameters need rows to be listed: SQLite then runs the DELETE over the table's
/// scan. Ambiguity is an error naming the methods.
fn direct_delete(r: &Arc<Resource>, tokens: &[Token]) -> Result<Option<DirectDelete>, Error> {
    let mut given: Vec<(String, Vec<Value>)> = Vec::new();
    let start = tokens
        .iter()
        .position(|t| keyword(Some(t)) == Some(Keyword::WHERE));
    // No WHERE at all gives no parameters: a method that takes none (`DELETE /user/emails`)
    // fits it; a DELETE with ORDER BY or LIMIT lists its rows.
    let ends_at_table = tokens
        .iter()
        .position(|t| keyword(Some(t)) == Some(Keyword::FROM))
        .map(|f| dotted(tokens, f + 1).1)
        .is_some_and(|after| after == tokens.len());
    let mut i = match start {
        Some(w) => w + 1,
        None if ends_at_table => tokens.len(),
        None => return Ok(None),
    };
    while i < tokens.len() {
        let Some(Token::Word(w)) = tokens.get(i) else {
            return Ok(None);
        };
        // The column's parameter (`id` → `package_version_id`, or a parameter column).
        let column = w.value.to_ascii_lowercase();
        let Some(param) = r
            .column_index(&column)
            .and_then(|c| r.columns[c].param())
            .map(String::from)
            .or_else(|| {
                // A body field of a resource without SELECT (`data__access_token`).
                (r.select.is_empty() && r.param(&column).is_some()).then(|| column.clone())
            })
        else {
            return Ok(None);
        };
        let (values, j) = match tokens.get(i + 1) {
            Some(Token::Eq) => match parse_value(tokens, i + 2) {
                Some((v, j)) => (vec![v], j),
                None => return Ok(None),
            },
            Some(t) if keyword(Some(t)) == Some(Keyword::IN) => {
                if tokens.get(i + 2) != Some(&Token::LParen) {
                    return Ok(None);
                }
                let mut vs = Vec::new();
                let mut k = i + 3;
                loop {
                    let Some((v, next)) = parse_value(tokens, k) else {
                        return Ok(None);
                    };
                    vs.push(v);
                    match tokens.get(next) {
                        Some(Token::Comma) => k = next + 1,
                        Some(Token::RParen) => {
                            k = next + 1;
                            break;
                        }
                        _ => return Ok(None),
                    }
                }
                (vs, k)
            }
            _ => return Ok(None),
        };
        if values.contains(&Value::Null) {
            return Ok(None);
        }
        if given.iter().any(|(n, _)| *n == param) {
            return Err(usage(format!(
                "{param} is given twice in the DELETE's WHERE"
            )));
        }
        given.push((param, values));
        i = j;
        match tokens.get(i) {
            None => break,
            Some(t) if keyword(Some(t)) == Some(Keyword::AND) => i += 1,
            Some(_) => return Ok(None),
        }
    }
    if start.is_some() && given.is_empty() {
        return Ok(None);
    }
    let names: Vec<&str> = given
        .iter()
        .filter(|(n, _)| !n.starts_with(github_sql::spec::BODY_PREFIX))
        .map(|(n, _)| n.as_str())
        .collect();
    let choice = match github_sql::write::choose(
        r,
        github_sql::write::Verb::Delete,
        &names,
        github_sql::write::Rows::Direct,
    ) {
        Ok(c) => c,
        // No method fits the WHERE alone: the rows are listed (SQLite's DELETE says why not).
        Err(github_sql::write::ChooseError::NoMethod { .. }) if !r.select.is_empty() => {
            return Ok(None)
        }
        // Nothing lists this resource's rows either: say which WHERE a delete method takes.
        Err(github_sql::write::ChooseError::NoMethod { .. }) => return Err(no_select_delete(r)),
        Err(e) => {
            return Err(github_sql::Error::from(
                github_sql::scan::RowWriteError::from(e),
            ))
        }
    };
    if choice.needs_rows() {
        return Ok(None);
    }
    let method = &r.methods[choice.method];
    // Every parameter the WHERE gives must be one the call takes: anything else filters rows.
    if given.iter().any(|(n, _)| method.param(n).is_none()) {
        return Ok(None);
    }
    let lists: Vec<Vec<Value>> = given.iter().map(|(_, v)| v.clone()).collect();
    let calls = github_sql::scan::combinations(&lists)?
        .into_iter()
        .map(|combo| {
            given
                .iter()
                .map(|(n, _)| n.clone())
                .zip(combo)
                .collect::<Vec<_>>()
        })
        .collect();
    Ok(Some(DirectDelete {
        resource: r.clone(),
        method: choice.method,
        calls,
    }))
}

fn parse_exec(provider: &Provider, _stmt: &str, tokens: &[Token]) -> Result<ExecCall, Error> {
    let (parts, mut i) = dotted(tokens, 1);
    let (resource, m) = match parts.as_slice() {
        [p, s, r, m] => (
            resolve_resource(provider, &[p.clone(), s.clone(), r.clone()])?,
            m,
        ),
        [r, m] => (resolve_resource(provider, std::slice::from_ref(r))?, m),
        _ => {
            return Err(usage(format!(
                "EXEC needs a four-part method name: {EXEC_SYNTAX} (SHOW METHODS IN provider.service.resource lists them)"
            )))
        }
    };
    let id = &resource.id;
    let callable = || {
        resource
            .exec
            .iter()
            .chain(resource.delete.iter())
            .chain(resource.select.iter())
            .copied()
    };
    let method = callable()
        .find(|&k| resource.methods[k].name.eq_ignore_ascii_case(m))
        .ok_or_else(|| {
            let hint = crate::suggest::did_you_mean(
                m,
                callable().map(|k| resource.methods[k].name.as_str()),
            );
            usage(format!(
                "{id} has no method {m}{hint}; SHOW METHODS IN {id} lists them"
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

/// A table named bare (`auth_user_versions`) or three-part (`github.packages.auth_user_versions`);
/// an unknown name is an error with the nearest one.
pub fn resolve_resource<'p>(
    provider: &'p Provider,
    parts: &[String],
) -> Result<&'p Arc<Resource>, Error> {
    let name = parts.join(".");
    let found = match parts {
        [_, _, _] => provider.resource_by_id(&name),
        [t] => provider.resource_by_name(t),
        _ => None,
    };
    if let (None, [t]) = (found, parts) {
        if let Some(msg) = provider.ambiguity(t) {
            return Err(usage(msg));
        }
    }
    found.ok_or_else(|| {
        let hint = if parts.len() == 3 {
            crate::suggest::did_you_mean(&name, provider.resources().map(|r| r.id.as_str()))
        } else {
            crate::suggest::did_you_mean(&name, provider.resources().map(|r| r.name.as_str()))
        };
        let hint = if hint.is_empty() {
            "; .tables (or SHOW RESOURCES) lists them".to_string()
        } else {
            hint
        };
        usage(format!("no table {name}{hint}"))
    })
}

const SHOW_SYNTAX: &str = "SHOW PROVIDERS | SHOW SERVICES [IN github] | SHOW [EXTENDED] RESOURCES [IN github[.packages]] | SHOW [EXTENDED] METHODS IN [github.packages.]auth_user_versions | SHOW UNSERVED [IN github[.packages]] (each may end with LIKE 'pattern')";

fn parse_show(provider: &Provider, tokens: &[Token]) -> Result<String, Error> {
    let mut i = 1;
    let extended = is_word(tokens.get(i), "extended");
    if extended {
        i += 1;
    }
    let what = match tokens.get(i) {
        Some(Token::Word(w)) => w.value.to_ascii_uppercase(),
        _ => String::new(),
    };
    i += 1;
    let (parts, end) = if keyword(tokens.get(i)) == Some(Keyword::IN)
        || keyword(tokens.get(i)) == Some(Keyword::FROM)
    {
        let (parts, end) = dotted(tokens, i + 1);
        if parts.is_empty() {
            return Err(usage(format!("expected a name after IN: {SHOW_SYNTAX}")));
        }
        (parts, end)
    } else {
        (Vec::new(), i)
    };
    let p = &provider.name;
    let check_provider = |prov: &String| -> Result<(), Error> {
        if prov.eq_ignore_ascii_case(p) {
            Ok(())
        } else {
            Err(usage(format!(
                "no provider {prov}; this one is {p} (SHOW PROVIDERS)"
            )))
        }
    };
    let check_service = |svc: &String| -> Result<(), Error> {
        if provider
            .services
            .iter()
            .any(|s| s.name.eq_ignore_ascii_case(svc))
        {
            return Ok(());
        }
        let hint =
            crate::suggest::did_you_mean(svc, provider.services.iter().map(|s| s.name.as_str()));
        Err(usage(format!(
            "no service {p}.{svc}{hint}; SHOW SERVICES IN {p} lists them"
        )))
    };
    // `IN github[.service]`: the WHERE condition for the service, after checking both names.
    let in_service = |check: &dyn Fn(&String) -> Result<(), Error>| -> Result<String, Error> {
        match parts.as_slice() {
            [prov, svc] => {
                check_provider(prov)?;
                check(svc)?;
                Ok(format!(" AND service = {} COLLATE NOCASE", sql_str(svc)))
            }
            [prov] => check_provider(prov).map(|()| String::new()),
            _ => Ok(String::new()),
        }
    };
    match (what.as_str(), parts.as_slice()) {
        ("PROVIDERS", []) => Ok(format!(
            "SELECT * FROM (SELECT {} AS name, {} AS version) WHERE 1{}",
            sql_str(p),
            sql_str(&provider.version),
            like_clause(tokens, end, "name")?
        )),
        ("SERVICES", [] | [_]) => {
            if let [prov] = parts.as_slice() {
                check_provider(prov)?;
            }
            Ok(format!(
                "SELECT id, name, title{} FROM github_sql_services WHERE provider = {}{} ORDER BY name",
                if extended { ", description" } else { "" },
                sql_str(p),
                like_clause(tokens, end, "name")?
            ))
        }
        ("RESOURCES" | "TABLES", [] | [_] | [_, _]) => {
            let service = in_service(&check_service)?;
            Ok(format!(
                "SELECT name, id, {} FROM github_sql_resources WHERE provider = {}{service}{} ORDER BY id",
                if extended {
                    "service, title, description"
                } else {
                    "description"
                },
                sql_str(p),
                like_clause(tokens, end, "name")?
            ))
        }
        ("METHODS", [_] | [_, _, _]) => {
            let r = resolve_resource(provider, &parts)?;
            let like = like_clause(tokens, end, "method")?;
            // Methods the document declares but github-sql does not serve come last, their
            // SQLVerb saying why.
            let unserved = if provider
                .unserved
                .iter()
                .any(|u| u.method.is_some() && format!("{p}.{}.{}", u.service, u.resource).eq_ignore_ascii_case(&r.id))
            {
                format!(
                    " UNION ALL SELECT method, '', 'not served (' || sql_verb || '): ' || reason{} FROM github_sql_unserved WHERE resource_id = {} AND method IS NOT NULL{like}",
                    if extended { ", '', '', ''" } else { "" },
                    sql_str(&r.id),
                )
            } else {
                String::new()
            };
            Ok(format!(
                "SELECT method AS MethodName, required_params AS RequiredParams, sql_verb AS SQLVerb{} FROM github_sql_methods WHERE resource_id = {}{like}{unserved}",
                if extended {
                    ", http_method AS HTTPMethod, path AS Path, description AS Description"
                } else {
                    ""
                },
                sql_str(&r.id),
            ))
        }
        ("UNSERVED" | "SKIPPED", [] | [_] | [_, _]) => {
            let service = in_service(&|svc: &String| check_service_or_unserved(provider, svc))?;
            Ok(format!(
                "SELECT resource_id AS resource, method, sql_verb AS SQLVerb, reason FROM github_sql_unserved WHERE provider = {}{service}{} ORDER BY resource_id, method",
                sql_str(p),
                like_clause(tokens, end, "resource")?
            ))
        }
        ("METHODS", []) => Err(usage(format!(
            "SHOW METHODS needs a table: SHOW METHODS IN {p}.packages.auth_user_versions (or the bare name)"
        ))),
        (_, [prov, ..]) if !prov.eq_ignore_ascii_case(p) && what != "METHODS" => {
            check_provider(prov).map(|_| String::new())
        }
        _ => Err(usage(format!("expected one of: {SHOW_SYNTAX}"))),
    }
}

/// A service named in `SHOW UNSERVED IN github.<service>`: a loaded one, or one whose every
/// resource is not served.
fn check_service_or_unserved(provider: &Provider, svc: &str) -> Result<(), Error> {
    let known = provider
        .services
        .iter()
        .map(|s| s.name.as_str())
        .chain(provider.unserved.iter().map(|u| u.service.as_str()));
    if known.clone().any(|s| s.eq_ignore_ascii_case(svc)) {
        return Ok(());
    }
    let hint = crate::suggest::did_you_mean(svc, known);
    Err(usage(format!(
        "no service {}.{svc}{hint}; SHOW SERVICES IN {} lists them",
        provider.name, provider.name
    )))
}

fn parse_describe(provider: &Provider, tokens: &[Token]) -> Result<String, Error> {
    let extended = is_word(tokens.get(1), "extended");
    let (parts, end) = dotted(tokens, if extended { 2 } else { 1 });
    if end != tokens.len() || parts.is_empty() {
        return Err(usage(
            "expected DESCRIBE [EXTENDED] table, e.g. DESCRIBE github.packages.auth_user_versions",
        ));
    }
    let r = resolve_resource(provider, &parts)?;
    let cols = if extended {
        "name, type, description, CASE WHEN required_in_where THEN 'required in WHERE' WHEN hidden AND name LIKE 'data\\_\\_%' ESCAPE '\\' THEN 'request body field (INSERT, UPDATE, REPLACE, EXEC)' WHEN hidden THEN 'hidden parameter' ELSE '' END AS notes"
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
        assert!(
            classify_err("DESCRIBE github.packages.nope").contains("no table github.packages.nope")
        );
        assert_eq!(
            classify_err("DESCRIBE auth_user_version"),
            "no table auth_user_version; did you mean auth_user_versions?"
        );
        assert!(classify_err("SHOW SERVICES IN aws").contains("no provider aws"));
    }

    #[test]
    fn show_with_and_without_in_bare_and_three_part() {
        let meta = |sql: &str| match classify_ok(sql) {
            Statement::Meta(m) => m,
            other => panic!("{sql}: {other:?}"),
        };
        assert!(meta("SHOW PROVIDERS").contains("'github' AS name"));
        assert!(meta("SHOW SERVICES").contains("github_sql_services"));
        assert!(!meta("SHOW RESOURCES").contains("service ="));
        assert!(meta("SHOW EXTENDED RESOURCES IN github.packages").contains("title"));
        assert_eq!(
            meta("SHOW METHODS IN auth_user_versions"),
            meta("SHOW METHODS IN github.packages.auth_user_versions")
        );
        assert!(meta("SHOW EXTENDED METHODS IN auth_user_versions").contains("Path"));
        assert_eq!(
            classify_err("SHOW METHODS IN auth_user_version"),
            "no table auth_user_version; did you mean auth_user_versions?"
        );
        assert!(classify_err("SHOW RESOURCES IN github.pakages").contains("did you mean packages?"));
    }

    #[test]
    fn delete_on_a_resource_without_select_calls_the_delete_method_its_where_names() {
        // Revoking a grant and revoking a token both take (client_id, access_token): the
        // generator gives each its own resource (docs/generator.md, rule 8), so each DELETE
        // names exactly one method.
        for (table, want) in [
            ("github.apps.oauth_applications", "delete_authorization"),
            ("github.apps.oauth_applications_token", "delete_token"),
        ] {
            let sql = format!(
                "DELETE FROM {table} WHERE client_id = 'abc' AND data__access_token = 'tok'"
            );
            let Statement::Delete {
                direct: Some(d), ..
            } = classify_ok(&sql)
            else {
                panic!("{sql}: a direct delete")
            };
            assert_eq!(d.resource.methods[d.method].name, want, "{sql}");
        }
        let err = classify_err("DELETE FROM oauth_applications WHERE client_id LIKE 'a%'");
        assert!(
            err.contains("DELETE FROM oauth_applications WHERE client_id = 'my-client-id' AND data__access_token = 'my-access-token'"),
            "{err}"
        );
        assert!(classify_err("DELETE FROM oauth_applications").contains("has no SELECT"));
        assert!(
            classify_err("DELETE FROM oauth_applications WHERE nope = 1").contains("has no SELECT")
        );
    }

    #[test]
    fn a_where_of_parameters_alone_is_a_direct_delete() {
        let Statement::Delete {
            direct: Some(d), ..
        } = classify_ok(
            "DELETE FROM github.packages.auth_user_versions WHERE package_type = 'npm' AND package_name = 'x' AND id IN (1, 2)",
        )
        else {
            panic!("a direct delete")
        };
        assert_eq!(
            d.resource.methods[d.method].name,
            "delete_package_version_for_authenticated_user"
        );
        assert_eq!(d.calls.len(), 2);
        assert!(d.calls[1].contains(&("package_version_id".to_string(), Value::Integer(2))));
        // Anything but parameters (a LIKE, a field) needs the rows listed.
        for sql in [
            "DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'x'",
            "DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'x' AND id = 1 AND created_at < '2024'",
            "DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'x' AND +id = 1",
            "WITH old AS (SELECT 1) DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'x' AND id = 1",
        ] {
            let Statement::Delete { direct: None, .. } = classify_ok(sql) else {
                panic!("{sql}: the rows are listed")
            };
        }
    }

    #[test]
    fn delete_with_order_by_and_limit_keeps_the_where() {
        let Statement::Delete { sql, .. } = classify_ok(
            "DELETE FROM auth_user_versions WHERE package_type='npm' AND package_name='x' ORDER BY created_at DESC LIMIT -1 OFFSET 10",
        ) else {
            panic!("not a delete")
        };
        assert_eq!(
            sql,
            "DELETE FROM auth_user_versions WHERE (package_type='npm' AND package_name='x') AND (package_type, package_name, package_version_id) IN (SELECT package_type, package_name, package_version_id FROM auth_user_versions WHERE (package_type='npm' AND package_name='x') ORDER BY created_at DESC LIMIT -1 OFFSET 10)"
        );
        let e = classify_err("DELETE FROM auth_user_versions WHERE package_type='npm' AND package_name='x' RETURNING id");
        assert!(
            e.starts_with("DELETE … RETURNING is not available on auth_user_versions"),
            "{e}"
        );
        assert!(!e.contains("SELECT * FROM"), "no internal SQL: {e}");
    }

    #[test]
    fn writes_on_provider_tables() {
        let Statement::Delete { sql, table, direct } =
            classify_ok("DELETE FROM github.packages.auth_user_versions WHERE package_type='npm' AND package_name='x' AND id=1")
        else {
            panic!("not a delete")
        };
        assert_eq!(table, "auth_user_versions");
        assert_eq!(
            sql,
            "DELETE FROM auth_user_versions WHERE package_type='npm' AND package_name='x' AND id=1"
        );
        assert!(direct.is_some(), "parameters alone: sent directly");
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
