//! The shared state of a running server ([`App`]), what it serves
//! ([`Site`]: the app an OpenAPI document describes, the tutorial's by
//! default) and its settings ([`Config`]).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::access_log::{AccessLog, LogFormat};
use super::journal::Journal;
use super::limits::{DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_BODY, DEFAULT_MAX_CONNECTIONS};
use super::store::{Store, Stored};
use super::{cors, faults, state};
use crate::reference::app::App as Model;
use crate::reference::core::{Options, Unsupported};
use crate::reference::pages;
use crate::spec::document::Document;

/// What a server serves: the app a document describes, the document
/// itself (`/openapi.json`) and the docs pages titled after it.
#[derive(Debug)]
pub struct Site {
    /// The app: routes, validators, resources.
    pub model: Model,
    /// `/openapi.json`, as given.
    pub openapi: Bytes,
    /// `/docs`.
    pub swagger_ui: Bytes,
    /// `/redoc`.
    pub redoc: Bytes,
    /// Whether this is the tutorial's app (`serve` without `--openapi`).
    pub tutorial: bool,
}

impl Site {
    /// The tutorial's app, from its own document.
    pub fn tutorial() -> Site {
        let doc = crate::spec::tutorial::document();
        // The tutorial's document is part of the binary and read by the
        // unit tests: it always builds.
        let model =
            Model::from_document(&doc, Options::default()).unwrap_or_else(|_| empty_model());
        Site {
            model,
            openapi: Bytes::from_static(pages::OPENAPI_JSON.as_bytes()),
            swagger_ui: Bytes::from_static(pages::SWAGGER_UI_HTML.as_bytes()),
            redoc: Bytes::from_static(pages::REDOC_HTML.as_bytes()),
            tutorial: true,
        }
    }

    /// The app `doc` describes; `text` is the document as given.
    ///
    /// # Errors
    /// [`Unsupported`] naming the JSON pointer of what cannot be served
    /// exactly.
    pub fn from_document(doc: &Document, text: Bytes, opts: Options) -> Result<Site, Unsupported> {
        let model = Model::from_document(doc, opts)?;
        let title = model.title.clone();
        let retitle =
            |page: &str| Bytes::from(page.replacen("FastAPI - ", &format!("{title} - "), 1));
        Ok(Site {
            swagger_ui: retitle(pages::SWAGGER_UI_HTML),
            redoc: retitle(pages::REDOC_HTML),
            model,
            openapi: text,
            tutorial: false,
        })
    }
}

fn empty_model() -> Model {
    Model {
        title: "FastAPI".into(),
        models: Default::default(),
        routes: Default::default(),
        actions: Vec::new(),
        resources: Vec::new(),
    }
}

/// What `--admin` keeps: the journal, the seed a reset returns to, and the
/// OpenAPI document with the admin routes (made on first request).
#[derive(Debug)]
pub struct Admin {
    /// The request journal.
    pub journal: Journal,
    /// The items `DELETE /__itemctl/items` resets to, per resource.
    pub seed: Vec<Vec<(String, Stored)>>,
    /// `/openapi.json` with the admin routes.
    pub openapi: std::sync::OnceLock<Bytes>,
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
    /// The items `DELETE /__itemctl/items` resets to, per resource.
    pub seed: Vec<Vec<(String, Stored)>>,
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
    /// What is served.
    pub site: Arc<Site>,
    /// The items, one store per resource (in the site's order).
    pub stores: Vec<Store>,
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
    /// The tutorial's app over `store`, logging one line per request to
    /// stderr unless `quiet`.
    pub fn new(store: Store, quiet: bool) -> Self {
        Self::with_config(
            Arc::new(Site::tutorial()),
            vec![store],
            &Config {
                quiet,
                ..Config::default()
            },
        )
    }

    /// An app serving `site` over `stores` (one per resource; missing ones
    /// start empty) with explicit settings.
    pub fn with_config(site: Arc<Site>, mut stores: Vec<Store>, config: &Config) -> Self {
        while stores.len() < site.model.resources.len() {
            stores.push(Store::default());
        }
        App {
            site,
            stores,
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

    /// The tutorial's store (the first resource's), for tests and the
    /// embedded server.
    pub fn store(&self) -> &Store {
        &self.stores[0]
    }

    /// The resource's template, as the state file names it.
    pub(super) fn resource_name(&self, resource: usize) -> &str {
        self.site
            .model
            .resources
            .get(resource)
            .map_or("", |r| r.template.as_str())
    }

    /// Resets every store to `seed` (and the state file, in the same
    /// order as upserts); returns the commit to wait for with `--state`.
    pub(super) fn reset(&self, seed: &[Vec<(String, Stored)>]) -> Option<state::Durable> {
        let all: Vec<(String, String, Stored)> = seed
            .iter()
            .enumerate()
            .flat_map(|(r, items)| {
                let name = self.resource_name(r).to_owned();
                items
                    .iter()
                    .map(move |(k, v)| (name.clone(), k.clone(), v.clone()))
            })
            .collect();
        // Every store stays locked until the state file's reset is queued:
        // no upsert can land between them.
        fn reset_from(
            stores: &[Store],
            seed: &[Vec<(String, Stored)>],
            at: usize,
            last: &mut dyn FnMut(),
        ) {
            match stores.get(at) {
                Some(store) => {
                    store.reset_then(seed.get(at).map_or(&[][..], Vec::as_slice), || {
                        reset_from(stores, seed, at + 1, last);
                    })
                }
                None => last(),
            }
        }
        let mut durable = None;
        reset_from(&self.stores, seed, 0, &mut || {
            durable = self.state.as_ref().map(|s| s.reset(&all));
        });
        durable
    }
}
