//! The shell's help: `help`, `\?`, `.help`, and `help <topic>` for tables, EXEC, DELETE and
//! output. Table lists and examples come from the provider document, not from fixed text.

use github_sql::spec::Provider;

/// The topics `help <topic>` knows.
pub const TOPICS: &[&str] = &["tables", "exec", "delete", "output", "commands"];

const COMMANDS: &str = "\
Commands (at the start of a line; no ';' needed):
  help [TOPIC]  \\?  .help       this text; topics: tables, exec, delete, output, commands
  .tables [PATTERN]  \\dt        list the tables
  .schema [TABLE]  \\d [TABLE]   CREATE TABLE statements (columns, types, hidden parameters)
  .mode table|box|markdown|line|csv|json   output format
  .headers on|off               column names in table and CSV output
  \\x [on|off|auto]             vertical output (auto: when a table is wider than the terminal)
  .pager [COMMAND|off]          page results wider or taller than the terminal ($PAGER)
  .timer on|off  \\timing [on|off]   time each statement (and what it cost GitHub)
  .stats on|off                 requests, 304s, bytes and points of each statement
  .once FILE                    the next result goes to FILE
  .output [FILE]                results go to FILE (no FILE: back to the screen)
  .read FILE  \\i FILE          run the statements and commands in FILE
  .quit .exit \\q exit quit      leave (Ctrl-D too)
StackQL statements:
  SHOW PROVIDERS | SHOW SERVICES [IN github]
  SHOW [EXTENDED] RESOURCES [IN github.packages] [LIKE 'pat']
  SHOW [EXTENDED] METHODS IN [github.packages.]auth_user_versions
  DESCRIBE [EXTENDED] [github.packages.]auth_user_versions
  EXEC github.packages.<table>.<method> @param='value', …
Tab completes keywords, tables, columns, methods, @parameters and commands.";

/// The general help text.
pub fn general(provider: &Provider) -> String {
    let example = example_query(provider)
        .map(|q| format!("\nExample: {q}"))
        .unwrap_or_default();
    format!(
        "SQL over the {} API: statements end with ';' and may span lines. Tables have bare names \
         (auth_user_versions) or StackQL's three-part names ({}.packages.auth_user_versions).{example}\n\n{COMMANDS}",
        provider.name, provider.name
    )
}

/// An example query: on a table with curated examples (the document's own showcase) that needs
/// parameters, else the first that needs some, reading two of its own visible columns (`name`
/// and `created_at` when it has them) and giving each required parameter its first allowed
/// value or a placeholder.
pub fn example_query(provider: &Provider) -> Option<String> {
    let needs = |r: &&std::sync::Arc<github_sql::spec::Resource>| !r.select_required().is_empty();
    let r = provider
        .resources()
        .filter(needs)
        .find(|r| !r.examples.is_empty())
        .or_else(|| provider.resources().find(needs))?;
    let visible = |c: &&github_sql::spec::Column| !c.hidden;
    let columns: Vec<&str> = if ["name", "created_at"]
        .iter()
        .all(|n| r.columns.iter().filter(visible).any(|c| c.name == *n))
    {
        vec!["name", "created_at"]
    } else {
        r.columns
            .iter()
            .filter(visible)
            .filter(|c| c.param().is_none())
            .take(2)
            .map(|c| c.name.as_str())
            .collect()
    };
    let columns = if columns.is_empty() {
        "*".to_string()
    } else {
        columns.join(", ")
    };
    let wheres: Vec<String> = r
        .select_required()
        .iter()
        .map(|p| {
            let value = p
                .allowed
                .as_ref()
                .and_then(|a| a.first().cloned())
                .unwrap_or_else(|| "…".into());
            format!("{} = '{value}'", p.name)
        })
        .collect();
    Some(format!(
        "SELECT {columns} FROM {} WHERE {} LIMIT 5;",
        r.id,
        wheres.join(" AND ")
    ))
}

/// `help <topic>`; an unknown topic names the known ones.
pub fn topic(provider: &Provider, topic: &str) -> String {
    let t = topic
        .trim()
        .trim_end_matches(';')
        .trim()
        .to_ascii_lowercase();
    match t.as_str() {
        "" => general(provider),
        "tables" | "table" | "select" | "resources" => tables(provider),
        "exec" | "methods" => exec(provider),
        "delete" | "deletes" => DELETE.to_string(),
        "output" | "mode" | "format" | "pager" => OUTPUT.to_string(),
        "commands" | "dot" => COMMANDS.to_string(),
        other => {
            let hint = crate::suggest::did_you_mean(other, TOPICS.iter().copied());
            format!("no help on {other}{hint}; topics: {}", TOPICS.join(", "))
        }
    }
}

fn tables(provider: &Provider) -> String {
    let mut s =
        String::from("Tables (DESCRIBE <table> for columns; the WHERE parameters are required):\n");
    for r in provider.resources() {
        let req: Vec<String> = r.select_required().iter().map(|p| p.name.clone()).collect();
        s.push_str(&format!(
            "  {:<28} {}{}\n",
            r.name,
            r.title,
            if req.is_empty() {
                String::new()
            } else {
                format!("  [WHERE {}]", req.join(", "))
            }
        ));
    }
    s.push_str(
        "Parameters take = or IN (…): WHERE package_type IN ('npm', 'container') reads both.",
    );
    s
}

fn exec(provider: &Provider) -> String {
    let mut s = String::from(
        "EXEC calls a method with named arguments: EXEC <table id>.<method> @param='value', @n=123;\n\
         EXEC /*+ SHOWRESULTS */ … shows the answer. SHOW METHODS IN <table> lists a table's methods.\n\
         Methods:\n",
    );
    for r in provider.resources() {
        for &k in &r.exec {
            let m = &r.methods[k];
            let params: Vec<String> = m.required().map(|p| format!("@{}", p.name)).collect();
            s.push_str(&format!("  {}.{}  {}\n", r.id, m.name, params.join(", ")));
        }
    }
    s.pop();
    s
}

const DELETE: &str = "\
DELETE removes what it matches, through the table's delete method:
  DELETE FROM auth_user_versions WHERE package_type = 'container' AND package_name = 'octo/app'
    AND created_at < date('now', '-90 days');
ORDER BY / LIMIT / OFFSET choose rows too (keep the newest 10):
  DELETE FROM … WHERE … ORDER BY created_at DESC LIMIT -1 OFFSET 10;
--dry-run lists the rows and says whether confirmation would be needed; nothing is sent.
A bulk DELETE (more than GITHUB_SQL_CONFIRM_OVER rows, or every version of a package) asks
y/N on a terminal; --yes confirms. Inside BEGIN … COMMIT deletes are sent at COMMIT; ROLLBACK
sends nothing. RETURNING is not available (SQLite has none for these tables): SELECT first.";

const OUTPUT: &str = "\
Output:
  .mode table|box|markdown|line|csv|json   (-o on the command line)
  .headers on|off        column names in table and CSV output
  \\x on|off|auto         vertical output; auto (the default) turns a table wider than the
                         terminal vertical
  .pager less -S | off   page wide or long results ($GITHUB_SQL_PAGER or $PAGER picks one)
  .once FILE / .output FILE   send the next / every result to FILE (.output alone: screen)
  .timer on|off, \\timing  time each statement (and what it cost GitHub)
  .stats on|off  requests, 304s, bytes and points of each statement
The pager and automatic vertical output are off when output is not a terminal.";
