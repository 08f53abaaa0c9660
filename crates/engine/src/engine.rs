//! An engine: one provider document plus one GitHub client; what every front end registers.

use std::sync::Arc;

use crate::http::{ClientConfig, GitHubClient};
use crate::spec::Provider;

/// What a SQLite connection needs to serve the provider's tables.
#[derive(Clone, Debug)]
pub struct Engine {
    /// The provider document.
    pub provider: Arc<Provider>,
    /// The GitHub client.
    pub client: GitHubClient,
    /// Let views and triggers stored in database files use the tables (off by default).
    pub allow_in_views: bool,
    /// The named connections (the config file's); their tables are registered beside the
    /// default ones (`acme__org_versions`).
    pub connections: Arc<crate::connections::Connections>,
    /// A client per named connection that is not an aggregator, built once.
    clients: Arc<Vec<(String, GitHubClient)>>,
}

/// Environment variable that makes the tables usable from views and triggers in database files.
pub const ALLOW_VIEWS_ENV: &str = "GITHUB_SQL_ALLOW_VIEWS";

impl Engine {
    /// An engine for this provider and client configuration; the provider's `config.auth`
    /// applies ([`ClientConfig::with_auth`]: `type: basic` reads its user name and password
    /// variables).
    pub fn new(provider: Arc<Provider>, config: ClientConfig) -> Self {
        let config = config.with_auth(&provider.auth);
        Engine {
            provider,
            client: GitHubClient::new(config),
            allow_in_views: false,
            connections: Arc::default(),
            clients: Arc::default(),
        }
    }

    /// The same engine with these named connections; when one of them is the default, bare
    /// table names use its client. A named connection's credentials are its own: the
    /// environment's (a StackQL provider's basic-auth variables included) never replace them.
    pub fn with_connections(mut self, connections: crate::connections::Connections) -> Self {
        if let Some(config) = connections.default_config() {
            self.client = GitHubClient::new(config.clone());
        }
        let clients = connections
            .list
            .iter()
            .filter_map(|c| match c {
                crate::connections::Connection::Single { name, config } => {
                    let client = if connections.default.as_deref() == Some(name) {
                        self.client.clone()
                    } else {
                        GitHubClient::new(config.as_ref().clone())
                    };
                    Some((name.clone(), client))
                }
                crate::connections::Connection::Aggregate { .. } => None,
            })
            .collect();
        self.clients = Arc::new(clients);
        self.connections = Arc::new(connections);
        self
    }

    /// The same engine with every client (the default's and each named connection's) counting
    /// into `tally`: a front end's connection counts what its statements cost.
    pub fn with_tally(&self, tally: Arc<crate::http::Tally>) -> Engine {
        Engine {
            client: self.client.with_tally(Arc::clone(&tally)),
            clients: Arc::new(
                self.clients
                    .iter()
                    .map(|(n, c)| (n.clone(), c.with_tally(Arc::clone(&tally))))
                    .collect(),
            ),
            ..self.clone()
        }
    }

    /// A client per named connection that is not an aggregator (built once, in
    /// [`Engine::with_connections`]; clones share their tokens and counters).
    pub fn connection_clients(&self) -> Vec<(String, GitHubClient)> {
        self.clients.as_ref().clone()
    }

    /// The provider from `GITHUB_SQL_PROVIDER_DIR` (else embedded) and the client from the
    /// environment (`GITHUB_TOKEN`/`GH_TOKEN`/`STACKQL_GITHUB_PASSWORD`, `GITHUB_API_URL`).
    ///
    /// Named connections come from the config file ([`crate::connections`]); the default is
    /// `GITHUB_SQL_CONNECTION`, else the file's `default`, else the environment's.
    pub fn from_env() -> crate::Result<Self> {
        crate::settings::check_env()?;
        let config = ClientConfig::from_env();
        let mut connections = crate::connections::Connections::load(&config)?;
        if let Some(name) = std::env::var(crate::connections::CONNECTION_ENV)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
        {
            connections = connections.with_default(&name, crate::connections::CONNECTION_ENV)?;
        }
        let mut engine = Engine::new(Arc::new(crate::spec::load_from_env()?), config)
            .with_connections(connections);
        engine.allow_in_views = allow_views_from_env();
        Ok(engine)
    }
}

/// Whether `GITHUB_SQL_ALLOW_VIEWS` is on (1, true, yes or on).
pub fn allow_views_from_env() -> bool {
    crate::settings::switch(ALLOW_VIEWS_ENV).unwrap_or(false)
}
