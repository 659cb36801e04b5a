//! What the reference FastAPI app does, byte for byte.
//!
//! Pure code: no sockets, no clock, no tokio, and nothing else of this crate.
//! Each module models one upstream component, and cites it:
//! - [`h11`]: HTTP/1.1 request grammar and framing (h11 0.16 under uvicorn 0.54);
//! - [`routing`]: Starlette's routing, percent-decoding and redirects;
//! - [`json`]: CPython 3.11's `json.loads`;
//! - [`validation`]: the content-type gate and pydantic's validation of the body;
//! - [`item`]: the `Item` model and the app's seed;
//! - [`render`]: `jsonable_encoder` and Starlette's `JSONResponse.render`;
//! - [`response`]: Starlette's replies and uvicorn's response bytes;
//! - [`pages`]: the documentation pages FastAPI serves.

pub mod h11;
pub mod item;
pub mod json;
pub mod pages;
pub mod render;
pub mod response;
pub mod routing;
pub mod validation;
