//! The app's answers: the upsert handler (validate, store, render) and the
//! other routes (docs pages, 405, 307, 404), as Starlette replies.

use bytes::Bytes;

use super::app::App;
use super::state::Durable;
use crate::contract::Upserted;
use crate::reference::pages::{OAUTH2_REDIRECT_HTML, OPENAPI_JSON, REDOC_HTML, SWAGGER_UI_HTML};
use crate::reference::render;
use crate::reference::response::{HTML, JSON, Reply};
use crate::reference::routing::{DocsPage, Route};
use crate::reference::validation::{self, Parsed};

/// What an upsert did: the reply, whether it created the id (`None` when
/// nothing was stored), and, with `--state`, the commit to wait for before
/// answering.
pub(super) struct Upsert {
    pub(super) reply: Reply,
    pub(super) created: Option<bool>,
    pub(super) durable: Option<Durable>,
}

/// The handler: validate, store, render (in the reference's order, so a
/// name that cannot be rendered is stored before the 500).
pub(super) fn upsert(app: &App, id: &str, content_type: Option<&[u8]>, body: &[u8]) -> Upsert {
    let nothing = |reply| Upsert {
        reply,
        created: None,
        durable: None,
    };
    match validation::parse_upsert(content_type, body) {
        Parsed::Item(item) => {
            let mut out = Vec::with_capacity(48);
            let rendered = render::write_item(&mut out, item.name.as_ref(), item.size.as_ref());
            let mut durable = None;
            let stored = app.store.upsert_then(id, item, |_, item| {
                durable = app.state.as_ref().map(|state| state.upsert(id, item));
            });
            let created = stored.as_ref().ok().map(|o| *o == Upserted::Created);
            let reply = match (stored, rendered) {
                (Ok(outcome), Ok(())) => Reply::json(outcome.status_code(), out),
                (Ok(_), Err(_)) => Reply::internal_error(),
                (Err(full), _) => Reply::json(
                    507,
                    format!(
                        "{{\"detail\":\"The store is full: {} items (itemctl serve --max-items); stored ids can still be updated\"}}",
                        full.0
                    ),
                ),
            };
            Upsert {
                reply,
                created,
                durable,
            }
        }
        Parsed::Invalid(detail) => nothing(Reply::json(422, detail)),
        Parsed::BadRequest => nothing(Reply::json(
            400,
            Bytes::from_static(br#"{"detail":"There was an error parsing the body"}"#),
        )),
        Parsed::Unrenderable => nothing(Reply::internal_error()),
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

pub(super) fn reply_for(route: Route) -> Reply {
    match route {
        // Handled with its body by the caller.
        Route::Upsert { .. } => Reply::internal_error(),
        Route::Docs(page) => {
            let (content_type, body) = match page {
                DocsPage::OpenApi => (JSON, OPENAPI_JSON),
                DocsPage::SwaggerUi => (HTML, SWAGGER_UI_HTML),
                DocsPage::ReDoc => (HTML, REDOC_HTML),
                DocsPage::OAuth2Redirect => (HTML, OAUTH2_REDIRECT_HTML),
            };
            Reply::new(200, Some(content_type), Bytes::from_static(body.as_bytes()))
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
        Route::NotFound => Reply::json(404, Bytes::from_static(br#"{"detail":"Not Found"}"#)),
    }
}
