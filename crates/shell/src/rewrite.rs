//! StackQL syntax on top of SQLite: statements split with sqlparser's tokenizer, and three-part
//! resource names (`github.packages.auth_user_versions`) rewritten to their SQLite table names.
//!
//! Working on tokens (not regexes, not a re-printed AST) keeps every other byte of the user's SQL
//! as written, so SQLite-only syntax sqlparser cannot parse still reaches SQLite untouched, and
//! names inside string literals or comments are never rewritten.

use sqlparser::dialect::SQLiteDialect;
use sqlparser::tokenizer::{Location, Token, Tokenizer, Whitespace};

use github_sql::spec::Provider;

/// Splits a script into statements at `;` tokens (never inside strings or comments), dropping
/// empty ones. A script the tokenizer rejects (an unterminated string, say) is returned whole, so
/// SQLite reports the error.
pub fn split_statements(sql: &str) -> Vec<String> {
    let dialect = SQLiteDialect {};
    let Ok(tokens) = Tokenizer::new(&dialect, sql).tokenize_with_location() else {
        return vec![sql.to_string()];
    };
    let offsets = LineIndex::new(sql);
    let mut statements = Vec::new();
    let mut start = 0;
    let mut meaningful = false;
    for t in &tokens {
        match &t.token {
            Token::SemiColon => {
                let at = offsets.byte(t.span.start);
                if meaningful {
                    statements.push(sql[start..at].trim().to_string());
                }
                start = at + 1;
                meaningful = false;
            }
            Token::Whitespace(_) | Token::EOF => {}
            _ => meaningful = true,
        }
    }
    if meaningful {
        statements.push(sql[start..].trim().to_string());
    }
    statements
}

/// Rewrites `provider.service.resource` names in one statement to SQLite table names, leaving
/// every other byte as written.
pub fn rewrite_names(provider: &Provider, sql: &str) -> String {
    let dialect = SQLiteDialect {};
    let Ok(tokens) = Tokenizer::new(&dialect, sql).tokenize_with_location() else {
        return sql.to_string();
    };
    let offsets = LineIndex::new(sql);
    let starts: Vec<usize> = tokens.iter().map(|t| offsets.byte(t.span.start)).collect();
    let end_of = |i: usize| starts.get(i + 1).copied().unwrap_or(sql.len());
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    while i < tokens.len() {
        if let Some((table, last)) = three_part_name(provider, &tokens, i) {
            out.push_str(&table);
            i = last + 1;
            continue;
        }
        out.push_str(&sql[starts[i]..end_of(i)]);
        i += 1;
    }
    out
}

/// Splits a script and rewrites resource names in each statement.
pub fn prepare_script(provider: &Provider, sql: &str) -> Vec<String> {
    split_statements(sql)
        .iter()
        .map(|s| rewrite_names(provider, s))
        .collect()
}

/// If tokens[i..] start `provider.service.resource` naming a known resource (and the name is not
/// itself qualified by something before it), returns its SQLite table name and the last token.
fn three_part_name(
    provider: &Provider,
    tokens: &[sqlparser::tokenizer::TokenWithSpan],
    i: usize,
) -> Option<(String, usize)> {
    let word = |j: usize| match tokens.get(j).map(|t| &t.token) {
        Some(Token::Word(w)) => Some(w.value.as_str()),
        _ => None,
    };
    let period = |j: usize| matches!(tokens.get(j).map(|t| &t.token), Some(Token::Period));
    if i > 0 && period(i - 1) {
        return None;
    }
    let (a, b, c) = (word(i)?, word(i + 2)?, word(i + 4)?);
    if !(period(i + 1) && period(i + 3)) {
        return None;
    }
    let resource = provider.resource_by_id(&format!("{a}.{b}.{c}"))?;
    Some((quote_ident(&resource.name), i + 4))
}

fn quote_ident(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
    {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// Byte offset of the first token that is not whitespace or a comment.
pub fn first_token_offset(sql: &str) -> Option<usize> {
    let dialect = SQLiteDialect {};
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .ok()?;
    let first = tokens
        .iter()
        .find(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))?;
    Some(LineIndex::new(sql).byte(first.span.start))
}

/// Whether a statement is only whitespace and comments.
pub fn is_blank(sql: &str) -> bool {
    let dialect = SQLiteDialect {};
    match Tokenizer::new(&dialect, sql).tokenize() {
        Ok(t) => t
            .iter()
            .all(|t| matches!(t, Token::Whitespace(_) | Token::EOF)),
        Err(_) => false,
    }
}

/// Whether the tokens of `sql` end with a `;` outside strings and comments (a complete input).
pub fn ends_statement(sql: &str) -> bool {
    let dialect = SQLiteDialect {};
    match Tokenizer::new(&dialect, sql).tokenize() {
        Ok(t) => t
            .iter()
            .rev()
            .find(|t| {
                !matches!(
                    t,
                    Token::Whitespace(Whitespace::Space | Whitespace::Newline | Whitespace::Tab)
                        | Token::EOF
                )
            })
            .is_some_and(|t| *t == Token::SemiColon),
        Err(_) => false,
    }
}

/// Maps sqlparser's (line, column) locations, counted in characters from 1, to byte offsets.
/// Linear overall: an ASCII line maps directly, and on other lines the walk resumes from the
/// previous lookup (tokens come in order), so a 200k-item IN list on one line is not quadratic.
struct LineIndex<'a> {
    sql: &'a str,
    line_starts: Vec<usize>,
    /// Whether each line is ASCII (a character is a byte).
    ascii: Vec<bool>,
    /// The last lookup on a non-ASCII line: (line, column, byte).
    cursor: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> LineIndex<'a> {
    fn new(sql: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(sql.match_indices('\n').map(|(i, _)| i + 1));
        let ascii = line_starts
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                let end = line_starts.get(i + 1).copied().unwrap_or(sql.len());
                sql.as_bytes()[s..end].is_ascii()
            })
            .collect();
        LineIndex {
            sql,
            line_starts,
            ascii,
            cursor: std::cell::Cell::new((usize::MAX, 0, 0)),
        }
    }

    fn byte(&self, loc: Location) -> usize {
        let line = usize::try_from(loc.line).unwrap_or(0).saturating_sub(1);
        let Some(&start) = self.line_starts.get(line) else {
            return self.sql.len();
        };
        let col = usize::try_from(loc.column).unwrap_or(1).saturating_sub(1);
        if self.ascii.get(line).copied().unwrap_or(false) {
            return (start + col).min(self.sql.len());
        }
        let (cl, cc, cb) = self.cursor.get();
        let (from_col, from_byte) = if cl == line && cc <= col {
            (cc, cb)
        } else {
            (0, start)
        };
        let found = self.sql[from_byte..]
            .char_indices()
            .nth(col - from_col)
            .map(|(b, _)| from_byte + b)
            .unwrap_or(self.sql.len());
        self.cursor.set((line, col, found));
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use github_sql::spec::load_embedded;

    fn prep(sql: &str) -> Vec<String> {
        prepare_script(&load_embedded().expect("provider"), sql)
    }

    #[test]
    fn three_part_names_become_tables() {
        assert_eq!(
            prep("SELECT id FROM github.packages.auth_user_versions WHERE package_type = 'npm'"),
            vec!["SELECT id FROM auth_user_versions WHERE package_type = 'npm'"]
        );
        // Qualified columns keep their column part; case and quoting are accepted.
        assert_eq!(
            prep("select GitHub.Packages.Auth_User_Versions.name from \"github\".packages.auth_user_versions"),
            vec!["select auth_user_versions.name from auth_user_versions"]
        );
    }

    #[test]
    fn literals_comments_and_unknown_names_are_untouched() {
        let sql = "SELECT 'github.packages.auth_user_versions' -- github.packages.auth_user_versions\nFROM github.packages.nope";
        assert_eq!(prep(sql), vec![sql]);
        assert_eq!(
            prep("SELECT x.github.packages.auth_user_versions"),
            vec!["SELECT x.github.packages.auth_user_versions"]
        );
    }

    #[test]
    fn statements_split_on_semicolons_outside_strings() {
        assert_eq!(
            prep("SELECT ';' AS a; \n ; -- only a comment\n SELECT 2;"),
            vec!["SELECT ';' AS a", "-- only a comment\n SELECT 2"]
        );
        assert!(prep("  ;; -- nothing\n").is_empty());
        assert_eq!(
            prep("SELECT 'é', 'ü' FROM github.packages.auth_user_versions"),
            vec!["SELECT 'é', 'ü' FROM auth_user_versions"]
        );
    }

    #[test]
    fn completeness() {
        assert!(ends_statement("SELECT 1;"));
        assert!(ends_statement("SELECT 1;  \n"));
        assert!(!ends_statement("SELECT ';'"));
        assert!(!ends_statement("SELECT 1"));
        assert!(is_blank(" -- hi\n /* x */ "));
        assert!(!is_blank("SELECT 1"));
    }
}
