//! Which HTTP proxy a request goes through: the rule reqwest applies to
//! `put`, `check` and `wait`, read from the same place (hyper-util's
//! `Matcher::from_env`: `HTTP_PROXY`/`http_proxy`, `HTTPS_PROXY`/
//! `https_proxy`, `ALL_PROXY`/`all_proxy`, `NO_PROXY`/`no_proxy`), so that
//! `bench`, which speaks HTTP/1.1 by hand, follows it too, and errors can
//! name the proxy that could not be reached.

use hyper_util::client::proxy::matcher::Matcher;

/// The proxy the environment names for `url` (`http://host…`), as a URL
/// without credentials; `None` for a direct connection.
pub fn proxy_for(url: &str) -> Option<String> {
    let uri: http::Uri = url.parse().ok()?;
    let intercept = Matcher::from_env().intercept(&uri)?;
    let proxy = intercept.uri();
    let authority = proxy.authority()?;
    // user:pass@ is left out of anything printed.
    let host_port = authority
        .as_str()
        .rsplit_once('@')
        .map_or(authority.as_str(), |(_, h)| h);
    Some(format!(
        "{}://{host_port}",
        proxy.scheme_str().unwrap_or("http")
    ))
}
