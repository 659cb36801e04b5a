//! `itemctl serve`: the stand-in for the reference app.

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use std::sync::Arc;

use bytes::Bytes;

use super::common::{Threads, runtime};
use super::exit::Verdict;
use crate::cli::ServeArgs;
use crate::client;
use crate::error::Failure;
use crate::reference::core::Options;
use crate::reference::{item, json};
use crate::server::state::State;
use crate::server::store::{self, SeedError, Store, Stored};
use crate::server::{self, App, Server, Site};
use crate::spec::document::Document;
use crate::spec::endpoint::upserts;

/// Serves until SIGINT or SIGTERM; the first line on stdout is the base
/// URL bound.
///
/// # Errors
/// A document that is not OpenAPI, has no upsert or uses what cannot be
/// validated exactly, a malformed or unreadable `--seed` file
/// ([`Failure::Input`] / [`Failure::Usage`]); an address that cannot be
/// bound or a failed write of the URL ([`Failure::Setup`]).
pub(super) fn run(args: &ServeArgs) -> anyhow::Result<Verdict> {
    let rt = runtime(Threads::PerCpu)?;
    let site = match &args.openapi {
        Some(given) => Arc::new(rt.block_on(site_of(given, args))?),
        None => Arc::new(Site::tutorial()),
    };
    let model = &site.model;
    let seed: Vec<Vec<(String, Stored)>> = if args.empty {
        vec![Vec::new(); model.resources.len()]
    } else if let Some(path) = &args.seed {
        let doc = store::read_seed(path).map_err(seed_failure)?;
        seed_items(&site, path, &doc)?
    } else if site.tutorial {
        vec![
            item::seed()
                .into_iter()
                .map(|(k, v)| (k, Stored::of(&v)))
                .collect(),
        ]
    } else {
        vec![Vec::new(); model.resources.len()]
    };
    let faults = server::faults::Settings {
        delay: args.delay,
        fail_rate: args.fail_rate,
        fail_status: args.fail_status,
        drop_rate: args.drop_rate,
        seed: args.fault_seed,
        ids: None,
        count: None,
    };
    // With --state, what the file holds is the store; a new file is seeded.
    let (state, stored) = match &args.state {
        Some(path) => {
            let (state, stored) =
                State::open(path, rt.handle()).map_err(|e| Failure::Usage(e.to_string()))?;
            (Some(state), stored)
        }
        None => (None, None),
    };
    let config = server::Config {
        quiet: args.quiet,
        max_body: args.max_body,
        header_timeout: args.header_timeout,
        max_connections: args.max_connections,
        log_format: args.log_format,
        admin_journal: args.admin.then_some(args.journal),
        faults,
        cors: args.cors.clone(),
        seed: seed.clone(),
    };
    let seed_file = stored.is_none();
    let initial: Vec<Vec<(String, Stored)>> = match stored {
        Some(items) => {
            let mut per = vec![Vec::new(); model.resources.len()];
            for (resource, key, item) in items {
                if let Some(i) = model.resources.iter().position(|r| r.template == resource) {
                    per[i].push((key, item));
                }
            }
            per
        }
        None => seed.clone(),
    };
    let stores = initial
        .into_iter()
        .map(|items| Store::with_items(items).with_max_items(args.max_items))
        .collect();
    let mut app = App::with_config(Arc::clone(&site), stores, &config);
    if let Some(state) = state {
        if seed_file {
            let all: Vec<(String, String, Stored)> = seed
                .iter()
                .enumerate()
                .flat_map(|(i, items)| {
                    let name = model.resources[i].template.clone();
                    items
                        .iter()
                        .map(move |(k, v)| (name.clone(), k.clone(), v.clone()))
                })
                .collect();
            let committed = rt.block_on(state.reset(&all).wait());
            if committed.is_err() {
                return Err(Failure::Usage(format!(
                    "--state: cannot write the seed items: {committed:?}"
                ))
                .into());
            }
        }
        app = app.with_state(state);
    }
    let addr = resolve(&args.host, args.port)?;
    let url_file = args.url_file.as_deref().map(UrlFile::clear).transpose()?;
    rt.block_on(async {
        let server = Server::bind(addr, app)
            .await
            .map_err(|e| Failure::setup(format!("cannot listen on {addr}"), e))?;
        if !addr.ip().is_loopback() {
            let _ = writeln!(
                std::io::stderr(),
                "itemctl: warning: listening on {}, beyond this machine: the upserts have no authentication",
                addr.ip()
            );
        }
        let shutdown = server::shutdown_signal()
            .map_err(|e| Failure::setup("cannot install the signal handlers", e))?;
        let url = server
            .base_url()
            .map_err(|e| Failure::setup("cannot read the bound address", e))?;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{url}")
            .and_then(|()| stdout.flush())
            .map_err(|e| Failure::setup("cannot print the URL", e))?;
        drop(stdout);
        if let Some(file) = &url_file {
            file.write(&url)?;
        }
        server
            .run(shutdown)
            .await
            .map_err(|e| Failure::setup("the server stopped", e))?;
        Ok(Verdict::Met)
    })
}

/// The site `--openapi` describes: the document read (a file, or a URL
/// fetched), its app built, `--path` applied.
///
/// # Errors
/// [`Failure::Usage`] naming why the document cannot be served.
async fn site_of(given: &str, args: &ServeArgs) -> Result<Site, Failure> {
    let text = client::openapi::fetch_given(None, given).await?;
    let mut doc =
        Document::parse(&text).map_err(|e| Failure::Usage(format!("--openapi {given}: {e}")))?;
    if let Some(path) = &args.path {
        let known: Vec<String> = upserts(&doc)
            .iter()
            .map(|u| u.operation.path.clone())
            .collect();
        if !doc.operations.iter().any(|o| o.path == *path) {
            return Err(Failure::Usage(format!(
                "--path {path}: {given} has no such path; its upserts are {}",
                known.join(", ")
            )));
        }
        doc.operations.retain(|o| o.path == *path);
    }
    if upserts(&doc).is_empty() {
        return Err(Failure::Usage(format!(
            "--openapi {given}: no upsert operation (a PUT with path parameters and a JSON request body) to stand in for"
        )));
    }
    // FastAPI serves its document as JSON.
    let json = if serde_json::from_slice::<serde_json::Value>(&text).is_ok() {
        Bytes::from(text)
    } else {
        Bytes::from(serde_json::to_vec(doc.raw()).unwrap_or_default())
    };
    let opts = Options {
        approximate: args.approximate,
    };
    Site::from_document(&doc, json, opts).map_err(|e| {
        Failure::Usage(format!(
            "--openapi {given}: {} cannot be validated as pydantic would: {} (pass --approximate to accept an approximation, or --path to serve another upsert)",
            e.pointer, e.why
        ))
    })
}

/// The items of a seed file, per resource, each validated as the app
/// would store it: `{"key": item}` for an app with one upsert resource
/// (the tutorial's too), or `{"/template": {"key": item}}`.
///
/// # Errors
/// [`Failure::Usage`] naming the file and the item.
fn seed_items(
    site: &Site,
    path: &Path,
    doc: &json::Value,
) -> Result<Vec<Vec<(String, Stored)>>, Failure> {
    let shown = path.display();
    let model = &site.model;
    let bad = |why: String| Failure::Usage(format!("seed file {shown}: {why}"));
    let json::Value::Object(top) = doc else {
        return Err(bad("expected a JSON object of key → item".into()));
    };
    let by_template = top.iter().all(|(k, _)| {
        model
            .resources
            .iter()
            .any(|r| k.as_str() == Some(r.template.as_str()))
    });
    let mut out = vec![Vec::new(); model.resources.len()];
    let groups: Vec<(usize, &json::Object)> = if by_template
        && !top.is_empty()
        && model.resources.len() > 1
    {
        let mut groups = Vec::new();
        for (template, items) in top.iter() {
            let i = model
                .resources
                .iter()
                .position(|r| Some(r.template.as_str()) == template.as_str())
                .unwrap_or(0);
            let json::Value::Object(items) = items else {
                return Err(bad(format!(
                    "{}: expected an object of key → item",
                    template.to_string_lossy()
                )));
            };
            groups.push((i, items));
        }
        groups
    } else if model.resources.len() == 1 {
        vec![(0, top)]
    } else {
        let templates: Vec<&str> = model
            .resources
            .iter()
            .map(|r| r.template.as_str())
            .collect();
        return Err(bad(format!(
            "the app has several upsert resources: group the items by path template, {{\"{}\": {{\"key\": item}}}}",
            templates.join("\", \"")
        )));
    };
    for (i, items) in groups {
        let count = model.resources[i].sig.params.len();
        for (key, item) in items.iter() {
            let key = key
                .as_str()
                .ok_or_else(|| bad("a key holds a lone surrogate".into()))?;
            let params: Vec<String> = key.split('/').map(str::to_owned).collect();
            if params.len() != count {
                return Err(bad(format!(
                    "item {key:?}: a key of {} needs {count} path parameter(s) joined by /",
                    model.resources[i].template
                )));
            }
            let v = model
                .seed_item(i, &params, item)
                .map_err(|why| bad(format!("item {key:?}: {why}")))?;
            out[i].push((v.key, Stored::of(&v.item)));
        }
    }
    Ok(out)
}

/// A seed file that cannot be read is an input error with its OS cause;
/// one that is malformed names the file, line and column.
fn seed_failure(err: SeedError) -> Failure {
    match err {
        SeedError::Read { path, source } => {
            Failure::input(format!("cannot read the --seed file {path}"), source)
        }
        other => Failure::Usage(other.to_string()),
    }
}

/// `--host` and `--port` as one socket address: an IP address as it is, a
/// host name (`localhost`) through the system resolver, its first address.
///
/// # Errors
/// [`Failure::Usage`] when the name does not resolve.
fn resolve(host: &str, port: u16) -> Result<SocketAddr, Failure> {
    let bracketless = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bracketless.parse::<std::net::IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| {
            Failure::Usage(format!(
                "--host `{host}` is neither an IP address nor a host name this machine resolves"
            ))
        })
}

/// `--url-file`: the bound URL for `itemctl wait --url-file`, written
/// atomically (a temporary file renamed into place, so a reader never sees
/// half a line) and removed when serve exits.
struct UrlFile(PathBuf);

impl UrlFile {
    /// Removes a file left by an earlier run, so that nobody reads a stale
    /// URL while this server starts.
    ///
    /// # Errors
    /// [`Failure::Input`] when it exists and cannot be removed.
    fn clear(path: &Path) -> Result<UrlFile, Failure> {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Failure::input(
                    format!("cannot replace the --url-file {}", path.display()),
                    e,
                ));
            }
        }
        Ok(UrlFile(path.to_owned()))
    }

    /// Writes `url`, a newline, and `pid N` with this process's id and a
    /// newline: the line that proves which process wrote the file, which
    /// `itemctl wait --url-file` checks (a file left by a serve that was
    /// killed names a process that is gone, or not the one `--pid` names).
    ///
    /// # Errors
    /// [`Failure::Input`] naming the file.
    fn write(&self, url: &str) -> Result<(), Failure> {
        let mut tmp = self.0.clone().into_os_string();
        tmp.push(format!(".tmp-{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, format!("{url}\npid {}\n", std::process::id()))
            .and_then(|()| std::fs::rename(&tmp, &self.0))
            .map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                Failure::input(
                    format!("cannot write the --url-file {}", self.0.display()),
                    e,
                )
            })
    }
}

impl Drop for UrlFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
