//! One shell's state between lines: the session, the statement typed so far, where results go.
//! [`super::script`] feeds it lines; [`super::dot`]'s commands change it.

use crate::{rewrite, Session};

/// Whether to keep reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Keep reading.
    Continue,
    /// A quit command was read.
    Quit,
}

/// The statement typed so far and how far SQLite's end-of-statement scan has read it: each line
/// is scanned once, so a statement over many lines costs time linear in its length (asking
/// `sqlite3_complete` and the tokenizer about the whole statement after every line was quadratic:
/// 20,000 lines took minutes).
#[derive(Default)]
pub(super) struct Pending {
    pub(super) text: String,
    ends: rewrite::ends::Ends,
    /// A NUL byte was typed: `sqlite3_complete` cannot be asked, and the statement is complete
    /// when its last non-blank byte is a `;` (as [`rewrite::is_complete`] counts it).
    nul: bool,
}

impl Pending {
    pub(super) fn push_line(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
        self.nul |= line.contains('\0');
        self.ends.scan(&self.text, |_| {});
    }

    /// [`rewrite::ends_statement`] of the text, without reading it all again.
    pub(super) fn ends_statement(&self) -> bool {
        !rewrite::is_blank(&self.text)
            && if self.nul {
                self.text.trim_end().ends_with(';')
            } else {
                self.ends.complete()
            }
    }

    pub(super) fn take(&mut self) -> String {
        std::mem::take(self).text
    }

    pub(super) fn clear(&mut self) {
        *self = Pending::default();
    }
}

/// `.read` inside `.read` stops at this depth (a file that reads itself).
pub(super) const MAX_READ_DEPTH: usize = 16;

/// One shell's state between lines.
pub struct Shell<'s> {
    /// The session statements run in.
    pub session: &'s mut Session,
    pub(super) buffer: Pending,
    /// `.output FILE`: every result goes there.
    pub(crate) output: Option<std::fs::File>,
    /// `.once FILE`: the next result goes there.
    pub(crate) once: Option<std::fs::File>,
    /// `.timer on`: the time of each statement on stderr, with what it cost GitHub.
    pub timer: bool,
    /// `.stats on`: what each statement cost GitHub (requests, 304s, bytes, points) on stderr.
    pub stats: bool,
    /// Whether stdout is a terminal (for the pager and automatic vertical output).
    pub(super) terminal: bool,
    pub(crate) depth: usize,
}
