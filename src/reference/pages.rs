//! The documentation pages FastAPI serves beside the endpoint, as the
//! reference serves them byte for byte (docs/BEHAVIOR.md §9).

/// `documented_app.py`'s OpenAPI schema, as the reference serves it (the one
/// intended divergence from `reference_app.py`: the 201 is documented).
pub const OPENAPI_JSON: &str = crate::spec::tutorial::OPENAPI_JSON;
pub const SWAGGER_UI_HTML: &str = include_str!("pages/swagger-ui.html");
pub const REDOC_HTML: &str = include_str!("pages/redoc.html");
pub const OAUTH2_REDIRECT_HTML: &str = include_str!("pages/oauth2-redirect.html");
