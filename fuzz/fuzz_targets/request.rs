//! Fuzzes everything `itemctl serve` does with bytes from a client: the
//! HTTP/1.1 head parser and chunked decoder, routing (percent-decoding,
//! redirects), the content-type gate, JSON decoding, validation and
//! rendering, on the tutorial's app (the generic app on its own
//! document), and the compiled happy path against the generic path. Any
//! panic is a bug. Input layout: up to the first NUL is a Content-Type
//! value, the rest is the body (and, separately, a raw request).
#![no_main]

use std::sync::OnceLock;

use itemctl::reference::app::{App, Request, Upsert, Validated};
use itemctl::reference::core::Options;
use itemctl::reference::h11::{self, ChunkedDecoder};
use itemctl::reference::routing::{self, Target};
use itemctl::reference::{json, render};
use libfuzzer_sys::fuzz_target;

/// The tutorial's app, built once.
fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        App::from_document(&itemctl::spec::tutorial::document(), Options::default())
            .expect("the tutorial's document builds an app")
    })
}

fuzz_target!(|data: &[u8]| {
    let (content_type, body) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b"application/json"[..], data),
    };
    let app = app();

    // Body decoding, validation and rendering, with the body's first line
    // (up to 64 bytes) also as the id.
    let id = std::str::from_utf8(&body[..body.len().min(64)])
        .unwrap_or("foo")
        .lines()
        .next()
        .unwrap_or("foo")
        .to_owned();
    let params = [id];
    let header = |name: &str| (name == "content-type").then_some(content_type);
    let req = Request {
        params: &params,
        query: None,
        header: &header,
        body,
    };
    let generic = app.upsert(0, &req);
    if let Ok(item) = &generic {
        let _ = app.render_item(0, &item.item, &item.params, false);
        let _ = app.render_item(0, &item.item, &item.params, true);
    }
    // The compiled happy path answers exactly as the generic path, or not
    // at all.
    if let Ok(Upsert { item: Validated::Json(json), key, .. }) = app.upsert_json(0, &req) {
        let item = generic.expect("the generic path takes what the fast path takes");
        let mut rendered = Vec::new();
        assert!(render::write_lossless(&mut rendered, &item.item));
        assert!(!render::pydantic_differs(&item.item));
        assert_eq!(json, rendered);
        assert_eq!(key, item.key);
    }
    if let Ok(value) = json::decode(body) {
        let _ = render::write_echo(&mut Vec::new(), &value);
        let _ = render::write_value(&mut Vec::new(), &value);
    }

    // The raw bytes as a request head, then as a chunked body.
    if let Some(end) = h11::head_end(data)
        && let Ok(head) = h11::parse_head(&data[..end])
    {
        let target = std::str::from_utf8(&data[head.target.clone()]).unwrap_or("");
        let (raw_path, query) = target.split_once('?').map_or((target, None), |(p, q)| (p, Some(q)));
        let method = std::str::from_utf8(&data[head.method.clone()]).unwrap_or("");
        let _ = app.routes.route(&Target {
            method,
            raw_path,
            query,
            host: head.header(&data[..end], "host"),
            forwarded_proto: head.header_all(&data[..end], "x-forwarded-proto").last(),
            server: ("127.0.0.1", 8000),
        });
        let mut decoder = ChunkedDecoder::default();
        let _ = decoder.decode(&data[end..], Some(&mut Vec::new()));
    }
    let mut decoder = ChunkedDecoder::default();
    let _ = decoder.decode(data, None);

    // Any bytes as a target path.
    if let Ok(path) = std::str::from_utf8(body) {
        let _ = routing::unquote(path);
        let _ = routing::is_valid_host(path);
    }
});
