//! Foreign servers and user mappings → the engine's provider and GitHub clients.
//!
//! `api_url` is a server option (default github.com's API); the token is the `token` option of
//! the current role's user mapping (its own, else the mapping FOR PUBLIC), so each role queries
//! with its own token or a shared one. The postmaster's environment is never used for the token.
//! Clients are kept per (server, role, settings) for the backend's life, so connections are
//! reused across statements.
//!
//! Who can read a token: PostgreSQL shows a user mapping's options (`pg_user_mappings`) to the
//! mapped role, to the server's owner (and its members) and to superusers, never to other roles;
//! a server's options (`pg_foreign_server`) to everyone. So [`validate_options`] refuses a token
//! (or any secret-looking option) on a server, and a shared token belongs in a mapping FOR PUBLIC
//! created by the server's owner (docs/bi.md).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use github_sql_engine::http::{ClientConfig, GitHubClient, Token, DEFAULT_API_URL};
use github_sql_engine::spec::Resource;
use pgrx::pg_sys;
use pgrx::PgTryBuilder;

use crate::error::FdwError;

/// Server option: the API base URL (GitHub Enterprise Server: `https://HOST/api/v3`).
pub const API_URL_OPTION: &str = "api_url";
/// Server option: where the server's answers are cached: `disk` (the default, shared by every
/// backend and process of the same OS user), `memory` (this backend only) or `off`.
pub const CACHE_OPTION: &str = "cache";
/// Server option: the cache directory (default `$XDG_CACHE_HOME/github-sql` or
/// `~/.cache/github-sql` of the user the server runs as, or `GITHUB_SQL_CACHE_DIR`).
pub const CACHE_DIR_OPTION: &str = "cache_dir";
/// User-mapping option: the role's token.
pub const TOKEN_OPTION: &str = "token";
/// User-mapping option: a GitHub App's id (with [`PRIVATE_KEY_OPTION`]).
pub const APP_ID_OPTION: &str = "app_id";
/// User-mapping option: the GitHub App's private key, the PEM text.
pub const PRIVATE_KEY_OPTION: &str = "private_key";
/// User-mapping option: the App installation to use (else found per owner).
pub const INSTALLATION_OPTION: &str = "installation_id";
/// What a user mapping takes: credentials only, which PostgreSQL shows to the mapped role, the
/// server's owner and superusers alone.
const MAPPING_OPTIONS: [&str; 4] = [
    TOKEN_OPTION,
    APP_ID_OPTION,
    PRIVATE_KEY_OPTION,
    INSTALLATION_OPTION,
];
/// Table option: the StackQL id of the resource the table serves.
pub const RESOURCE_OPTION: &str = "resource";

/// Option names that hold secrets: never accepted where every role can read them.
fn secret_option(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["token", "password", "secret", "private_key", "key"]
        .iter()
        .any(|s| n == *s || n.contains(&format!("{s}_")) || n.ends_with(&format!("_{s}")))
}

/// The wrapper's validator: which options a server, user mapping and foreign table take.
/// `options` are `name=value` strings; `catalog` says what they belong to.
pub fn validate_options(
    options: &[Option<String>],
    catalog: Option<pg_sys::Oid>,
) -> Result<(), FdwError> {
    use pg_sys::BuiltinOid as B;
    let Some(catalog) = catalog else {
        return Ok(());
    };
    for (name, value) in options.iter().flatten().filter_map(|o| o.split_once('=')) {
        if catalog == B::ForeignServerRelationId.value()
            && name == CACHE_OPTION
            && cache_setting(value).is_none()
        {
            return Err(FdwError::Setup(format!(
                "server option {CACHE_OPTION} is {value:?}: use disk (shared by every backend), \
                 memory (this backend only) or off"
            )));
        }
    }
    let names = options
        .iter()
        .flatten()
        .map(|o| o.split_once('=').map_or(o.as_str(), |(k, _)| k));
    for name in names {
        if catalog == B::ForeignServerRelationId.value() {
            if secret_option(name) {
                return Err(FdwError::Setup(format!(
                    "a server's options are readable by every role (pg_foreign_server), so {name} \
                     cannot be one: put the token in a user mapping, e.g. CREATE USER MAPPING FOR \
                     PUBLIC SERVER <server> OPTIONS (token '…') (shown only to the server's owner), \
                     or FOR <role> (shown to that role)"
                )));
            }
            if MAPPING_OPTIONS.contains(&name) {
                return Err(FdwError::Setup(format!(
                    "{name} is a credential: it belongs in a user mapping (CREATE USER MAPPING \
                     FOR PUBLIC SERVER <server> OPTIONS ({APP_ID_OPTION} '…', {PRIVATE_KEY_OPTION} \
                     '…')), whose options only the server's owner sees; a server's options are \
                     readable by every role"
                )));
            }
            if name != API_URL_OPTION
                && !name.ends_with("_url")
                && name != CACHE_OPTION
                && name != CACHE_DIR_OPTION
            {
                return Err(FdwError::Setup(format!(
                    "unknown server option {name}: a github_sql server takes {API_URL_OPTION} \
                     (https://HOST/api/v3 for GitHub Enterprise Server), <service>_url \
                     (registry_url), {CACHE_OPTION} (disk, memory or off) and {CACHE_DIR_OPTION}"
                )));
            }
        } else if catalog == B::UserMappingRelationId.value() {
            if !MAPPING_OPTIONS.contains(&name) {
                return Err(FdwError::Setup(format!(
                    "unknown user mapping option {name}: a github_sql user mapping takes \
                     {TOKEN_OPTION}, or {APP_ID_OPTION} with {PRIVATE_KEY_OPTION} (the PEM text) \
                     and optionally {INSTALLATION_OPTION} for a GitHub App (server settings such \
                     as {API_URL_OPTION} are options of the server)"
                )));
            }
        } else if catalog == B::ForeignTableRelationId.value()
            && name != RESOURCE_OPTION
            && name != "rowid_column"
        {
            return Err(FdwError::Setup(format!(
                "unknown foreign table option {name}: github_sql tables take {RESOURCE_OPTION} \
                 and rowid_column (IMPORT FOREIGN SCHEMA writes both)"
            )));
        }
    }
    Ok(())
}

/// The `cache` option's value: `Some(None)` off, `Some(Some(disk?))`; `None` when unknown.
fn cache_setting(value: &str) -> Option<Option<bool>> {
    match value.trim().to_ascii_lowercase().as_str() {
        "off" => Some(None),
        "memory" => Some(Some(false)),
        "disk" => Some(Some(true)),
        _ => None,
    }
}

/// The client configuration with the server's cache options applied.
fn with_cache_options(mut config: ClientConfig, options: &HashMap<String, String>) -> ClientConfig {
    use github_sql_engine::http::{cache_dir_from_env, CacheStore};
    let dir = options
        .get(CACHE_DIR_OPTION)
        .filter(|d| !d.trim().is_empty())
        .map(|d| std::path::PathBuf::from(d.trim()));
    match options.get(CACHE_OPTION).and_then(|v| cache_setting(v)) {
        Some(None) => config.cache = false,
        Some(Some(false)) => config.store = CacheStore::Memory,
        Some(Some(true)) => {
            if let Some(d) = dir.or_else(cache_dir_from_env) {
                config.store = CacheStore::Disk(d);
            }
        }
        None => {
            if let Some(d) = dir {
                config.store = CacheStore::Disk(d);
            }
        }
    }
    config
}

pub use crate::provider::provider;

/// The resource a foreign table serves, from its `resource` option.
pub fn resource(options: &HashMap<String, String>) -> Result<Arc<Resource>, FdwError> {
    let id = options.get(RESOURCE_OPTION).ok_or_else(|| {
        FdwError::Setup(
            "the foreign table has no `resource` option; create it with IMPORT FOREIGN SCHEMA \
             packages FROM SERVER github INTO <schema>"
                .into(),
        )
    })?;
    let provider = provider()?;
    provider.resource_by_id(id).cloned().ok_or_else(|| {
        let known: Vec<&str> = provider.resources().map(|r| r.id.as_str()).collect();
        FdwError::Setup(format!(
            "resource {id:?} is not in the provider document; known: {}",
            known.join(", ")
        ))
    })
}

/// Options of a `List` of `DefElem`s.
///
/// # Safety
/// `list` is null or a valid list of `DefElem` nodes.
pub unsafe fn deflist_to_map(list: *mut pg_sys::List) -> HashMap<String, String> {
    let mut m = HashMap::new();
    if list.is_null() {
        return m;
    }
    // SAFETY: per the contract, every element is a DefElem with a string value.
    unsafe {
        for i in 0..(*list).length {
            let de = pg_sys::list_nth(list, i) as *mut pg_sys::DefElem;
            let k = std::ffi::CStr::from_ptr((*de).defname)
                .to_string_lossy()
                .into_owned();
            let v = std::ffi::CStr::from_ptr(pg_sys::defGetString(de))
                .to_string_lossy()
                .into_owned();
            m.insert(k, v);
        }
    }
    m
}

/// The current role's user-mapping options for a server (empty when it has none).
pub fn user_mapping_options(server_oid: pg_sys::Oid) -> HashMap<String, String> {
    PgTryBuilder::new(|| unsafe {
        // SAFETY: GetUserMapping returns a valid mapping or raises (caught below).
        let um = pg_sys::GetUserMapping(pg_sys::GetUserId(), server_oid);
        deflist_to_map((*um).options)
    })
    .catch_others(|_| HashMap::new())
    .execute()
}

/// A server's name and options, by name (for the EXEC functions).
pub fn server_by_name(name: &str) -> Result<(pg_sys::Oid, HashMap<String, String>), FdwError> {
    let cname = std::ffi::CString::new(name)
        .map_err(|_| FdwError::Setup("a server name cannot contain a NUL byte".into()))?;
    // SAFETY: missing_ok = true, so a NULL answer means "no such server".
    unsafe {
        let server = pg_sys::GetForeignServerByName(cname.as_ptr(), true);
        if server.is_null() {
            return Err(FdwError::Setup(format!(
                "no foreign server {name:?}: CREATE SERVER {name} FOREIGN DATA WRAPPER github_sql"
            )));
        }
        Ok(((*server).serverid, deflist_to_map((*server).options)))
    }
}

thread_local! {
    static CLIENTS: RefCell<HashMap<(u32, u32, String, String), GitHubClient>> =
        RefCell::new(HashMap::new());
}

/// The credentials of a user mapping: a token, or a GitHub App (`app_id`, `private_key`,
/// `installation_id`). The second value is what identifies them in the client cache (a hash:
/// the secret is not kept twice).
fn credentials(
    server_name: &str,
    mapping: &HashMap<String, String>,
) -> Result<(Credential, String), FdwError> {
    if let Some(id) = mapping.get(APP_ID_OPTION) {
        let pem = mapping.get(PRIVATE_KEY_OPTION).ok_or_else(|| {
            FdwError::Setup(format!(
                "the user mapping for server {server_name} has {APP_ID_OPTION} but no \
                 {PRIVATE_KEY_OPTION}: ALTER USER MAPPING … OPTIONS (ADD {PRIVATE_KEY_OPTION} '<the App's PEM>')"
            ))
        })?;
        let installation = github_sql_engine::http::app::parse_installation(
            INSTALLATION_OPTION,
            mapping.get(INSTALLATION_OPTION).cloned(),
        )
        .map_err(|e| FdwError::Setup(e.to_string()))?;
        let key = format!(
            "app {id} {} {installation:?}",
            github_sql_engine::rows::sha256_digest(pem.as_bytes())
        );
        return Ok((
            Credential::App {
                id: id.clone(),
                pem: pem.clone(),
                installation,
            },
            key,
        ));
    }
    let token = mapping.get(TOKEN_OPTION).cloned().ok_or_else(|| {
        FdwError::Setup(format!(
            "no GitHub token for this role on server {server_name}: \
             CREATE USER MAPPING FOR CURRENT_USER SERVER {server_name} OPTIONS (token 'ghp_…') \
             (a personal access token, classic, with read:packages), or ask the server's owner \
             for a shared one (CREATE USER MAPPING FOR PUBLIC …); a GitHub App takes \
             OPTIONS (app_id '…', private_key '…')"
        ))
    })?;
    let key = github_sql_engine::rows::sha256_digest(token.as_bytes());
    Ok((Credential::Token(token), key))
}

/// What a user mapping authenticates with.
enum Credential {
    Token(String),
    App {
        id: String,
        pem: String,
        installation: Option<u64>,
    },
}

/// Services with their own server, from `<service>_url` options (`registry_url 'https://ghcr.io'`);
/// `api_url` is GitHub's REST API itself.
fn service_servers(options: &HashMap<String, String>) -> impl Iterator<Item = (&str, &str)> {
    options.iter().filter_map(|(k, v)| {
        let service = k.strip_suffix("_url")?;
        (k != API_URL_OPTION && !service.is_empty()).then_some((service, v.as_str()))
    })
}

/// The GitHub client for the current role on this server.
pub fn client(
    server_name: &str,
    server_oid: pg_sys::Oid,
    server_options: &HashMap<String, String>,
) -> Result<GitHubClient, FdwError> {
    // The server's GITHUB_SQL_* settings: a value that is not valid is an error naming it.
    github_sql_engine::settings::check_env().map_err(|e| FdwError::Engine(e.into()))?;
    let mapping = user_mapping_options(server_oid);
    let (credential, identity) = credentials(server_name, &mapping)?;
    let base_url = server_options
        .get(API_URL_OPTION)
        .cloned()
        .unwrap_or_else(|| DEFAULT_API_URL.to_string());
    // SAFETY: plain accessor of the session's user id.
    let user = unsafe { pg_sys::GetUserId() }.to_u32();
    let key = (server_oid.to_u32(), user, base_url.clone(), identity);
    if let Some(c) = CLIENTS.with(|c| c.borrow().get(&key).cloned()) {
        return Ok(c);
    }
    let mut config = with_cache_options(
        ClientConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            token: None,
            // The backend's environment holds no credential: only the mapping's count.
            app: None,
            credential_error: None,
            // Each server is a connection: its own budget and cache identity.
            connection: Some(server_name.to_string()),
            ..ClientConfig::from_env()
        },
        server_options,
    );
    match credential {
        Credential::Token(t) => config.token = Some(Token::new(t)),
        Credential::App {
            id,
            pem,
            installation,
        } => {
            let app = github_sql_engine::http::AppAuth::new(
                &id,
                &pem,
                &format!(
                    "the {PRIVATE_KEY_OPTION} option of the user mapping for server {server_name}"
                ),
                installation,
            )
            .map_err(|e| FdwError::Setup(e.to_string()))?;
            config.app = Some(app);
        }
    }
    let client = GitHubClient::new(
        service_servers(server_options).fold(config, |config, (service, url)| {
            config.with_server(service, url)
        }),
    );
    CLIENTS.with(|c| c.borrow_mut().insert(key, client.clone()));
    Ok(client)
}
