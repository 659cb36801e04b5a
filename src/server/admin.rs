//! `serve --admin`: a control API under the reserved prefix `/__itemctl/`
//! (JSON in and out), and the request journal it reads.
//!
//! | route | answer |
//! |---|---|
//! | `GET /__itemctl/items` | 200, every stored id → item, in insertion order |
//! | `GET /__itemctl/items/{id}` | 200 the item; 404 when absent |
//! | `DELETE /__itemctl/items` | 204; the store (and `--state` file) back to the start-up seed |
//! | `GET /__itemctl/requests` | 200, `{"capacity": N, "requests": [...]}`, oldest first |
//! | `DELETE /__itemctl/requests` | 204; the journal emptied |
//! | `GET /__itemctl/health` | 200 `{"status":"ok","uptime_s":…,"items":…,"requests":…}` |
//! | `GET`/`PUT`/`DELETE /__itemctl/faults` | the fault settings ([`super::faults::Settings`]); PUT replaces them, DELETE clears them (204) |

use std::sync::atomic::Ordering;

use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::app::{Admin, App};
use super::faults::Settings;
use super::state::Durable;
use crate::reference::item::Item;
use crate::reference::json::{Int, PyStr};
use crate::reference::response::Reply;
use crate::reference::routing::unquote;

/// The reserved prefix.
pub const PREFIX: &str = "/__itemctl/";

/// The OpenAPI document to serve when `--admin` is on: the reference's
/// with the admin routes.
pub fn openapi(admin: &Admin) -> Bytes {
    admin
        .openapi
        .get_or_init(|| Bytes::from(openapi_with_admin()))
        .clone()
}

/// Whether a request target is under [`PREFIX`].
pub fn is_admin_target(target: &[u8]) -> bool {
    target.starts_with(PREFIX.as_bytes())
}

/// Answers an admin request; with `--state`, a reset also returns the
/// commit to wait for before answering.
pub(super) fn handle(
    app: &App,
    admin: &Admin,
    method: &str,
    target: &str,
    body: &[u8],
) -> (Reply, Option<Durable>) {
    let path = target.split('?').next().unwrap_or(target);
    let rest = &path[PREFIX.len()..];
    if (rest, method) == ("items", "DELETE") {
        return (no_content(), app.reset(&admin.seed));
    }
    let reply = match (rest, method) {
        ("items", "GET") => {
            let mut out = Vec::with_capacity(64 * app.store.len() + 2);
            out.push(b'{');
            for (i, (id, item)) in app.store.snapshot().iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_str(&mut out, id.chars().map(u32::from));
                out.push(b':');
                write_item(&mut out, item);
            }
            out.push(b'}');
            Reply::json(200, out)
        }
        ("items", _) => not_allowed("DELETE, GET"),
        (r, "GET") if r.starts_with("items/") => {
            let id = unquote(&r["items/".len()..]);
            match app.store.get(&id) {
                Some(item) => {
                    let mut out = Vec::with_capacity(64);
                    write_item(&mut out, &item);
                    Reply::json(200, out)
                }
                None => Reply::json(404, Bytes::from_static(br#"{"detail":"Not Found"}"#)),
            }
        }
        (r, _) if r.starts_with("items/") => not_allowed("GET"),
        ("requests", "GET") => {
            let requests: Vec<Value> = admin
                .journal
                .records()
                .iter()
                .map(|r| r.to_json(admin.journal.clock))
                .collect();
            let doc = json!({"capacity": admin.journal.capacity, "requests": requests});
            Reply::json(200, doc.to_string())
        }
        ("requests", "DELETE") => {
            admin.journal.clear();
            no_content()
        }
        ("requests", _) => not_allowed("DELETE, GET"),
        ("health", "GET") => {
            let doc = json!({
                "status": "ok",
                "uptime_s": (admin.journal.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
                "items": app.store.len(),
                "requests": admin.journal.requests.load(Ordering::Relaxed),
            });
            Reply::json(200, doc.to_string())
        }
        ("health", _) => not_allowed("GET"),
        ("faults", "GET") => settings_reply(&app.faults.settings()),
        ("faults", "PUT") => match serde_json::from_slice::<Settings>(body) {
            Ok(settings) => match settings.validate() {
                Ok(()) => {
                    app.faults.set(settings.clone());
                    settings_reply(&settings)
                }
                Err(why) => detail(422, &why),
            },
            Err(e) => detail(422, &format!("invalid fault settings: {e}")),
        },
        ("faults", "DELETE") => {
            app.faults.set(Settings::default());
            no_content()
        }
        ("faults", _) => not_allowed("DELETE, GET, PUT"),
        _ => Reply::json(404, Bytes::from_static(br#"{"detail":"Not Found"}"#)),
    };
    (reply, None)
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

fn not_allowed(allow: &'static str) -> Reply {
    Reply {
        allow: Some(allow),
        ..Reply::json(
            405,
            Bytes::from_static(br#"{"detail":"Method Not Allowed"}"#),
        )
    }
}

/// `{"name":…,"size":…}`; a name holding a lone surrogate is written with
/// `\uXXXX` escapes (valid JSON; the endpoint itself answers 500 for it).
fn write_item(out: &mut Vec<u8>, item: &Item) {
    out.extend_from_slice(b"{\"name\":");
    match &item.name {
        Some(name) => write_json_str(out, PyStr::code_points(name)),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"size\":");
    match &item.size {
        Some(size) => Int::write_to(size, out),
        None => out.extend_from_slice(b"null"),
    }
    out.push(b'}');
}

/// A JSON string of code points (surrogates escaped).
fn write_json_str(out: &mut Vec<u8>, code_points: impl Iterator<Item = u32>) {
    out.push(b'"');
    for cp in code_points {
        match char::from_u32(cp) {
            Some('"') => out.extend_from_slice(b"\\\""),
            Some('\\') => out.extend_from_slice(b"\\\\"),
            Some(c) if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
            }
            Some(c) => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            None => out.extend_from_slice(format!("\\u{cp:04x}").as_bytes()),
        }
    }
    out.push(b'"');
}

/// The reference's OpenAPI document with the admin routes added under
/// `paths` (documented only when `--admin` is on).
fn openapi_with_admin() -> String {
    let mut doc: Value = serde_json::from_str(crate::reference::pages::OPENAPI_JSON)
        .unwrap_or_else(|_| json!({"openapi": "3.1.0", "paths": {}}));
    let op = |summary: &str, status: &str, description: &str| {
        json!({"tags": ["itemctl admin"], "summary": summary,
               "responses": {status: {"description": description}}})
    };
    let mut admin = Map::new();
    admin.insert(
        "/__itemctl/items".into(),
        json!({"get": op("Every stored item, by id, in insertion order", "200", "An object of id to item"),
               "delete": op("Reset the store to the start-up seed", "204", "Reset")}),
    );
    admin.insert(
        "/__itemctl/items/{item_id}".into(),
        json!({"get": op("One stored item", "200", "The item (404 when absent)")}),
    );
    admin.insert(
        "/__itemctl/requests".into(),
        json!({"get": op("The request journal, oldest first", "200", "{capacity, requests}"),
               "delete": op("Empty the journal", "204", "Emptied")}),
    );
    admin.insert(
        "/__itemctl/health".into(),
        json!({"get": op("Liveness, uptime and counts", "200", "{status, uptime_s, items, requests}")}),
    );
    admin.insert(
        "/__itemctl/faults".into(),
        json!({"get": op("The fault settings", "200", "{delay, fail_rate, fail_status, drop_rate, seed}"),
               "put": op("Replace the fault settings", "200", "The settings now in force (422 when invalid)"),
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
    fn items_are_json_even_with_lone_surrogates() {
        let mut out = Vec::new();
        write_item(&mut out, &Item::new(Some("a\"b"), Some(3)));
        assert_eq!(out, br#"{"name":"a\"b","size":3}"#);
        let mut out = Vec::new();
        write_json_str(&mut out, [0x61, 0xd800, 0x0a].into_iter());
        assert_eq!(out, br#""a\ud800\u000a""#);
    }

    #[test]
    fn the_admin_openapi_document_lists_the_routes() {
        let doc: Value = serde_json::from_str(&openapi_with_admin()).unwrap();
        assert!(doc["paths"]["/items/{item_id}"].is_object());
        assert!(doc["paths"]["/__itemctl/faults"]["put"].is_object());
    }
}
