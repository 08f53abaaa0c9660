//! Errors of the wrapper and the one function that picks their SQLSTATE.

use github_sql_engine::plan::PlanError;
use github_sql_engine::spec::Provider;
use github_sql_engine::{Error as EngineError, ErrorKind};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

/// A failure of the wrapper. Messages name the cause and the fix, never the token.
#[derive(Debug, thiserror::Error)]
pub enum FdwError {
    /// The engine failed (planning, GitHub, the document).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A foreign table or server is set up wrongly (a missing or unknown option).
    #[error("{0}")]
    Setup(String),
    /// A value Postgres handed over cannot be used (an unsupported type).
    #[error("{0}")]
    Value(String),
}

impl From<crate::provider::ProviderUnavailable> for FdwError {
    fn from(e: crate::provider::ProviderUnavailable) -> Self {
        FdwError::Setup(e.to_string())
    }
}

impl From<github_sql_engine::exec::ExecError> for FdwError {
    fn from(e: github_sql_engine::exec::ExecError) -> Self {
        FdwError::Engine(e.into())
    }
}

impl From<github_sql_engine::scan::ScanError> for FdwError {
    fn from(e: github_sql_engine::scan::ScanError) -> Self {
        FdwError::Engine(e.into())
    }
}

impl From<github_sql_engine::plan::PlanError> for FdwError {
    fn from(e: github_sql_engine::plan::PlanError) -> Self {
        FdwError::Engine(e.into())
    }
}

impl From<github_sql_engine::http::HttpError> for FdwError {
    fn from(e: github_sql_engine::http::HttpError) -> Self {
        FdwError::Engine(e.into())
    }
}

/// The SQLSTATE for an error: the only place that decides it.
pub fn sqlstate(e: &FdwError) -> PgSqlErrorCode {
    use PgSqlErrorCode as C;
    match e {
        FdwError::Setup(_) => C::ERRCODE_FDW_INVALID_OPTION_NAME,
        FdwError::Value(_) => C::ERRCODE_FDW_INVALID_DATA_TYPE,
        FdwError::Engine(e) => match e.kind() {
            // "A parameter value is needed": the WHERE lacks a required parameter.
            ErrorKind::MissingParameter => C::ERRCODE_FDW_DYNAMIC_PARAMETER_VALUE_NEEDED,
            ErrorKind::BadValue | ErrorKind::Usage => C::ERRCODE_INVALID_PARAMETER_VALUE,
            ErrorKind::NotSupported => C::ERRCODE_FEATURE_NOT_SUPPORTED,
            ErrorKind::Unauthenticated => C::ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
            ErrorKind::Forbidden => C::ERRCODE_INSUFFICIENT_PRIVILEGE,
            ErrorKind::RateLimited => C::ERRCODE_CONFIGURATION_LIMIT_EXCEEDED,
            ErrorKind::NotFound => C::ERRCODE_UNDEFINED_OBJECT,
            ErrorKind::Cancelled => C::ERRCODE_QUERY_CANCELED,
            ErrorKind::Io => C::ERRCODE_IO_ERROR,
            ErrorKind::Config => C::ERRCODE_FDW_INVALID_OPTION_NAME,
            ErrorKind::Upstream => C::ERRCODE_FDW_ERROR,
            ErrorKind::Internal => C::ERRCODE_INTERNAL_ERROR,
            ErrorKind::NeedsConfirmation => C::ERRCODE_INSUFFICIENT_PRIVILEGE,
            // "Ambiguous function": the statement could call several methods.
            ErrorKind::Ambiguous => C::ERRCODE_AMBIGUOUS_FUNCTION,
        },
    }
}

impl From<FdwError> for ErrorReport {
    fn from(e: FdwError) -> Self {
        let e = for_postgres(e);
        // Every message leaves through redaction: no token, whatever GitHub or a URL echoed.
        let message = github_sql_engine::http::redact(&e.to_string());
        ErrorReport::new(sqlstate(&e), message, "github-sql")
    }
}

/// The error with its example written in SQL that runs here: a table is `<service>.<resource>`
/// (the schema `IMPORT FOREIGN SCHEMA` and `github-sql serve` put it in), and a method call is
/// its SQL function with named arguments, not the shell's `EXEC`.
pub fn for_postgres(e: FdwError) -> FdwError {
    // An ambiguous write names each method as the SQL function to call instead.
    if let FdwError::Engine(EngineError::Choose(mut c)) = e {
        if let github_sql_engine::write::ChooseError::Ambiguous { exec_forms, .. } = c.as_mut() {
            for form in exec_forms.iter_mut() {
                if let Some(call) = postgres_call(form) {
                    *form = call;
                }
            }
        }
        return FdwError::Engine(EngineError::Choose(c));
    }
    // A row missing a value: the example INSERT or UPDATE names the table as it is here.
    if let FdwError::Engine(EngineError::Row(mut r)) = e {
        if let github_sql_engine::write::RowError::Missing { table, example, .. } = r.as_mut() {
            if let Some(res) = crate::provider::provider()
                .ok()
                .and_then(|p| p.resource_by_name(table).cloned())
            {
                let ours = format!("{}.{}", res.service, res.resource_name);
                for verb in ["INTO", "UPDATE"] {
                    *example = example.replacen(
                        &format!("{verb} {table} "),
                        &format!("{verb} {ours} "),
                        1,
                    );
                }
                *table = ours;
            }
        }
        return FdwError::Engine(EngineError::Row(r));
    }
    let FdwError::Engine(EngineError::Plan(p)) = e else {
        return e;
    };
    let Ok(provider) = crate::provider::provider() else {
        return FdwError::Engine(EngineError::Plan(p));
    };
    let p = match p {
        PlanError::MissingParams {
            table,
            missing,
            example,
        } => match provider.resource_by_name(&table) {
            Some(r) => {
                let ours = format!("{}.{}", r.service, r.resource_name);
                PlanError::MissingParams {
                    example: example.replacen(
                        &format!(" FROM {table} "),
                        &format!(" FROM {ours} "),
                        1,
                    ),
                    table: ours,
                    missing,
                }
            }
            None => PlanError::MissingParams {
                table,
                missing,
                example,
            },
        },
        PlanError::MissingArgs {
            method,
            missing,
            example,
        } => PlanError::MissingArgs {
            example: exec_example(provider, &example).unwrap_or(example),
            method,
            missing,
        },
        PlanError::NoSelect {
            table,
            id,
            supported,
            example,
        } => {
            let r = provider.resource_by_id(&id);
            PlanError::NoSelect {
                table: r.map_or(table, |r| format!("{}.{}", r.service, r.resource_name)),
                example: exec_example(provider, &example).unwrap_or(example),
                id,
                supported,
            }
        }
        PlanError::Unsupported {
            table,
            verb,
            supported,
        } => PlanError::Unsupported {
            table: provider
                .resource_by_name(&table)
                .map_or(table, |r| format!("{}.{}", r.service, r.resource_name)),
            verb,
            supported,
        },
        other => other,
    };
    FdwError::Engine(EngineError::Plan(p))
}

/// The SQL function call for an example in the shell's syntax (`EXEC <id>.<method> @a=1, …`),
/// with the values it gives: `SELECT <service>.<method>(a => 1, …)`.
/// The shell's `EXEC …` call written as this wrapper's SQL function call, when it names a method
/// of the provider.
pub fn postgres_call(shell: &str) -> Option<String> {
    exec_example(crate::provider::provider().ok()?, shell)
}

fn exec_example(provider: &Provider, shell: &str) -> Option<String> {
    let rest = shell.strip_prefix("EXEC ")?;
    let (target, args) = rest.split_once(' ').unwrap_or((rest, ""));
    let (id, method) = target.rsplit_once('.')?;
    let r = provider.resource_by_id(id)?;
    let m = r.methods.iter().find(|m| m.name == method)?;
    let given: Vec<(&str, &str)> = args
        .split(", ")
        .filter_map(|a| a.strip_prefix('@')?.split_once('='))
        .collect();
    let args: Vec<String> = r
        .call_order(m)
        .iter()
        .filter(|p| p.required)
        .map(|p| {
            let value = given
                .iter()
                .find(|(n, _)| *n == p.name)
                .map(|(_, v)| v.to_string())
                .unwrap_or_else(|| github_sql_engine::examples::example_value(p, None));
            format!("{} => {value}", p.name)
        })
        .collect();
    Some(format!(
        "SELECT {}.{}({})",
        r.service,
        m.name,
        args.join(", ")
    ))
}

/// Raises the error as a Postgres ERROR. Scan callbacks must raise rather than return `Err`:
/// supabase-wrappers 0.1.28 frees the plan's scan state on `Err`, and a cached plan executed
/// again would then use freed memory.
pub fn raise(e: FdwError) -> ! {
    let report: ErrorReport = e.into();
    report.report(PgLogLevel::ERROR);
    unreachable!("an ERROR report does not return")
}
