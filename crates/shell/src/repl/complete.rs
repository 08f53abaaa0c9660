//! Tab completion from the provider document: keywords, table names (bare and three-part),
//! columns of the tables the statement names, EXEC methods and their `@parameters`, and the
//! shell's dot and backslash commands.

use std::sync::{Arc, Mutex};

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use github_sql::spec::{Provider, Resource};

use crate::repl::dot::{BACKSLASH_COMMANDS, DOT_COMMANDS, MODES};

/// SQL and StackQL keywords offered where a keyword may go.
pub const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "LIKE",
    "GLOB",
    "BETWEEN",
    "ORDER",
    "BY",
    "GROUP",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "DESC",
    "ASC",
    "AS",
    "JOIN",
    "LEFT",
    "INNER",
    "CROSS",
    "ON",
    "USING",
    "DISTINCT",
    "COUNT",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "WITH",
    "UNION",
    "ALL",
    "EXISTS",
    "DELETE",
    "INSERT",
    "INTO",
    "VALUES",
    "CREATE",
    "TEMP",
    "TABLE",
    "VIEW",
    "TRIGGER",
    "DROP",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "EXPLAIN",
    "SHOW",
    "DESCRIBE",
    "EXTENDED",
    "EXEC",
    "PROVIDERS",
    "SERVICES",
    "RESOURCES",
    "METHODS",
];

/// Words after which a table name comes.
const BEFORE_TABLE: &[&str] = &[
    "FROM", "JOIN", "INTO", "UPDATE", "TABLE", "DESCRIBE", "DESC",
];

/// The completions for the text before the cursor: the byte where the completed word starts in
/// `line`, and the candidates. `pending` is the statement typed on earlier lines; `rest` is the
/// line after the cursor (its table names count too).
pub fn candidates(
    provider: &Provider,
    pending: &str,
    line: &str,
    pos: usize,
) -> (usize, Vec<String>) {
    let before = &line[..pos];
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || matches!(c, '_' | '.' | '@' | '$' | '\\' | '?'))
        .last()
        .map(|(i, _)| i)
        .unwrap_or(pos);
    let prefix = &before[start..];
    let statement_start = pending.trim().is_empty() && before[..start].trim().is_empty();
    let whole = format!("{pending}\n{line}");
    let words = meaningful_words(&format!("{pending}\n{}", &before[..start]));
    let first = words.first().map(String::as_str).unwrap_or("");
    let mut out: Vec<String> = Vec::new();

    if statement_start && prefix.starts_with('.') && !prefix[1..].contains('.') {
        out.extend(DOT_COMMANDS.iter().map(|s| s.to_string()));
    } else if statement_start && prefix.starts_with('\\') {
        out.extend(BACKSLASH_COMMANDS.iter().map(|s| s.to_string()));
    } else if pending.trim().is_empty() && (first == ".MODE") && words.len() == 1 {
        out.extend(MODES.iter().map(|s| s.to_string()));
    } else if pending.trim().is_empty()
        && matches!(first, ".HEADERS" | ".TIMER" | "\\TIMING")
        && words.len() == 1
    {
        out.extend(["on", "off"].map(String::from));
    } else if pending.trim().is_empty() && first == "\\X" && words.len() == 1 {
        out.extend(["on", "off", "auto"].map(String::from));
    } else if pending.trim().is_empty()
        && matches!(first, "HELP" | "\\?" | ".HELP")
        && words.len() == 1
    {
        out.extend(crate::repl::help::TOPICS.iter().map(|s| s.to_string()));
    } else if let Some(p) = prefix.strip_prefix('@') {
        let _ = p;
        if let Some((r, m)) = exec_method(provider, &whole) {
            let given = whole.to_ascii_lowercase();
            for param in r.call_order(&r.methods[m]) {
                let w = format!("@{}", param.name);
                if !given.contains(&format!("{}=", w.to_ascii_lowercase()))
                    && !given.contains(&format!("{} =", w.to_ascii_lowercase()))
                {
                    out.push(w);
                }
            }
        }
    } else if let Some((head, _)) = prefix.rsplit_once('.') {
        out.extend(dotted(
            provider,
            head,
            first == "EXEC" || first == "EXECUTE",
            &whole,
        ));
    } else {
        let last = words.last().map(String::as_str).unwrap_or("");
        if first == "EXEC" || first == "EXECUTE" {
            if words.len() == 1 {
                out.extend(exec_names(provider));
            }
        } else if first == "SHOW" && (last == "IN" || last == "FROM") {
            out.push(provider.name.clone());
            out.extend(provider.resources().map(|r| r.name.clone()));
        } else if first == "SHOW" {
            out.extend(
                [
                    "PROVIDERS",
                    "SERVICES",
                    "RESOURCES",
                    "METHODS",
                    "EXTENDED",
                    "IN",
                    "LIKE",
                ]
                .map(String::from),
            );
        } else if BEFORE_TABLE.contains(&last)
            || (matches!(first, ".SCHEMA" | "\\D") && pending.trim().is_empty())
        {
            out.extend(table_names(provider));
        } else {
            let tables = crate::suggest::tables_in(
                provider,
                &crate::rewrite::rewrite_names(provider, &whole),
            );
            for t in &tables {
                out.extend(t.resource.columns.iter().map(|c| c.name.clone()));
            }
            let lower = prefix.chars().next().is_some_and(char::is_lowercase);
            out.extend(KEYWORDS.iter().map(|k| {
                if lower {
                    k.to_ascii_lowercase()
                } else {
                    k.to_string()
                }
            }));
            if statement_start {
                // A statement starts with a keyword: `sel` is SELECT, not `selected_actions`.
                out.extend(["help", "exit", "quit"].map(String::from));
            } else {
                out.extend(table_names(provider));
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut matching: Vec<String> = out
        .into_iter()
        .filter(|c| {
            c.get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
        })
        .filter(|c| seen.insert(c.clone()))
        .collect();
    matching.sort();
    (start, matching)
}

/// The statement's words before the cursor, upper-cased (strings and comments left out).
fn meaningful_words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | '=' | ';'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect()
}

/// Bare table names and their three-part ids.
fn table_names(provider: &Provider) -> Vec<String> {
    provider
        .resources()
        .flat_map(|r| [r.name.clone(), r.id.clone()])
        .collect()
}

fn callable(r: &Resource) -> impl Iterator<Item = usize> + '_ {
    r.exec
        .iter()
        .chain(r.delete.iter())
        .chain(r.select.iter())
        .copied()
}

/// Every `id.method` an EXEC can call.
fn exec_names(provider: &Provider) -> Vec<String> {
    provider
        .resources()
        .flat_map(|r| callable(r).map(move |k| format!("{}.{}", r.id, r.methods[k].name)))
        .collect()
}

/// Completions of `head.`: services, resources, methods (after EXEC) or columns.
fn dotted(provider: &Provider, head: &str, exec: bool, whole: &str) -> Vec<String> {
    let parts: Vec<&str> = head.split('.').collect();
    let mut out = Vec::new();
    match parts.as_slice() {
        [p] if p.eq_ignore_ascii_case(&provider.name) => {
            out.extend(
                provider
                    .services
                    .iter()
                    // The service is never the end of a name: go on to its tables.
                    .map(|s| format!("{}.{}.", provider.name, s.name)),
            );
        }
        [p, s] if p.eq_ignore_ascii_case(&provider.name) => {
            out.extend(
                provider
                    .resources()
                    .filter(|r| r.service.eq_ignore_ascii_case(s))
                    .map(|r| r.id.clone()),
            );
        }
        _ => {}
    }
    let resource = provider.resource_by_id(head).or_else(|| {
        if parts.len() == 1 {
            provider.resource_by_name(head).or_else(|| {
                let sql = crate::rewrite::rewrite_names(provider, whole);
                crate::suggest::tables_in(provider, &sql)
                    .into_iter()
                    .find(|t| t.alias.eq_ignore_ascii_case(head))
                    .map(|t| t.resource)
            })
        } else {
            None
        }
    });
    if let Some(r) = resource {
        if exec {
            out.extend(callable(r).map(|k| format!("{head}.{}", r.methods[k].name)));
        } else {
            out.extend(r.columns.iter().map(|c| format!("{head}.{}", c.name)));
        }
    }
    out
}

/// The resource and method an `EXEC` statement names.
fn exec_method<'p>(provider: &'p Provider, text: &str) -> Option<(&'p Arc<Resource>, usize)> {
    let mut words = text.split_whitespace();
    let verb = words.find(|w| !w.is_empty())?;
    if !verb.eq_ignore_ascii_case("exec") && !verb.eq_ignore_ascii_case("execute") {
        return None;
    }
    let name = words.find(|w| {
        !w.starts_with("/*")
            && !w.ends_with("*/")
            && !w.eq_ignore_ascii_case("SHOWRESULTS")
            && *w != "/*+"
    })?;
    let (table, method) = name.rsplit_once('.')?;
    let r = provider
        .resource_by_id(table)
        .or_else(|| provider.resource_by_name(table))?;
    let m = callable(r).find(|&k| r.methods[k].name.eq_ignore_ascii_case(method))?;
    Some((r, m))
}

/// rustyline's helper: completion only (no hints, highlighting or validation).
pub struct ShellHelper {
    provider: Arc<Provider>,
    /// The statement typed on earlier lines, shared with the read loop.
    pub pending: Arc<Mutex<String>>,
}

impl ShellHelper {
    /// A helper completing from this provider.
    pub fn new(provider: Arc<Provider>) -> Self {
        ShellHelper {
            provider,
            pending: Arc::new(Mutex::new(String::new())),
        }
    }
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let pending = self.pending.lock().map(|p| p.clone()).unwrap_or_default();
        let (start, words) = candidates(&self.provider, &pending, line, pos);
        Ok((
            start,
            words
                .into_iter()
                .map(|w| Pair {
                    display: w.clone(),
                    replacement: w,
                })
                .collect(),
        ))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}
impl Highlighter for ShellHelper {}
impl Validator for ShellHelper {}
impl Helper for ShellHelper {}

#[cfg(test)]
mod tests {
    use super::*;
    use github_sql::spec::load_embedded;

    fn complete(pending: &str, line: &str) -> Vec<String> {
        let p = load_embedded().expect("provider");
        candidates(&p, pending, line, line.len()).1
    }

    #[test]
    fn a_statement_starts_with_a_keyword_not_a_table() {
        assert_eq!(complete("", "sel"), vec!["select".to_string()]);
    }

    #[test]
    fn tables_bare_and_three_part() {
        assert!(
            complete("", "SELECT * FROM auth_user_v").contains(&"auth_user_versions".to_string())
        );
        assert_eq!(
            complete("", "SELECT * FROM github.regis"),
            vec!["github.registry.".to_string()]
        );
        assert_eq!(
            complete("", "SELECT * FROM github.pack"),
            vec![
                "github.packages.".to_string(),
                "github.packages_generated.".to_string()
            ]
        );
        assert!(complete("", "SELECT * FROM github.packages.org_")
            .contains(&"github.packages.org_versions".to_string()));
    }

    #[test]
    fn columns_of_the_statements_tables() {
        let p = load_embedded().expect("provider");
        let line = "SELECT created FROM auth_user_versions";
        let (start, c) = candidates(&p, "", line, "SELECT created".len());
        assert_eq!(start, 7);
        assert_eq!(c, vec!["created_at".to_string()]);
        assert!(complete(
            "SELECT v.name FROM auth_user_versions v\n",
            "WHERE v.package_t"
        )
        .contains(&"v.package_type".to_string()));
    }

    #[test]
    fn exec_methods_and_params() {
        let c = complete("", "EXEC github.packages.auth_user_versions.res");
        assert_eq!(
            c,
            vec![
                "github.packages.auth_user_versions.restore_package_version_for_authenticated_user"
                    .to_string()
            ]
        );
        let c = complete(
            "",
            "EXEC github.packages.auth_user_versions.restore_package_version_for_authenticated_user @package_name='x', @package_",
        );
        assert_eq!(
            c,
            vec![
                "@package_type".to_string(),
                "@package_version_id".to_string()
            ]
        );
    }

    #[test]
    fn commands_and_keywords() {
        assert_eq!(complete("", ".sch"), vec![".schema".to_string()]);
        assert_eq!(complete("", "\\tim"), vec!["\\timing".to_string()]);
        assert_eq!(complete("", ".mode ma"), vec!["markdown".to_string()]);
        assert!(complete("", "sel").contains(&"select".to_string()));
        assert!(complete("", "SHOW EXT").contains(&"EXTENDED".to_string()));
    }
}
