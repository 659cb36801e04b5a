//! The app's answers, as FastAPI and Starlette reply: the upsert handler
//! (validate, store, render, in the reference's order, so that an item
//! that cannot be rendered is stored before the 500), the item's GET and
//! DELETE, other documented operations, the docs pages, 405, 307 and 404.

use bytes::Bytes;

use super::app::App;
use super::state::Durable;
use super::store::Stored;
use crate::contract::Upserted;
use crate::reference::app::{Refusal, Request, Signature, Validated};
use crate::reference::response::{HTML, JSON, Reply};
use crate::reference::routing::{DocsPage, Route};

/// What a write did: the reply, the key it concerned and whether it
/// created it (`None` when nothing was stored), and, with `--state`, the
/// commit to wait for before answering.
pub(super) struct Write {
    pub(super) reply: Reply,
    pub(super) key: Option<String>,
    pub(super) created: Option<bool>,
    pub(super) durable: Option<Durable>,
}

impl Write {
    fn reply(reply: Reply) -> Write {
        Write {
            reply,
            key: None,
            created: None,
            durable: None,
        }
    }
}

fn refused(r: Refusal) -> Reply {
    match r {
        Refusal::Invalid(detail) => Reply::json(422, detail),
        Refusal::BadRequest => Reply::json(
            400,
            Bytes::from_static(br#"{"detail":"There was an error parsing the body"}"#),
        ),
        Refusal::Unrenderable => Reply::internal_error(),
    }
}

fn not_found() -> Reply {
    Reply::json(404, Bytes::from_static(br#"{"detail":"Not Found"}"#))
}

/// The upsert handler.
pub(super) fn upsert(app: &App, resource: usize, req: &Request<'_>) -> Write {
    let model = &app.site.model;
    let item = match model.upsert_json(resource, req) {
        Ok(item) => item,
        Err(r) => return Write::reply(refused(r)),
    };
    let (stored, value) = match item.item {
        Validated::Json(json) => (Stored::rendered(json), None),
        Validated::Value(v) => (Stored::of(&v), Some(v)),
    };
    // The answer: the stored JSON itself (taken once it is stored), or
    // the item as the response schema has it.
    let body = match (model.resources.get(resource), &value) {
        (Some(r), _) if r.response.is_none() && stored.renderable => Ok(None),
        (_, Some(v)) => model
            .render_item(resource, v, &item.params, false)
            .map(|b| Some(Bytes::from(b))),
        // Rendered only where the answer is the stored item.
        (_, None) => Err(crate::reference::render::Unrenderable),
    };
    let Some(store) = app.stores.get(resource) else {
        return Write::reply(Reply::internal_error());
    };
    let mut durable = None;
    let outcome = store.upsert_then(&item.key, &stored, |_| {
        durable = app
            .state
            .as_ref()
            .map(|s| s.upsert(app.resource_name(resource), &item.key, &stored));
    });
    let created = outcome.as_ref().ok().map(|o| *o == Upserted::Created);
    // Moved, not shared: no reference count to allocate.
    let body = body.map(|b| b.unwrap_or(stored.json));
    let update_204 = model.resources.get(resource).is_some_and(|r| r.update_204);
    let reply = match (outcome, body) {
        (Ok(Upserted::Replaced), _) if update_204 => Reply::new(204, None, Bytes::new()),
        (Ok(outcome), Ok(body)) => Reply::json(outcome.status_code(), body),
        (Ok(_), Err(_)) => Reply::internal_error(),
        (Err(full), _) => Reply::json(
            507,
            format!(
                "{{\"detail\":\"The store is full: {} items (itemctl serve --max-items); stored ids can still be updated\"}}",
                full.0
            ),
        ),
    };
    Write {
        reply,
        key: Some(item.key),
        created,
        durable,
    }
}

/// `GET` of an item: the stored item as the GET's response schema has it,
/// or 404.
pub(super) fn read(app: &App, resource: usize, sig: &Signature, req: &Request<'_>) -> Reply {
    let model = &app.site.model;
    let (key, values) = match model.key(sig, req) {
        Ok(k) => k,
        Err(r) => return refused(r),
    };
    let Some(stored) = app.stores.get(resource).and_then(|s| s.get(&key)) else {
        return not_found();
    };
    let plain = model
        .resources
        .get(resource)
        .is_some_and(|r| r.read_response.is_none());
    if plain && stored.renderable {
        return Reply::json(200, stored.json);
    }
    match model.render_item(resource, &stored.value(), &values, true) {
        Ok(body) => Reply::json(200, body),
        Err(_) => Reply::internal_error(),
    }
}

/// `DELETE` of an item: removed, answered with the documented status, or
/// 404.
pub(super) fn delete(
    app: &App,
    resource: usize,
    status: u16,
    sig: &Signature,
    req: &Request<'_>,
) -> Write {
    let model = &app.site.model;
    let (key, _) = match model.key(sig, req) {
        Ok(k) => k,
        Err(r) => return Write::reply(refused(r)),
    };
    let Some(store) = app.stores.get(resource) else {
        return Write::reply(Reply::internal_error());
    };
    let mut durable = None;
    let removed = store.remove_then(&key, || {
        durable = app
            .state
            .as_ref()
            .map(|s| s.delete(app.resource_name(resource), &key));
    });
    if !removed {
        return Write::reply(not_found());
    }
    let reply = if status == 204 {
        Reply::new(204, None, Bytes::new())
    } else {
        Reply::json(status, Bytes::from_static(b"null"))
    };
    Write {
        reply,
        key: Some(key),
        created: None,
        durable,
    }
}

/// Another documented operation: its input validated, then its example,
/// or 501 naming it.
pub(super) fn other(
    app: &App,
    label: &str,
    example: Option<&(u16, Vec<u8>)>,
    sig: &Signature,
    req: &Request<'_>,
) -> Reply {
    if let Err(r) = app.site.model.check(sig, req) {
        return refused(r);
    }
    match example {
        Some((status, body)) => Reply::json(*status, Bytes::from(body.clone())),
        None => Reply::json(
            501,
            serde_json::json!({"detail": format!(
                "itemctl serve simulates the upserts, their GET and DELETE; {label} is documented without an example to answer with"
            )})
            .to_string(),
        ),
    }
}

/// An injected failure (`--fail-rate`): `status` with a JSON detail, and
/// `Retry-After: 1` for 429 and 503.
pub(super) fn injected_failure(status: u16) -> Reply {
    let mut reply = Reply::json(
        status,
        Bytes::from_static(br#"{"detail":"Injected fault (itemctl serve --fail-rate)"}"#),
    );
    if matches!(status, 429 | 503) {
        reply.extra.push(("retry-after", "1".into()));
    }
    reply
}

pub(super) fn too_large(max: u64) -> Reply {
    Reply::json(
        413,
        format!(
            "{{\"detail\":\"Request body too large: the limit is {max} bytes (itemctl serve --max-body)\"}}"
        ),
    )
}

/// The answers that need no body: docs pages, 405, 307, 404.
pub(super) fn reply_for(app: &App, route: Route) -> Reply {
    match route {
        // Operations are answered with their action by the caller.
        Route::Operation { .. } => Reply::internal_error(),
        Route::Docs(page) => {
            let site = &app.site;
            let (content_type, body) = match page {
                DocsPage::OpenApi => (JSON, site.openapi.clone()),
                DocsPage::SwaggerUi => (HTML, site.swagger_ui.clone()),
                DocsPage::ReDoc => (HTML, site.redoc.clone()),
                DocsPage::OAuth2Redirect => (
                    HTML,
                    Bytes::from_static(crate::reference::pages::OAUTH2_REDIRECT_HTML.as_bytes()),
                ),
            };
            Reply::new(200, Some(content_type), body)
        }
        Route::MethodNotAllowed { allow } => Reply {
            allow: Some(allow),
            ..Reply::json(
                405,
                Bytes::from_static(br#"{"detail":"Method Not Allowed"}"#),
            )
        },
        Route::Redirect { location } => Reply {
            location: Some(location),
            ..Reply::new(307, None, Bytes::new())
        },
        Route::NotFound => not_found(),
    }
}
