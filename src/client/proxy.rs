//! Which HTTP proxy a request goes through, read from the environment as
//! curl reads it: `http_proxy` (lower case only: curl never reads
//! `HTTP_PROXY`, which a CGI request sets from its `Proxy:` header),
//! `https_proxy`/`HTTPS_PROXY`, `all_proxy`/`ALL_PROXY` for either scheme
//! when its own is unset, and `no_proxy`/`NO_PROXY`; the lower-case name
//! first, an empty value as unset. The one rule for reqwest (`put`,
//! `check`, `wait`: [`for_reqwest`]), put's blocking sockets and `bench`,
//! which speak HTTP/1.1 by hand ([`proxy_for`]), so that all go the same
//! way and errors can name the proxy that could not be reached. Which
//! hosts `no_proxy` exempts is hyper-util's reading (reqwest's).

use hyper_util::client::proxy::matcher::Matcher;

use crate::error::Failure;

/// A proxy variable that is set: its name and value.
#[derive(Clone, Debug)]
struct Setting {
    var: &'static str,
    value: String,
}

/// The proxy variables curl reads.
#[derive(Clone, Debug, Default)]
struct Settings {
    http: Option<Setting>,
    https: Option<Setting>,
    all: Option<Setting>,
    no: Option<Setting>,
}

impl Settings {
    /// Read from the environment.
    fn from_env() -> Settings {
        Settings {
            http: first(&["http_proxy"]),
            https: first(&["https_proxy", "HTTPS_PROXY"]),
            all: first(&["all_proxy", "ALL_PROXY"]),
            no: first(&["no_proxy", "NO_PROXY"]),
        }
    }

    /// The proxy for a URL of `scheme` (`http`, `https`), when one is set;
    /// the host's exemption aside.
    fn for_scheme(&self, scheme: &str) -> Option<&Setting> {
        let own = match scheme {
            "http" => self.http.as_ref(),
            "https" => self.https.as_ref(),
            _ => return None,
        };
        own.or(self.all.as_ref())
    }

    /// hyper-util's matcher for these settings.
    fn matcher(&self) -> Matcher {
        fn value(s: &Option<Setting>) -> &str {
            s.as_ref().map_or("", |s| s.value.as_str())
        }
        Matcher::builder()
            .http(value(&self.http))
            .https(value(&self.https))
            .all(value(&self.all))
            .no(value(&self.no))
            .build()
    }
}

/// The first of `names` that is set and not empty.
fn first(names: &[&'static str]) -> Option<Setting> {
    names.iter().find_map(|&var| match std::env::var(var) {
        Ok(value) if !value.is_empty() => Some(Setting { var, value }),
        _ => None,
    })
}

/// Checks the proxy variable a request to `url` would go through (its
/// scheme's, else `all_proxy`, unless `no_proxy` exempts the host): it
/// must be an HTTP proxy's URL (`http://HOST:PORT`, `HOST:PORT`, with or
/// without credentials). A variable the request would not use is not
/// checked, as curl does not (a SOCKS `all_proxy` beside a `no_proxy`
/// that covers the server stops nothing).
///
/// # Errors
/// [`Failure::Usage`] naming the variable and its value: one that is not
/// a URL with a host, or names a proxy of another kind (SOCKS).
pub fn check_for(url: &str) -> Result<(), Failure> {
    let Ok(uri) = url.parse::<http::Uri>() else {
        return Ok(());
    };
    let settings = Settings::from_env();
    let Some(setting) = settings.for_scheme(uri.scheme_str().unwrap_or("http")) else {
        return Ok(());
    };
    // Whether no_proxy exempts the host, asked of a matcher whose proxy
    // is surely valid (a malformed one never intercepts).
    let no = settings.no.as_ref().map_or("", |s| s.value.as_str());
    let applies = Matcher::builder()
        .all("http://proxy.invalid:1")
        .no(no)
        .build()
        .intercept(&uri)
        .is_some();
    if applies { check(setting) } else { Ok(()) }
}

/// [`check_for`]'s test of one variable.
fn check(setting: &Setting) -> Result<(), Failure> {
    let Setting { var, value } = setting;
    let refuse = |fix: &str| {
        Err(Failure::Usage(format!(
            "invalid proxy `{value}` (the value comes from the environment variable {var}: {fix}, or unset it)"
        )))
    };
    // hyper-util's reading (reqwest's): a URI with a host, http(s) or
    // socks, or a bare HOST:PORT.
    let probe: http::Uri = http::Uri::from_static("http://example.invalid/");
    let Some(intercept) = Matcher::builder()
        .all(value.as_str())
        .build()
        .intercept(&probe)
    else {
        return refuse("write it as http://HOST:PORT");
    };
    if !matches!(intercept.uri().scheme_str(), Some("http" | "https")) {
        return refuse("itemctl speaks to HTTP proxies only: give an http:// one");
    }
    Ok(())
}

/// The proxy the environment names for `url` (`http://host…`), as a URL
/// without credentials; `None` for a direct connection (or a proxy
/// variable [`check_for`] refuses).
pub fn proxy_for(url: &str) -> Option<String> {
    let uri: http::Uri = url.parse().ok()?;
    let intercept = Settings::from_env().matcher().intercept(&uri)?;
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

/// The same rule for reqwest, which otherwise reads the variables its own
/// way (`HTTP_PROXY` too, the upper-case name first, and skips a value it
/// cannot parse). Read once, when called: the client is built once.
pub(super) fn for_reqwest() -> reqwest::Proxy {
    let settings = Settings::from_env();
    let matcher = settings.matcher();
    reqwest::Proxy::custom(move |url| {
        let uri: http::Uri = url.as_str().parse().ok()?;
        matcher.intercept(&uri)?;
        // The value itself, credentials and all: reqwest reads them.
        let value = &settings.for_scheme(url.scheme())?.value;
        Some(if value.contains("://") {
            value.clone()
        } else {
            format!("http://{value}")
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(var: &'static str, value: &str) -> Setting {
        Setting {
            var,
            value: value.to_owned(),
        }
    }

    #[test]
    fn proxy_values_are_checked() {
        for good in [
            "http://127.0.0.1:3128",
            "127.0.0.1:3128",
            "proxy.test",
            "http://u:p@proxy.test:8080/",
            "https://proxy.test",
            "http://[::1]:3128",
        ] {
            assert!(check(&setting("http_proxy", good)).is_ok(), "{good}");
        }
        for bad in [
            "http://[::1",
            "http://",
            "ftp://proxy.test",
            "a b",
            "socks5h://p:1",
        ] {
            let Err(Failure::Usage(why)) = check(&setting("ALL_PROXY", bad)) else {
                panic!("{bad} passed");
            };
            assert!(
                why.contains(&format!("`{bad}`")) && why.contains("ALL_PROXY"),
                "{why}"
            );
        }
    }

    #[test]
    fn each_scheme_has_its_own_then_all() {
        let s = Settings {
            http: None,
            https: Some(setting("HTTPS_PROXY", "s:1")),
            all: Some(setting("all_proxy", "a:1")),
            no: None,
        };
        assert_eq!(s.for_scheme("http").map(|s| s.var), Some("all_proxy"));
        assert_eq!(s.for_scheme("https").map(|s| s.var), Some("HTTPS_PROXY"));
        assert!(s.for_scheme("ftp").is_none());
    }
}
