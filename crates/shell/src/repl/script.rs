//! The shell's input, line by line, the same on a terminal, on a pipe and in `.read FILE`:
//! commands (`.mode`, `\x`, `help`, `quit`, …) at the start of a statement, SQL until SQLite's
//! `sqlite3_complete` says a statement is complete. Results go to the screen, `.output FILE` or
//! `.once FILE`.

use std::io::Write;
use std::time::Instant;

use crate::repl::dot;
pub use crate::repl::state::{Flow, Shell};
use crate::repl::state::{Pending, MAX_READ_DEPTH};
use crate::{rewrite, Session};

impl<'s> Shell<'s> {
    /// A shell over `session`; `terminal` says whether stdout is a terminal.
    pub fn new(session: &'s mut Session, terminal: bool) -> Self {
        Shell {
            session,
            buffer: Pending::default(),
            output: None,
            once: None,
            timer: false,
            stats: false,
            terminal,
            depth: 0,
        }
    }

    /// The statement typed so far (empty between statements).
    pub fn pending(&self) -> &str {
        &self.buffer.text
    }

    /// Drops the statement typed so far (Ctrl-C at the prompt).
    pub fn clear(&mut self) {
        self.buffer.clear();
    }

    /// Reads one line of input: a command when no statement is pending, else more of the
    /// statement, run once complete.
    pub fn line(&mut self, line: &str) -> crate::Result<Flow> {
        if rewrite::is_blank(&self.buffer.text) {
            if let Some(cmd) = dot::parse(line) {
                self.buffer.clear();
                return dot::run(self, cmd);
            }
        }
        self.buffer.push_line(line);
        if line.contains(';') && self.buffer.ends_statement() {
            let text = self.buffer.take();
            self.run_sql(&text)?;
        } else if rewrite::is_blank(&self.buffer.text) && !line.trim().is_empty() {
            // A comment-only line between statements.
            self.buffer.clear();
        }
        Ok(Flow::Continue)
    }

    /// Runs whatever is left at the end of the input (a last statement without `;`).
    pub fn finish(&mut self) -> crate::Result<()> {
        let text = self.buffer.take();
        if rewrite::is_blank(&text) {
            return Ok(());
        }
        self.run_sql(&text)
    }

    /// Runs a whole input (piped stdin, `.read FILE`), stopping at the first error or a quit.
    pub fn run_input(&mut self, text: &str) -> crate::Result<Flow> {
        for line in text.lines() {
            if self.line(line)? == Flow::Quit {
                return Ok(Flow::Quit);
            }
        }
        self.finish()?;
        Ok(Flow::Continue)
    }

    /// `.read FILE`: the file's statements and commands, as if typed.
    pub(crate) fn read_file(&mut self, path: &str) -> crate::Result<Flow> {
        if self.depth >= MAX_READ_DEPTH {
            return Err(crate::Error::Usage(format!(
                ".read {path}: files read each other more than {MAX_READ_DEPTH} deep"
            )));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| crate::Error::Usage(format!(".read {path}: cannot read the file: {e}")))?;
        let saved = std::mem::take(&mut self.buffer);
        self.depth += 1;
        let r = self.run_input(&text);
        self.depth -= 1;
        self.buffer = saved;
        r
    }

    /// Runs complete statements, each result to the current target.
    pub fn run_sql(&mut self, text: &str) -> crate::Result<()> {
        for stmt in rewrite::split_statements(text) {
            let started = Instant::now();
            let r = self.with_output(|session, out| session.run_statement(&stmt, out));
            let cost = self.session.last_stats();
            if self.timer {
                eprintln!(
                    "Run Time: real {:.3} s; GitHub: {cost}",
                    started.elapsed().as_secs_f64()
                );
            } else if self.stats {
                eprintln!("GitHub: {cost}");
            }
            r?;
        }
        Ok(())
    }

    /// Calls `f` with the session and where results go now (`.once`, `.output`, or stdout; the
    /// terminal's pager and vertical output only for stdout).
    pub(crate) fn with_output<T>(
        &mut self,
        f: impl FnOnce(&Session, &mut dyn Write) -> crate::Result<T>,
    ) -> crate::Result<T> {
        let mut once = self.once.take();
        let to_file = once.is_some() || self.output.is_some();
        self.session.display.terminal = self.terminal && !to_file;
        let r = match (&mut once, &mut self.output) {
            (Some(file), _) | (None, Some(file)) => f(self.session, file),
            (None, None) => {
                let mut out = std::io::stdout().lock();
                f(self.session, &mut out)
            }
        };
        match (&mut once, &mut self.output) {
            (Some(file), _) | (None, Some(file)) => file.flush()?,
            (None, None) => std::io::stdout().flush()?,
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Feeds `lines` as the shell does and checks each verdict against asking
    /// [`rewrite::ends_statement`] about the whole pending text (quadratic, so the inputs here
    /// are modest); returns the statements taken.
    fn feed(lines: &[&str]) -> Vec<String> {
        let mut pending = Pending::default();
        let mut taken = Vec::new();
        for line in lines {
            pending.push_line(line);
            let whole = rewrite::ends_statement(&pending.text);
            assert_eq!(pending.ends_statement(), whole, "{:?}", pending.text);
            if whole {
                taken.push(pending.take());
            }
        }
        taken
    }

    #[test]
    fn statements_over_many_lines() {
        let mut lines = vec!["SELECT count(*) FROM (SELECT 1) WHERE 1 IN ("];
        lines.extend(std::iter::repeat_n("  1, ';', \"a;\", /* ; */ -- ;", 2_000));
        lines.extend([
            "  2) -- done;",
            ";",
            "CREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN",
            "  SELECT 1;",
            "  SELECT 'a",
            ";b';",
            "END; SELECT 2;",
            "SELECT 'x\0';",
            "SELECT 3",
        ]);
        let taken = feed(&lines);
        // `SELECT 3` has no `;`: it stays pending.
        assert_eq!(
            taken.len(),
            3,
            "{:?}",
            taken.iter().map(|t| t.len()).collect::<Vec<_>>()
        );
        assert!(taken[0].starts_with("SELECT count(*)") && taken[0].ends_with("done;\n;\n"));
        assert!(taken[1].starts_with("CREATE TEMP TRIGGER") && taken[1].ends_with("SELECT 2;\n"));
        assert_eq!(taken[2], "SELECT 'x\0';\n");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn the_same_verdict_as_asking_sqlite_each_line(lines in prop::collection::vec(
            prop::collection::vec(prop::sample::select(vec![
                ";", " ", "-", "--", "/*", "*/", "'", "\"", "[", "]", "x", "create", "trigger",
                "temp", "end", "explain", "é",
            ]), 0..8).prop_map(|p| p.concat()),
            1..8,
        )) {
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            feed(&lines);
        }
    }
}
