//! Result formats for the shell: one trait, one file per format.

pub mod pager;

mod csv;
mod json;
mod line;
mod table;

use std::io::{self, Write};

use github_sql::Value;

/// A statement's result, fully read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResultSet {
    /// Column names.
    pub columns: Vec<String>,
    /// Declared types (`JSON` marks JSON text), where SQLite knows them.
    pub decltypes: Vec<Option<String>>,
    /// Rows.
    pub rows: Vec<Vec<Value>>,
}

impl ResultSet {
    /// Whether column `i` holds JSON text (declared `JSON` by the provider's tables).
    pub fn is_json(&self, i: usize) -> bool {
        self.decltypes
            .get(i)
            .and_then(|d| d.as_deref())
            .is_some_and(|d| d.eq_ignore_ascii_case("json"))
    }
}

/// `--output` values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned text table.
    #[default]
    Table,
    /// A JSON array of objects keyed by column name.
    Json,
    /// Header row, then one row per line.
    Csv,
    /// One `column = value` line per column, rows separated by a blank line (sqlite3's `.mode
    /// line`; psql's `\x`).
    Line,
    /// A table drawn with box characters.
    Box,
    /// A Markdown (GitHub-flavoured) table.
    Markdown,
}

impl OutputFormat {
    /// Whether the format is an aligned table (the ones that switch to vertical output when too
    /// wide for the terminal).
    pub fn is_tabular(self) -> bool {
        matches!(
            self,
            OutputFormat::Table | OutputFormat::Box | OutputFormat::Markdown
        )
    }
}

/// How results are shown beyond their format: sqlite3's `.headers`, psql's `\x`, the pager.
#[derive(Clone, Debug)]
pub struct Display {
    /// Print column names (`.headers on|off`).
    pub headers: bool,
    /// Vertical output: always, never, or when a table is wider than the terminal.
    pub expanded: Expanded,
    /// The pager for results wider or taller than the terminal (`$PAGER`), if any.
    pub pager: Option<String>,
    /// Whether results go to a terminal; the pager and automatic vertical output are off when not.
    pub terminal: bool,
}

impl Default for Display {
    fn default() -> Self {
        Display {
            headers: true,
            expanded: Expanded::Auto,
            pager: None,
            terminal: false,
        }
    }
}

/// psql's `\x` setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Expanded {
    /// Tables as tables.
    Off,
    /// Every result vertically.
    On,
    /// Vertically when a table is wider than the terminal (and results go to a terminal).
    #[default]
    Auto,
}

/// Writes a result in one format.
pub trait Formatter {
    /// Writes `rs` to `out`.
    fn write(&self, rs: &ResultSet, out: &mut dyn Write) -> io::Result<()>;
}

/// The formatter for a format (with column names).
pub fn formatter(format: OutputFormat) -> Box<dyn Formatter> {
    formatter_with(format, true)
}

/// The formatter for a format; `headers` false leaves out the column names where the format
/// has a header (table, box, markdown, CSV).
pub fn formatter_with(format: OutputFormat, headers: bool) -> Box<dyn Formatter> {
    use table::{Style, TableFormat};
    match format {
        OutputFormat::Table => Box::new(TableFormat::new(Style::Ascii, headers)),
        OutputFormat::Box => Box::new(TableFormat::new(Style::Box, headers)),
        OutputFormat::Markdown => Box::new(TableFormat::new(Style::Markdown, headers)),
        OutputFormat::Json => Box::new(json::JsonFormat),
        OutputFormat::Csv => Box::new(csv::CsvFormat { headers }),
        OutputFormat::Line => Box::new(line::LineFormat),
    }
}

/// Plain-text rendering of a value (NULL is empty), shared by table and CSV.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(t) => t.clone(),
        Value::Blob(b) => format!(
            "x'{}'",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        ),
    }
}

#[cfg(test)]
mod tests;
