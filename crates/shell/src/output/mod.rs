//! Result formats for the shell: one trait, one file per format.

mod csv;
mod json;
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
}

/// Writes a result in one format.
pub trait Formatter {
    /// Writes `rs` to `out`.
    fn write(&self, rs: &ResultSet, out: &mut dyn Write) -> io::Result<()>;
}

/// The formatter for a format.
pub fn formatter(format: OutputFormat) -> Box<dyn Formatter> {
    match format {
        OutputFormat::Table => Box::new(table::TableFormat),
        OutputFormat::Json => Box::new(json::JsonFormat),
        OutputFormat::Csv => Box::new(csv::CsvFormat),
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
