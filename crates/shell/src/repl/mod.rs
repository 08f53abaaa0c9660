//! `github-sql shell`: line editing, history and tab completion on a terminal; the same commands
//! and statements read from a pipe.

pub mod complete;
pub mod dot;
pub mod help;
pub mod script;
pub mod state;

use std::io::{IsTerminal, Read};

use rustyline::error::ReadlineError;
use rustyline::{CompletionType, Config, Editor};

use self::complete::ShellHelper;
use self::state::{Flow, Shell};
use crate::Session;

/// `github-sql exec`: the statements and commands of a script, as a piped shell runs them; on a
/// terminal, wide results page or turn vertical as in the shell.
pub fn run_exec(session: &mut Session, script: &str) -> crate::Result<()> {
    let terminal = std::io::stdout().is_terminal();
    if terminal && session.display.pager.is_none() {
        session.display.pager = crate::output::pager::pager_from_env();
    }
    Shell::new(session, terminal).run_input(script)?;
    Ok(())
}

/// Runs the shell: interactive when stdin is a terminal, else the piped statements and commands
/// (stopping at the first error).
pub fn run_repl(session: &mut Session) -> crate::Result<()> {
    let stdin = std::io::stdin();
    let terminal = std::io::stdout().is_terminal();
    if terminal && session.display.pager.is_none() {
        session.display.pager = crate::output::pager::pager_from_env();
    }
    if !stdin.is_terminal() {
        crate::install_ctrl_c(session);
        let mut script = String::new();
        stdin.lock().read_to_string(&mut script)?;
        let mut shell = Shell::new(session, terminal);
        shell.run_input(&script)?;
        return Ok(());
    }
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .build();
    let mut editor: Editor<ShellHelper, rustyline::history::DefaultHistory> =
        Editor::with_config(config)
            .map_err(|e| crate::Error::Usage(format!("cannot start the line editor: {e}")))?;
    let helper = ShellHelper::new(session.engine().provider.clone());
    let pending = helper.pending.clone();
    editor.set_helper(Some(helper));
    // After the editor exists: rustyline installs its own SIGINT handler when it is created,
    // which would replace ours (Ctrl-C during a statement was then ignored).
    crate::install_ctrl_c(session);
    let history =
        std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".github_sql_history"));
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    println!(
        "github-sql {} — help or \\? for help, Tab completes, \\q or Ctrl-D leaves",
        env!("CARGO_PKG_VERSION")
    );
    let mut shell = Shell::new(session, terminal);
    let mut entry = String::new();
    loop {
        let prompt = if shell.pending().trim().is_empty() {
            "github-sql> "
        } else {
            "       ...> "
        };
        if let Ok(mut p) = pending.lock() {
            p.clear();
            p.push_str(shell.pending());
        }
        match editor.readline(prompt) {
            Ok(line) => {
                entry.push_str(&line);
                entry.push('\n');
                // A pasted block arrives as one line with newlines: each line is read as if
                // typed, so a pasted `.mode csv` or `\x` is still a command.
                let mut flow = Ok(Flow::Continue);
                for l in line.split('\n') {
                    flow = shell.line(l.trim_end_matches('\r'));
                    if !matches!(flow, Ok(Flow::Continue)) {
                        break;
                    }
                }
                if shell.pending().trim().is_empty() {
                    let _ = editor.add_history_entry(entry.trim());
                    entry.clear();
                }
                match flow {
                    Ok(Flow::Quit) => break,
                    Ok(Flow::Continue) => {}
                    Err(e) => {
                        shell.clear();
                        eprintln!("Error: {}", github_sql::http::redact(&e.to_string()));
                    }
                }
            }
            Err(ReadlineError::Interrupted) => {
                shell.clear();
                entry.clear();
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(crate::Error::Usage(format!("line editor failed: {e}"))),
        }
    }
    if let Some(h) = &history {
        let _ = editor.save_history(h);
    }
    Ok(())
}
