//! Errors that point at what the user typed: the offset mapped back from the rewritten SQL with a
//! caret under it, the nearest table, column, method or parameter ("did you mean …?"), and
//! SQLite's bare `no query solution` explained from the provider document.

use sqlparser::dialect::SQLiteDialect;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use github_sql::spec::{Param, Provider, Resource};

use crate::rewrite::{LineIndex, Rewritten};

/// Edit distance (Levenshtein, case-insensitive), for suggestions.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate nearest to `word`, if it is near enough to be what was meant: within a third of
/// the word's length (at least 2 edits), or one that starts with the word.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .filter(|c| !c.eq_ignore_ascii_case(word))
        .map(|c| {
            let d = distance(word, c);
            let prefix = word.len() >= 3 && c.to_lowercase().starts_with(&word.to_lowercase());
            (if prefix { d.min(limit) } else { d }, c)
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
}

/// `"; did you mean X?"` for the nearest candidate, or nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    nearest(word, candidates)
        .map(|c| format!("; did you mean {c}?"))
        .unwrap_or_default()
}

/// The line of `input` holding byte `offset`, and a caret under that byte (both indented).
pub fn caret(input: &str, offset: usize) -> String {
    let offset = offset.min(input.len());
    let offset = (0..=offset)
        .rev()
        .find(|&o| input.is_char_boundary(o))
        .unwrap_or(0);
    let start = input[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let end = input[offset..]
        .find('\n')
        .map(|i| offset + i)
        .unwrap_or(input.len());
    let column: String = input[start..offset]
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    format!("  {}\n  {column}^", &input[start..end])
}

/// Meaningful tokens with their byte offsets. Linear in the statement: offsets come from the
/// shared line index (walking each token's line from its start was quadratic on one long line:
/// 20,000 IN-list items took over a second, 200,000 minutes).
pub(crate) fn tokens(sql: &str) -> Vec<(usize, Token)> {
    let dialect = SQLiteDialect {};
    let Ok(tokens) = Tokenizer::new(&dialect, sql).tokenize_with_location() else {
        return Vec::new();
    };
    let offsets = LineIndex::new(sql);
    tokens
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
        .map(|t: TokenWithSpan| (offsets.byte(t.span.start), t.token))
        .collect()
}

fn word(t: Option<&(usize, Token)>) -> Option<&str> {
    match t {
        Some((_, Token::Word(w))) => Some(w.value.as_str()),
        _ => None,
    }
}

fn is_period(t: Option<&(usize, Token)>) -> bool {
    matches!(t, Some((_, Token::Period)))
}

/// A provider table named in a statement, with its alias (the name itself when there is none).
#[derive(Debug)]
pub struct TableRef<'p> {
    /// The resource.
    pub resource: &'p std::sync::Arc<Resource>,
    /// What the statement calls it.
    pub alias: String,
}

/// The provider tables a (rewritten) statement names, in order, with their aliases.
pub fn tables_in<'p>(provider: &'p Provider, sql: &str) -> Vec<TableRef<'p>> {
    let toks = tokens(sql);
    let mut out: Vec<TableRef<'p>> = Vec::new();
    for (i, _) in toks.iter().enumerate() {
        let Some(name) = word(toks.get(i)) else {
            continue;
        };
        if i > 0 && is_period(toks.get(i - 1)) || is_period(toks.get(i + 1)) {
            continue;
        }
        let Some(resource) = provider.resource_by_name(name) else {
            continue;
        };
        let mut j = i + 1;
        if matches!(word(toks.get(j)), Some(w) if w.eq_ignore_ascii_case("as")) {
            j += 1;
        }
        let alias = match toks.get(j) {
            Some((_, Token::Word(w)))
                if w.quote_style.is_some()
                    || !matches!(
                        w.value.to_ascii_uppercase().as_str(),
                        "WHERE"
                            | "JOIN"
                            | "ON"
                            | "LEFT"
                            | "INNER"
                            | "CROSS"
                            | "NATURAL"
                            | "ORDER"
                            | "GROUP"
                            | "LIMIT"
                            | "USING"
                            | "SET"
                            | "UNION"
                            | "EXCEPT"
                            | "INTERSECT"
                            | "HAVING"
                            | "WINDOW"
                            | "RETURNING"
                            | "INDEXED"
                            | "NOT"
                            | "FULL"
                            | "RIGHT"
                            | "OUTER"
                    ) =>
            {
                w.value.clone()
            }
            _ => name.to_string(),
        };
        if !out
            .iter()
            .any(|t| t.alias == alias && t.resource.id == resource.id)
        {
            out.push(TableRef { resource, alias });
        }
    }
    out
}

/// A `provider.service.name` in the statement (not after a `.`) that names no resource: an error
/// with the nearest resource and a caret, instead of SQLite's bare `near ".": syntax error`.
pub fn check_three_part_names(provider: &Provider, input: &str) -> Result<(), crate::Error> {
    let toks = tokens(input);
    for i in 0..toks.len() {
        let (Some(a), Some(b), Some(c)) = (
            word(toks.get(i)),
            word(toks.get(i + 2)),
            word(toks.get(i + 4)),
        ) else {
            continue;
        };
        if !(is_period(toks.get(i + 1)) && is_period(toks.get(i + 3)))
            || (i > 0 && is_period(toks.get(i - 1)))
            || !a.eq_ignore_ascii_case(&provider.name)
        {
            continue;
        }
        let id = format!("{a}.{b}.{c}");
        if provider.resource_by_id(&id).is_some() {
            continue;
        }
        let ids: Vec<&str> = provider.resources().map(|r| r.id.as_str()).collect();
        let service_known = provider
            .services
            .iter()
            .any(|s| s.name.eq_ignore_ascii_case(b));
        let hint = match nearest(&id, ids.iter().copied()) {
            Some(n) => format!("did you mean {n}?"),
            None if service_known => format!("SHOW RESOURCES IN {a}.{b} lists them"),
            None => format!("SHOW SERVICES IN {a} lists the services"),
        };
        return Err(crate::Error::Usage(format!(
            "no table {id}; {hint}\n{}",
            caret(input, toks[i].0)
        )));
    }
    Ok(())
}

/// Whether `param` of the table known as `alias` (or by its name) is given a value the table can
/// be planned with on its own: `= literal`, `literal =`, or `IN (literal, …)`.
fn given_a_value(toks: &[(usize, Token)], t: &TableRef<'_>, param: &str, single: bool) -> bool {
    let literal = |k: usize| {
        matches!(
            toks.get(k).map(|x| &x.1),
            Some(
                Token::SingleQuotedString(_)
                    | Token::Number(_, _)
                    | Token::Placeholder(_)
                    | Token::LParen
            )
        )
    };
    for k in 0..toks.len() {
        if !matches!(word(toks.get(k)), Some(w) if w.eq_ignore_ascii_case(param)) {
            continue;
        }
        let qualified = k >= 2 && is_period(toks.get(k - 1));
        if qualified {
            let q = word(toks.get(k - 2)).unwrap_or_default();
            if !(q.eq_ignore_ascii_case(&t.alias) || q.eq_ignore_ascii_case(&t.resource.name)) {
                continue;
            }
        } else if !single {
            continue;
        }
        let next = toks.get(k + 1).map(|x| &x.1);
        let by_eq = matches!(next, Some(Token::Eq | Token::DoubleEq)) && literal(k + 2);
        let by_in = matches!(word(toks.get(k + 1)), Some(w) if w.eq_ignore_ascii_case("in"))
            && literal(k + 2);
        let before = k >= 2
            && matches!(
                toks.get(k - 1).map(|x| &x.1),
                Some(Token::Eq | Token::DoubleEq)
            )
            && literal(k - 2);
        if by_eq || by_in || before {
            return true;
        }
    }
    false
}

fn allowed_hint(alias: &str, p: &Param) -> String {
    match &p.allowed {
        Some(values) if !values.is_empty() => format!(
            "WHERE {alias}.{} = '{}', or for all of them: WHERE {alias}.{} IN ({})",
            p.name,
            values[0],
            p.name,
            values
                .iter()
                .map(|v| format!("'{v}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => format!("WHERE {alias}.{} = '…'", p.name),
    }
}

/// SQLite's `no query solution`, explained: the table whose required parameter this statement
/// only gives through a join that cannot run first, and how to give it a value.
pub fn explain_no_solution(provider: &Provider, sql: &str) -> String {
    let toks = tokens(sql);
    let tables = tables_in(provider, sql);
    let single = tables.len() == 1;
    for t in &tables {
        for p in t.resource.select_required() {
            if given_a_value(&toks, t, &p.name, single) {
                continue;
            }
            let others: Vec<String> = tables
                .iter()
                .filter(|o| o.alias != t.alias)
                .map(|o| format!("{} ({})", o.resource.name, o.alias))
                .collect();
            let from = if others.is_empty() {
                "nothing in the statement supplies it".to_string()
            } else {
                format!(
                    "this statement only gives it through the join with {}, which needs {}'s rows first",
                    others.join(", "),
                    t.alias
                )
            };
            return format!(
                "no query solution: {} ({}) needs {} as a value (= or IN) before it can be read, and {from}; \
                 give it a value: {}",
                t.resource.name,
                t.alias,
                p.name,
                allowed_hint(&t.alias, p)
            );
        }
    }
    let needs: Vec<String> = tables
        .iter()
        .map(|t| {
            let req: Vec<String> = t
                .resource
                .select_required()
                .iter()
                .map(|p| p.name.clone())
                .collect();
            format!("{} needs {}", t.resource.name, req.join(" and "))
        })
        .collect();
    format!(
        "no query solution: no join order gives every table its required parameters ({}); \
         give one of the tables its values with = or IN so it can be read first",
        needs.join("; ")
    )
}

/// Where in the statement SQLite's message points, and what to suggest: a decorated message, or
/// `None` to keep the error as it is.
pub fn explain(
    provider: &Provider,
    input: &str,
    rewritten: &Rewritten,
    user_tables: &[String],
    err: &crate::Error,
) -> Option<String> {
    let (msg, offset) = match err {
        crate::Error::Sqlite(rusqlite::Error::SqlInputError {
            msg, sql, offset, ..
        }) => {
            let raw = usize::try_from(*offset)
                .ok()
                .filter(|_| *sql == rewritten.sql);
            let mut msg = msg.clone();
            // `near "auth_user_versions"` names what was typed: the three-part name.
            if let Some(typed) = raw.and_then(|o| rewritten.replaced_input(input, o)) {
                if let Some(rest) = msg.strip_prefix("near \"") {
                    if let Some((_, tail)) = rest.split_once('"') {
                        msg = format!("near \"{}\"{tail}", typed.trim());
                    }
                }
            }
            (msg, raw.map(|o| rewritten.input_offset(o)))
        }
        crate::Error::Sqlite(rusqlite::Error::SqliteFailure(_, Some(msg))) => (msg.clone(), None),
        _ => return None,
    };
    if msg == "no query solution" {
        return Some(explain_no_solution(provider, &rewritten.sql));
    }
    let toks = tokens(input);
    let find_word = |w: &str| {
        toks.iter()
            .find(|(_, t)| matches!(t, Token::Word(x) if x.value.eq_ignore_ascii_case(w)))
            .map(|(at, _)| *at)
    };
    let mut text = github_sql::error::hint(&msg);
    let mut offset = offset;
    if let Some(name) = msg.strip_prefix("no such table: ") {
        let bare = name.rsplit('.').next().unwrap_or(name);
        let mut names: Vec<&str> = provider.resources().map(|r| r.name.as_str()).collect();
        names.extend(user_tables.iter().map(String::as_str));
        text.push_str(&did_you_mean(bare, names));
        offset = offset.or_else(|| find_word(bare));
    } else if let Some(name) = msg.strip_prefix("no such column: ") {
        let (qual, bare) = match name.rsplit_once('.') {
            Some((q, b)) => (Some(q), b),
            None => (None, name),
        };
        let tables = tables_in(provider, &rewritten.sql);
        let cols: Vec<&str> = tables
            .iter()
            .filter(|t| qual.is_none_or(|q| q.eq_ignore_ascii_case(&t.alias)))
            .flat_map(|t| t.resource.columns.iter().map(|c| c.name.as_str()))
            .collect();
        if let Some(n) = nearest(bare, cols) {
            match qual {
                Some(q) => text.push_str(&format!("; did you mean {q}.{n}?")),
                None => text.push_str(&format!("; did you mean {n}?")),
            }
        }
        offset = offset.or_else(|| find_word(bare));
    }
    Some(match offset {
        Some(at) => format!("{text}\n{}", caret(input, at)),
        None => text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use github_sql::spec::load_embedded;

    #[test]
    fn token_offsets_on_one_long_line_and_after_it() {
        let items: Vec<String> = (0..50_000).map(|i| format!("'é{i}'")).collect();
        let sql = format!(
            "SELECT x FROM t WHERE x IN ({})\n AND ü = 1",
            items.join(", ")
        );
        let toks = tokens(&sql);
        assert_eq!(toks.len(), 2 * 50_000 - 1 + 13);
        for (at, t) in &toks {
            let text = t.to_string();
            assert!(sql[*at..].starts_with(&text), "{text} at {at}");
        }
        assert_eq!(toks.last().map(|t| t.0), Some(sql.len() - 1));
    }

    #[test]
    fn nearest_names() {
        let names = ["auth_user_versions", "auth_user_packages", "org_versions"];
        assert_eq!(
            nearest("auth_user_version", names),
            Some("auth_user_versions")
        );
        assert_eq!(nearest("org_vresions", names), Some("org_versions"));
        assert_eq!(nearest("completely_else", names), None);
        assert_eq!(nearest("nme", ["name", "id", "state"]), Some("name"));
    }

    #[test]
    fn caret_points_at_the_column() {
        assert_eq!(
            caret("SELECT 1;\nSELECT nme FROM t", 17),
            "  SELECT nme FROM t\n         ^"
        );
    }

    #[test]
    fn mistyped_three_part_names_are_named() {
        let p = load_embedded().expect("provider");
        let e = check_three_part_names(&p, "SELECT * FROM github.packages.auth_user_version")
            .expect_err("unknown");
        let e = e.to_string();
        assert!(
            e.starts_with("no table github.packages.auth_user_version; did you mean github.packages.auth_user_versions?"),
            "{e}"
        );
        assert!(e.ends_with("\n                ^"), "{e}");
        assert!(check_three_part_names(&p, "SELECT github.packages.auth_user_versions.name FROM github.packages.auth_user_versions").is_ok());
    }

    #[test]
    fn no_query_solution_names_the_parameter() {
        let p = load_embedded().expect("provider");
        let m = explain_no_solution(
            &p,
            "SELECT p.name, v.name FROM auth_user_packages p JOIN auth_user_versions v ON v.package_name = p.name AND v.package_type = p.package_type",
        );
        assert!(
            m.contains("auth_user_packages (p) needs package_type"),
            "{m}"
        );
        assert!(m.contains("WHERE p.package_type IN ('npm'"), "{m}");
    }
}
