//! `serve --cors [ORIGIN]`: CORS headers and preflight answers, as
//! Starlette's `CORSMiddleware` gives them (allow_methods and allow_headers
//! `*`), so that a browser front end on another origin can call the
//! endpoint. Off by default: the reference has none.

use bytes::Bytes;

use crate::reference::response::{Reply, TEXT};

/// The methods a preflight allows (Starlette's expansion of `*`).
const METHODS: &str = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";

/// The allowed origin: `*` for any, or one origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cors {
    origin: String,
}

impl Cors {
    /// CORS for `origin` (`*`, or e.g. `http://localhost:5173`).
    pub fn new(origin: &str) -> Cors {
        Cors {
            origin: origin.trim_end_matches('/').to_owned(),
        }
    }

    fn allows(&self, origin: &[u8]) -> bool {
        self.origin == "*" || self.origin.as_bytes() == origin
    }

    /// The answer to a preflight (`OPTIONS` with `Origin` and
    /// `Access-Control-Request-Method`), or `None` for any other request.
    pub fn preflight(
        &self,
        method: &[u8],
        origin: Option<&[u8]>,
        request_method: Option<&[u8]>,
        request_headers: Option<&[u8]>,
    ) -> Option<Reply> {
        let (b"OPTIONS", Some(origin), Some(_)) = (method, origin, request_method) else {
            return None;
        };
        if !self.allows(origin) {
            return Some(Reply::new(
                400,
                Some(TEXT),
                Bytes::from_static(b"Disallowed CORS origin"),
            ));
        }
        let mut reply = Reply::new(200, Some(TEXT), Bytes::from_static(b"OK"));
        reply.extra = self.allow_origin(origin);
        reply
            .extra
            .push(("access-control-allow-methods", METHODS.into()));
        reply.extra.push(("access-control-max-age", "600".into()));
        if let Some(headers) = request_headers {
            reply.extra.push((
                "access-control-allow-headers",
                String::from_utf8_lossy(headers).into_owned(),
            ));
        }
        Some(reply)
    }

    /// The headers for a request's answer: `access-control-allow-origin`
    /// when the request has an allowed `Origin` (and `vary: Origin` for a
    /// single allowed origin).
    pub fn headers(&self, origin: Option<&[u8]>) -> Vec<(&'static str, String)> {
        match origin {
            Some(origin) if self.allows(origin) => self.allow_origin(origin),
            _ => Vec::new(),
        }
    }

    fn allow_origin(&self, origin: &[u8]) -> Vec<(&'static str, String)> {
        if self.origin == "*" {
            vec![("access-control-allow-origin", "*".into())]
        } else {
            vec![
                (
                    "access-control-allow-origin",
                    String::from_utf8_lossy(origin).into_owned(),
                ),
                ("vary", "Origin".into()),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preflights_and_headers() {
        let any = Cors::new("*");
        let p = any
            .preflight(
                b"OPTIONS",
                Some(b"http://a"),
                Some(b"PUT"),
                Some(b"content-type"),
            )
            .unwrap();
        assert_eq!(p.status, 200);
        assert!(
            p.extra
                .contains(&("access-control-allow-methods", METHODS.into()))
        );
        assert!(
            p.extra
                .contains(&("access-control-allow-headers", "content-type".into()))
        );
        assert!(
            any.preflight(b"OPTIONS", Some(b"http://a"), None, None)
                .is_none()
        );
        assert!(
            any.preflight(b"PUT", Some(b"http://a"), Some(b"PUT"), None)
                .is_none()
        );
        let one = Cors::new("http://app.test/");
        assert_eq!(
            one.headers(Some(b"http://app.test")),
            vec![
                ("access-control-allow-origin", "http://app.test".into()),
                ("vary", "Origin".into())
            ]
        );
        assert!(one.headers(Some(b"http://evil.test")).is_empty());
        assert_eq!(
            one.preflight(b"OPTIONS", Some(b"http://evil.test"), Some(b"PUT"), None)
                .map(|r| r.status),
            Some(400)
        );
    }
}
