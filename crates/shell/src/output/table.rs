//! Aligned text tables (comfy-table), never truncated to the terminal width.

use std::io::{self, Write};

use comfy_table::{presets::ASCII_FULL_CONDENSED, ContentArrangement, Table, TableComponent};

use super::{text, Formatter, ResultSet};

/// `--output table`.
pub struct TableFormat;

impl Formatter for TableFormat {
    fn write(&self, rs: &ResultSet, out: &mut dyn Write) -> io::Result<()> {
        if rs.columns.is_empty() {
            return Ok(());
        }
        let mut t = Table::new();
        t.load_preset(ASCII_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(rs.columns.iter().cloned());
        // The condensed preset draws the header rule with '='; use the body's '-' and '+' instead.
        t.set_style(TableComponent::HeaderLines, '-')
            .set_style(TableComponent::LeftHeaderIntersection, '+')
            .set_style(TableComponent::MiddleHeaderIntersections, '+')
            .set_style(TableComponent::RightHeaderIntersection, '+');
        for row in &rs.rows {
            t.add_row(row.iter().map(text));
        }
        writeln!(out, "{t}")
    }
}
