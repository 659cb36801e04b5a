//! The shared state of a running server ([`App`]) and its settings
//! ([`Config`]).

use std::time::Duration;

use super::access_log::{AccessLog, LogFormat};
use super::journal::Journal;
use super::limits::{DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_BODY, DEFAULT_MAX_CONNECTIONS};
use super::store::Store;
use super::{cors, faults, state};

/// What `--admin` keeps: the journal, the seed a reset returns to, and the
/// OpenAPI document with the admin routes (made on first request).
#[derive(Debug)]
pub struct Admin {
    /// The request journal.
    pub journal: Journal,
    /// The items `DELETE /__itemctl/items` resets to.
    pub seed: Vec<(String, crate::reference::item::Item)>,
    /// `/openapi.json` with the admin routes.
    pub openapi: std::sync::OnceLock<bytes::Bytes>,
}

/// Server settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// No access log.
    pub quiet: bool,
    /// Largest accepted request body, in bytes.
    pub max_body: u64,
    /// Time from a request head's first byte to its end.
    pub header_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// The access log's format.
    pub log_format: LogFormat,
    /// `--admin`: the control API, keeping this many requests in the
    /// journal.
    pub admin_journal: Option<usize>,
    /// The fault settings at start.
    pub faults: faults::Settings,
    /// `--cors`: the allowed origin (`*` for any).
    pub cors: Option<String>,
    /// The items `DELETE /__itemctl/items` resets to.
    pub seed: Vec<(String, crate::reference::item::Item)>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            quiet: false,
            max_body: DEFAULT_MAX_BODY,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            log_format: LogFormat::Text,
            admin_journal: None,
            faults: faults::Settings::default(),
            cors: None,
            seed: Vec::new(),
        }
    }
}

/// The shared state of a running server.
#[derive(Debug)]
pub struct App {
    /// The items.
    pub store: Store,
    pub(super) log: Option<AccessLog>,
    pub(super) max_body: u64,
    pub(super) header_timeout: Duration,
    pub(super) max_connections: usize,
    pub(super) admin: Option<Admin>,
    pub(super) faults: faults::Faults,
    pub(super) cors: Option<cors::Cors>,
    pub(super) state: Option<state::State>,
}

impl App {
    /// An app over `store`, logging one line per request to stderr unless
    /// `quiet`.
    pub fn new(store: Store, quiet: bool) -> Self {
        Self::with_config(
            store,
            &Config {
                quiet,
                ..Config::default()
            },
        )
    }

    /// An app over `store` with explicit settings.
    pub fn with_config(store: Store, config: &Config) -> Self {
        App {
            store,
            log: (!config.quiet).then(|| AccessLog::spawn(config.log_format)),
            max_body: config.max_body,
            header_timeout: config.header_timeout,
            max_connections: config.max_connections.max(1),
            admin: config.admin_journal.map(|n| Admin {
                journal: Journal::new(n),
                seed: config.seed.clone(),
                openapi: std::sync::OnceLock::new(),
            }),
            faults: faults::Faults::new(config.faults.clone()),
            cors: config.cors.as_deref().map(cors::Cors::new),
            state: None,
        }
    }

    /// Keeps the items in a state file too (`--state`).
    pub fn with_state(mut self, state: state::State) -> Self {
        self.state = Some(state);
        self
    }

    /// Resets the store to `items` (and the state file, in the same order
    /// as upserts); returns the commit to wait for with `--state`.
    pub(super) fn reset(
        &self,
        items: &[(String, crate::reference::item::Item)],
    ) -> Option<state::Durable> {
        let mut durable = None;
        self.store.reset_then(items, || {
            durable = self.state.as_ref().map(|s| s.reset(items));
        });
        durable
    }
}
