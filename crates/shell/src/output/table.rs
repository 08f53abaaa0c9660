//! Aligned text tables (comfy-table): ASCII, box characters or Markdown, never truncated to the
//! terminal width (the shell pages or turns wide results vertical instead).

use std::io::{self, Write};

use comfy_table::presets::{ASCII_FULL_CONDENSED, ASCII_MARKDOWN, UTF8_FULL_CONDENSED};
use comfy_table::{ContentArrangement, Table, TableComponent};

use super::{text, Formatter, ResultSet};

/// How a table is drawn.
#[derive(Clone, Copy, Debug)]
pub enum Style {
    /// `+---+` rules (`--output table`).
    Ascii,
    /// Box-drawing characters (`.mode box`).
    Box,
    /// A Markdown table (`.mode markdown`).
    Markdown,
}

/// `--output table|box|markdown`.
pub struct TableFormat {
    style: Style,
    headers: bool,
}

impl TableFormat {
    /// A table in this style, with or without the header row.
    pub fn new(style: Style, headers: bool) -> Self {
        TableFormat { style, headers }
    }
}

impl Formatter for TableFormat {
    fn write(&self, rs: &ResultSet, out: &mut dyn Write) -> io::Result<()> {
        if rs.columns.is_empty() {
            return Ok(());
        }
        let mut t = Table::new();
        t.load_preset(match self.style {
            Style::Ascii => ASCII_FULL_CONDENSED,
            Style::Box => UTF8_FULL_CONDENSED,
            Style::Markdown => ASCII_MARKDOWN,
        })
        .set_content_arrangement(ContentArrangement::Disabled);
        // Markdown needs its header row; `.headers off` applies to the other styles.
        if self.headers || matches!(self.style, Style::Markdown) {
            t.set_header(rs.columns.iter().cloned());
        }
        if matches!(self.style, Style::Ascii) {
            // The condensed preset draws the header rule with '='; use the body's '-' and '+'.
            t.set_style(TableComponent::HeaderLines, '-')
                .set_style(TableComponent::LeftHeaderIntersection, '+')
                .set_style(TableComponent::MiddleHeaderIntersections, '+')
                .set_style(TableComponent::RightHeaderIntersection, '+');
        }
        for row in &rs.rows {
            t.add_row(row.iter().map(|v| match self.style {
                Style::Markdown => text(v).replace('|', "\\|").replace('\n', "<br>"),
                _ => text(v),
            }));
        }
        writeln!(out, "{t}")
    }
}
