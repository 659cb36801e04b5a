//! A FastAPI app as its OpenAPI document describes it, and what FastAPI
//! 0.165 does with a request to it, byte for byte: its routes, each
//! operation's parameters and body, and for every upsert (a `PUT` with
//! path parameters and a JSON body) the item it stores and answers with.
//!
//! What FastAPI does (`fastapi/routing.py` `get_request_handler`,
//! `fastapi/dependencies/utils.py` `solve_dependencies`,
//! `request_params_to_args`, `request_body_to_args`):
//! - the body is read first: the content-type gate, `json.loads`, a 422
//!   `json_invalid` or a 400 ([`super::validation`]);
//! - then path, query and header parameters, then the body, each error
//!   with its `loc` prefix (`path`, `query`, `header`, `body`), all in one
//!   422 `{"detail": [...]}`;
//! - one body parameter that is not embedded is validated whole (`loc`
//!   `["body", ...]`); several, or one with `Body(embed=True)` (the
//!   document's `Body_<operation_id>` wrapper), each separately under
//!   `["body", name]`, a body that is not an object giving `missing` for
//!   every one;
//! - models are validated with `from_attributes=True`.
//!
//! What a document cannot show is assumed, as the README says: the
//! handler stores `model_dump(mode="json", by_alias=True)` keyed by the
//! path parameters and answers 201 when it created the key, 200 (or a
//! documented 204) when it replaced it, with the item as the documented
//! response schema has it.

use super::core::{Core, Models, Options, Unsupported, from_json, implied_default, placeholder};
use super::errors::{ErrorType, Loc};
use super::json::{self, DecodeError, Object, PyStr, Value};
use super::render::{self, Unrenderable};
use super::routing::RouteTable;
use super::validate::{self, Error};
use super::validation;
use crate::spec::document::{Document, Location, Method, Operation as SpecOperation};
use crate::spec::endpoint::upserts;
use crate::spec::schema::Schema;

/// A parameter of an operation (path, query or header).
#[derive(Clone, Debug)]
pub struct Param {
    /// The name (the alias; a header's with `_` as `-`).
    pub name: String,
    /// Its validator.
    pub core: Core,
    /// Whether it must be given.
    pub required: bool,
    /// What it is when not given.
    pub default: Option<Value>,
    /// Whether it takes every value given (a `list` query parameter).
    pub list: bool,
}

/// How an operation's body is read.
#[derive(Clone, Debug)]
pub enum Body {
    /// One body parameter, validated whole.
    Single {
        /// Its validator.
        core: Core,
        /// Whether the body must be given.
        required: bool,
        /// What it is when not given.
        default: Option<Value>,
    },
    /// Several body parameters (or one embedded), each under its name.
    Embedded(Vec<Param>),
    /// No body parameter (a body sent is not read).
    Absent,
}

/// What an operation takes: its parameters and body, as FastAPI
/// validates them before the handler runs.
#[derive(Clone, Debug)]
pub struct Signature {
    /// The path parameters, in the path's order.
    pub params: Vec<Param>,
    /// The order FastAPI validates them in (the document's `parameters`
    /// order, the handler's signature): indices into `params`.
    pub param_order: Vec<usize>,
    /// The query and header parameters.
    pub others: Vec<(Location, Param)>,
    /// The body.
    pub body: Body,
}

/// Where a response field's value comes from.
#[derive(Clone, Debug)]
pub enum Fill {
    /// The stored item's field of that name.
    Item,
    /// The stored item's field of another name: the model's
    /// serialization alias differs from its validation alias.
    Renamed(PyStr),
    /// The path parameter of that name (its validated value).
    Param(usize),
    /// A value the response schema fixes (its default) or one made from
    /// it, for a field the request cannot supply.
    Value(Value),
}

/// The fields a documented response schema returns, in its order, each
/// with the response field's validator (whose serializer writes it: a
/// `float` field shows an int as `1.0`).
pub type Projection = Vec<(PyStr, Fill, Core)>;

/// One upsert resource: the items of one path template.
#[derive(Clone, Debug)]
pub struct Resource {
    /// The document's path template (`/v2/products/{sku}`).
    pub template: String,
    /// The upsert's parameters and body.
    pub sig: Signature,
    /// Whether an update answers `204 No Content`.
    pub update_204: bool,
    /// The PUT's documented 201/200 response fields, when they differ
    /// from the item's.
    pub response: Option<Projection>,
    /// The GET's, likewise.
    pub read_response: Option<Projection>,
    /// Whether the PUT answers through a response model (pydantic's JSON
    /// serializer rather than `json.dumps`): see [`response_model`].
    pub response_model: bool,
    /// The GET's, likewise.
    pub read_response_model: bool,
    /// The item's validator, for seeds (the body's, or the embedded
    /// model's).
    pub item: Option<Core>,
    /// The body's happy path, compiled ([`super::fast`]): where the item
    /// is answered as it is stored (no response projection).
    pub fast: Option<super::fast::Plan>,
}

/// What one route of the app does.
#[derive(Clone, Debug)]
pub enum Action {
    /// `PUT`: store the item.
    Upsert(usize),
    /// `GET` of an item: answer it, or 404.
    Read {
        /// The resource.
        resource: usize,
        /// What the GET takes.
        sig: Box<Signature>,
    },
    /// `DELETE` of an item: remove it and answer `status` (`204` without a
    /// body, else `null`), or 404.
    Delete {
        /// The resource.
        resource: usize,
        /// The documented status.
        status: u16,
        /// What the DELETE takes.
        sig: Box<Signature>,
    },
    /// Any other documented operation: its input validated, then its
    /// documented example, or 501.
    Other {
        /// `POST /things`.
        label: String,
        /// The documented status and example, when there is one.
        example: Option<(u16, Vec<u8>)>,
        /// What it takes.
        sig: Box<Signature>,
    },
}

/// A FastAPI app, from its document.
#[derive(Clone, Debug)]
pub struct App {
    /// `info.title` (FastAPI's default `FastAPI`).
    pub title: String,
    /// Every model of the document.
    pub models: Models,
    /// The routes, in registration order.
    pub routes: RouteTable,
    /// What each route does (parallel to `routes`).
    pub actions: Vec<Action>,
    /// The upsert resources, in document order.
    pub resources: Vec<Resource>,
}

/// Why a request gets no item: FastAPI's answer instead.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// 422 with this body.
    Invalid(Vec<u8>),
    /// 400 `There was an error parsing the body`.
    BadRequest,
    /// 500: the 422 could not be rendered.
    Unrenderable,
}

/// What an upsert request carries, besides its route.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// The path parameters, decoded, in the path's order.
    pub params: &'a [String],
    /// The query string, without `?`.
    pub query: Option<&'a str>,
    /// The first value of a header (name in lower case).
    pub header: &'a dyn Fn(&str) -> Option<&'a [u8]>,
    /// The body.
    pub body: &'a [u8],
}

/// An upsert, validated: the resource's key and the item to store.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// The path parameters, as the key of the resource's store.
    pub key: String,
    /// The path parameters' validated values.
    pub params: Vec<Value>,
    /// The item, as `model_dump(mode="json")`.
    pub item: Value,
}

/// An upsert's item, validated: as a value, or already as the JSON the
/// store keeps (`json.dumps` of `model_dump(mode="json")`), where the
/// compiled happy path ([`super::fast`]) took the body.
#[derive(Clone, Debug, PartialEq)]
pub enum Validated {
    /// The item, as `model_dump(mode="json")`.
    Value(Value),
    /// The item's JSON; it renders (no NaN, no lone surrogate) and
    /// pydantic's serializer spells it the same.
    Json(Vec<u8>),
}

/// An upsert, validated: [`Item`] with the item possibly rendered.
#[derive(Clone, Debug, PartialEq)]
pub struct Upsert {
    /// The path parameters, as the key of the resource's store.
    pub key: String,
    /// The path parameters' validated values.
    pub params: Vec<Value>,
    /// The item.
    pub item: Validated,
}

impl App {
    /// The app a document describes.
    ///
    /// # Errors
    /// [`Unsupported`] naming the JSON pointer of the first construct
    /// whose validation cannot be reproduced exactly (unless
    /// `opts.approximate`), or of an upsert FastAPI could not have made.
    pub fn from_document(doc: &Document, opts: Options) -> Result<App, Unsupported> {
        let mut models = Models::default();
        let mut resources = Vec::new();
        let upsert_ops: Vec<&SpecOperation> = upserts(doc).iter().map(|u| u.operation).collect();
        for op in &upsert_ops {
            resources.push(build_resource(doc, op, &mut models, opts)?);
        }
        let mut actions = Vec::new();
        let mut table = Vec::new();
        for op in &doc.operations {
            let resource = resources.iter().position(|r| r.template == op.path);
            let is_upsert = upsert_ops.iter().any(|u| std::ptr::eq(*u, op));
            let action = match (op.method, resource) {
                (Method::Put, Some(r)) if is_upsert => Action::Upsert(r),
                (Method::Get, Some(r)) => {
                    let sig = Box::new(signature(doc, op, &mut models, opts)?);
                    resources[r].read_response =
                        projection(doc, op, &resources[r], &mut models, opts)?;
                    resources[r].read_response_model = response_model(doc, op);
                    Action::Read { resource: r, sig }
                }
                (Method::Delete, Some(r)) => Action::Delete {
                    resource: r,
                    status: documented_success(op).map_or(200, |(s, _)| s),
                    sig: Box::new(signature(doc, op, &mut models, opts)?),
                },
                _ => Action::Other {
                    sig: Box::new(signature(doc, op, &mut models, opts)?),
                    label: op.label(),
                    example: documented_success(op).and_then(|(status, ex)| {
                        ex.map(|e| {
                            let mut out = Vec::new();
                            let _ = render::write_value(&mut out, &from_json(&e));
                            (status, out)
                        })
                    }),
                },
            };
            actions.push(action);
            table.push((op.method.token(), op.path.as_str()));
        }
        Ok(App {
            title: doc.title.clone().unwrap_or_else(|| "FastAPI".into()),
            models,
            routes: RouteTable::new(table),
            actions,
            resources,
        })
    }

    /// Validates an upsert to `resource`, as FastAPI does before the
    /// handler runs.
    ///
    /// # Errors
    /// [`Refusal`]: FastAPI's 422, 400 or 500.
    pub fn upsert(&self, resource: usize, req: &Request<'_>) -> Result<Item, Refusal> {
        let Some(res) = self.resources.get(resource) else {
            return Err(Refusal::Unrenderable);
        };
        let (params, item) = self.check(&res.sig, req)?;
        Ok(Item {
            key: key_of(&params),
            params,
            item: item.unwrap_or(Value::Null),
        })
    }

    /// [`App::upsert`], through the resource's compiled happy path when
    /// it takes the body (the same answer, without the intermediate
    /// values).
    ///
    /// # Errors
    /// [`Refusal`]: FastAPI's 422, 400 or 500.
    pub fn upsert_json(&self, resource: usize, req: &Request<'_>) -> Result<Upsert, Refusal> {
        let Some(res) = self.resources.get(resource) else {
            return Err(Refusal::Unrenderable);
        };
        if let Some(plan) = &res.fast
            && !req.body.is_empty()
            && (req.header)("content-type").is_some_and(validation::is_json_media_type)
            && let Some(json) = plan.run(req.body)
        {
            // The body has no error: the parameters' are all there is.
            let mut errors = Vec::new();
            let params = self.parameters(&res.sig, req, &mut errors);
            if !errors.is_empty() {
                return Err(render_errors(&errors));
            }
            return Ok(Upsert {
                key: key_of(&params),
                params,
                item: Validated::Json(json),
            });
        }
        let item = self.upsert(resource, req)?;
        Ok(Upsert {
            key: item.key,
            params: item.params,
            item: Validated::Value(item.item),
        })
    }

    /// Validates a request to an operation of signature `sig`, as FastAPI
    /// does before the handler runs: its path parameters' values and its
    /// body's (the item).
    ///
    /// # Errors
    /// [`Refusal`]: FastAPI's 422, 400 or 500.
    pub fn check(
        &self,
        sig: &Signature,
        req: &Request<'_>,
    ) -> Result<(Vec<Value>, Option<Value>), Refusal> {
        // The body is read (and decoded) before any parameter.
        let body = match sig.body {
            Body::Absent => Received::Nothing,
            _ => read_body((req.header)("content-type"), req.body)?,
        };
        let mut errors: Vec<(&'static str, Error)> = Vec::new();
        let params = self.parameters(sig, req, &mut errors);
        let item = self.body(&sig.body, &body, &mut errors);
        if !errors.is_empty() {
            return Err(render_errors(&errors));
        }
        Ok((params, item))
    }

    /// The path, query and header parameters' values (errors pushed, in
    /// FastAPI's order).
    fn parameters(
        &self,
        sig: &Signature,
        req: &Request<'_>,
        errors: &mut Vec<(&'static str, Error)>,
    ) -> Vec<Value> {
        let params = self.path_params(sig, req.params, errors);
        if sig.others.is_empty() {
            return params.unwrap_or_default();
        }
        let query = req.query.map(parse_query).unwrap_or_default();
        for (location, p) in &sig.others {
            let given: Vec<Value> = match location {
                Location::Query => query
                    .iter()
                    .filter(|(k, _)| *k == p.name)
                    .map(|(_, v)| Value::Str(PyStr::new(v)))
                    .collect(),
                Location::Header => (req.header)(&p.name.to_ascii_lowercase())
                    .map(|v| {
                        Value::Str(PyStr::new(
                            &v.iter().map(|&b| char::from(b)).collect::<String>(),
                        ))
                    })
                    .into_iter()
                    .collect(),
                Location::Path | Location::Cookie => Vec::new(),
            };
            let prefix = match location {
                Location::Query => "query",
                Location::Header => "header",
                Location::Path | Location::Cookie => "cookie",
            };
            let value = if p.list {
                (!given.is_empty()).then_some(Value::Array(given))
            } else {
                given.into_iter().last()
            };
            if let Err(es) = self.param(p, value.as_ref()) {
                errors.extend(es.into_iter().map(|e| (prefix, e)));
            }
        }
        params.unwrap_or_default()
    }

    /// Validates a read or delete: the key of the item it concerns.
    ///
    /// # Errors
    /// [`Refusal`]: FastAPI's 422 (or 400/500 for a body).
    pub fn key(&self, sig: &Signature, req: &Request<'_>) -> Result<(String, Vec<Value>), Refusal> {
        let (values, _) = self.check(sig, req)?;
        Ok((key_of(&values), values))
    }

    /// Validates a seed item for `resource` (`--seed`): its key from the
    /// given path parameter values, and the item.
    ///
    /// # Errors
    /// One line naming the first error.
    pub fn seed_item(
        &self,
        resource: usize,
        params: &[String],
        item: &Value,
    ) -> Result<Item, String> {
        let res = self.resources.get(resource).ok_or("no such resource")?;
        let mut errors = Vec::new();
        let values = self
            .path_params(&res.sig, params, &mut errors)
            .unwrap_or_default();
        if let Some((_, e)) = errors.first() {
            return Err(format!("the id: {}", e.kind.message()));
        }
        let core = res.item.as_ref().ok_or("the resource stores no model")?;
        // A seed is the user's own text: a key the model does not have is
        // a mistake, not something to drop silently.
        if let (Core::Model(i), Value::Object(obj)) = (core, item)
            && let Some(model) = self.models.get(*i)
            && model.extra == super::core::Extra::Ignore
            && let Some((unknown, _)) = obj
                .iter()
                .find(|(k, _)| !model.fields.iter().any(|f| f.key == **k))
        {
            let known: Vec<String> = model
                .fields
                .iter()
                .map(|f| f.key.to_string_lossy())
                .collect();
            return Err(format!(
                "unknown field {:?} (the item's fields are {})",
                unknown.to_string_lossy(),
                known.join(", ")
            ));
        }
        match validate::validate(&self.models, core, item) {
            Ok(v) => Ok(Item {
                key: key_of(&values),
                params: values,
                item: v,
            }),
            Err(es) => {
                let e = &es[0];
                let at: Vec<String> = e
                    .loc
                    .iter()
                    .map(|l| match l {
                        Loc::Key(k) => k.to_string_lossy(),
                        Loc::Index(i) => i.to_string(),
                    })
                    .collect();
                Err(format!("{}: {}", at.join("."), e.kind.message()))
            }
        }
    }

    /// The response body of an item of `resource`: as the upsert's (or,
    /// with `read`, the GET's) documented response schema has it.
    ///
    /// # Errors
    /// [`Unrenderable`] where `json.dumps` raises (a NaN, a lone
    /// surrogate).
    pub fn render_item(
        &self,
        resource: usize,
        item: &Value,
        params: &[Value],
        read: bool,
    ) -> Result<Vec<u8>, Unrenderable> {
        let mut out = Vec::with_capacity(64);
        let projection = self.resources.get(resource).and_then(|r| {
            if read {
                r.read_response.as_ref()
            } else {
                r.response.as_ref()
            }
        });
        let pydantic = self.resources.get(resource).is_some_and(|r| {
            if read {
                r.read_response_model
            } else {
                r.response_model
            }
        });
        let write = if pydantic {
            render::write_pydantic
        } else {
            render::write_value
        };
        match (projection, item) {
            (Some(fields), Value::Object(obj)) => {
                let mut shown = Object::new();
                for (key, fill, core) in fields {
                    let v = match fill {
                        Fill::Item => obj
                            .get(key.as_str().unwrap_or(""))
                            .cloned()
                            .unwrap_or(Value::Null),
                        Fill::Renamed(k) => obj
                            .get(k.as_str().unwrap_or(""))
                            .cloned()
                            .unwrap_or(Value::Null),
                        Fill::Param(i) => params.get(*i).cloned().unwrap_or(Value::Null),
                        Fill::Value(v) => v.clone(),
                    };
                    shown.insert(key.clone(), super::core::serialize_as(core, v));
                }
                write(&mut out, &Value::Object(shown))?;
            }
            _ => write(&mut out, item)?,
        }
        Ok(out)
    }

    fn path_params(
        &self,
        sig: &Signature,
        given: &[String],
        errors: &mut Vec<(&'static str, Error)>,
    ) -> Option<Vec<Value>> {
        let mut values = vec![None; sig.params.len()];
        for &i in &sig.param_order {
            let (Some(p), Some(raw)) = (sig.params.get(i), given.get(i)) else {
                continue;
            };
            match self.param(p, Some(&Value::Str(PyStr::new(raw)))) {
                Ok(v) => values[i] = Some(v),
                Err(es) => errors.extend(es.into_iter().map(|e| ("path", e))),
            }
        }
        values.into_iter().collect()
    }

    /// One parameter (`request_params_to_args`): `missing` when required
    /// and absent, its default when absent, else validated.
    fn param(&self, p: &Param, value: Option<&Value>) -> Result<Value, Vec<Error>> {
        match value {
            None if p.required => Err(vec![Error {
                kind: ErrorType::Missing,
                loc: vec![Loc::key(&p.name)],
                input: Value::Null,
            }]),
            None => Ok(p.default.clone().unwrap_or(Value::Null)),
            Some(v) => validate::validate(&self.models, &p.core, v).map_err(|es| {
                es.into_iter()
                    .map(|mut e| {
                        e.loc.insert(0, Loc::key(&p.name));
                        e
                    })
                    .collect()
            }),
        }
    }

    /// The body parameters (`request_body_to_args`).
    fn body(
        &self,
        spec: &Body,
        body: &Received,
        errors: &mut Vec<(&'static str, Error)>,
    ) -> Option<Value> {
        match spec {
            Body::Absent => None,
            Body::Single {
                core,
                required,
                default,
            } => {
                let value = match body {
                    Received::Nothing => {
                        if *required {
                            errors.push(("body", missing(Vec::new())));
                            return None;
                        }
                        return Some(default.clone().unwrap_or(Value::Null));
                    }
                    Received::Bytes(b) => Value::Str(PyStr::new(&String::from_utf8_lossy(b))),
                    Received::Json(v) => v.clone(),
                };
                match validate::validate(&self.models, core, &value) {
                    Ok(v) => Some(v),
                    Err(es) => {
                        errors.extend(es.into_iter().map(|e| ("body", e)));
                        None
                    }
                }
            }
            Body::Embedded(fields) => {
                let mut out = Object::new();
                let mut ok = true;
                for p in fields {
                    let value = match body {
                        Received::Json(Value::Object(obj)) => obj.get(&p.name),
                        Received::Json(_) => {
                            // Embedded fields require an object.
                            errors.push(("body", missing(vec![Loc::key(&p.name)])));
                            ok = false;
                            continue;
                        }
                        Received::Nothing | Received::Bytes(_) => None,
                    };
                    match self.param(p, value) {
                        Ok(v) => out.insert(PyStr::new(&p.name), v),
                        Err(es) => {
                            ok = false;
                            errors.extend(es.into_iter().map(|e| ("body", e)));
                        }
                    }
                }
                if !ok {
                    return None;
                }
                // One embedded model (`Body(embed=True)`): the item is the model.
                if let [only] = fields.as_slice()
                    && matches!(only.core, Core::Model(_))
                {
                    return out.iter().next().map(|(_, v)| v.clone());
                }
                Some(Value::Object(out))
            }
        }
    }
}

/// A body as FastAPI received it.
enum Received {
    /// No bytes.
    Nothing,
    /// Bytes that the content-type gate does not read as JSON.
    Bytes(Vec<u8>),
    /// Decoded JSON.
    Json(Value),
}

fn read_body(content_type: Option<&[u8]>, body: &[u8]) -> Result<Received, Refusal> {
    if body.is_empty() {
        return Ok(Received::Nothing);
    }
    if !content_type.is_some_and(validation::is_json_media_type) {
        return Ok(Received::Bytes(body.to_vec()));
    }
    match json::decode(body) {
        Ok(v) => Ok(Received::Json(v)),
        Err(DecodeError::Syntax { msg, pos }) => {
            Err(Refusal::Invalid(validation::render_json_invalid(msg, pos)))
        }
        Err(DecodeError::Unparseable(_)) => Err(Refusal::BadRequest),
    }
}

fn missing(loc: Vec<Loc>) -> Error {
    Error {
        kind: ErrorType::Missing,
        loc,
        input: Value::Null,
    }
}

/// The key of a resource's store: the validated path parameters, `/`
/// between them (no parameter holds a `/`).
fn key_of(params: &[Value]) -> String {
    let mut out = String::new();
    for (i, v) in params.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        match v {
            Value::Str(s) => out.push_str(&s.to_string_lossy()),
            Value::Int(n) => out.push_str(&n.to_string()),
            other => {
                let mut b = Vec::new();
                let _ = render::write_value(&mut b, other);
                out.push_str(&String::from_utf8_lossy(&b));
            }
        }
    }
    out
}

/// Starlette's `QueryParams`: `parse_qsl(keep_blank_values=True)`, `+` as
/// a space, percent-decoding.
fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let plus = |s: &str| super::routing::unquote(&s.replace('+', " "));
            (plus(k), plus(v))
        })
        .collect()
}

/// Renders FastAPI's 422 for `errors` (each with its `loc` prefix).
fn render_errors(errors: &[(&'static str, Error)]) -> Refusal {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(b"{\"detail\":[");
    for (i, (prefix, e)) in errors.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"type\":");
        render::write_text(&mut out, e.kind.name());
        out.extend_from_slice(b",\"loc\":[");
        render::write_text(&mut out, prefix);
        for step in &e.loc {
            out.push(b',');
            match step {
                Loc::Key(k) => {
                    if render::write_str(&mut out, k).is_err() {
                        return Refusal::Unrenderable;
                    }
                }
                Loc::Index(n) => out.extend_from_slice(n.to_string().as_bytes()),
            }
        }
        out.extend_from_slice(b"],\"msg\":");
        render::write_text(&mut out, &e.kind.message());
        out.extend_from_slice(b",\"input\":");
        if render::write_echo(&mut out, &e.input).is_err() || e.kind.write_ctx(&mut out).is_err() {
            return Refusal::Unrenderable;
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    Refusal::Invalid(out)
}

/// Whether an operation answers through a response model: FastAPI
/// documents the route's own response (its `response_description`,
/// "Successful Response" unless the app changed it) with the response
/// model's schema, and with the empty schema `{}` when there is none
/// (`fastapi/openapi/utils.py` `get_openapi_path`). A route with a response
/// model renders a returned value with pydantic's serializer
/// (`fastapi/routing.py` `serialize_response`, `dump_json`), one without
/// through `jsonable_encoder` and `json.dumps`. Where no response has that
/// description, the 201 (else 200) response's schema decides.
pub fn response_model(doc: &Document, op: &SpecOperation) -> bool {
    let own = op
        .responses
        .iter()
        .find(|r| r.description == "Successful Response")
        .or_else(|| op.response(201))
        .or_else(|| op.response(200));
    let Some(schema) = own.and_then(|r| r.json()).and_then(|m| m.schema.as_ref()) else {
        return false;
    };
    let s = doc
        .resolve(schema)
        .map(std::borrow::Cow::into_owned)
        .unwrap_or_default();
    schema.reference.is_some()
        || s.types.is_some()
        || s.any_of.is_some()
        || s.one_of.is_some()
        || s.all_of.is_some()
        || !s.properties.is_empty()
        || s.enumeration.is_some()
        || s.constant.is_some()
        || s.title.is_some()
}

/// The lowest documented 2xx status and its JSON example.
fn documented_success(op: &SpecOperation) -> Option<(u16, Option<serde_json::Value>)> {
    let mut best: Option<(u16, Option<serde_json::Value>)> = None;
    for r in &op.responses {
        let Ok(status) = r.status.parse::<u16>() else {
            continue;
        };
        if !(200..300).contains(&status) || best.as_ref().is_some_and(|(b, _)| *b <= status) {
            continue;
        }
        let example = r.json().and_then(|m| {
            m.example
                .clone()
                .or_else(|| m.schema.as_ref().and_then(|s| s.examples.first().cloned()))
        });
        best = Some((status, example));
    }
    best
}

fn param_of(
    doc: &Document,
    p: &crate::spec::document::Parameter,
    models: &mut Models,
    opts: Options,
) -> Result<Param, Unsupported> {
    let schema = p.schema.clone().unwrap_or_default();
    let core = models.build(doc, &schema, opts)?;
    let resolved = doc
        .resolve(&schema)
        .map(std::borrow::Cow::into_owned)
        .unwrap_or_default();
    let list = matches!(core, Core::List(_))
        || matches!(&core, Core::Nullable(inner) if matches!(**inner, Core::List(_)));
    let default = if p.required {
        None
    } else {
        Some(
            resolved
                .default
                .as_ref()
                .map_or(Value::Null, |d| super::core::default_of(&core, d)),
        )
    };
    Ok(Param {
        name: p.name.clone(),
        core,
        required: p.required,
        default,
        list,
    })
}

/// What an operation takes, from the document.
fn signature(
    doc: &Document,
    op: &SpecOperation,
    models: &mut Models,
    opts: Options,
) -> Result<Signature, Unsupported> {
    let names = crate::spec::endpoint::placeholders(&op.path);
    let mut params = Vec::new();
    for name in &names {
        let p = op
            .path_parameters()
            .find(|p| p.name == *name)
            .ok_or_else(|| Unsupported {
                pointer: op.pointer.clone(),
                why: format!("the path parameter {name} is not declared"),
            })?;
        params.push(param_of(doc, p, models, opts)?);
    }
    let param_order: Vec<usize> = op
        .path_parameters()
        .filter_map(|p| names.iter().position(|n| *n == p.name))
        .collect();
    let mut others = Vec::new();
    for p in &op.parameters {
        match p.location {
            Location::Path => {}
            Location::Query | Location::Header => {
                others.push((p.location, param_of(doc, p, models, opts)?))
            }
            Location::Cookie if p.required => {
                return Err(Unsupported {
                    pointer: op.pointer.clone(),
                    why: format!("a required cookie parameter {}", p.name),
                });
            }
            Location::Cookie => {}
        }
    }
    let body = match op.request_body.as_ref() {
        None => Body::Absent,
        Some(request_body) => {
            let Some(media) = request_body.json() else {
                return Err(Unsupported {
                    pointer: op.pointer.clone(),
                    why: "a request body that is not JSON (a form or a file)".into(),
                });
            };
            let schema = media.schema.clone().unwrap_or_default();
            let required = request_body.required;
            let resolved = doc
                .resolve(&schema)
                .map(std::borrow::Cow::into_owned)
                .unwrap_or_default();
            let wrapper = schema
                .reference_name()
                .is_some_and(|n| n.starts_with("Body_"))
                && !resolved.properties.is_empty();
            if wrapper {
                let mut fields = Vec::new();
                for (name, prop) in &resolved.properties {
                    let core = models.build(doc, prop, opts)?;
                    let field_required = resolved.requires(name);
                    let default = if field_required {
                        None
                    } else {
                        let r = doc
                            .resolve(prop)
                            .map(std::borrow::Cow::into_owned)
                            .unwrap_or_default();
                        Some(match prop.default.as_ref().or(r.default.as_ref()) {
                            Some(d) => super::core::default_of(&core, d),
                            None => implied_default(&core).unwrap_or(Value::Null),
                        })
                    };
                    fields.push(Param {
                        name: name.clone(),
                        core,
                        required: field_required,
                        default,
                        list: false,
                    });
                }
                Body::Embedded(fields)
            } else {
                let core = models.build(doc, &schema, opts)?;
                let default = (!required).then(|| match resolved.default.as_ref() {
                    Some(d) => super::core::default_of(&core, d),
                    None => Value::Null,
                });
                Body::Single {
                    core,
                    required,
                    default,
                }
            }
        }
    };
    Ok(Signature {
        params,
        param_order,
        others,
        body,
    })
}

/// The compiled happy path of a body ([`super::fast`]).
fn fast_plan(models: &Models, body: &Body) -> Option<super::fast::Plan> {
    match body {
        Body::Single { core, .. } => super::fast::model_plan(models, core),
        Body::Embedded(fields) => {
            if let [only] = fields.as_slice()
                && matches!(only.core, Core::Model(_))
            {
                return None;
            }
            super::fast::Plan::build(
                fields
                    .iter()
                    .map(|p| super::fast::FieldSpec {
                        key: p.name.as_bytes(),
                        core: &p.core,
                        missing: if p.required {
                            Err(())
                        } else {
                            Ok(p.default.clone().unwrap_or(Value::Null))
                        },
                    })
                    .collect(),
            )
        }
        Body::Absent => None,
    }
}

fn build_resource(
    doc: &Document,
    op: &SpecOperation,
    models: &mut Models,
    opts: Options,
) -> Result<Resource, Unsupported> {
    let sig = signature(doc, op, models, opts)?;
    let item = match &sig.body {
        Body::Embedded(fields) => Some(match fields.as_slice() {
            [only] if matches!(only.core, Core::Model(_)) => only.core.clone(),
            _ => {
                let title = op
                    .request_body
                    .as_ref()
                    .and_then(|b| b.json())
                    .and_then(|m| m.schema.as_ref())
                    .and_then(|s| s.reference_name().map(str::to_owned))
                    .unwrap_or_else(|| "Body".into());
                Core::Model(
                    models.push(super::core::Model {
                        name: title,
                        fields: fields
                            .iter()
                            .map(|p| super::core::Field {
                                key: PyStr::new(&p.name),
                                core: p.core.clone(),
                                required: p.required,
                                default: p.default.clone(),
                            })
                            .collect(),
                        extra: super::core::Extra::Ignore,
                    }),
                )
            }
        }),
        Body::Single { core, .. } => Some(core.clone()),
        Body::Absent => None,
    };
    let mut res = Resource {
        template: op.path.clone(),
        sig,
        update_204: op.responses.iter().any(|r| r.status == "204"),
        response: None,
        read_response: None,
        response_model: response_model(doc, op),
        read_response_model: false,
        item,
        fast: None,
    };
    res.response = projection(doc, op, &res, models, opts)?;
    if res.response.is_none() {
        res.fast = fast_plan(models, &res.sig.body);
    }
    Ok(res)
}

/// Whether two validators take values of one kind (an int for an int, a
/// string for a string), nullability aside.
fn same_kind(a: &Core, b: &Core) -> bool {
    let bare = |c: &Core| -> std::mem::Discriminant<Core> {
        match c {
            Core::Nullable(inner) => std::mem::discriminant(&**inner),
            other => std::mem::discriminant(other),
        }
    };
    bare(a) == bare(b)
}

/// The fields of an operation's documented 201 (else 200) JSON response,
/// when its schema is an object whose fields differ from the item's.
fn projection(
    doc: &Document,
    op: &SpecOperation,
    res: &Resource,
    models: &mut Models,
    opts: Options,
) -> Result<Option<Projection>, Unsupported> {
    let Some(schema) = [201u16, 200]
        .iter()
        .find_map(|code| op.response(*code)?.json()?.schema.clone())
    else {
        return Ok(None);
    };
    let resolved = match doc.resolve(&schema) {
        Ok(s) => s.into_owned(),
        Err(_) => return Ok(None),
    };
    if resolved.properties.is_empty() {
        return Ok(None);
    }
    let item_fields: Vec<String> = match (&res.sig.body, &res.item) {
        (_, Some(Core::Model(i))) => models
            .get(*i)
            .map(|m| m.fields.iter().map(|f| f.key.to_string_lossy()).collect())
            .unwrap_or_default(),
        (Body::Embedded(fields), _) => fields.iter().map(|f| f.name.clone()).collect(),
        _ => Vec::new(),
    };
    // pydantic names a model whose validation and serialization schemas
    // differ (a `serialization_alias`) `<title>-Input` and `<title>-Output`
    // (pydantic 2.14 `json_schema.py`, FastAPI's
    // `separate_input_output_schemas`): the same fields, in the same order.
    let item_title = match &res.item {
        Some(Core::Model(i)) => models.get(*i).map(|m| m.name.clone()),
        _ => None,
    };
    let renamed = schema.reference_name().is_some_and(|name| {
        item_title
            .as_deref()
            .is_some_and(|t| name == format!("{t}-Output"))
            && resolved.title.as_deref() == item_title.as_deref()
            && resolved.properties.len() == item_fields.len()
    });
    let keys: Vec<&String> = resolved.properties.iter().map(|(k, _)| k).collect();
    if keys
        .iter()
        .map(|k| k.as_str())
        .eq(item_fields.iter().map(String::as_str))
    {
        return Ok(None);
    }
    let mut fields = Vec::new();
    for (n, (key, prop)) in resolved.properties.iter().enumerate() {
        let core = models.build(doc, prop, opts)?;
        // A path parameter fills a field only where its value is of the
        // field's kind (a text id never fills an `id: int`).
        let param_fits = |i: usize| {
            res.sig
                .params
                .get(i)
                .is_some_and(|p| same_kind(&p.core, &core))
        };
        let fill = if renamed && item_fields.get(n).is_some_and(|f| f != key) {
            Fill::Renamed(PyStr::new(&item_fields[n]))
        } else if item_fields.iter().any(|f| f == key) {
            Fill::Item
        } else if let Some(i) = res
            .sig
            .params
            .iter()
            .position(|p| p.name == *key)
            .filter(|i| param_fits(*i))
        {
            Fill::Param(i)
        } else if key == "id" && !res.sig.params.is_empty() && param_fits(res.sig.params.len() - 1)
        {
            // A response `id` that no path parameter is named: the item's
            // own id, the template's last parameter (`{"id": user_id,
            // **user}` of `PUT /users/{user_id}`), as the README says.
            Fill::Param(res.sig.params.len() - 1)
        } else {
            Fill::Value(made_value(doc, prop, &core))
        };
        fields.push((PyStr::new(key), fill, core));
    }
    Ok(Some(fields))
}

/// A value for a response field the request cannot supply: its default,
/// null where null is allowed, else one made from its schema.
fn made_value(doc: &Document, prop: &Schema, core: &Core) -> Value {
    let resolved = doc
        .resolve(prop)
        .map(std::borrow::Cow::into_owned)
        .unwrap_or_default();
    match prop.default.as_ref().or(resolved.default.as_ref()) {
        Some(d) => from_json(d),
        None => placeholder(core),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tutorial() -> App {
        App::from_document(&crate::spec::tutorial::document(), Options::default()).unwrap()
    }

    fn put(app: &App, body: &str, ct: Option<&'static [u8]>) -> Result<String, String> {
        let header = move |name: &str| if name == "content-type" { ct } else { None };
        let params = ["foo".to_owned()];
        let req = Request {
            params: &params,
            query: None,
            header: &header,
            body: body.as_bytes(),
        };
        match app.upsert(0, &req) {
            Ok(item) => Ok(String::from_utf8(
                app.render_item(0, &item.item, &item.params, false).unwrap(),
            )
            .unwrap()),
            Err(Refusal::Invalid(b)) => Err(String::from_utf8(b).unwrap()),
            Err(other) => Err(format!("{other:?}")),
        }
    }

    const JSON: Option<&[u8]> = Some(b"application/json");

    #[test]
    fn the_tutorial_is_an_instance() {
        let app = tutorial();
        assert_eq!(app.resources.len(), 1);
        assert!(matches!(app.actions[0], Action::Upsert(0)));
        assert_eq!(
            put(&app, r#"{"name":"x","size":"3"}"#, JSON).unwrap(),
            r#"{"name":"x","size":3}"#
        );
        assert_eq!(put(&app, "", JSON).unwrap(), r#"{"name":null,"size":null}"#);
        assert_eq!(
            put(&app, r#"{"name":"x"}"#, Some(b"text/plain")).unwrap(),
            r#"{"name":null,"size":null}"#
        );
        assert_eq!(
            put(&app, r#"{"name":"x"}"#, None).unwrap(),
            r#"{"name":null,"size":null}"#
        );
        assert_eq!(
            put(&app, "[]", JSON).unwrap_err(),
            r#"{"detail":[{"type":"missing","loc":["body","name"],"msg":"Field required","input":null},{"type":"missing","loc":["body","size"],"msg":"Field required","input":null}]}"#
        );
        assert_eq!(
            put(&app, r#"{"size":"abc","name":5}"#, JSON).unwrap_err(),
            r#"{"detail":[{"type":"string_type","loc":["body","name"],"msg":"Input should be a valid string","input":5},{"type":"int_parsing","loc":["body","size"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"}]}"#
        );
        assert_eq!(
            put(&app, "{\"name\":\"a\"", JSON).unwrap_err(),
            r#"{"detail":[{"type":"json_invalid","loc":["body",11],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting ',' delimiter"}}]}"#
        );
    }
}
