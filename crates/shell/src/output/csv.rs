//! RFC 4180 CSV: a header row, then the rows (NULL is an empty field).

use std::io::{self, Write};

use super::{text, Formatter, ResultSet};

/// `--output csv`.
pub struct CsvFormat {
    /// Write the header row.
    pub headers: bool,
}

impl Formatter for CsvFormat {
    fn write(&self, rs: &ResultSet, out: &mut dyn Write) -> io::Result<()> {
        if rs.columns.is_empty() {
            return Ok(());
        }
        let mut w = ::csv::Writer::from_writer(out);
        if self.headers {
            w.write_record(&rs.columns).map_err(io_error)?;
        }
        for row in &rs.rows {
            w.write_record(row.iter().map(text)).map_err(io_error)?;
        }
        w.flush()
    }
}

/// Keeps the io::Error's kind (a closed pipe must stay `BrokenPipe` for the shell's exit code).
fn io_error(e: ::csv::Error) -> io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    }
}
