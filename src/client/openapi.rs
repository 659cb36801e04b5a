//! Discovery: the upsert endpoint and its item shape from a server's
//! OpenAPI document (`URL/openapi.json`, or `--openapi URL|FILE`).
//!
//! A candidate is a `PUT` operation whose path holds exactly one `{…}`
//! placeholder, with exactly one path parameter and a JSON request body
//! (`application/json` or another `…json` media type). One candidate is
//! the endpoint; several need `--path` to choose; none (or no document)
//! means the tutorial's path and item.

use std::path::Path;

use serde_json::Value;

use super::Client;
use crate::contract::ids::IdRules;
use crate::contract::shape::{Shape, resolve};
use crate::contract::{PathTemplate, Promises};
use crate::error::Failure;

/// The endpoint to upsert to, and where that knowledge came from.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// The item path.
    pub path: PathTemplate,
    /// The item shape, or why the document's body schema gives none.
    pub shape: Result<Shape, String>,
    /// Where the path and shape came from, for the report's first lines:
    /// the document's URL or file, or why they are the tutorial's
    /// (`none, so the tutorial's item (no OpenAPI document at …: 404)`).
    pub source: String,
    /// Whether the shape came from a document (not the tutorial default).
    pub documented: bool,
    /// What the document promises beyond the path and item (none for the
    /// tutorial's).
    pub promises: Promises,
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
    fn tutorial(path: Option<&PathTemplate>, why: String) -> Endpoint {
        Endpoint {
            path: path.cloned().unwrap_or_default(),
            shape: Ok(Shape::tutorial()),
            source: why,
            documented: false,
            promises: Promises::default(),
        }
    }
}

/// A PUT operation that can be an upsert endpoint.
struct Candidate {
    /// The document's path: `/users/{user_id}`, or with several
    /// parameters `/stores/{store_id}/items/{item_id}`.
    raw: String,
    /// Its path parameters, in order: name and schema.
    params: Vec<(String, Value)>,
    schema: Value,
    /// All but `ids` and `id_field`, which depend on which parameter is
    /// the id (see [`Candidate::id_param`]) and are set by [`choose`].
    promises: Promises,
}

impl Candidate {
    /// The path, when it has exactly one parameter.
    fn template(&self) -> Option<PathTemplate> {
        match self.params.as_slice() {
            [_] => self.raw.parse().ok(),
            _ => None,
        }
    }

    /// Whether `wanted` (`--path`) is this operation's path, and the name
    /// of the parameter it leaves as the id. With one parameter, the text
    /// around the placeholders must agree; with several, each `{param}`
    /// segment of the document's path is either filled in `wanted`
    /// (`/stores/s1/items/{item_id}`) or, for exactly one, left as a
    /// placeholder: the id.
    fn id_param(&self, wanted: &PathTemplate) -> Option<String> {
        if let Some(t) = self.template() {
            return (t.before() == wanted.before() && t.after() == wanted.after())
                .then(|| self.params[0].0.clone());
        }
        let wanted = wanted.to_string();
        let (ours, theirs): (Vec<&str>, Vec<&str>) =
            (self.raw.split('/').collect(), wanted.split('/').collect());
        if ours.len() != theirs.len() {
            return None;
        }
        let placeholder = |s: &str| s.len() > 2 && s.starts_with('{') && s.ends_with('}');
        let mut id = None;
        for (o, t) in ours.iter().zip(&theirs) {
            if placeholder(o) {
                if placeholder(t) {
                    id = Some(o[1..o.len() - 1].to_owned());
                } else if t.is_empty() || t.contains(['{', '}']) {
                    return None;
                }
            } else if o != t {
                return None;
            }
        }
        id
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
    let (doc, name) = match openapi {
        Some(given) => (load_given(client, given).await?, given.to_owned()),
        None => {
            let url = format!("{}/openapi.json", client.base().trim_end_matches('/'));
            match client.get(&url).await {
                Ok((200, body)) => match serde_json::from_slice::<Value>(&body) {
                    Ok(doc) if doc.get("paths").is_some_and(Value::is_object) => (doc, url),
                    _ => {
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
                    return Ok(Endpoint::tutorial(
                        path,
                        format!("none, so the tutorial's item (no OpenAPI document: {e})"),
                    ));
                }
            }
        }
    };
    choose(&doc, &name, path)
}

/// Picks the endpoint from a parsed document.
fn choose(doc: &Value, name: &str, path: Option<&PathTemplate>) -> Result<Endpoint, Failure> {
    let candidates = candidates(doc);
    let single: Vec<(&Candidate, PathTemplate)> = candidates
        .iter()
        .filter_map(|c| c.template().map(|t| (c, t)))
        .collect();
    let chosen = match path {
        Some(wanted) => match candidates
            .iter()
            .find_map(|c| c.id_param(wanted).map(|id| (c, id)))
        {
            Some((c, id)) => (c, id, wanted.clone()),
            None => {
                return Ok(Endpoint::tutorial(
                    Some(wanted),
                    format!(
                        "{name} describes no PUT {wanted} with a JSON body, so the tutorial's item"
                    ),
                ));
            }
        },
        None => match single.as_slice() {
            [] if !candidates.is_empty() => {
                let listed: Vec<String> = candidates
                    .iter()
                    .map(|c| format!("PUT {}", c.raw))
                    .collect();
                let example = candidates[0].raw.clone();
                let last = candidates[0].params.last().map_or("", |(n, _)| n.as_str());
                let filled = candidates[0]
                    .params
                    .iter()
                    .filter(|(n, _)| n != last)
                    .fold(example, |p, (n, _)| {
                        p.replace(&format!("{{{n}}}"), &n.to_uppercase())
                    });
                return Err(Failure::Usage(format!(
                    "{name} describes upserts with several path parameters ({}): give --path with all but the id filled in, like --path '{filled}'",
                    listed.join(", ")
                )));
            }
            [] => {
                return Ok(Endpoint::tutorial(
                    None,
                    format!(
                        "{name} describes no PUT with one path parameter and a JSON body, so the path and item are the tutorial's"
                    ),
                ));
            }
            [(one, t)] => (*one, t.name().to_owned(), t.clone()),
            several => {
                let listed: Vec<String> = several
                    .iter()
                    .map(|(c, _)| format!("PUT {}", c.raw))
                    .collect();
                return Err(Failure::Usage(format!(
                    "{name} describes {} upsert candidates ({}): choose one with --path",
                    several.len(),
                    listed.join(", ")
                )));
            }
        },
    };
    let (chosen, id, path) = chosen;
    let shape = Shape::from_schema(doc, &chosen.schema)
        .map_err(|e| format!("PUT {} in {name}: {e}", chosen.raw));
    let mut promises = chosen.promises.clone();
    if let Some((_, schema)) = chosen.params.iter().find(|(n, _)| *n == id)
        && !schema.is_null()
    {
        promises.ids = IdRules::from_schema(doc, schema);
    }
    promises.id_field = shape.as_ref().ok().and_then(|s| {
        s.id_field(path.name(), promises.ids.kind)
            .map(|f| f.name.clone())
    });
    Ok(Endpoint {
        path,
        shape,
        source: name.to_owned(),
        documented: true,
        promises,
    })
}

/// Reads `--openapi`: a URL (fetched with the client's headers) or a file.
async fn load_given(client: &Client, given: &str) -> Result<Value, Failure> {
    let bytes = if given.starts_with("http://") || given.starts_with("https://") {
        match client.get(given).await? {
            (200, body) => body.to_vec(),
            (status, _) => {
                return Err(Failure::Usage(format!(
                    "--openapi {given}: the server answered {status}; give the URL of the OpenAPI document (or a file)"
                )));
            }
        }
    } else {
        std::fs::read(Path::new(given))
            .map_err(|e| Failure::input(format!("cannot read the --openapi file {given}"), e))?
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(doc) if doc.get("paths").is_some_and(Value::is_object) => Ok(doc),
        Ok(_) => Err(Failure::Usage(format!(
            "--openapi {given}: not an OpenAPI document (no \"paths\" object)"
        ))),
        Err(e) => Err(Failure::Usage(format!(
            "--openapi {given}: not JSON ({e}); give FastAPI's /openapi.json"
        ))),
    }
}

/// Every PUT operation that can be an upsert endpoint, in document order.
fn candidates(doc: &Value) -> Vec<Candidate> {
    let Some(Value::Object(paths)) = doc.get("paths") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (path, item) in paths {
        let Some(op) = item.get("put") else { continue };
        let params = [item.get("parameters"), op.get("parameters")];
        let in_path: Vec<&Value> = params
            .iter()
            .flatten()
            .filter_map(|p| p.as_array())
            .flatten()
            .filter_map(|p| resolve(doc, p).ok())
            .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
            .collect();
        let params: Vec<(String, Value)> = in_path
            .iter()
            .filter_map(|p| {
                let name = p.get("name")?.as_str()?.to_owned();
                Some((name, p.get("schema").cloned().unwrap_or(Value::Null)))
            })
            .collect();
        // Each parameter a whole `{name}` of the path.
        if params.is_empty()
            || params.len() != path.matches('{').count()
            || !params
                .iter()
                .all(|(n, _)| path.contains(&format!("{{{n}}}")))
        {
            continue;
        }
        let Some(content) = op
            .get("requestBody")
            .and_then(|b| resolve(doc, b).ok())
            .and_then(|b| b.get("content"))
            .and_then(Value::as_object)
        else {
            continue;
        };
        let Some(schema) = content
            .iter()
            .find(|(media, _)| {
                media
                    .split(';')
                    .next()
                    .is_some_and(|m| m.trim().ends_with("json"))
            })
            .and_then(|(_, m)| m.get("schema"))
        else {
            continue;
        };
        let update_204 = op
            .get("responses")
            .and_then(Value::as_object)
            .is_some_and(|r| r.contains_key("204"));
        let response_fields = ["201", "200"].iter().find_map(|code| {
            let schema = op
                .get("responses")?
                .get(*code)
                .and_then(|r| resolve(doc, r).ok())?
                .get("content")?
                .as_object()?
                .iter()
                .find(|(media, _)| media.contains("json"))?
                .1
                .get("schema")?;
            let shape = Shape::from_schema(doc, schema).ok()?;
            Some(shape.fields.into_iter().map(|f| f.name).collect::<Vec<_>>())
        });
        out.push(Candidate {
            raw: path.clone(),
            params,
            schema: schema.clone(),
            promises: Promises {
                ids: IdRules::default(),
                update_204,
                readable: item.get("get").is_some(),
                response_fields,
                id_field: None,
            },
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn put_op(param: &str, schema: Value) -> Value {
        json!({"put": {
            "parameters": [{"name": param, "in": "path", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"content": {"application/json": {"schema": schema}}, "required": true},
            "responses": {"200": {}, "422": {}}}})
    }

    #[test]
    fn one_candidate_is_the_endpoint() {
        let doc = json!({"paths": {
            "/api/v1/users/{user_id}": put_op("user_id", json!({"$ref": "#/components/schemas/User"})),
            "/health": {"get": {}}},
            "components": {"schemas": {"User": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}});
        let e = choose(&doc, "doc", None).unwrap();
        assert_eq!(e.path.to_string(), "/api/v1/users/{user_id}");
        assert!(e.documented);
        assert_eq!(e.shape.unwrap().title, "User");
    }

    #[test]
    fn a_parents_parameter_is_filled_in_by_the_path() {
        let mut op = put_op(
            "isbn",
            json!({"type": "object", "required": ["isbn"], "properties": {
                "isbn": {"type": "string"}, "title": {"type": "string"}}}),
        );
        op["put"]["parameters"] = json!([
            {"name": "store_id", "in": "path", "required": true, "schema": {"type": "string"}},
            {"name": "isbn", "in": "path", "required": true, "schema": {"type": "string", "maxLength": 13}}]);
        let doc = json!({"paths": {"/stores/{store_id}/books/{isbn}": op}});
        let Err(Failure::Usage(why)) = choose(&doc, "doc", None) else {
            panic!("a path with two parameters needs --path");
        };
        assert!(
            why.ends_with("give --path with all but the id filled in, like --path '/stores/STORE_ID/books/{isbn}'"),
            "{why}"
        );
        let wanted: PathTemplate = "/stores/s1/books/{isbn}".parse().unwrap();
        let e = choose(&doc, "doc", Some(&wanted)).unwrap();
        assert!(e.documented);
        assert_eq!(e.path, wanted);
        // The id's rules are the id parameter's; the body repeats it.
        assert!(!e.promises.ids.admits("12345678901234"));
        assert_eq!(e.promises.id_field.as_deref(), Some("isbn"));
        assert_eq!(
            e.describe_id(),
            "isbn (text, at most 13 characters; repeated in the body field isbn)"
        );
        // A segment that is not the document's, or one too many: no match.
        for other in ["/shops/s1/books/{isbn}", "/stores/s1/books/{isbn}/x"] {
            let other: PathTemplate = other.parse().unwrap();
            assert!(
                !choose(&doc, "doc", Some(&other)).unwrap().documented,
                "{other}"
            );
        }
    }

    #[test]
    fn several_candidates_need_a_path() {
        let obj = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        let doc = json!({"paths": {
            "/a/{x}": put_op("x", obj.clone()),
            "/b/{y}": put_op("y", obj.clone())}});
        let Err(Failure::Usage(msg)) = choose(&doc, "doc", None) else {
            panic!("several candidates must be a usage error")
        };
        assert!(
            msg.contains("PUT /a/{x}, PUT /b/{y}") && msg.contains("--path"),
            "{msg}"
        );
        let wanted: PathTemplate = "/b/{id}".parse().unwrap();
        let e = choose(&doc, "doc", Some(&wanted)).unwrap();
        assert!(e.documented);
        assert_eq!(e.path, wanted);
        let other: PathTemplate = "/c/{id}".parse().unwrap();
        let e = choose(&doc, "doc", Some(&other)).unwrap();
        assert!(!e.documented && e.source.contains("no PUT /c/{id}"));
    }

    #[test]
    fn operations_that_are_not_upserts_are_not_candidates() {
        let obj = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        let mut no_body = put_op("x", obj.clone());
        no_body["put"]
            .as_object_mut()
            .unwrap()
            .remove("requestBody");
        let doc = json!({"paths": {
            "/settings": {"put": {"requestBody": {"content": {"application/json": {"schema": obj}}}}},
            "/a/{x}": no_body,
            "/b/{x}/c/{y}": put_op("x", json!({}))}});
        let e = choose(&doc, "doc", None).unwrap();
        assert!(!e.documented);
        assert_eq!(e.path, PathTemplate::default());
    }

    #[test]
    fn the_id_kind_comes_from_the_path_parameter() {
        let mut op = put_op(
            "n",
            json!({"type": "object", "properties": {"a": {"type": "string"}}}),
        );
        op["put"]["parameters"][0]["schema"] =
            json!({"type": "integer", "minimum": 1, "maximum": 999});
        let doc = json!({"paths": {"/n/{n}": op}});
        let ids = choose(&doc, "doc", None).unwrap().promises.ids;
        assert_eq!(ids.kind, crate::contract::ids::IdKind::Integer);
        assert!(ids.admits("999") && !ids.admits("1000"));
    }

    #[test]
    fn a_response_model_limits_what_is_compared() {
        let mut op = put_op(
            "k",
            json!({"type": "object", "properties": {"a": {"type": "string"}, "secret": {"type": "string"}}}),
        );
        op["put"]["responses"]["200"] = json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Public"}}}});
        let doc = json!({"paths": {"/things/{k}": op}, "components": {"schemas": {"Public": {"type": "object", "properties": {"a": {"type": "string"}}}}}});
        assert_eq!(
            choose(&doc, "doc", None).unwrap().promises.response_fields,
            Some(vec!["a".to_owned()])
        );
    }

    #[test]
    fn a_documented_204_is_noted() {
        let mut op = put_op(
            "k",
            json!({"type": "object", "properties": {"a": {"type": "string"}}}),
        );
        op["put"]["responses"]["204"] = json!({});
        let doc = json!({"paths": {"/things/{k}": op}});
        assert!(choose(&doc, "doc", None).unwrap().promises.update_204);
    }
}
