//! `github-sql exec`: the script to run, from the argument, a file, or standard input.

use std::path::PathBuf;

use crate::Error;

/// The statements `exec` runs: the SQL argument, or the file `-i` names (`-` for either reads
/// standard input). Both, or neither, is a usage error naming the forms.
pub fn script(infile: Option<PathBuf>, sql: Option<String>) -> crate::Result<String> {
    let stdin = || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| Error::Usage(format!("exec -: cannot read standard input: {e}")))?;
        Ok::<String, Error>(text)
    };
    match (infile, sql) {
        (Some(path), None) if path.as_os_str() == "-" => stdin(),
        (Some(path), None) => std::fs::read_to_string(&path)
            .map_err(|e| Error::Usage(format!("cannot read {}: {e}", path.display()))),
        (None, Some(sql)) if sql == "-" => stdin(),
        (None, Some(sql)) => Ok(sql),
        (Some(_), Some(_)) => Err(Error::Usage("give either SQL or -i FILE, not both".into())),
        (None, None) => Err(Error::Usage(
            "exec needs SQL, e.g. github-sql exec \"SELECT …\", or -i FILE".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_comes_from_one_place_and_errors_name_the_forms() {
        assert_eq!(
            script(None, Some("SELECT 1".into())).expect("sql"),
            "SELECT 1"
        );
        let missing = PathBuf::from("/nonexistent/github-sql-script.sql");
        let e = script(Some(missing), None)
            .expect_err("no file")
            .to_string();
        assert!(
            e.contains("cannot read /nonexistent/github-sql-script.sql"),
            "{e}"
        );
        let e = script(Some("a.sql".into()), Some("SELECT 1".into()))
            .expect_err("both")
            .to_string();
        assert!(e.contains("not both"), "{e}");
        let e = script(None, None).expect_err("neither").to_string();
        assert!(e.contains("-i FILE"), "{e}");
    }
}
