//! A correct upsert service with nested models and lists, and the same
//! service with one real-world mistake in front of it, for proving what
//! `itemctl check` catches as deep as the schema goes.
//!
//! The service is `itemctl serve --openapi fixtures/products.openapi.json
//! --admin` (the document FastAPI 0.165 makes of `fixtures/products_app.py`;
//! the stand-in answers as that app does, which its differential test
//! proves). A [`Front`] passes every request on to it unchanged, except
//! where its [`Mistake`] says otherwise.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::Value;

use super::ServeProcess;
use super::http::{RawResponse, Req, raw_exchange};
use super::scripted::{Request, read_request};

/// The document of the products service.
pub const PRODUCTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/it/fixtures/products.openapi.json"
);

/// What the front gets wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mistake {
    /// Nothing: the service as it is.
    None,
    /// An update replaces the item's top-level fields, but merges each
    /// nested object into the stored one, key by key (as a JSON column
    /// updated with `dict.update`): left-out top-level fields are reset,
    /// left-out nested ones are not.
    DeepMerge,
    /// A body whose only errors are inside a nested object or a list item
    /// is refused (422), but what is valid of it is stored: the fields
    /// with errors are dropped and the rest saved.
    StoresNestedInvalid,
    /// Ids are `.strip()`ped: `"k "` and `"k"` are one item.
    StripsIds,
    /// The path is decoded as a form: a raw `+` in the id is a space.
    PlusAsSpace,
    /// An update answers `204 No Content`, which the document does not
    /// list.
    Update204,
    /// The whole server goes away (its port refuses connections) after
    /// this many upserts.
    DiesAfter(usize),
    /// Stores correctly, but answers with the request body as sent
    /// (FastAPI's `response_model_exclude_unset`, or `return item`):
    /// fields left out are not in the answer. Not a mistake.
    EchoesTheRequest,
    /// Answers with the request body as sent, but stores it merged into
    /// the stored item (`db[id].update(item.dict(exclude_unset=True));
    /// return item`): only a GET shows it.
    EchoesTheRequestButMerges,
}

impl Mistake {
    /// Whether the service stays correct (only how it answers changes).
    pub fn is_correct(self) -> bool {
        matches!(self, Mistake::None | Mistake::EchoesTheRequest)
    }
}

/// A running front and the service behind it.
pub struct Front {
    /// `http://127.0.0.1:PORT` of the front.
    pub url: String,
    /// The service behind it, stopped when the front is dropped.
    _service: ServeProcess,
}

/// Starts the products service and a front with `mistake` before it.
pub fn start(mistake: Mistake) -> Front {
    let service = ServeProcess::start(&["--quiet", "--admin", "--openapi", PRODUCTS]);
    let backend: SocketAddr = service
        .url
        .trim_start_matches("http://")
        .parse()
        .expect("the service's address");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("local address");
    let upserts = Arc::new(AtomicUsize::new(0));
    let dead = Arc::new(AtomicBool::new(false));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            if dead.load(Ordering::SeqCst) {
                // Dropping the listener: the port refuses from now on.
                return;
            }
            let Ok(mut stream) = stream else { continue };
            let (upserts, dead) = (Arc::clone(&upserts), Arc::clone(&dead));
            std::thread::spawn(move || {
                let Ok(Some(req)) = read_request(&mut stream) else {
                    return;
                };
                let answer = handle(mistake, backend, &req, &upserts);
                let _ = stream.write_all(&answer);
                let _ = stream.flush();
                if let Mistake::DiesAfter(n) = mistake
                    && upserts.load(Ordering::SeqCst) >= n
                    && !dead.swap(true, Ordering::SeqCst)
                {
                    // Wake the accept loop so that it drops the listener.
                    let _ = TcpStream::connect(addr);
                }
            });
        }
    });
    Front {
        url: format!("http://{addr}"),
        _service: service,
    }
}

/// One request through the front: the service's answer, as raw bytes.
fn handle(mistake: Mistake, backend: SocketAddr, req: &Request, upserts: &AtomicUsize) -> Vec<u8> {
    let is_upsert = req.method == "PUT" && req.target.starts_with("/products/");
    if !is_upsert {
        return forward(backend, &req.method, &req.target, &req.body);
    }
    upserts.fetch_add(1, Ordering::SeqCst);
    let raw_id = &req.target["/products/".len()..];
    match mistake {
        Mistake::None | Mistake::DiesAfter(_) => forward(backend, "PUT", &req.target, &req.body),
        Mistake::StripsIds => {
            let id = decode(raw_id);
            let target = format!("/products/{}", encode(id.trim()));
            forward(backend, "PUT", &target, &req.body)
        }
        Mistake::PlusAsSpace => {
            let target = format!("/products/{}", raw_id.replace('+', "%20"));
            forward(backend, "PUT", &target, &req.body)
        }
        Mistake::DeepMerge => {
            let stored = admin_item(backend, raw_id);
            let body = match (stored, serde_json::from_slice::<Value>(&req.body)) {
                (Some(Value::Object(old)), Ok(Value::Object(mut new))) => {
                    for (k, v) in new.iter_mut() {
                        if let (Some(mut before @ Value::Object(_)), Value::Object(_)) =
                            (old.get(k).cloned(), &v)
                        {
                            merge(&mut before, std::mem::take(v));
                            *v = before;
                        }
                    }
                    Value::Object(new).to_string().into_bytes()
                }
                _ => req.body.clone(),
            };
            forward(backend, "PUT", &req.target, &body)
        }
        Mistake::EchoesTheRequest | Mistake::EchoesTheRequestButMerges => {
            let body = match (
                mistake,
                admin_item(backend, raw_id),
                serde_json::from_slice::<Value>(&req.body),
            ) {
                (Mistake::EchoesTheRequestButMerges, Some(mut old), Ok(new)) => {
                    merge(&mut old, new);
                    old.to_string().into_bytes()
                }
                _ => req.body.clone(),
            };
            let answer = forward(backend, "PUT", &req.target, &body);
            let status = RawResponse::parse(&answer).status;
            if !matches!(status, 200 | 201) {
                return answer;
            }
            let mut out = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                req.body.len()
            )
            .into_bytes();
            out.extend_from_slice(&req.body);
            out
        }
        Mistake::Update204 => {
            let answer = forward(backend, "PUT", &req.target, &req.body);
            if RawResponse::parse(&answer).status == 200 {
                b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n".to_vec()
            } else {
                answer
            }
        }
        Mistake::StoresNestedInvalid => {
            let answer = forward(backend, "PUT", &req.target, &req.body);
            let parsed = RawResponse::parse(&answer);
            if parsed.status != 422 {
                return answer;
            }
            let (Ok(Value::Object(mut body)), Ok(errors)) = (
                serde_json::from_slice::<Value>(&req.body),
                serde_json::from_slice::<Value>(&parsed.body),
            ) else {
                return answer;
            };
            let locs: Vec<Vec<Value>> = errors["detail"]
                .as_array()
                .map(|d| {
                    d.iter()
                        .filter_map(|e| e["loc"].as_array().cloned())
                        .collect()
                })
                .unwrap_or_default();
            // Only errors inside a nested object or list item: store the
            // rest, then refuse anyway.
            if !locs.is_empty() && locs.iter().all(|loc| loc.len() > 2) {
                for loc in &locs {
                    if let Some(Value::String(field)) = loc.get(1) {
                        body.remove(field);
                    }
                }
                let _ = forward(
                    backend,
                    "PUT",
                    &req.target,
                    Value::Object(body).to_string().as_bytes(),
                );
            }
            answer
        }
    }
}

/// Deep merge: objects key by key, anything else replaced.
fn merge(old: &mut Value, new: Value) {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for (k, v) in n {
                match o.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        o.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// The stored item `raw_id` (as sent in a path), from the admin API.
fn admin_item(backend: SocketAddr, raw_id: &str) -> Option<Value> {
    let raw = raw_exchange(
        backend,
        &Req::new("GET", format!("/__itemctl/items/{raw_id}")).bytes(),
    );
    let answer = RawResponse::parse(&raw);
    (answer.status == 200)
        .then(|| serde_json::from_slice(&answer.body).ok())
        .flatten()
}

/// `method target` with `body` to the service: its answer's bytes.
fn forward(backend: SocketAddr, method: &str, target: &str, body: &[u8]) -> Vec<u8> {
    let req = if method == "PUT" {
        Req::put(target, body)
    } else {
        Req::new(method, target).body(body)
    };
    raw_exchange(backend, &req.bytes())
}

fn decode(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

fn encode(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string()
}
