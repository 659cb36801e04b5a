//! The documentation pages FastAPI serves beside the endpoint, as the
//! reference serves them byte for byte (docs/BEHAVIOR.md §9).

/// `documented_app.py`'s OpenAPI schema, as the reference serves it (the one
/// intended divergence from `reference_app.py`: the 201 is documented).
pub const OPENAPI_JSON: &str = crate::spec::tutorial::OPENAPI_JSON;
/// `/docs`: FastAPI's Swagger UI page.
pub const SWAGGER_UI_HTML: &str = include_str!("pages/swagger-ui.html");
/// `/redoc`: FastAPI's ReDoc page.
pub const REDOC_HTML: &str = include_str!("pages/redoc.html");
/// `/docs/oauth2-redirect`: Swagger UI's OAuth2 redirect page.
pub const OAUTH2_REDIRECT_HTML: &str = include_str!("pages/oauth2-redirect.html");
