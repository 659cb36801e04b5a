//! Fuzzes everything `itemctl serve` does with bytes from a client: the
//! HTTP/1.1 head parser and chunked decoder, routing (percent-decoding,
//! redirects), the content-type gate, JSON decoding, validation and
//! rendering. Any panic is a bug. Input layout: up to the first NUL is a
//! Content-Type value, the rest is the body (and, separately, a raw request).
#![no_main]

use itemctl::reference::h11::{self, ChunkedDecoder};
use itemctl::reference::routing::{self, Target};
use itemctl::reference::validation::{self, Parsed};
use itemctl::reference::{json, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (content_type, body) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b"application/json"[..], data),
    };

    // Body decoding, validation and rendering.
    if let Parsed::Item(item) = validation::parse_upsert(Some(content_type), body) {
        let mut out = Vec::new();
        let _ = render::write_item(&mut out, item.name.as_ref(), item.size.as_ref());
    }
    if let Ok(value) = json::decode(body) {
        let _ = render::write_echo(&mut Vec::new(), &value);
        let _ = render::write_value(&mut Vec::new(), &value);
        if let Err(errors) = validation::validate(&value) {
            let _ = validation::render_errors(&errors);
        }
    }

    // The raw bytes as a request head, then as a chunked body.
    if let Some(end) = h11::head_end(data)
        && let Ok(head) = h11::parse_head(&data[..end])
    {
        let target = std::str::from_utf8(&data[head.target.clone()]).unwrap_or("");
        let (raw_path, query) = target.split_once('?').map_or((target, None), |(p, q)| (p, Some(q)));
        let method = std::str::from_utf8(&data[head.method.clone()]).unwrap_or("");
        let _ = routing::route(&Target {
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
