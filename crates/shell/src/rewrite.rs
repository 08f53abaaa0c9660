//! StackQL syntax on top of SQLite: statements split where SQLite ends them (`ends`), and
//! three-part resource names (`github.packages.auth_user_versions`) rewritten to their SQLite table names.
//!
//! Working on tokens (not regexes, not a re-printed AST) keeps every other byte of the user's SQL
//! as written, so SQLite-only syntax sqlparser cannot parse still reaches SQLite untouched, and
//! names inside string literals or comments are never rewritten.

use sqlparser::dialect::SQLiteDialect;
use sqlparser::tokenizer::{Location, Token, Tokenizer};

use github_sql::spec::Provider;

pub(crate) mod ends;

/// Splits a script into statements where SQLite itself would end them: at a `;` outside strings
/// and comments after which `sqlite3_complete` says the input is complete, so a `CREATE TRIGGER`
/// body (`BEGIN …; …; END;`) stays one statement. Blank statements are dropped. One pass over
/// the script, however many `;` its strings and trigger bodies hold.
pub fn split_statements(sql: &str) -> Vec<String> {
    let mut ends = Vec::new();
    ends::Ends::default().scan(sql, |i| ends.push(i));
    let mut statements = Vec::new();
    let mut start = 0;
    for end in ends.into_iter().map(Some).chain([None]) {
        let stmt = sql[start..end.unwrap_or(sql.len())].trim();
        if !is_blank(stmt) {
            statements.push(stmt.to_string());
        }
        start = end.map_or(sql.len(), |i| i + 1);
    }
    statements
}

/// SQLite's own `sqlite3_complete`: whether `sql` ends with a `;` that ends a statement (outside
/// strings, comments and trigger bodies). Text with a NUL byte cannot be passed whole; it counts
/// as complete at its last `;` so SQLite reports the problem.
pub fn is_complete(sql: &str) -> bool {
    match std::ffi::CString::new(sql) {
        // SAFETY: a valid NUL-terminated string, read only for the call's duration.
        Ok(c) => unsafe { rusqlite::ffi::sqlite3_complete(c.as_ptr()) != 0 },
        Err(_) => sql.trim_end().ends_with(';'),
    }
}

/// Rewrites `provider.service.resource` names in one statement to SQLite table names, leaving
/// every other byte as written.
pub fn rewrite_names(provider: &Provider, sql: &str) -> String {
    rewrite_mapped(provider, sql).sql
}

/// A rewritten statement and where its bytes came from, so an error offset in the rewritten SQL
/// can point at what the user typed.
#[derive(Clone, Debug, Default)]
pub struct Rewritten {
    /// The SQL for SQLite.
    pub sql: String,
    /// (offset in `sql`, offset in the input, whether the piece was replaced), in order.
    pieces: Vec<(usize, usize, bool)>,
}

impl Rewritten {
    /// The input offset of byte `at` of the rewritten SQL (the start of a replaced name for any
    /// byte inside its replacement).
    pub fn input_offset(&self, at: usize) -> usize {
        match self.pieces.iter().rev().find(|(out, _, _)| *out <= at) {
            Some(&(out, input, false)) => input + (at - out),
            Some(&(_, input, true)) => input,
            None => at,
        }
    }
}

impl Rewritten {
    /// The input text that byte `at` of the rewritten SQL replaced, when it falls inside a
    /// rewritten name (`github.packages.auth_user_versions` for `auth_user_versions`).
    pub fn replaced_input<'i>(&self, input: &'i str, at: usize) -> Option<&'i str> {
        let k = self.pieces.iter().rposition(|(out, _, _)| *out <= at)?;
        let (_, start, replaced) = self.pieces[k];
        let end = self.pieces.get(k + 1).map(|p| p.1)?;
        replaced.then(|| input.get(start..end)).flatten()
    }
}

/// [`rewrite_names`], keeping the offset map.
pub fn rewrite_mapped(provider: &Provider, sql: &str) -> Rewritten {
    let dialect = SQLiteDialect {};
    let Ok(tokens) = Tokenizer::new(&dialect, sql).tokenize_with_location() else {
        return Rewritten {
            sql: sql.to_string(),
            pieces: vec![(0, 0, false)],
        };
    };
    let offsets = LineIndex::new(sql);
    let starts: Vec<usize> = tokens.iter().map(|t| offsets.byte(t.span.start)).collect();
    let end_of = |i: usize| starts.get(i + 1).copied().unwrap_or(sql.len());
    let mut out = String::with_capacity(sql.len());
    let mut pieces = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let Some((table, last)) = three_part_name(provider, &tokens, i) {
            pieces.push((out.len(), starts[i], true));
            out.push_str(&table);
            pieces.push((out.len(), end_of(last), false));
            i = last + 1;
            continue;
        }
        if pieces.is_empty() {
            pieces.push((out.len(), starts[i], false));
        }
        out.push_str(&sql[starts[i]..end_of(i)]);
        i += 1;
    }
    Rewritten { sql: out, pieces }
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

/// Whether a statement is only whitespace and comments, as sqlparser's SQLite tokenizer reads
/// them (`--` to the end of the line, `/* … */` not nested, an unclosed one to the end). It stops at the first
/// other byte, so asking about a long statement costs only its leading comments.
pub fn is_blank(sql: &str) -> bool {
    let b = sql.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            // sqlparser's whitespace below U+0080 (`char::is_whitespace`); every character from
            // U+0080 up starts a word in its SQLite dialect.
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => i += 1,
            b'-' if b.get(i + 1) == Some(&b'-') => {
                match b[i + 2..].iter().position(|&c| c == b'\n') {
                    Some(n) => i += n + 3,
                    None => return true,
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                match b[i + 2..].windows(2).position(|w| w == b"*/") {
                    Some(n) => i += n + 4,
                    // The SQLite dialect lets a comment run to the end unclosed.
                    None => return true,
                }
            }
            _ => return false,
        }
    }
    true
}

/// Whether `sql` is a complete input: it ends a statement as SQLite's `sqlite3_complete` sees it
/// (a `;` outside strings, comments and trigger bodies).
pub fn ends_statement(sql: &str) -> bool {
    !is_blank(sql) && is_complete(sql)
}

/// Maps sqlparser's (line, column) locations, counted in characters from 1, to byte offsets.
/// Linear overall: an ASCII line maps directly, and on other lines the walk resumes from the
/// previous lookup (tokens come in order), so a 200k-item IN list on one line is not quadratic.
pub(crate) struct LineIndex<'a> {
    sql: &'a str,
    line_starts: Vec<usize>,
    /// Whether each line is ASCII (a character is a byte).
    ascii: Vec<bool>,
    /// The last lookup on a non-ASCII line: (line, column, byte).
    cursor: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(sql: &'a str) -> Self {
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

    pub(crate) fn byte(&self, loc: Location) -> usize {
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
    fn trigger_bodies_stay_whole() {
        let sql = "CREATE TEMP TABLE x(a);\nCREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN\n  SELECT 1;\n  SELECT ';';\nEND;\nSELECT 2;";
        let s = split_statements(sql);
        assert_eq!(s.len(), 3, "{s:?}");
        assert!(
            s[1].starts_with("CREATE TEMP TRIGGER") && s[1].ends_with("END"),
            "{s:?}"
        );
        assert_eq!(s[2], "SELECT 2");
    }

    #[test]
    fn offsets_map_back_to_the_input() {
        let p = load_embedded().expect("provider");
        let input = "SELECT nme FROM github.packages.auth_user_versions WHERE x = 1";
        let r = rewrite_mapped(&p, input);
        assert_eq!(r.sql, "SELECT nme FROM auth_user_versions WHERE x = 1");
        assert_eq!(r.input_offset(7), 7);
        let w = r.sql.find("WHERE").expect("where");
        assert_eq!(&input[r.input_offset(w)..r.input_offset(w) + 5], "WHERE");
        assert_eq!(
            r.input_offset(r.sql.find("auth").expect("t") + 3),
            input.find("github").expect("g")
        );
    }

    #[test]
    fn completeness() {
        assert!(ends_statement("SELECT 1;"));
        assert!(ends_statement("SELECT 1;  \n"));
        assert!(!ends_statement("SELECT ';'"));
        assert!(!ends_statement("SELECT 1"));
        assert!(!ends_statement(
            "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1;"
        ));
        assert!(ends_statement(
            "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; SELECT 2; END;"
        ));
        assert!(is_blank(" -- hi\n /* x */ "));
        assert!(!is_blank("SELECT 1"));
        // sqlparser's SQLite dialect lets a block comment run unclosed to the end.
        assert!(is_blank("/*"));
        assert!(is_blank(" /* x; SELECT 1"));
        assert!(!is_blank("/* x */ ."));
    }

    /// The splitter before it scanned once: `sqlite3_complete` asked at every `;`.
    fn split_by_sqlite3_complete(sql: &str) -> Vec<String> {
        let mut statements = Vec::new();
        let mut start = 0;
        for (i, _) in sql.match_indices(';') {
            if i >= start && is_complete(&sql[start..=i]) {
                let stmt = sql[start..i].trim();
                if !is_blank(stmt) {
                    statements.push(stmt.to_string());
                }
                start = i + 1;
            }
        }
        let rest = sql[start..].trim();
        if !is_blank(rest) {
            statements.push(rest.to_string());
        }
        statements
    }

    /// A script with every kind of `;` that does not end a statement, its IN list `n` long.
    fn tricky_script(n: usize) -> (String, Vec<String>) {
        let items: Vec<String> = (0..n)
            .map(|i| match i % 5 {
                0 => format!("'{i};'"),
                1 => format!("(({i}))"),
                2 => format!("\"c;{i}\""),
                3 => format!("/* ; */ {i}"),
                _ => format!("'é{i}'"),
            })
            .collect();
        let expected = vec![
            format!(
                "SELECT count(*) FROM (SELECT 1) WHERE 'x' IN ({}) -- no end here;\n AND [a;b] IS NULL",
                items.join(",\n")
            ),
            "-- a blank statement before\nCREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN\n  SELECT ';';\n  -- a comment;\n  SELECT (1);\nEND".to_string(),
            "-- before\nSELECT `q;` FROM github.packages.auth_user_versions".to_string(),
            "SELECT 'last' /* no ; */".to_string(),
        ];
        let script = format!(
            "{};\n; {};{}; {}",
            expected[0], expected[1], expected[2], expected[3]
        );
        (script, expected)
    }

    #[test]
    fn a_long_script_splits_as_sqlite_ends_it() {
        let same = |a: &[String], b: &[String]| {
            // Compared without printing megabytes.
            assert_eq!(a.len(), b.len(), "statements");
            for (k, (x, y)) in a.iter().zip(b).enumerate() {
                assert!(
                    x == y,
                    "statement {k} differs: {:?}…",
                    &x[..x.len().min(80)]
                );
            }
        };
        let (script, expected) = tricky_script(20_000);
        same(&split_statements(&script), &expected);
        // Against the old rule (quadratic, so a shorter list).
        let (script, expected) = tricky_script(1_000);
        same(&split_by_sqlite3_complete(&script), &expected);
        same(&split_statements(&script), &expected);
        assert_eq!(
            split_statements("a\0;b;"),
            split_by_sqlite3_complete("a\0;b;")
        );
    }

    #[test]
    fn a_long_statement_rewrites_and_maps_back() {
        let p = load_embedded().expect("provider");
        let items: Vec<String> = (0..100_000).map(|i| i.to_string()).collect();
        let input = format!(
            "SELECT 'é', github.packages.auth_user_versions.id FROM github.packages.auth_user_versions WHERE id IN ({}) AND 'ü' <> 'github.packages.auth_user_versions'",
            items.join(", ")
        );
        let r = rewrite_mapped(&p, &input);
        assert_eq!(
            r.sql,
            input.replacen(
                "github.packages.auth_user_versions",
                "auth_user_versions",
                2
            )
        );
        let last = r.sql.rfind("99999").expect("last item");
        assert_eq!(&input[r.input_offset(last)..][..5], "99999");
        let table = r.sql.find("auth_user_versions WHERE").expect("table");
        assert_eq!(
            r.replaced_input(&input, table),
            Some("github.packages.auth_user_versions")
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// The early-stopping scan says what sqlparser's tokenizer says.
        #[test]
        fn blank_as_the_tokenizer_reads_it(pieces in proptest::collection::vec(
            proptest::sample::select(vec![
                " ", "\n", "\r", "\t", "\x0b", "\x0c", "\x01", "-", "--", "/", "*", "/*", "*/",
                "x", ";", "'", "é", "\u{a0}", "\u{2028}", "\0", "#",
            ]),
            0..16,
        )) {
            let text = pieces.concat();
            let tokenized = match Tokenizer::new(&SQLiteDialect {}, &text).tokenize() {
                Ok(t) => t.iter().all(|t| matches!(t, Token::Whitespace(_) | Token::EOF)),
                Err(_) => false,
            };
            proptest::prop_assert_eq!(is_blank(&text), tokenized, "{:?}", text);
        }
    }
}
