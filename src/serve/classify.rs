//! What a client sent, classified with sqlparser (PostgreSQL dialect) before it reaches the
//! shell's engine: session chatter clients send on connect (`SET`, Postgres's `SHOW`,
//! `DISCARD ALL`), transaction control, catalog probes (rewritten by [`super::translate`]), and
//! everything else, which goes to the shell's engine as written: StackQL statements (`EXEC`,
//! `SHOW SERVICES IN …`, `DESCRIBE`) and SQLite SQL with three-part names.

use sqlparser::ast::Statement as Ast;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::translate::translate;
use crate::spec::Provider;

/// One classified statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `SET name = value` (kept for `SHOW`, otherwise ignored: the engine has no such settings).
    Set {
        /// Lower-cased name.
        name: String,
        /// The value as written, unquoted.
        value: String,
    },
    /// Postgres's `SHOW name` (lower-cased, words joined with `_`), or `all`.
    Show(String),
    /// `BEGIN` / `START TRANSACTION`.
    Begin,
    /// `COMMIT` / `END`.
    Commit,
    /// `ROLLBACK` / `ABORT`.
    Rollback,
    /// `ROLLBACK TO [SAVEPOINT] name`, as written (SQLite runs it; it also recovers a failed
    /// transaction, as in Postgres).
    RollbackTo(String),
    /// A statement with nothing to do here (`DISCARD ALL`, `DEALLOCATE`, `RESET`, `UNLISTEN`),
    /// answered with its command tag.
    Noop(String),
    /// A query rewritten for SQLite that needs the emulated catalog.
    Catalog(String),
    /// For the shell's engine, as written (with service-qualified names made plain).
    Engine(String),
}

fn tokens(sql: &str) -> Vec<Token> {
    Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize()
        .unwrap_or_default()
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::EOF))
        .collect()
}

fn word(t: Option<&Token>) -> Option<String> {
    match t {
        Some(Token::Word(w)) => Some(w.value.to_ascii_lowercase()),
        _ => None,
    }
}

/// `SHOW SERVICES IN …`, `SHOW RESOURCES IN …`, `SHOW METHODS IN …`: StackQL's, not Postgres's.
fn is_stackql_show(toks: &[Token]) -> bool {
    matches!(
        word(toks.get(1)).as_deref(),
        Some("services" | "resources" | "methods" | "providers")
    ) && matches!(toks.get(2), Some(Token::Word(w)) if w.keyword == Keyword::IN)
}

/// Classifies one statement (already split from the query string).
pub fn classify(provider: &Provider, sql: &str) -> Kind {
    let toks = tokens(sql);
    match word(toks.first()).as_deref() {
        Some("exec" | "describe" | "desc") => return Kind::Engine(plain_names(provider, sql)),
        Some("show") if is_stackql_show(&toks) => return Kind::Engine(sql.to_string()),
        Some("show") => {
            let name: Vec<String> = toks[1..]
                .iter()
                .map(|t| match t {
                    Token::Word(w) => w.value.to_ascii_lowercase(),
                    other => other.to_string(),
                })
                .collect();
            let name = match name.join("_").as_str() {
                "transaction_isolation_level" => "transaction_isolation".to_string(),
                "time_zone" => "timezone".to_string(),
                other => other.to_string(),
            };
            return Kind::Show(name);
        }
        Some("set") => {
            if let Some(k) = set_statement(&toks) {
                return k;
            }
        }
        Some("discard" | "deallocate" | "reset" | "unlisten" | "listen") => {
            let tag = match word(toks.first()).as_deref() {
                Some("discard") => format!(
                    "DISCARD {}",
                    word(toks.get(1)).unwrap_or_default().to_uppercase()
                ),
                Some(w) => w.to_uppercase(),
                None => String::new(),
            };
            return Kind::Noop(tag.trim().to_string());
        }
        _ => {}
    }
    let Ok(mut stmts) = Parser::parse_sql(&PostgreSqlDialect {}, sql) else {
        // SQLite syntax Postgres does not know, or an error SQLite will report.
        return Kind::Engine(plain_names(provider, sql));
    };
    if stmts.len() != 1 {
        return Kind::Engine(plain_names(provider, sql));
    }
    let mut stmt = stmts.remove(0);
    match &stmt {
        Ast::StartTransaction { .. } => return Kind::Begin,
        Ast::Commit { .. } => return Kind::Commit,
        Ast::Rollback {
            savepoint: None, ..
        } => return Kind::Rollback,
        Ast::Rollback { .. } => return Kind::RollbackTo(sql.to_string()),
        Ast::Query(_) => {}
        _ => return Kind::Engine(plain_names(provider, sql)),
    }
    let t = translate(&mut stmt);
    match (t.catalog, t.changed) {
        (false, false) => Kind::Engine(plain_names(provider, sql)),
        (true, _) => Kind::Catalog(plain_names(provider, &stmt.to_string())),
        (false, true) => Kind::Engine(plain_names(provider, &stmt.to_string())),
    }
}

/// `SET [SESSION | LOCAL] name { = | TO } value`, `SET TIME ZONE x`, `SET NAMES x`,
/// `SET [SESSION CHARACTERISTICS AS] TRANSACTION …`: remembered, never an error.
fn set_statement(toks: &[Token]) -> Option<Kind> {
    let mut i = 1;
    if matches!(word(toks.get(i)).as_deref(), Some("session" | "local")) {
        i += 1;
    }
    let text = |t: &Token| match t {
        Token::SingleQuotedString(s) => s.clone(),
        Token::Word(w) => w.value.clone(),
        other => other.to_string(),
    };
    let rest = |from: usize| -> String {
        toks.get(from..)
            .unwrap_or_default()
            .iter()
            .map(text)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (name, value) = match (
        word(toks.get(i)).as_deref(),
        word(toks.get(i + 1)).as_deref(),
    ) {
        (Some("time"), Some("zone")) => ("timezone".to_string(), rest(i + 2)),
        (Some("names"), _) => ("client_encoding".to_string(), rest(i + 1)),
        (Some("characteristics" | "transaction"), _) => ("transaction".to_string(), rest(i)),
        _ => {
            let mut name = Vec::new();
            while let Some(t) = toks.get(i) {
                match t {
                    Token::Eq => break,
                    Token::Word(w) if w.keyword == Keyword::TO => break,
                    Token::Word(w) => name.push(w.value.to_ascii_lowercase()),
                    Token::Period => name.push(".".into()),
                    _ => return None,
                }
                i += 1;
            }
            (name.join("_").replace("_._", "."), rest(i + 1))
        }
    };
    Some(Kind::Set { name, value })
}

/// `service.resource` (how Postgres clients qualify a table by its schema) → `resource`;
/// `provider.service.resource` is left for the shell's rewrite. Works on tokens, so every other
/// byte stays as written.
pub fn plain_names(provider: &Provider, sql: &str) -> String {
    use sqlparser::dialect::SQLiteDialect;
    let Ok(toks) = Tokenizer::new(&SQLiteDialect {}, sql).tokenize_with_location() else {
        return sql.to_string();
    };
    let word = |j: usize| match toks.get(j).map(|t| &t.token) {
        Some(Token::Word(w)) => Some(w.value.as_str()),
        _ => None,
    };
    let period = |j: usize| matches!(toks.get(j).map(|t| &t.token), Some(Token::Period));
    // (first token, last token, replacement)
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut j = 0;
    while j < toks.len() {
        if let (Some(s), Some(r)) = (word(j), word(j + 2)) {
            let standalone = !(j > 0 && period(j - 1)) && period(j + 1);
            let three_part = period(j + 3) && word(j + 4).is_some();
            if standalone && !three_part {
                if let Some(res) = provider
                    .resources()
                    .find(|x| x.service.eq_ignore_ascii_case(s) && x.name.eq_ignore_ascii_case(r))
                {
                    edits.push((j, j + 2, format!("\"{}\"", res.name.replace('"', "\"\""))));
                    j += 3;
                    continue;
                }
            }
        }
        j += 1;
    }
    if edits.is_empty() {
        return sql.to_string();
    }
    let lines: Vec<usize> = std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(k, _)| k + 1))
        .collect();
    let byte = |loc: sqlparser::tokenizer::Location| -> usize {
        let start = lines
            .get(usize::try_from(loc.line).unwrap_or(1).saturating_sub(1))
            .copied()
            .unwrap_or(sql.len());
        let col = usize::try_from(loc.column).unwrap_or(1).saturating_sub(1);
        sql[start..]
            .char_indices()
            .nth(col)
            .map(|(b, _)| start + b)
            .unwrap_or(sql.len())
    };
    let mut out = String::with_capacity(sql.len());
    let mut at = 0;
    for (first, last, with) in edits {
        let (from, to) = (byte(toks[first].span.start), byte(toks[last].span.end));
        out.push_str(&sql[at..from]);
        out.push_str(&with);
        at = to;
    }
    out.push_str(&sql[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::load_embedded;

    fn k(sql: &str) -> Kind {
        classify(&load_embedded().expect("provider"), sql)
    }

    #[test]
    fn session_statements() {
        assert_eq!(
            k("SET extra_float_digits = 3"),
            Kind::Set {
                name: "extra_float_digits".into(),
                value: "3".into()
            }
        );
        assert_eq!(
            k("SET SESSION application_name TO 'x y'"),
            Kind::Set {
                name: "application_name".into(),
                value: "x y".into()
            }
        );
        assert_eq!(
            k("SHOW transaction isolation level"),
            Kind::Show("transaction_isolation".into())
        );
        assert_eq!(
            k("show standard_conforming_strings"),
            Kind::Show("standard_conforming_strings".into())
        );
        assert_eq!(k("BEGIN"), Kind::Begin);
        assert_eq!(
            k("START TRANSACTION ISOLATION LEVEL READ COMMITTED"),
            Kind::Begin
        );
        assert_eq!(k("commit"), Kind::Commit);
        assert_eq!(k("ROLLBACK"), Kind::Rollback);
        assert_eq!(
            k("ROLLBACK TO SAVEPOINT \"_pg3_1\""),
            Kind::RollbackTo("ROLLBACK TO SAVEPOINT \"_pg3_1\"".into())
        );
        assert_eq!(k("DISCARD ALL"), Kind::Noop("DISCARD ALL".into()));
    }

    #[test]
    fn stackql_statements_go_to_the_engine() {
        let show = "SHOW SERVICES IN github";
        assert_eq!(k(show), Kind::Engine(show.into()));
        assert!(matches!(
            k("DESCRIBE github.packages.auth_user_versions"),
            Kind::Engine(_)
        ));
        assert!(matches!(
            k("EXEC github.packages.auth_user_versions.x @a=1"),
            Kind::Engine(_)
        ));
    }

    #[test]
    fn queries() {
        let q = "SELECT id FROM github.packages.auth_user_versions WHERE package_type = $1";
        assert_eq!(k(q), Kind::Engine(q.into()));
        assert_eq!(
            k("SELECT p.id FROM \"packages\".\"auth_user_versions\" p"),
            Kind::Engine("SELECT p.id FROM \"auth_user_versions\" p".into())
        );
        assert!(matches!(k("SELECT version()"), Kind::Catalog(_)));
        assert!(matches!(
            k("SELECT relname FROM pg_catalog.pg_class"),
            Kind::Catalog(_)
        ));
        // SQLite-only syntax Postgres cannot parse still reaches SQLite untouched.
        let glob = "SELECT 1 WHERE 'a' GLOB '*'";
        assert_eq!(k(glob), Kind::Engine(glob.into()));
    }
}
