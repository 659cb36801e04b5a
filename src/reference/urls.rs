//! pydantic's URL types (`AnyUrl`, `HttpUrl`): pydantic-core 2.50
//! `src/validators/url.rs` over the `url` crate, pydantic-core's own
//! parser, in lax mode (syntax violations tolerated): the URL as
//! `str(url)` writes it (the `url` crate's serialization: a `/` path
//! added to special schemes, the host lower-cased and punycoded), or
//! pydantic's error.

use super::errors::ErrorType;

/// What a URL type admits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UrlRules {
    /// `max_length`, in bytes of the input.
    pub max_length: Option<usize>,
    /// The schemes allowed (`HttpUrl`: `http`, `https`), and their repr
    /// (`'http' or 'https'`).
    pub schemes: Option<(Vec<String>, String)>,
}

/// Validates a URL string.
///
/// # Errors
/// `url_too_long`, `url_parsing` (the `url` crate's reason, or `input is
/// empty`), `url_scheme`.
pub fn url_value(text: &str, rules: &UrlRules) -> Result<String, ErrorType> {
    if let Some(max) = rules.max_length
        && text.len() > max
    {
        return Err(ErrorType::UrlTooLong { max_length: max });
    }
    if text.is_empty() {
        return Err(ErrorType::UrlParsing {
            error: "input is empty".into(),
        });
    }
    let url = ::url::Url::parse(text).map_err(|e| ErrorType::UrlParsing {
        error: e.to_string(),
    })?;
    if let Some((allowed, repr)) = &rules.schemes
        && !allowed.iter().any(|s| s == url.scheme())
    {
        return Err(ErrorType::UrlScheme {
            expected_schemes: repr.clone(),
        });
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_as_pydantic_writes_them() {
        let any = UrlRules::default();
        assert_eq!(
            url_value("https://Example.com", &any).unwrap(),
            "https://example.com/"
        );
        assert_eq!(url_value("ftp://x", &any).unwrap(), "ftp://x/");
        assert_eq!(
            url_value("not a url", &any),
            Err(ErrorType::UrlParsing {
                error: "relative URL without a base".into()
            })
        );
        assert_eq!(
            url_value("", &any),
            Err(ErrorType::UrlParsing {
                error: "input is empty".into()
            })
        );
        let http = UrlRules {
            max_length: Some(2083),
            schemes: Some((
                vec!["http".into(), "https".into()],
                "'http' or 'https'".into(),
            )),
        };
        assert_eq!(
            url_value("ftp://x", &http),
            Err(ErrorType::UrlScheme {
                expected_schemes: "'http' or 'https'".into()
            })
        );
    }
}
