//! Errors as Postgres clients see them: one SQLSTATE per kind of failure (chosen in
//! [`sqlstate`] and nowhere else), and the server's own start-up errors.

use pgwire::error::{ErrorInfo, PgWireError};

use crate::error::ErrorKind;

/// Why `github-sql serve` cannot start. Each message names the flag or variable and the fix.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A non-loopback address without a password.
    #[error(
        "refusing to listen on {host} without a password: anyone who can reach it could use your \
         GitHub token; pass --password-env VAR (VAR holding the password) or use --host 127.0.0.1"
    )]
    PublicWithoutPassword {
        /// The host given with --host.
        host: String,
    },
    /// `--password-env VAR` names a variable that is unset or empty.
    #[error("--password-env {var}: the environment variable {var} is unset or empty; export it with the password clients must give")]
    PasswordUnset {
        /// The variable name.
        var: String,
    },
    /// `--host` is not an address or name that resolves.
    #[error("--host {host}: {reason}; use an IP address such as 127.0.0.1 or ::1")]
    BadHost {
        /// The host given.
        host: String,
        /// Why.
        reason: String,
    },
    /// Binding the port failed.
    #[error("cannot listen on {addr}: {source}; choose another --port, or stop what uses it")]
    Bind {
        /// The address.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The runtime could not start, or another I/O failure.
    #[error("server I/O failed: {0}")]
    Io(#[from] std::io::Error),
}

/// An `ErrorResponse` with this SQLSTATE and message.
pub fn user_error(code: &str, message: impl Into<String>) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_owned(),
        code.to_owned(),
        message.into(),
    )))
}

/// The SQLSTATE for a kind of failure. `message` refines SQLite's own errors, which carry no
/// finer code than "error".
pub fn sqlstate(kind: ErrorKind, message: &str) -> &'static str {
    match kind {
        ErrorKind::MissingParameter => "42P02", // undefined_parameter
        ErrorKind::BadValue => "22023",         // invalid_parameter_value
        ErrorKind::NotSupported => "0A000",     // feature_not_supported
        ErrorKind::Unauthenticated => "28000",  // invalid_authorization_specification
        ErrorKind::Forbidden => "42501",        // insufficient_privilege
        ErrorKind::RateLimited => "53400",      // configuration_limit_exceeded
        ErrorKind::NotFound => "42704",         // undefined_object
        ErrorKind::Upstream => "58000",         // system_error (an external system)
        ErrorKind::Config => "F0000",           // config_file_error
        ErrorKind::Usage => "42601",            // syntax_error
        ErrorKind::Io => "58030",               // io_error
        ErrorKind::Internal => "XX000",         // internal_error
        ErrorKind::Sql => {
            if message.starts_with("no such table") {
                "42P01"
            } else if message.starts_with("no such column") {
                "42703"
            } else if message.starts_with("no such function")
                || message.starts_with("wrong number of arguments")
            {
                "42883"
            } else if message.contains("syntax error")
                || message.starts_with("near ")
                || message.starts_with("unrecognized token")
            {
                "42601"
            } else if message.starts_with("unsafe use of") {
                "42501"
            } else if message.contains("transaction") {
                "25000"
            } else if message.contains("constraint failed") {
                "23000"
            } else {
                "42000"
            }
        }
    }
}

/// A github-sql error reduced to its kind and message on the thread that raised it: the kind of
/// an error that went through SQLite is only known there (see [`crate::Error::kind`]).
#[derive(Debug, Clone)]
pub struct Failure {
    /// The kind.
    pub kind: ErrorKind,
    /// The message the shell would print.
    pub message: String,
}

impl From<crate::Error> for Failure {
    fn from(e: crate::Error) -> Self {
        Failure {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A failure as an `ErrorResponse`, with the same message the shell prints.
pub fn to_pg(e: &Failure) -> PgWireError {
    user_error(sqlstate(e.kind, &e.message), e.message.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpError;
    use crate::plan::PlanError;

    fn code(e: crate::Error) -> String {
        match to_pg(&Failure::from(e)) {
            PgWireError::UserError(info) => info.code.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_kind_has_its_code() {
        let missing = PlanError::MissingParams {
            table: "t".into(),
            missing: vec!["package_type".into()],
            example: "WHERE …".into(),
        };
        assert_eq!(code(missing.into()), "42P02");
        let auth = HttpError::Unauthorized {
            message: "Bad credentials".into(),
        };
        assert_eq!(code(auth.into()), "28000");
        let unsupported = PlanError::Unsupported {
            table: "t".into(),
            verb: "UPDATE".into(),
            supported: "SELECT".into(),
        };
        assert_eq!(code(unsupported.into()), "0A000");
        assert_eq!(sqlstate(ErrorKind::Sql, "no such table: x"), "42P01");
        assert_eq!(
            sqlstate(ErrorKind::Sql, "near \"SELEC\": syntax error"),
            "42601"
        );
    }

    #[test]
    fn errors_through_sqlite_keep_their_kind() {
        let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
        conn.create_scalar_function(
            "fail",
            0,
            rusqlite::functions::FunctionFlags::SQLITE_UTF8,
            |_| {
                let e = crate::Error::Http(HttpError::Forbidden {
                    message: "no".into(),
                    scopes: "read:packages".into(),
                    plural: "",
                });
                Err::<i64, _>(rusqlite::Error::from(e))
            },
        )
        .expect("function");
        let e = conn
            .query_row("SELECT fail()", [], |r| r.get::<_, i64>(0))
            .expect_err("fails");
        assert_eq!(code(crate::Error::Sqlite(e)), "42501");
    }
}
