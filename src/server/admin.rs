//! `serve --admin`: a control API under the reserved prefix `/__itemctl/`
//! (JSON in and out, `server: itemctl`), for test suites.
//!
//! | route | answer |
//! |---|---|
//! | `GET /__itemctl/items` | 200, every stored key → item, in insertion order |
//! | `PUT /__itemctl/items` | 200 `{"items": N}`; the store replaced by the object given (key → item, each validated as the app would) |
//! | `DELETE /__itemctl/items` | 204; the store (and `--state` file) back to the start-up seed |
//! | `GET /__itemctl/items/{key}` | 200 the item; 404 when absent |
//! | `PUT /__itemctl/items/{key}` | 201 (new) or 200 with the item stored (validated as the app would; 422 naming the error) |
//! | `DELETE /__itemctl/items/{key}` | 204; 404 when absent |
//! | `GET /__itemctl/requests` | 200, `{"capacity": N, "requests": [...]}`, oldest first; filters `?method=&path=&status=&id=` |
//! | `DELETE /__itemctl/requests` | 204; the journal emptied |
//! | `GET /__itemctl/health` | 200 `{"status":"ok","uptime_s":…,"items":…,"requests":…}` |
//! | `GET`/`PUT`/`DELETE /__itemctl/faults` | the fault settings ([`super::faults::Settings`]); PUT replaces them, DELETE clears them (204) |
//!
//! A key is the item's path parameters joined by `/` (`s1/978-3` for
//! `/stores/{store_id}/books/{isbn}`). Where the app has several upsert
//! resources, `?resource=/path/{template}` names one (default: the
//! first), and `GET /__itemctl/items` without it lists every resource's.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::app::{Admin, App, Site};
use super::faults::Settings;
use super::state::Durable;
use super::store::Stored;
use crate::contract::Upserted;
use crate::reference::json;
use crate::reference::response::Reply;
use crate::reference::routing::unquote;

/// The reserved prefix.
pub const PREFIX: &str = "/__itemctl/";

/// The OpenAPI document to serve when `--admin` is on: the site's with
/// the admin routes.
pub fn openapi(admin: &Admin, site: &Site) -> Bytes {
    admin
        .openapi
        .get_or_init(|| Bytes::from(openapi_with_admin(&site.openapi)))
        .clone()
}

/// Whether a request target is under [`PREFIX`].
pub fn is_admin_target(target: &[u8]) -> bool {
    target.starts_with(PREFIX.as_bytes())
}

/// The query's `key=value` pairs, percent-decoded.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (unquote(&k.replace('+', " ")), unquote(&v.replace('+', " ")))
        })
        .collect()
}

/// Answers an admin request; with `--state`, a write also returns the
/// commit to wait for before answering.
pub(super) fn handle(
    app: &App,
    admin: &Admin,
    method: &str,
    target: &str,
    body: &[u8],
) -> (Reply, Option<Durable>) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let rest = &path[PREFIX.len()..];
    let query = query_pairs(query);
    let param = |name: &str| {
        query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let resources = &app.site.model.resources;
    let resource = match param("resource") {
        Some(t) => match resources.iter().position(|r| r.template == t) {
            Some(i) => Some(i),
            None => {
                let known: Vec<&str> = resources.iter().map(|r| r.template.as_str()).collect();
                return (
                    detail(
                        404,
                        &format!("no upsert resource {t}; the app has {}", known.join(", ")),
                    ),
                    None,
                );
            }
        },
        None => None,
    };
    let chosen = resource.unwrap_or(0);
    let (reply, durable) = match (rest, method) {
        ("items", "GET") => (items_reply(app, resource), None),
        ("items", "PUT") => load(app, chosen, body),
        ("items", "DELETE") => {
            let mut seed = admin.seed.clone();
            seed.resize(resources.len(), Vec::new());
            (no_content(), app.reset(&seed))
        }
        ("items", _) => (not_allowed("DELETE, GET, PUT"), None),
        (r, _) if r.starts_with("items/") => {
            let key = unquote(&r["items/".len()..]);
            match method {
                "GET" => (
                    match app.stores.get(chosen).and_then(|s| s.get(&key)) {
                        Some(item) => Reply::json(200, item.json),
                        None => detail(404, "Not Found"),
                    },
                    None,
                ),
                "PUT" => put_item(app, chosen, &key, body),
                "DELETE" => {
                    let mut durable = None;
                    let removed = app.stores.get(chosen).is_some_and(|s| {
                        s.remove_then(&key, || {
                            durable = app
                                .state
                                .as_ref()
                                .map(|st| st.delete(app.resource_name(chosen), &key));
                        })
                    });
                    if removed {
                        (no_content(), durable)
                    } else {
                        (detail(404, "Not Found"), None)
                    }
                }
                _ => (not_allowed("DELETE, GET, PUT"), None),
            }
        }
        ("requests", "GET") => {
            let status = param("status").map(str::parse::<u16>);
            if let Some(Err(_)) = status {
                return (
                    detail(422, "status must be a status code, like ?status=201"),
                    None,
                );
            }
            let keep = |r: &super::journal::Record| {
                param("method").is_none_or(|m| r.method.eq_ignore_ascii_case(m.as_bytes()))
                    && param("path").is_none_or(|p| {
                        let target = String::from_utf8_lossy(&r.target);
                        target.split('?').next() == Some(p)
                    })
                    && status
                        .as_ref()
                        .is_none_or(|s| s.as_ref().is_ok_and(|s| *s == r.status))
                    && param("id").is_none_or(|id| r.upsert.as_ref().is_some_and(|(k, _)| k == id))
            };
            let requests: Vec<Value> = admin
                .journal
                .records()
                .iter()
                .filter(|r| keep(r))
                .map(|r| r.to_json(admin.journal.clock))
                .collect();
            let doc = json!({"capacity": admin.journal.capacity, "requests": requests});
            (Reply::json(200, doc.to_string()), None)
        }
        ("requests", "DELETE") => {
            admin.journal.clear();
            (no_content(), None)
        }
        ("requests", _) => (not_allowed("DELETE, GET"), None),
        ("health", "GET") => {
            let doc = json!({
                "status": "ok",
                "uptime_s": (admin.journal.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
                "items": app.stores.iter().map(super::store::Store::len).sum::<usize>(),
                "requests": admin.journal.requests.load(Ordering::Relaxed),
            });
            (Reply::json(200, doc.to_string()), None)
        }
        ("health", _) => (not_allowed("GET"), None),
        ("faults", "GET") => (settings_reply(&app.faults.settings()), None),
        ("faults", "PUT") => (
            match serde_json::from_slice::<Settings>(body) {
                Ok(settings) => match settings.validate() {
                    Ok(()) => {
                        app.faults.set(settings.clone());
                        settings_reply(&settings)
                    }
                    Err(why) => detail(422, &why),
                },
                Err(e) => detail(422, &format!("invalid fault settings: {e}")),
            },
            None,
        ),
        ("faults", "DELETE") => {
            app.faults.set(Settings::default());
            (no_content(), None)
        }
        ("faults", _) => (not_allowed("DELETE, GET, PUT"), None),
        _ => (detail(404, "Not Found"), None),
    };
    (mark(reply), durable)
}

/// Admin answers say they are itemctl's, not the app's.
fn mark(mut reply: Reply) -> Reply {
    reply.server = "itemctl";
    reply
}

/// `{key: item, …}` of one resource, or, without one named and with
/// several, `{template: {key: item, …}, …}`.
fn items_reply(app: &App, resource: Option<usize>) -> Reply {
    let write = |out: &mut Vec<u8>, store: &super::store::Store| {
        out.push(b'{');
        for (i, (key, item)) in store.snapshot().iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(serde_json::to_string(key).unwrap_or_default().as_bytes());
            out.push(b':');
            out.extend_from_slice(&item.json);
        }
        out.push(b'}');
    };
    let mut out = Vec::with_capacity(256);
    match (resource, app.stores.len()) {
        (Some(r), _) => {
            if let Some(store) = app.stores.get(r) {
                write(&mut out, store);
            }
        }
        (None, 0 | 1) => match app.stores.first() {
            Some(store) => write(&mut out, store),
            None => out.extend_from_slice(b"{}"),
        },
        (None, _) => {
            out.push(b'{');
            for (i, store) in app.stores.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let name = serde_json::to_string(app.resource_name(i)).unwrap_or_default();
                out.extend_from_slice(name.as_bytes());
                out.push(b':');
                write(&mut out, store);
            }
            out.push(b'}');
        }
    }
    Reply::json(200, out)
}

/// The item a body gives for `key`, validated as the app would store it.
fn validated(app: &App, resource: usize, key: &str, item: &json::Value) -> Result<Stored, String> {
    let params: Vec<String> = key.split('/').map(str::to_owned).collect();
    let count = app
        .site
        .model
        .resources
        .get(resource)
        .map_or(0, |r| r.sig.params.len());
    if params.len() != count {
        return Err(format!(
            "the key {key:?} needs {count} path parameter(s), joined by /"
        ));
    }
    let v = app.site.model.seed_item(resource, &params, item)?;
    Ok(Stored::of(&v.item))
}

fn put_item(app: &App, resource: usize, key: &str, body: &[u8]) -> (Reply, Option<Durable>) {
    let item = match json::decode(body) {
        Ok(v) => v,
        Err(e) => return (detail(422, &format!("the body is not JSON: {e}")), None),
    };
    let stored = match validated(app, resource, key, &item) {
        Ok(s) => s,
        Err(why) => return (detail(422, &why), None),
    };
    let Some(store) = app.stores.get(resource) else {
        return (detail(404, "Not Found"), None);
    };
    let mut durable = None;
    match store.upsert_then(key, &stored, |_| {
        durable = app
            .state
            .as_ref()
            .map(|s| s.upsert(app.resource_name(resource), key, &stored));
    }) {
        Ok(outcome) => {
            let status = if outcome == Upserted::Created {
                201
            } else {
                200
            };
            (Reply::json(status, stored.json.clone()), durable)
        }
        Err(full) => (
            detail(507, &format!("the store is full ({} items)", full.0)),
            None,
        ),
    }
}

/// `PUT /__itemctl/items`: every item of the object, validated first (so
/// nothing changes when one is refused), then the store replaced.
fn load(app: &App, resource: usize, body: &[u8]) -> (Reply, Option<Durable>) {
    let Ok(json::Value::Object(obj)) = json::decode(body) else {
        return (detail(422, "give a JSON object of key → item"), None);
    };
    let mut items = Vec::with_capacity(obj.len());
    for (key, item) in obj.iter() {
        let key = key.to_string_lossy();
        match validated(app, resource, &key, item) {
            Ok(stored) => items.push((key, stored)),
            Err(why) => return (detail(422, &format!("item {key:?}: {why}")), None),
        }
    }
    let Some(store) = app.stores.get(resource) else {
        return (detail(404, "Not Found"), None);
    };
    let name = app.resource_name(resource).to_owned();
    // The other resources keep their items in the state file: its reset
    // takes every resource's.
    let mut all: Vec<(String, String, Stored)> = Vec::new();
    for (i, s) in app.stores.iter().enumerate() {
        if i != resource {
            for (k, v) in s.snapshot() {
                all.push((app.resource_name(i).to_owned(), k, v));
            }
        }
    }
    all.extend(
        items
            .iter()
            .map(|(k, v)| (name.clone(), k.clone(), v.clone())),
    );
    let mut durable = None;
    store.reset_then(&items, || {
        durable = app.state.as_ref().map(|s| s.reset(&all));
    });
    (
        Reply::json(200, json!({"items": items.len()}).to_string()),
        durable,
    )
}

fn settings_reply(settings: &Settings) -> Reply {
    Reply::json(200, serde_json::to_string(settings).unwrap_or_default())
}

fn detail(status: u16, why: &str) -> Reply {
    Reply::json(status, json!({ "detail": why }).to_string())
}

fn no_content() -> Reply {
    Reply::new(204, None, Bytes::new())
}

fn not_allowed(allow: &str) -> Reply {
    Reply {
        allow: Some(allow.to_owned()),
        ..detail(405, "Method Not Allowed")
    }
}

/// The site's OpenAPI document with the admin routes added under `paths`
/// (documented only when `--admin` is on).
fn openapi_with_admin(document: &[u8]) -> String {
    let mut doc: Value = serde_json::from_slice(document)
        .unwrap_or_else(|_| json!({"openapi": "3.1.0", "paths": {}}));
    let op = |summary: &str, status: &str, description: &str| {
        json!({"tags": ["itemctl admin"], "summary": summary,
               "responses": {status: {"description": description}}})
    };
    let resource = json!([{"name": "resource", "in": "query", "required": false,
        "description": "The upsert resource's path template, where the app has several (default: the first)",
        "schema": {"type": "string"}}]);
    let mut admin = Map::new();
    admin.insert(
        "/__itemctl/items".into(),
        json!({"parameters": resource,
               "get": op("Every stored item, by key, in insertion order", "200", "An object of key to item (of every resource, by template, when the app has several and none is named)"),
               "put": op("Replace the store with the given items (key → item, each validated as the app would)", "200", "{items: N} (422 naming the first invalid item)"),
               "delete": op("Reset every store to the start-up seed", "204", "Reset")}),
    );
    admin.insert(
        "/__itemctl/items/{key}".into(),
        json!({"parameters": [{"name": "key", "in": "path", "required": true, "schema": {"type": "string"},
                               "description": "The item's path parameters, joined by /"}, resource[0]],
               "get": op("One stored item", "200", "The item (404 when absent)"),
               "put": op("Store one item (validated as the app would)", "201", "The item stored: 201 when new, 200 when replaced (422 when invalid)"),
               "delete": op("Remove one item", "204", "Removed (404 when absent)")}),
    );
    admin.insert(
        "/__itemctl/requests".into(),
        json!({"get": {"tags": ["itemctl admin"], "summary": "The request journal, oldest first: method, target, status, latency, id, created, headers, body",
                       "parameters": [
                           {"name": "method", "in": "query", "schema": {"type": "string"}},
                           {"name": "path", "in": "query", "schema": {"type": "string"}, "description": "The target's path, without the query"},
                           {"name": "status", "in": "query", "schema": {"type": "integer"}},
                           {"name": "id", "in": "query", "schema": {"type": "string"}, "description": "The upsert's key"}],
                       "responses": {"200": {"description": "{capacity, requests}"}}},
               "delete": op("Empty the journal", "204", "Emptied")}),
    );
    admin.insert(
        "/__itemctl/health".into(),
        json!({"get": op("Liveness, uptime and counts", "200", "{status, uptime_s, items, requests}")}),
    );
    admin.insert(
        "/__itemctl/faults".into(),
        json!({"get": op("The fault settings", "200", "{delay, fail_rate, fail_status, drop_rate, seed, ids, count}"),
               "put": op("Replace the fault settings (ids: only these keys; count: only the next N upserts in scope)", "200", "The settings now in force (422 when invalid)"),
               "delete": op("Clear every fault", "204", "Cleared")}),
    );
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        paths.extend(admin);
    }
    doc.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_openapi_document_lists_the_routes() {
        let doc: Value = serde_json::from_str(&openapi_with_admin(
            crate::reference::pages::OPENAPI_JSON.as_bytes(),
        ))
        .unwrap();
        assert!(doc["paths"]["/items/{item_id}"].is_object());
        assert!(doc["paths"]["/__itemctl/faults"]["put"].is_object());
        assert!(doc["paths"]["/__itemctl/items/{key}"]["delete"].is_object());
    }

    #[test]
    fn query_pairs_decode() {
        assert_eq!(
            query_pairs("resource=%2Fa%2F%7Bx%7D&method=PUT&x"),
            vec![
                ("resource".into(), "/a/{x}".into()),
                ("method".into(), "PUT".into()),
                ("x".into(), String::new())
            ]
        );
    }
}
