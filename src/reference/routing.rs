//! Routing as Starlette does it for the reference app (docs/BEHAVIOR.md §1, §8):
//! the request target's path is percent-decoded (Python's `unquote`), matched
//! against the app's routes, and answered with the route, a 405, a 307
//! trailing-slash redirect or a 404, in that order of precedence.

/// The documentation routes FastAPI adds, all `GET`/`HEAD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocsPage {
    /// `/openapi.json`.
    OpenApi,
    /// `/docs` (Swagger UI).
    SwaggerUi,
    /// `/docs/oauth2-redirect`.
    OAuth2Redirect,
    /// `/redoc`.
    ReDoc,
}

impl DocsPage {
    const ALL: [(&'static str, DocsPage); 4] = [
        ("/openapi.json", DocsPage::OpenApi),
        ("/docs", DocsPage::SwaggerUi),
        ("/docs/oauth2-redirect", DocsPage::OAuth2Redirect),
        ("/redoc", DocsPage::ReDoc),
    ];
}

/// The `allow` value of the docs routes' 405. The reference joins a Python
/// set, so its order varies between processes; this is one of the two.
pub const DOCS_ALLOW: &str = "GET, HEAD";

/// Where a request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// A route of the app: the index of its entry in the [`RouteTable`],
    /// and its path parameters, percent-decoded, in the path's order.
    Operation {
        /// The entry.
        index: usize,
        /// The decoded path parameters (U+FFFD where the escapes were not
        /// UTF-8).
        params: Vec<String>,
    },
    /// A docs page, by `GET` or `HEAD`.
    Docs(DocsPage),
    /// The path matches a route but the method does not: 405 with `allow`.
    MethodNotAllowed {
        /// The first matching route's methods, as Starlette joins them.
        allow: String,
    },
    /// No route matches but a slash variant does: 307 to this `Location`.
    Redirect {
        /// The absolute, re-quoted URL.
        location: String,
    },
    /// 404.
    NotFound,
}

/// One segment of a path template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    /// Literal text (between slashes, or around a parameter).
    Text(String),
    /// `{name}`: one or more characters other than `/` (Starlette's
    /// default `str` convertor).
    Param,
}

/// One route of the app: a path template and the methods it answers, as
/// FastAPI registers one Starlette route per path operation.
#[derive(Clone, Debug)]
struct Entry {
    segments: Vec<Segment>,
    /// The method tokens the route takes (`GET` also takes `HEAD`).
    methods: Vec<String>,
}

/// An app's routes in registration order: FastAPI's docs routes first,
/// then the path operations as the document lists them (its paths in the
/// order they were first registered, each path's methods in the order
/// they were).
#[derive(Clone, Debug, Default)]
pub struct RouteTable {
    entries: Vec<Entry>,
}

impl RouteTable {
    /// A table of the operations `(method token, path template)`, in
    /// order; [`Route::Operation`]'s index is the position here. FastAPI's
    /// `APIRoute` takes exactly its methods (unlike Starlette's `Route`,
    /// a `GET` route does not take `HEAD`).
    pub fn new<'a>(operations: impl IntoIterator<Item = (&'a str, &'a str)>) -> RouteTable {
        let entries = operations
            .into_iter()
            .map(|(method, template)| {
                let methods = vec![method.to_owned()];
                Entry {
                    segments: compile(template),
                    methods,
                }
            })
            .collect();
        RouteTable { entries }
    }

    /// How a decoded path matches: fully (the first route that takes the
    /// method too), partially (the first route whose path matches), or not.
    fn match_path(&self, method: &str, path: &str) -> Match {
        for (page_path, page) in DocsPage::ALL {
            // Starlette's `^path$`: Python's `$` also matches before a final "\n".
            let matches =
                path == page_path || path.strip_suffix('\n').is_some_and(|p| p == page_path);
            if matches {
                return if method == "GET" || method == "HEAD" {
                    Match::Full(Route::Docs(page))
                } else {
                    Match::Partial(DOCS_ALLOW.to_owned())
                };
            }
        }
        let mut partial = None;
        for (index, entry) in self.entries.iter().enumerate() {
            let params = match_segments(&entry.segments, path).or_else(|| {
                path.strip_suffix('\n')
                    .and_then(|p| match_segments(&entry.segments, p))
            });
            let Some(params) = params else { continue };
            if entry.methods.iter().any(|m| m == method) {
                return Match::Full(Route::Operation { index, params });
            }
            partial.get_or_insert_with(|| entry.methods.join(", "));
        }
        match partial {
            Some(allow) => Match::Partial(allow),
            None => Match::None,
        }
    }

    /// Routes a request as the app's Starlette router does: the route, a
    /// 405, a 307 trailing-slash redirect or a 404, in that order.
    pub fn route(&self, t: &Target<'_>) -> Route {
        let path = unquote(t.raw_path);
        match self.match_path(t.method, &path) {
            Match::Full(route) => return route,
            Match::Partial(allow) => return Route::MethodNotAllowed { allow },
            Match::None => {}
        }
        if path != "/" {
            let variant = match path.strip_suffix('/') {
                Some(_) => path.trim_end_matches('/').to_owned(),
                None => format!("{path}/"),
            };
            if !matches!(self.match_path(t.method, &variant), Match::None) {
                return Route::Redirect {
                    location: redirect_location(t, &variant),
                };
            }
        }
        Route::NotFound
    }
}

/// Starlette's `compile_path` for a template: `{name}` parameters and the
/// literal text around them.
fn compile(template: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else {
            break;
        };
        if open > 0 {
            out.push(Segment::Text(rest[..open].to_owned()));
        }
        out.push(Segment::Param);
        rest = &rest[open + len + 1..];
    }
    if !rest.is_empty() {
        out.push(Segment::Text(rest.to_owned()));
    }
    out
}

/// The parameters of `path` when it matches `segments` whole; a parameter
/// takes as many non-`/` characters as it can and still lets the rest
/// match (Python's backtracking regex).
fn match_segments(segments: &[Segment], path: &str) -> Option<Vec<String>> {
    match segments.split_first() {
        None => path.is_empty().then(Vec::new),
        Some((Segment::Text(t), rest)) => match_segments(rest, path.strip_prefix(t.as_str())?),
        Some((Segment::Param, rest)) => {
            let run = path.find('/').unwrap_or(path.len());
            // Longest first, at least one character.
            let ends: Vec<usize> = path[..run]
                .char_indices()
                .map(|(i, c)| i + c.len_utf8())
                .collect();
            for end in ends.into_iter().rev() {
                if let Some(mut params) = match_segments(rest, &path[end..]) {
                    params.insert(0, path[..end].to_owned());
                    return Some(params);
                }
            }
            None
        }
    }
}

/// The tutorial's route table: `PUT /items/{item_id}`.
pub fn tutorial() -> RouteTable {
    RouteTable::new([("PUT", "/items/{item_id}")])
}

/// What routing needs to know of a request.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    /// The method token, case-sensitive.
    pub method: &'a str,
    /// The request target's path, still percent-encoded.
    pub raw_path: &'a str,
    /// The query, without `?` (only used in redirects).
    pub query: Option<&'a str>,
    /// The first `Host` header's bytes.
    pub host: Option<&'a [u8]>,
    /// The last `X-Forwarded-Proto` header's bytes, when the client is one
    /// uvicorn trusts for proxy headers (127.0.0.1); else `None`.
    pub forwarded_proto: Option<&'a [u8]>,
    /// The server's socket address (`ip`, `port`), for requests without a
    /// usable Host (ASGI's `scope["server"]`).
    pub server: (&'a str, u16),
}

/// How a path matches the route table.
enum Match {
    Full(Route),
    Partial(String),
    None,
}

/// Header bytes as Latin-1 text (Starlette decodes them so).
fn latin1(v: &[u8]) -> String {
    v.iter().map(|&b| char::from(b)).collect()
}

/// The scheme after uvicorn's proxy-headers middleware: `X-Forwarded-Proto`,
/// stripped, if it is exactly `http`, `https`, `ws` or `wss`; else `http`.
fn scheme(forwarded_proto: Option<&[u8]>) -> &'static str {
    match forwarded_proto.map(latin1).as_deref().map(str::trim) {
        Some("https") => "https",
        Some("ws") => "ws",
        Some("wss") => "wss",
        _ => "http",
    }
}

/// Starlette's `URL(scope=…)` (which escapes `?`, `#` and `\` in the path)
/// then `RedirectResponse`'s `quote(url, safe=…)`. Only redirects need the
/// Host and the scheme, so they are decoded here, not for every request.
fn redirect_location(t: &Target<'_>, decoded_path: &str) -> String {
    let scheme = scheme(t.forwarded_proto);
    let host = t.host.map(latin1);
    let netloc = match host.as_deref().filter(|h| is_valid_host(h)) {
        Some(h) => h.to_owned(),
        None => {
            // starlette `URL.__init__`: IPv6 in brackets, the port left out
            // when it is the scheme's default.
            let (ip, port) = t.server;
            let ip = if ip.contains(':') && !ip.starts_with('[') {
                format!("[{ip}]")
            } else {
                ip.to_owned()
            };
            let default = if matches!(scheme, "https" | "wss") {
                443
            } else {
                80
            };
            if port == default {
                ip
            } else {
                format!("{ip}:{port}")
            }
        }
    };
    let path = decoded_path
        .replace('?', "%3F")
        .replace('#', "%23")
        .replace('\\', "%5C");
    let mut url = format!("{scheme}://{netloc}{path}");
    if let Some(q) = t.query.filter(|q| !q.is_empty()) {
        url.push('?');
        url.push_str(q);
    }
    quote(&url, b":/%#?=@[]!$&'()*+,;")
}

/// Whether Starlette accepts a `Host` value for building URLs
/// (`starlette._utils.parse_host_header` with `is_valid_port`); otherwise
/// the redirect falls back to the socket address. Case-insensitive
/// `host[:port]` where host is `[a-z0-9._~%!$&'()*+,;=-]+`, a bracketed IPv6
/// address, or a bracketed `vHEX.…` IPvFuture; the port is digits whose value
/// (leading zeros dropped, at most 5 digits) is at most 65535.
pub fn is_valid_host(h: &str) -> bool {
    let (host, port) = if h.starts_with('[') {
        let Some(close) = h.find(']') else {
            return false;
        };
        let (literal, after) = (&h[1..close], &h[close + 1..]);
        if !is_ip_literal(literal) {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => ("[]", port),
                None => return false,
            },
        }
    } else {
        match h.split_once(':') {
            Some((host, port)) => (host, port),
            None => (h, ""),
        }
    };
    let host_ok = host == "[]"
        || (!host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._~%!$&'()*+,;=-".contains(&b)));
    let port_ok = !h.contains(':') && port.is_empty()
        || (!port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && {
            let significant = port.trim_start_matches('0');
            significant.len() <= 5 && significant.parse::<u32>().unwrap_or(0) <= 65535
        });
    host_ok && port_ok
}

/// `[a-f0-9]*:[a-f0-9.:]+` that Python's `IPv6Address` accepts, or IPvFuture
/// `v[a-f0-9]+\.[a-z0-9._~!$&'()*+,;=:-]+` (lower-case `v`).
fn is_ip_literal(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix('v') {
        let Some((hex, tail)) = rest.split_once('.') else {
            return false;
        };
        return !hex.is_empty()
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
            && !tail.is_empty()
            && tail
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._~!$&'()*+,;=:-".contains(&b));
    }
    s.contains(':')
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        && s.parse::<std::net::Ipv6Addr>().is_ok()
}

/// Python's `urllib.parse.unquote(s)` (UTF-8, `errors="replace"`): valid
/// `%XX` escapes of either case become bytes, anything else stays literal,
/// and bytes that are not UTF-8 become U+FFFD.
pub fn unquote(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (b.get(i + 1).and_then(hex), b.get(i + 2).and_then(hex))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: &u8) -> Option<u8> {
    (*b as char).to_digit(16).map(|d| d as u8)
}

/// Python's `urllib.parse.quote(s, safe)`: letters, digits, `_.-~` and the
/// `safe` bytes stay, every other byte of the UTF-8 form becomes `%XX`
/// (upper-case hex).
pub fn quote(s: &str, safe: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) || safe.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(method: &str, target: &str) -> Route {
        let (raw_path, query) = match target.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (target, None),
        };
        tutorial().route(&Target {
            method,
            raw_path,
            query,
            host: Some(b"127.0.0.1:8000"),
            forwarded_proto: None,
            server: ("127.0.0.1", 9),
        })
    }

    fn upsert(id: &str) -> Route {
        Route::Operation {
            index: 0,
            params: vec![id.into()],
        }
    }

    fn redirect(location: &str) -> Route {
        Route::Redirect {
            location: location.into(),
        }
    }

    #[test]
    fn ids_are_percent_decoded() {
        assert_eq!(go("PUT", "/items/foo"), upsert("foo"));
        assert_eq!(go("PUT", "/items/%66oo"), upsert("foo"));
        assert_eq!(go("PUT", "/items/%e2%98%83"), upsert("☃"));
        assert_eq!(go("PUT", "/items/%E2%98%83"), upsert("☃"));
        assert_eq!(go("PUT", "/items/%fe"), upsert("\u{fffd}"));
        assert_eq!(go("PUT", "/items/%ZZ%"), upsert("%ZZ%"));
        assert_eq!(go("PUT", "/items/a+b;c"), upsert("a+b;c"));
        assert_eq!(go("PUT", "/items/.."), upsert(".."));
        assert_eq!(go("PUT", "/items/x?q=1"), upsert("x"));
        assert_eq!(go("PUT", "/items/a%0A"), upsert("a\n"));
    }

    #[test]
    fn non_matching_paths() {
        for t in [
            "/items/a%2Fb",
            "/items/a%2fb",
            "/items",
            "//items/foo",
            "/items//foo",
            "/items/foo/extra",
            "/",
            "/nope",
        ] {
            assert_eq!(go("PUT", t), Route::NotFound, "{t}");
        }
    }

    #[test]
    fn method_not_allowed_before_redirect() {
        for m in [
            "GET", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "put", "FOO",
        ] {
            assert_eq!(
                go(m, "/items/foo"),
                Route::MethodNotAllowed {
                    allow: "PUT".into()
                },
                "{m}"
            );
        }
        assert_eq!(
            go("PUT", "/docs"),
            Route::MethodNotAllowed {
                allow: DOCS_ALLOW.into()
            }
        );
        assert_eq!(go("HEAD", "/docs"), Route::Docs(DocsPage::SwaggerUi));
        assert_eq!(
            go("GET", "/openapi.json?x=1"),
            Route::Docs(DocsPage::OpenApi)
        );
        assert_eq!(
            go("GET", "/openapi.json%0A"),
            Route::Docs(DocsPage::OpenApi)
        );
    }

    #[test]
    fn trailing_slash_redirects() {
        assert_eq!(
            go("GET", "/items/foo/"),
            redirect("http://127.0.0.1:8000/items/foo")
        );
        assert_eq!(
            go("PUT", "/items/foo//"),
            redirect("http://127.0.0.1:8000/items/foo")
        );
        assert_eq!(
            go("PUT", "/items/bar/?q=1"),
            redirect("http://127.0.0.1:8000/items/bar?q=1")
        );
        assert_eq!(
            go("GET", "/openapi.json/"),
            redirect("http://127.0.0.1:8000/openapi.json")
        );
        assert_eq!(
            go("PUT", "/items/%e2%98%83/"),
            redirect("http://127.0.0.1:8000/items/%E2%98%83")
        );
        assert_eq!(
            go("PUT", "/items/a%20b/"),
            redirect("http://127.0.0.1:8000/items/a%20b")
        );
        assert_eq!(
            go("PUT", "/items/100%25/"),
            redirect("http://127.0.0.1:8000/items/100%")
        );
        // One slash added where that matches.
        assert_eq!(
            go("GET", "/docs/oauth2-redirect%0A/"),
            redirect("http://127.0.0.1:8000/docs/oauth2-redirect%0A")
        );
        assert_eq!(go("GET", "/items/"), Route::NotFound);
    }

    #[test]
    fn the_socket_address_brackets_ipv6_and_drops_the_default_port() {
        let at = |server: (&'static str, u16), proto: Option<&'static [u8]>| {
            tutorial().route(&Target {
                method: "GET",
                raw_path: "/docs/",
                query: None,
                host: None,
                forwarded_proto: proto,
                server,
            })
        };
        assert_eq!(at(("::1", 8000), None), redirect("http://[::1]:8000/docs"));
        assert_eq!(at(("::1", 80), None), redirect("http://[::1]/docs"));
        assert_eq!(
            at(("127.0.0.1", 80), Some(b"https")),
            redirect("https://127.0.0.1:80/docs")
        );
        assert_eq!(
            at(("127.0.0.1", 443), Some(b"https")),
            redirect("https://127.0.0.1/docs")
        );
        assert_eq!(
            at(("127.0.0.1", 443), Some(b"wss")),
            redirect("wss://127.0.0.1/docs")
        );
        assert_eq!(
            at(("127.0.0.1", 443), None),
            redirect("http://127.0.0.1:443/docs")
        );
    }

    #[test]
    fn redirect_uses_host_scheme_and_socket() {
        let t = Target {
            method: "PUT",
            raw_path: "/items/foo/",
            query: Some("a=\"b\""),
            host: None,
            forwarded_proto: Some(b" https "),
            server: ("127.0.0.1", 4000),
        };
        assert_eq!(
            tutorial().route(&t),
            redirect("https://127.0.0.1:4000/items/foo?a=%22b%22")
        );
    }

    #[test]
    fn host_validation() {
        let valid = [
            "example.com",
            "EXAMPLE.com:80",
            "[::1]:8000",
            "[::1]",
            "a_b",
            "-a",
            "a%20b",
            "a%zz",
            "h:0080",
            "h:000000080",
            ".a",
            "a,b;c=d&e$f(g)*+'!~",
            "A.B-C_D:1",
            "[v1.x:y]",
            "[::ffff:1.2.3.4]",
        ];
        for h in valid {
            assert!(is_valid_host(h), "{h}");
        }
        let invalid = [
            "",
            "1.2.3.4:99999",
            "h:port",
            "h:",
            ":80",
            "a@b",
            "h:123456",
            "h:1:2",
            "[zz]",
            "[::1",
            "::1",
            "a b",
            "münchen.de",
            "[::1]x",
            "[V1.x]",
            "[::1%eth0]",
        ];
        for h in invalid {
            assert!(!is_valid_host(h), "{h}");
        }
    }

    #[test]
    fn forwarded_proto_like_uvicorn() {
        assert_eq!(scheme(None), "http");
        assert_eq!(scheme(Some(b" https ")), "https");
        assert_eq!(scheme(Some(b"wss")), "wss");
        assert_eq!(scheme(Some(b"HTTPS")), "http");
        assert_eq!(scheme(Some(b"ftp")), "http");
    }

    #[test]
    fn templates_with_several_parameters_and_text_around_them() {
        let table = RouteTable::new([
            ("GET", "/stores/{store_id}/books/{isbn}"),
            ("PUT", "/stores/{store_id}/books/{isbn}"),
            ("PUT", "/v2/files/{name}.json"),
        ]);
        let go = |method, path| {
            table.route(&Target {
                method,
                raw_path: path,
                query: None,
                host: Some(b"h"),
                forwarded_proto: None,
                server: ("127.0.0.1", 9),
            })
        };
        assert_eq!(
            go("PUT", "/stores/s1/books/978%2D3"),
            Route::Operation {
                index: 1,
                params: vec!["s1".into(), "978-3".into()]
            }
        );
        // FastAPI's GET routes take no HEAD; the first route whose path
        // matches gives the allow header.
        for method in ["HEAD", "POST"] {
            assert_eq!(
                go(method, "/stores/s1/books/x"),
                Route::MethodNotAllowed {
                    allow: "GET".into()
                }
            );
        }
        assert_eq!(
            go("PUT", "/v2/files/a.b.json"),
            Route::Operation {
                index: 2,
                params: vec!["a.b".into()]
            }
        );
        assert_eq!(go("PUT", "/v2/files/.json"), Route::NotFound);
    }

    #[test]
    fn quote_matches_python() {
        assert_eq!(quote("a b/é~_", b"/"), "a%20b/%C3%A9~_");
        assert_eq!(unquote("%41%4a%4A%"), "AJJ%");
    }
}
