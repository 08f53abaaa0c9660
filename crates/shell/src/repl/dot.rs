//! The shell's commands: sqlite3's dot commands that make sense here, psql's backslash commands,
//! and the bare words people type first (`help`, `exit`, `quit`). Recognised only at the start of
//! a statement, with or without a trailing `;`.

use crate::output::{Expanded, OutputFormat};
use crate::repl::state::{Flow, Shell};

/// Every command word, for completion and `help`.
pub const DOT_COMMANDS: &[&str] = &[
    ".exit", ".headers", ".help", ".mode", ".once", ".output", ".pager", ".quit", ".read",
    ".schema", ".stats", ".tables", ".timer",
];

/// psql's commands that the shell knows.
pub const BACKSLASH_COMMANDS: &[&str] =
    &["\\?", "\\d", "\\dt", "\\i", "\\o", "\\q", "\\timing", "\\x"];

/// `.mode` values.
pub const MODES: &[&str] = &["table", "box", "markdown", "line", "csv", "json"];

/// A parsed command.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// `help [topic]`, `\?`, `.help`.
    Help(String),
    /// `.quit`, `.exit`, `\q`, `exit`, `quit`.
    Quit,
    /// `.tables [pattern]`, `\dt`, `\d`.
    Tables(Option<String>),
    /// `.schema [table]`.
    Schema(Option<String>),
    /// `\d table`.
    Describe(String),
    /// `.mode [format]`.
    Mode(Option<String>),
    /// `.headers on|off`.
    Headers(Option<String>),
    /// `\x [on|off|auto]`.
    Expanded(Option<String>),
    /// `.timer on|off`, `\timing [on|off]`.
    Timer(Option<String>),
    /// `.stats on|off`: what each statement cost GitHub.
    Stats(Option<String>),
    /// `.pager [command|off]`.
    Pager(Option<String>),
    /// `.once FILE`.
    Once(Option<String>),
    /// `.output [FILE]`, `\o [FILE]`.
    Output(Option<String>),
    /// `.read FILE`, `\i FILE`.
    Read(Option<String>),
    /// Anything else that starts with `.` or `\`.
    Unknown(String),
}

/// The rest of the line after the command word, unquoted; `None` when empty.
fn argument(rest: &str) -> Option<String> {
    let a = rest.trim();
    let a = a
        .strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .or_else(|| a.strip_prefix('"').and_then(|x| x.strip_suffix('"')))
        .unwrap_or(a);
    (!a.is_empty()).then(|| a.to_string())
}

/// The command on this line, if it is one.
pub fn parse(line: &str) -> Option<Command> {
    let line = line.trim();
    let bare = line.trim_end_matches(';').trim_end();
    let (word, rest) = bare.split_once(char::is_whitespace).unwrap_or((bare, ""));
    let arg = || argument(rest);
    let lower = word.to_ascii_lowercase();
    if let Some(dot) = lower.strip_prefix('.') {
        // sqlite3 accepts any unique prefix; the common abbreviations are listed.
        return Some(match dot {
            "help" | "h" => Command::Help(rest.trim().to_string()),
            "quit" | "q" | "exit" => Command::Quit,
            "tables" | "table" => Command::Tables(arg()),
            "schema" => Command::Schema(arg()),
            "mode" => Command::Mode(arg()),
            "headers" | "header" => Command::Headers(arg()),
            "timer" => Command::Timer(arg()),
            "stats" => Command::Stats(arg()),
            "pager" => Command::Pager(arg()),
            "once" => Command::Once(arg()),
            "output" | "out" => Command::Output(arg()),
            "read" => Command::Read(arg()),
            _ => Command::Unknown(word.to_string()),
        });
    }
    if let Some(bs) = word.strip_prefix('\\') {
        return Some(match bs {
            "?" | "h" | "help" => Command::Help(rest.trim().to_string()),
            "q" | "quit" => Command::Quit,
            "x" => Command::Expanded(arg()),
            "timing" => Command::Timer(arg()),
            "dt" => Command::Tables(arg()),
            "d" => match arg() {
                Some(t) => Command::Describe(t),
                None => Command::Tables(None),
            },
            "i" | "ir" => Command::Read(arg()),
            "o" => Command::Output(arg()),
            _ => Command::Unknown(word.to_string()),
        });
    }
    match lower.as_str() {
        "help" | "?" => Some(Command::Help(rest.trim().to_string())),
        "exit" | "quit" if rest.trim().is_empty() => Some(Command::Quit),
        _ => None,
    }
}

fn usage(msg: impl Into<String>) -> crate::Error {
    crate::Error::Usage(msg.into())
}

/// `on`/`off` (also true/false, yes/no, 1/0); `None` with no argument.
fn switch(name: &str, arg: Option<&str>) -> crate::Result<Option<bool>> {
    match arg.map(str::to_ascii_lowercase).as_deref() {
        None => Ok(None),
        Some("on" | "true" | "yes" | "1") => Ok(Some(true)),
        Some("off" | "false" | "no" | "0") => Ok(Some(false)),
        Some(other) => Err(usage(format!("{name} takes on or off, not {other}"))),
    }
}

fn open(path: &str) -> crate::Result<std::fs::File> {
    std::fs::File::create(path).map_err(|e| usage(format!("cannot write {path}: {e}")))
}

/// Runs a command.
pub fn run(shell: &mut Shell<'_>, cmd: Command) -> crate::Result<Flow> {
    let provider = shell.session.engine().provider.clone();
    match cmd {
        Command::Quit => return Ok(Flow::Quit),
        Command::Help(topic) => {
            let text = crate::repl::help::topic(&provider, &topic);
            shell.with_output(|_, out| Ok(writeln!(out, "{text}")?))?;
        }
        Command::Tables(pattern) => {
            let tables = list_tables(shell.session, pattern.as_deref());
            shell.with_output(|_, out| {
                for t in tables {
                    writeln!(out, "{t}")?;
                }
                Ok(())
            })?;
        }
        Command::Schema(table) => {
            let text = schema(shell.session, table.as_deref())?;
            shell.with_output(|_, out| Ok(writeln!(out, "{text}")?))?;
        }
        Command::Describe(table) => {
            shell.run_sql(&format!("DESCRIBE EXTENDED {table}"))?;
        }
        Command::Mode(None) => {
            let current = format!("{:?}", shell.session.format).to_ascii_lowercase();
            println!("current output mode: {current}; .mode {}", MODES.join("|"));
        }
        Command::Mode(Some(m)) => {
            shell.session.format =
                <OutputFormat as clap::ValueEnum>::from_str(&m, true).map_err(|_| {
                    let hint = crate::suggest::did_you_mean(&m, MODES.iter().copied());
                    usage(format!(".mode takes {}, not {m}{hint}", MODES.join(", ")))
                })?;
        }
        Command::Headers(a) => match switch(".headers", a.as_deref())? {
            Some(on) => shell.session.display.headers = on,
            None => println!(
                "headers: {}",
                if shell.session.display.headers {
                    "on"
                } else {
                    "off"
                }
            ),
        },
        Command::Expanded(a) => {
            let d = &mut shell.session.display;
            d.expanded = match a.as_deref().map(str::to_ascii_lowercase).as_deref() {
                None => match d.expanded {
                    Expanded::On => Expanded::Off,
                    _ => Expanded::On,
                },
                Some("on") => Expanded::On,
                Some("off") => Expanded::Off,
                Some("auto") => Expanded::Auto,
                Some(other) => {
                    return Err(usage(format!("\\x takes on, off or auto, not {other}")))
                }
            };
            eprintln!(
                "Expanded display is {}.",
                match d.expanded {
                    Expanded::On => "on",
                    Expanded::Off => "off",
                    Expanded::Auto => "used automatically",
                }
            );
        }
        Command::Timer(a) => {
            shell.timer = switch("timer", a.as_deref())?.unwrap_or(!shell.timer);
            eprintln!("Timing is {}.", if shell.timer { "on" } else { "off" });
        }
        Command::Stats(a) => {
            shell.stats = switch("stats", a.as_deref())?.unwrap_or(!shell.stats);
            eprintln!(
                "GitHub request figures are {}.",
                if shell.stats { "on" } else { "off" }
            );
        }
        Command::Pager(a) => {
            let d = &mut shell.session.display;
            match a.as_deref() {
                None => println!(
                    "pager: {}",
                    d.pager
                        .as_deref()
                        .unwrap_or("off (wide tables are shown vertically)")
                ),
                Some("off") => d.pager = None,
                Some("on") => {
                    d.pager = Some(
                        crate::output::pager::pager_from_env().unwrap_or_else(|| "less".into()),
                    )
                }
                Some(cmd) => d.pager = Some(cmd.to_string()),
            }
        }
        Command::Once(None) => return Err(usage(".once needs a file: .once out.txt")),
        Command::Once(Some(path)) => shell.once = Some(open(&path)?),
        Command::Output(None) => shell.output = None,
        Command::Output(Some(path)) if path == "stdout" || path == "-" => shell.output = None,
        Command::Output(Some(path)) => shell.output = Some(open(&path)?),
        Command::Read(None) => return Err(usage(".read needs a file: .read script.sql")),
        Command::Read(Some(path)) => return shell.read_file(&path),
        Command::Unknown(word) => {
            let all = DOT_COMMANDS.iter().chain(BACKSLASH_COMMANDS).copied();
            return Err(usage(match crate::suggest::nearest(&word, all) {
                Some(n) => format!("unknown command {word}; did you mean {n}?"),
                None => format!("unknown command {word}; .help lists the commands"),
            }));
        }
    }
    Ok(Flow::Continue)
}

/// Whether `name` matches a `.tables` pattern (SQL LIKE: `%` any run, `_` one character).
fn like(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('%'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some('_'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

/// `.tables`: the provider's tables (with their StackQL ids), then the session's own.
fn list_tables(session: &crate::Session, pattern: Option<&str>) -> Vec<String> {
    let keep = |n: &str| pattern.is_none_or(|p| like(p, n));
    let mut lines: Vec<String> = session
        .engine()
        .provider
        .resources()
        .filter(|r| keep(&r.name) || keep(&r.id))
        .map(|r| format!("{:<28} {}", r.name, r.id))
        .collect();
    if let Ok(mut stmt) = session.connection().prepare(
        "SELECT name FROM sqlite_schema WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' \
         UNION SELECT 'temp.' || name FROM sqlite_temp_schema WHERE type IN ('table','view') ORDER BY 1",
    ) {
        if let Ok(rows) = stmt.query_map([], |r| r.get::<_, String>(0)) {
            lines.extend(rows.filter_map(|r| r.ok()).filter(|n| keep(n)));
        }
    }
    lines
}

/// `.schema [TABLE]`: each provider table's CREATE TABLE (hidden columns are the WHERE-only
/// parameters), and the session's own tables, views and triggers.
fn schema(session: &crate::Session, table: Option<&str>) -> crate::Result<String> {
    let provider = &session.engine().provider;
    let mut out = Vec::new();
    let wanted = match table {
        Some(t) => {
            let parts: Vec<String> = t.split('.').map(str::to_string).collect();
            match crate::stackql::resolve_resource(provider, &parts) {
                Ok(r) => Some(r.name.clone()),
                Err(e) => {
                    let own = session
                        .connection()
                        .query_row(
                            "SELECT (SELECT count(*) FROM sqlite_schema WHERE tbl_name = ?1 COLLATE NOCASE) + \
                             (SELECT count(*) FROM sqlite_temp_schema WHERE tbl_name = ?1 COLLATE NOCASE)",
                            [t],
                            |r| r.get::<_, i64>(0),
                        )
                        .unwrap_or(0);
                    if own == 0 {
                        return Err(e);
                    }
                    Some(t.to_string())
                }
            }
        }
        None => None,
    };
    for r in provider.resources() {
        if wanted
            .as_deref()
            .is_some_and(|w| !w.eq_ignore_ascii_case(&r.name))
        {
            continue;
        }
        let sql = github_sql::ddl::create_table_sql(r);
        let body = sql.strip_prefix("CREATE TABLE x").unwrap_or(&sql);
        out.push(format!("CREATE TABLE {}{body}; -- {}", r.name, r.id));
    }
    let mut stmt = session.connection().prepare(
        "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND (?1 IS NULL OR tbl_name = ?1 COLLATE NOCASE) \
         UNION ALL SELECT sql FROM sqlite_temp_schema WHERE sql IS NOT NULL AND (?1 IS NULL OR tbl_name = ?1 COLLATE NOCASE)",
    )?;
    let rows = stmt.query_map([wanted.as_deref()], |r| r.get::<_, String>(0))?;
    for sql in rows {
        out.push(format!("{};", sql?));
    }
    Ok(out.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_with_and_without_semicolons() {
        assert_eq!(parse("help;"), Some(Command::Help(String::new())));
        assert_eq!(
            parse("  help delete "),
            Some(Command::Help("delete".into()))
        );
        assert_eq!(parse("\\?"), Some(Command::Help(String::new())));
        assert_eq!(parse("exit;"), Some(Command::Quit));
        assert_eq!(parse("QUIT"), Some(Command::Quit));
        assert_eq!(parse("\\q"), Some(Command::Quit));
        assert_eq!(
            parse(".headers off"),
            Some(Command::Headers(Some("off".into())))
        );
        assert_eq!(parse("\\x"), Some(Command::Expanded(None)));
        assert_eq!(
            parse(".read 'a b.sql'"),
            Some(Command::Read(Some("a b.sql".into())))
        );
        assert_eq!(parse("SELECT 1;"), None);
        assert_eq!(parse("exit_code_table"), None);
    }

    #[test]
    fn like_patterns() {
        assert!(like("%versions", "org_versions"));
        assert!(like("auth_%", "AUTH_user_packages"));
        assert!(!like("org%", "user_versions"));
    }
}
