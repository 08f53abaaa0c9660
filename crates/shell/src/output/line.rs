//! Vertical output: one `column = value` line per column, a blank line between rows (sqlite3's
//! `.mode line`, psql's `\x`), so wide rows stay readable on a narrow terminal.

use std::io::{self, Write};

use super::{text, Formatter, ResultSet};

/// `--output line`.
pub struct LineFormat;

impl Formatter for LineFormat {
    fn write(&self, rs: &ResultSet, out: &mut dyn Write) -> io::Result<()> {
        let width = rs
            .columns
            .iter()
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(0);
        for (i, row) in rs.rows.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            for (name, v) in rs.columns.iter().zip(row) {
                let value = text(v);
                // Continuation lines of a multi-line value line up under its first line.
                let value = value.replace('\n', &format!("\n{:width$}   ", ""));
                writeln!(out, "{name:>width$} = {value}")?;
            }
        }
        Ok(())
    }
}
