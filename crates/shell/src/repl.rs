//! `github-sql shell`: line editing and history on a terminal; a script runner on a pipe.

use std::io::{IsTerminal, Read, Write};

use rustyline::error::ReadlineError;
use rustyline::DefaultEditor;

use super::output::OutputFormat;
use super::{rewrite, Session};

const HELP: &str = "\
Statements end with ';'. Tables: SHOW them with .tables; StackQL names work too
(github.packages.auth_user_versions).
  .help                 this text
  .tables               list the provider's tables
  .mode table|json|csv  output format
  .quit | .exit         leave";

/// Runs the shell: interactive when stdin is a terminal, else the piped statements.
pub fn run_repl(session: &mut Session) -> crate::Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        crate::install_ctrl_c(session);
        let mut script = String::new();
        stdin.lock().read_to_string(&mut script)?;
        let mut out = std::io::stdout().lock();
        return session.run_script(&script, &mut out);
    }
    let mut editor = DefaultEditor::new()
        .map_err(|e| crate::Error::Usage(format!("cannot start the line editor: {e}")))?;
    crate::install_ctrl_c(session);
    let history =
        std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".github_sql_history"));
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    println!(
        "github-sql {} — .help for help, .quit to leave",
        env!("CARGO_PKG_VERSION")
    );
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() {
            "github-sql> "
        } else {
            "       ...> "
        };
        match editor.readline(prompt) {
            Ok(line) => {
                if buffer.is_empty() && line.trim_start().starts_with('.') {
                    let _ = editor.add_history_entry(line.as_str());
                    if !dot_command(session, line.trim()) {
                        break;
                    }
                    continue;
                }
                buffer.push_str(&line);
                buffer.push('\n');
                if rewrite::ends_statement(&buffer) {
                    let _ = editor.add_history_entry(buffer.trim());
                    let mut out = std::io::stdout().lock();
                    if let Err(e) = session.run_script(&buffer, &mut out) {
                        eprintln!("Error: {}", github_sql::http::redact(&e.to_string()));
                    }
                    let _ = out.flush();
                    buffer.clear();
                }
            }
            Err(ReadlineError::Interrupted) => buffer.clear(),
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(crate::Error::Usage(format!("line editor failed: {e}"))),
        }
    }
    if let Some(h) = &history {
        let _ = editor.save_history(h);
    }
    Ok(())
}

/// Handles a dot command; false means leave.
fn dot_command(session: &mut Session, line: &str) -> bool {
    let mut words = line.split_whitespace();
    match words.next().unwrap_or_default() {
        ".quit" | ".exit" => return false,
        ".help" => println!("{HELP}"),
        ".tables" => {
            let mut names: Vec<String> = Vec::new();
            for r in session.engine.provider.resources() {
                names.push(format!("{}  ({})", r.name, r.id));
            }
            println!("{}", names.join("\n"));
        }
        ".mode" => match words
            .next()
            .map(|w| <OutputFormat as clap::ValueEnum>::from_str(w, true))
        {
            Some(Ok(f)) => session.format = f,
            _ => eprintln!("Error: .mode takes table, json or csv"),
        },
        other => eprintln!("Error: unknown command {other}; .help lists the commands"),
    }
    true
}
