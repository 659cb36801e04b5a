//! The upsert contract, defined once: what 200 and 201 mean, what a
//! correct echo of the item is ([`echo`]), the item path template and the
//! base URL it goes below ([`base_url`]), and what an endpoint promises
//! beyond them ([`Promises`]). The server
//! answers with [`Upserted`]; `put --expect`, `check` and `bench` hold
//! responses to it. Pure: it names only [`crate::spec`] (the id rules),
//! and no HTTP-client type.

pub mod echo;

use std::fmt;
use std::str::FromStr;

/// What an upsert did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upserted {
    /// The id did not exist and the request created it: `201 Created`.
    Created,
    /// The id existed and its item was replaced: `200 OK`.
    Replaced,
}

impl Upserted {
    /// The status code that reports this outcome.
    pub fn status_code(self) -> u16 {
        match self {
            Upserted::Created => 201,
            Upserted::Replaced => 200,
        }
    }

    /// The outcome a status code reports, if it reports one.
    pub fn from_status(status: u16) -> Option<Upserted> {
        match status {
            201 => Some(Upserted::Created),
            200 => Some(Upserted::Replaced),
            _ => None,
        }
    }
}

/// What an upsert endpoint promises beyond 201/200 and its item, as its
/// OpenAPI document says; the tutorial's endpoint promises none of it
/// ([`Promises::default`]). Check and bench hold answers to it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Promises {
    /// What the path parameter takes (text, an integer, a UUID, and its
    /// constraints): the ids check and bench make.
    pub ids: crate::spec::endpoint::IdRules,
    /// Whether the operation documents `204 No Content`: an update may
    /// answer 204 with an empty body.
    pub update_204: bool,
    /// Whether the document has a `GET` on the item path: the stored item
    /// can be read back (how `replace` sees what a 204 update stored).
    pub readable: bool,
    /// The fields of the documented 200/201 response schema, when it lists
    /// them (a `response_model` may leave out what was sent, or add an
    /// `id`): only those are compared.
    pub response_fields: Option<Vec<String>>,
    /// A body field that repeats the id (named like the path parameter,
    /// or `id`, of the id's type), which such servers require to match
    /// the path: check sends each id in it.
    pub id_field: Option<String>,
}

/// The item path below a server's base URL, with one `{…}` placeholder
/// for the id: the tutorial's `/items/{item_id}`, or a user's own
/// (`/api/v1/users/{user_id}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathTemplate {
    before: String,
    name: String,
    after: String,
}

impl PathTemplate {
    /// The tutorial's path.
    pub const TUTORIAL: &'static str = "/items/{item_id}";

    /// The path with `encoded_id` (already percent-encoded) in place of
    /// the placeholder.
    pub fn fill(&self, encoded_id: &str) -> String {
        format!("{}{encoded_id}{}", self.before, self.after)
    }

    /// What comes before the id.
    pub fn before(&self) -> &str {
        &self.before
    }

    /// What comes after the id.
    pub fn after(&self) -> &str {
        &self.after
    }

    /// The placeholder's name: the path parameter (`item_id`).
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Default for PathTemplate {
    fn default() -> Self {
        PathTemplate {
            before: "/items/".into(),
            name: "item_id".into(),
            after: String::new(),
        }
    }
}

impl FromStr for PathTemplate {
    type Err = String;

    /// Parses `/segment/…/{name}…`: it starts with `/` and holds exactly
    /// one `{name}`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = |why: &str| {
            Err(format!(
                "`{s}`: {why}; write the item path like /api/v1/users/{{user_id}}"
            ))
        };
        if !s.starts_with('/') {
            return bad("it must start with /");
        }
        let (Some(open), Some(close)) = (s.find('{'), s.find('}')) else {
            return bad("no {…} placeholder for the id");
        };
        if close < open || s[open + 1..].contains('{') || s[close + 1..].contains('}') {
            return bad("it needs exactly one {…} placeholder");
        }
        if s.contains(['?', '#']) {
            return bad("no query or fragment");
        }
        Ok(PathTemplate {
            before: s[..open].to_owned(),
            name: s[open + 1..close].to_owned(),
            after: s[close + 1..].to_owned(),
        })
    }
}

impl fmt::Display for PathTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{{{}}}{}", self.before, self.name, self.after)
    }
}

/// Parses a server's base URL, the one the item path goes below
/// (`http://127.0.0.1:8000`, `https://api.example.com/v1`): an http(s)
/// URL with a host. `--url` (and `$ITEMCTL_URL`) and an `--openapi` URL
/// are held to it on the command line, and the client again.
///
/// # Errors
/// One line naming the fix: no scheme (`127.0.0.1:8000`: write it as
/// `http://127.0.0.1:8000`), a scheme other than http(s), no host, or not
/// a URL at all.
pub fn base_url(base: &str) -> Result<url::Url, String> {
    if !base.contains("://") {
        return Err(format!(
            "invalid URL `{base}`: no scheme; write it as http://{base} (or https://)"
        ));
    }
    let parsed = url::Url::parse(base).map_err(|e| format!("invalid URL `{base}`: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "invalid URL `{base}`: the scheme must be http:// or https://"
        ));
    }
    if parsed.host().is_none() {
        return Err(format!("invalid URL `{base}`: no host"));
    }
    Ok(parsed)
}

/// What `--expect` asks of a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// `created`: the id was new (201).
    Created,
    /// `updated`: the id existed (200).
    Updated,
    /// A literal status code.
    Status(u16),
}

impl Expectation {
    /// The status code that meets the expectation.
    pub fn status_code(self) -> u16 {
        match self {
            Expectation::Created => Upserted::Created.status_code(),
            Expectation::Updated => Upserted::Replaced.status_code(),
            Expectation::Status(code) => code,
        }
    }

    /// Whether a response with `status` meets it.
    pub fn is_met_by(self, status: u16) -> bool {
        status == self.status_code()
    }
}

impl FromStr for Expectation {
    type Err = String;

    /// Parses `created`, `updated` or a status code 100–599.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "created" => Ok(Expectation::Created),
            "updated" | "replaced" => Ok(Expectation::Updated),
            other => match other.parse::<u16>() {
                Ok(code) if (100..=599).contains(&code) => Ok(Expectation::Status(code)),
                _ => Err(format!(
                    "expected `created`, `updated` or a status code 100-599, got `{s}`"
                )),
            },
        }
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.status_code();
        let reason = reason_phrase(code);
        match self {
            Expectation::Created => write!(f, "{code} {reason} (created)"),
            Expectation::Updated => write!(f, "{code} {reason} (updated)"),
            Expectation::Status(_) => write!(f, "{code} {reason}"),
        }
    }
}

/// A body for messages: at most 200 bytes, lossy UTF-8.
pub fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
    if body.len() > 200 {
        format!("{text}… ({} bytes)", body.len())
    } else {
        text
    }
}

/// The standard reason phrase of a status code, or `""` (the `http`
/// crate's registry of RFC 9110 phrases).
pub fn reason_phrase(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_templates() {
        let t: PathTemplate = "/api/v1/users/{user_id}".parse().unwrap();
        assert_eq!(t.fill("a%20b"), "/api/v1/users/a%20b");
        assert_eq!(t.to_string(), "/api/v1/users/{user_id}");
        let t: PathTemplate = "/things/{key}/data".parse().unwrap();
        assert_eq!(t.fill("k"), "/things/k/data");
        assert_eq!(PathTemplate::default().to_string(), PathTemplate::TUTORIAL);
        for bad in ["items/{id}", "/items", "/a/{x}/{y}", "/a/}x{", "/a/{x}?q=1"] {
            assert!(bad.parse::<PathTemplate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn statuses_round_trip() {
        for u in [Upserted::Created, Upserted::Replaced] {
            assert_eq!(Upserted::from_status(u.status_code()), Some(u));
        }
        assert_eq!(Upserted::from_status(204), None);
    }

    #[test]
    fn expectations_parse_and_match() {
        assert_eq!("created".parse(), Ok(Expectation::Created));
        assert_eq!("UPDATED".parse(), Ok(Expectation::Updated));
        assert_eq!("422".parse(), Ok(Expectation::Status(422)));
        assert!("42".parse::<Expectation>().is_err());
        assert!("abc".parse::<Expectation>().is_err());
        assert!(Expectation::Created.is_met_by(201));
        assert!(!Expectation::Created.is_met_by(200));
        assert!(Expectation::Updated.is_met_by(200));
        assert_eq!(Expectation::Created.to_string(), "201 Created (created)");
    }
}
