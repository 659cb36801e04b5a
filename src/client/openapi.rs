//! Discovery: the upsert endpoint and its item from a server's OpenAPI
//! document (`URL/openapi.json`, or `--openapi URL|FILE`, JSON or YAML).
//! What the document says is read by [`crate::spec`]; this module fetches
//! it and turns the chosen upsert into what the commands use.
//!
//! One upsert (a `PUT` with path parameters and a JSON body) with a
//! single path parameter is the endpoint; several need `--path` to
//! choose; none (or no document) means the tutorial's path and item.

use std::future::Future;
use std::path::Path;

use bytes::Bytes;

use super::Client;
use crate::contract::{PathTemplate, Promises};
use crate::error::Failure;
use crate::spec::body::Body;
use crate::spec::document::Document;
use crate::spec::endpoint::{self, ChoiceError, IdRules};
use crate::spec::tutorial;

/// The endpoint to upsert to, and where that knowledge came from.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// The item path.
    pub path: PathTemplate,
    /// The item, or why the document's body schema gives none.
    pub shape: Result<Body, String>,
    /// Where the path and item came from, for the report's first lines:
    /// the document's URL or file, or why they are the tutorial's
    /// (`none, so the tutorial's item (no OpenAPI document at …: 404)`).
    pub source: String,
    /// What the document promises beyond the path and item (none for the
    /// tutorial's).
    pub promises: Promises,
    /// Why the server's document could not be read when its GET got no
    /// answer (refused, a proxy down, a timeout): the path and item are
    /// then the tutorial's for want of knowing, not because the server
    /// has no document (a 404). `None` otherwise.
    pub unread: Option<String>,
    /// Whether the path and item are the tutorial's for want of a document
    /// that describes the endpoint ([`Endpoint::tutorial`]), not read from one.
    pub tutorial: bool,
}

impl Endpoint {
    /// The id in words, when there is more to say than "text": the path
    /// parameter with its rules and the body field that repeats it
    /// (`isbn (text, at most 13 characters; repeated in the body field
    /// isbn)`); empty for an unconstrained text id.
    pub fn describe_id(&self) -> String {
        let rules = self.promises.ids.describe();
        let field = self
            .promises
            .id_field
            .as_ref()
            .map(|f| format!("; repeated in the body field {f}"));
        if rules == "text" && field.is_none() {
            return String::new();
        }
        format!(
            "{} ({rules}{})",
            self.path.name(),
            field.unwrap_or_default()
        )
    }

    /// The tutorial's path (or `path`) and item, for `why`.
    pub fn tutorial(path: Option<&PathTemplate>, why: String) -> Endpoint {
        Endpoint {
            path: path.cloned().unwrap_or_default(),
            shape: Ok(tutorial::body(&tutorial::document())),
            source: why,
            promises: Promises::default(),
            unread: None,
            tutorial: true,
        }
    }
}

/// How discovery GETs a document: through reqwest ([`Client::get`]) or
/// over a blocking socket (`put`'s plain http).
pub trait Fetch {
    /// `GET url` (absolute): the status and the whole body.
    fn get(&mut self, url: &str) -> impl Future<Output = Result<(u16, Bytes), Failure>>;
}

impl Fetch for &Client {
    fn get(&mut self, url: &str) -> impl Future<Output = Result<(u16, Bytes), Failure>> {
        Client::get(self, url)
    }
}

/// Finds the endpoint: from `openapi` (a URL or a file) when given, else
/// from `{base}/openapi.json` when the server publishes it. `path`
/// (`--path`) chooses among several candidates, or names the endpoint
/// outright.
///
/// # Errors
/// [`Failure::Usage`] when the document lists several candidates and no
/// `--path` chooses, or a given `--openapi` cannot be read or is not an
/// OpenAPI document; [`Failure::NoResponse`] when a given `--openapi` URL
/// does not answer.
pub async fn discover(
    client: &Client,
    openapi: Option<&str>,
    path: Option<&PathTemplate>,
) -> Result<Endpoint, Failure> {
    discover_by(&mut &*client, client.base(), openapi, path).await
}

/// [`discover`] for the server at `base`, its GETs through `fetch`.
///
/// # Errors
/// As [`discover`].
pub async fn discover_by(
    fetch: &mut impl Fetch,
    base: &str,
    openapi: Option<&str>,
    path: Option<&PathTemplate>,
) -> Result<Endpoint, Failure> {
    let (doc, name) = match openapi {
        Some(given) => (load_given(fetch, given).await?, given.to_owned()),
        None => {
            let url = format!("{}/openapi.json", base.trim_end_matches('/'));
            match fetch.get(&url).await {
                Ok((200, body)) => match Document::parse(&body) {
                    Ok(doc) => (doc, url),
                    Err(_) => {
                        return Ok(Endpoint::tutorial(
                            path,
                            format!(
                                "none, so the tutorial's item ({url} is not an OpenAPI document)"
                            ),
                        ));
                    }
                },
                Ok((status, _)) => {
                    return Ok(Endpoint::tutorial(
                        path,
                        format!(
                            "none, so the tutorial's item (no OpenAPI document at {url}: {status})"
                        ),
                    ));
                }
                Err(e) => {
                    return Ok(Endpoint {
                        unread: Some(e.to_string()),
                        ..Endpoint::tutorial(
                            path,
                            format!("none, so the tutorial's item (no OpenAPI document: {e})"),
                        )
                    });
                }
            }
        }
    };
    choose(&doc, &name, path)
}

/// Picks the endpoint from a read document (`name` says where it came
/// from).
///
/// # Errors
/// [`Failure::Usage`] when the document leaves the choice open and no
/// `--path` chooses.
pub fn choose(
    doc: &Document,
    name: &str,
    path: Option<&PathTemplate>,
) -> Result<Endpoint, Failure> {
    let wanted = path.map(ToString::to_string);
    let choice = match endpoint::choose(doc, wanted.as_deref()) {
        Ok(Some(c)) => c,
        Ok(None) => {
            let why = match path {
                Some(wanted) => format!(
                    "{name} describes no PUT {wanted} with a JSON body, so the tutorial's item"
                ),
                None => format!(
                    "{name} describes no PUT with path parameters and a JSON body, so the path and item are the tutorial's"
                ),
            };
            return Ok(Endpoint::tutorial(path, why));
        }
        Err(e @ (ChoiceError::Several(_) | ChoiceError::NeedsParents { .. })) => {
            return Err(Failure::Usage(format!("{name} {e}")));
        }
    };
    let path: PathTemplate = choice
        .path
        .parse()
        .map_err(|e: String| Failure::Usage(format!("{name}: {e}")))?;
    let shape = Body::of(doc, choice.upsert.body)
        .map_err(|e| format!("{} in {name}: {e}", choice.upsert.operation.label()));
    let field = shape
        .as_ref()
        .ok()
        .and_then(|s| s.id_field(&choice.id_param, choice.ids.kind));
    // Each id goes into that field too: it must admit them as well.
    let ids = match field {
        Some(f) => choice
            .ids
            .clone()
            .and(&IdRules::from_schema(doc, &f.schema)),
        None => choice.ids.clone(),
    };
    let id_field = field.map(|f| f.name.clone());
    Ok(Endpoint {
        path,
        shape,
        source: name.to_owned(),
        promises: Promises {
            ids,
            update_204: choice.update_204,
            readable: choice.readable,
            response_fields: choice.response_fields,
            id_field,
        },
        unread: None,
        tutorial: false,
    })
}

/// The bytes of the document `--openapi` names: a URL fetched (through
/// `client`, with its headers, or a plain client of its own), or a file
/// read.
///
/// # Errors
/// [`Failure::Usage`] when the server does not answer 200 (or the URL is
/// not one); [`Failure::Input`] for a file that cannot be read;
/// [`Failure::NoResponse`] when the URL does not answer.
pub async fn fetch_given(client: Option<&Client>, given: &str) -> Result<Vec<u8>, Failure> {
    let own;
    let client = match client {
        Some(c) => c,
        None if is_url(given) => {
            own = Client::new(given, &super::Options::default())?;
            &own
        }
        None => return read_given(given),
    };
    fetch_given_by(&mut &*client, given).await
}

/// Whether `--openapi` names a URL (else a file).
pub fn is_url(given: &str) -> bool {
    given.starts_with("http://") || given.starts_with("https://")
}

/// Reads the `--openapi` file `given`.
///
/// # Errors
/// [`Failure::Input`] naming the file.
fn read_given(given: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(Path::new(given))
        .map_err(|e| Failure::input(format!("cannot read the --openapi file {given}"), e))
}

/// [`fetch_given`], a URL fetched through `fetch`.
///
/// # Errors
/// As [`fetch_given`].
async fn fetch_given_by(fetch: &mut impl Fetch, given: &str) -> Result<Vec<u8>, Failure> {
    if is_url(given) {
        match fetch.get(given).await? {
            (200, body) => Ok(body.to_vec()),
            (status, _) => Err(Failure::Usage(format!(
                "--openapi {given}: the server answered {status}; give the URL of the OpenAPI document (or a file)"
            ))),
        }
    } else {
        read_given(given)
    }
}

/// Reads `--openapi`: a URL (fetched through `fetch`, with the client's
/// headers) or a file, JSON or YAML.
///
/// # Errors
/// [`Failure::Usage`] when the server does not answer 200 or the text is
/// not an OpenAPI 3 document (the reason in one line);
/// [`Failure::Input`] for a file that cannot be read;
/// [`Failure::NoResponse`] when the URL does not answer.
async fn load_given(fetch: &mut impl Fetch, given: &str) -> Result<Document, Failure> {
    let bytes = fetch_given_by(fetch, given).await?;
    Document::parse(&bytes).map_err(|e| {
        Failure::Usage(format!(
            "--openapi {given}: {e}; give FastAPI's /openapi.json (JSON or YAML)"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: serde_json::Value) -> Document {
        Document::from_value(v).unwrap()
    }

    #[test]
    fn the_chosen_upsert_becomes_the_endpoint() {
        let d = doc(
            json!({"openapi": "3.1.0", "paths": {"/stores/{store_id}/books/{isbn}": {"put": {
            "parameters": [
                {"name": "store_id", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "isbn", "in": "path", "required": true, "schema": {"type": "string", "maxLength": 13}}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["isbn"],
                "properties": {"isbn": {"type": "string"}, "title": {"type": "string"}}}}}},
            "responses": {"200": {"description": ""}}}}}}),
        );
        let Err(Failure::Usage(why)) = choose(&d, "doc", None) else {
            panic!("a path with two parameters needs --path");
        };
        assert!(
            why.starts_with("doc describes upserts with several path parameters"),
            "{why}"
        );
        let wanted: PathTemplate = "/stores/s1/books/{isbn}".parse().unwrap();
        let e = choose(&d, "doc", Some(&wanted)).unwrap();
        assert_eq!(e.source, "doc");
        assert_eq!(e.path, wanted);
        assert_eq!(e.promises.id_field.as_deref(), Some("isbn"));
        assert_eq!(
            e.describe_id(),
            "isbn (text, at most 13 characters; repeated in the body field isbn)"
        );
        let other: PathTemplate = "/shops/s1/books/{isbn}".parse().unwrap();
        let e = choose(&d, "doc", Some(&other)).unwrap();
        assert!(e.source.contains("no PUT /shops/s1/books/{isbn}"));
        assert!(e.shape.unwrap().is_tutorial());
    }
}
