//! `github-sql serve`: the provider's tables over the Postgres wire protocol, for BI tools
//! (Metabase, Superset, Grafana, DBeaver, psql, pandas), as StackQL's `stackql srv`.
//!
//! Built on the `pgwire` crate. Each client connection gets its own session: an in-memory SQLite
//! connection with the provider registered, owned by its own thread ([`worker`]), and its own
//! GitHub client (so the log can count each query's requests). Statements run through the same
//! engine as the shell (three-part names, EXEC, SHOW/DESCRIBE). Schema browsing works against an
//! emulated catalog ([`catalog`]): the database is the provider (`github`), each service a schema
//! (`packages`), each resource a table.
//!
//! ```text
//! client ──pgwire──▶ Backend ─classify─▶ SET/SHOW/BEGIN…   (answered here)
//!                           └──────────▶ worker thread ─▶ Session::run ─▶ SQLite ─▶ GitHub
//! ```
//!
//! Security: loopback only unless a password is required (`--password-env VAR`, MD5
//! authentication); there is no TLS, so put a TLS-terminating proxy in front for remote use.

mod backend;
mod catalog;
mod classify;
mod errors;
mod translate;
mod types;
mod worker;

use std::fmt::Debug;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::Sink;
use pgwire::api::auth::md5pass::{hash_md5_password, Md5PasswordAuthStartupHandler};
use pgwire::api::auth::{
    finish_authentication, protocol_negotiation, save_startup_parameters_to_metadata, AuthSource,
    DefaultServerParameterProvider, LoginInfo, Password, StartupHandler,
};
use pgwire::api::cancel::{CancelHandler, DefaultCancelHandler};
use pgwire::api::{
    ClientInfo, ConnectionGuard, ConnectionHandle, ConnectionManager, PgWireConnectionState,
    PgWireServerHandlers, PidSecretKeyGenerator, RandomPidSecretKeyGenerator,
};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::engine::Engine;
use crate::shell::output::OutputFormat;
use crate::shell::Session;

pub use errors::ServeError;

/// The default port (Postgres's is 5432; StackQL's server uses 5444 too).
pub const DEFAULT_PORT: u16 = 5444;

/// How long shutdown waits for running statements before closing their connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Connections served at once; more are refused until one closes.
const MAX_CONNECTIONS: usize = 256;

/// Where and how to listen.
#[derive(Clone)]
pub struct ServeOptions {
    /// Address to bind (`127.0.0.1` by default).
    pub host: String,
    /// Port (0 = any free port).
    pub port: u16,
    /// The password clients must give (MD5 authentication); none means no authentication.
    pub password: Option<String>,
    /// `--dry-run`: DELETE and EXEC send nothing.
    pub dry_run: bool,
}

impl Debug for ServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeOptions")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("dry_run", &self.dry_run)
            .finish()
    }
}

impl ServeOptions {
    /// Options from the command line: the password is read from `password_env`, and a host
    /// that is not loopback requires one.
    pub fn from_flags(
        host: &str,
        port: u16,
        password_env: Option<&str>,
        dry_run: bool,
    ) -> Result<ServeOptions, ServeError> {
        let password = match password_env {
            None => None,
            Some(var) => Some(
                std::env::var(var)
                    .ok()
                    .filter(|p| !p.is_empty())
                    .ok_or_else(|| ServeError::PasswordUnset {
                        var: var.to_string(),
                    })?,
            ),
        };
        let opts = ServeOptions {
            host: host.to_string(),
            port,
            password,
            dry_run,
        };
        if opts.password.is_none() && !is_loopback(host) {
            return Err(ServeError::PublicWithoutPassword {
                host: host.to_string(),
            });
        }
        Ok(opts)
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A bound server, ready to [`run`](Server::run).
pub struct Server {
    listener: TcpListener,
    engine: Engine,
    options: ServeOptions,
}

impl Server {
    /// Binds the address. `engine` is the template each connection's session is made from.
    pub async fn bind(engine: Engine, options: ServeOptions) -> Result<Server, ServeError> {
        if options.password.is_none() && !is_loopback(&options.host) {
            return Err(ServeError::PublicWithoutPassword {
                host: options.host.clone(),
            });
        }
        let host = options.host.trim_matches(|c| c == '[' || c == ']');
        let addr = format!(
            "{}:{}",
            if host == "localhost" {
                "127.0.0.1"
            } else {
                host
            },
            options.port
        );
        let sock: SocketAddr = addr.parse().map_err(|e| ServeError::BadHost {
            host: options.host.clone(),
            reason: format!("{e}"),
        })?;
        let listener = TcpListener::bind(sock)
            .await
            .map_err(|source| ServeError::Bind {
                addr: addr.clone(),
                source,
            })?;
        Ok(Server {
            listener,
            engine,
            options,
        })
    }

    /// The address actually bound (the port is known here when 0 was asked for).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves clients until `shutdown` completes, then stops accepting, lets running statements
    /// finish (up to 10 s) and closes every connection.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
        let busy = Arc::new(AtomicUsize::new(0));
        let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        // Cancel requests (psql's Ctrl-C, a BI tool's "cancel") find their connection here.
        let cancels = Arc::new(ConnectionManager::new());
        let mut tasks = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                accepted = self.listener.accept() => {
                    let (socket, peer) = match accepted {
                        Ok(a) => a,
                        Err(e) => {
                            tracing::warn!("accept failed: {e}");
                            continue;
                        }
                    };
                    let Ok(slot) = slots.clone().try_acquire_owned() else {
                        tracing::warn!("refusing {peer}: {MAX_CONNECTIONS} connections are open");
                        continue;
                    };
                    let engine = self.engine.clone();
                    // Per connection: pgwire's MD5 handler keeps the login's state (its salt).
                    let startup = Arc::new(startup_handler(
                        &self.engine,
                        self.options.password.as_deref(),
                        cancels.clone(),
                    ));
                    let cancels = cancels.clone();
                    let busy = busy.clone();
                    let dry_run = self.options.dry_run;
                    tasks.spawn(async move {
                        let _slot = slot;
                        if let Err(e) = serve_client(socket, engine, startup, cancels, busy, dry_run).await {
                            tracing::debug!("connection from {peer} ended: {e}");
                        }
                    });
                }
            }
        }
        drop(self.listener);
        let started = Instant::now();
        tracing::info!("shutting down: {} connection(s) open", tasks.len());
        while busy.load(Ordering::SeqCst) > 0 && started.elapsed() < SHUTDOWN_GRACE {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        Ok(())
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn serve_client(
    socket: tokio::net::TcpStream,
    template: Engine,
    startup: Arc<Startup>,
    cancels: Arc<ConnectionManager>,
    busy: Arc<AtomicUsize>,
    dry_run: bool,
) -> Result<(), ServeError> {
    // A fresh GitHub client per connection, so each query's request count is its own.
    let mut engine = Engine::new(template.provider.clone(), template.client.config().clone());
    engine.allow_in_views = template.allow_in_views;
    let session = tokio::task::spawn_blocking(move || {
        Session::new(engine, OutputFormat::Table).map(|mut s| {
            s.dry_run = dry_run;
            s
        })
    })
    .await
    .map_err(|e| ServeError::Io(std::io::Error::other(e)))?
    .map_err(|e| ServeError::Io(std::io::Error::other(e.to_string())))?;
    let backend = Arc::new(backend::Backend::new(session, busy)?);
    let handlers = Handlers {
        backend,
        startup,
        cancel: Arc::new(DefaultCancelHandler::new(cancels)),
    };
    pgwire::tokio::process_socket(socket, None, handlers).await?;
    Ok(())
}

struct Handlers {
    backend: Arc<backend::Backend>,
    startup: Arc<Startup>,
    cancel: Arc<DefaultCancelHandler>,
}

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl pgwire::api::query::SimpleQueryHandler> {
        self.backend.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl pgwire::api::query::ExtendedQueryHandler> {
        self.backend.clone()
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        self.startup.clone()
    }

    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        self.cancel.clone()
    }
}

/// Server parameters sent at startup.
fn parameters(engine: &Engine) -> DefaultServerParameterProvider {
    let mut p = DefaultServerParameterProvider::default();
    p.server_version = format!(
        "{} (github-sql {})",
        catalog::PG_VERSION,
        env!("CARGO_PKG_VERSION")
    );
    p.search_path = catalog::search_path(&engine.provider);
    p
}

fn startup_handler(
    engine: &Engine,
    password: Option<&str>,
    cancels: Arc<ConnectionManager>,
) -> Startup {
    let params = Arc::new(parameters(engine));
    match password {
        None => Startup::Open(params, cancels),
        Some(p) => Startup::Md5(
            Md5PasswordAuthStartupHandler::new(
                Arc::new(PasswordSource {
                    password: p.to_string(),
                }),
                params,
            )
            .with_connection_manager(cancels),
        ),
    }
}

/// Authentication: none (loopback), or MD5 against the `--password-env` password.
enum Startup {
    Open(Arc<DefaultServerParameterProvider>, Arc<ConnectionManager>),
    Md5(Md5PasswordAuthStartupHandler<PasswordSource, DefaultServerParameterProvider>),
}

#[async_trait]
impl StartupHandler for Startup {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match self {
            Startup::Md5(h) => h.on_startup(client, message).await,
            Startup::Open(params, cancels) => {
                if let PgWireFrontendMessage::Startup(ref startup) = message {
                    protocol_negotiation(client, startup).await?;
                    save_startup_parameters_to_metadata(client, startup);
                    let (pid, key) = RandomPidSecretKeyGenerator::default().generate(client);
                    client.set_pid_and_secret_key(pid, key.clone());
                    // As pgwire's own handlers do: the handle lets a cancel request reach this
                    // connection's running query; the guard unregisters it when it closes.
                    let (handle, guard) = cancels.register(pid, key);
                    client
                        .session_extensions()
                        .insert::<Arc<ConnectionHandle>>(handle);
                    client.session_extensions().insert::<ConnectionGuard>(guard);
                    finish_authentication(client, params.as_ref()).await?;
                    client.set_state(PgWireConnectionState::ReadyForQuery);
                }
                Ok(())
            }
        }
    }
}

/// The one password, salted per login (MD5 authentication).
struct PasswordSource {
    password: String,
}

impl Debug for PasswordSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordSource(***)")
    }
}

#[async_trait]
impl AuthSource for PasswordSource {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        let mut salt = [0u8; 4];
        rand::fill(&mut salt);
        let user = login.user().unwrap_or_default();
        let hashed = hash_md5_password(user, &self.password, &salt);
        Ok(Password::new(Some(salt.to_vec()), hashed.into_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_loopback_needs_a_password() {
        let e = ServeOptions::from_flags("0.0.0.0", 5444, None, false).expect_err("refused");
        assert!(e.to_string().contains("--password-env"), "{e}");
        assert!(ServeOptions::from_flags("127.0.0.1", 5444, None, false).is_ok());
        assert!(ServeOptions::from_flags("::1", 5444, None, false).is_ok());
        assert!(ServeOptions::from_flags("localhost", 5444, None, false).is_ok());
        let e = ServeOptions::from_flags("127.0.0.1", 1, Some("GITHUB_SQL_TEST_UNSET_VAR"), false)
            .expect_err("unset");
        assert!(e.to_string().contains("GITHUB_SQL_TEST_UNSET_VAR"), "{e}");
    }

    #[test]
    fn options_never_print_the_password() {
        let o = ServeOptions {
            host: "127.0.0.1".into(),
            port: 1,
            password: Some("hunter2".into()),
            dry_run: false,
        };
        assert!(!format!("{o:?}").contains("hunter2"));
    }
}
