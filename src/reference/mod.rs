//! What the reference FastAPI app does, byte for byte.
//!
//! Pure code: no sockets, no clock, no tokio; of this crate it reads only
//! [`crate::spec`] (the documents pydantic's validators are built from).
//! Each module models one upstream component, and cites it:
//! - [`h11`]: HTTP/1.1 request grammar and framing (h11 0.16 under uvicorn 0.54);
//! - [`routing`]: Starlette's routing, percent-decoding and redirects;
//! - [`json`]: CPython 3.11's `json.loads`;
//! - [`validation`]: the content-type gate and the tutorial's body;
//! - [`errors`]: pydantic's error types, messages and contexts;
//! - [`lax`], [`temporal`], [`email`], [`urls`]: pydantic's lax
//!   conversions of one value (dates through speedate, `EmailStr` through
//!   email-validator's rules, URLs through the `url` crate);
//! - [`core`]: the validators pydantic builds for a document's models;
//! - [`validate`]: running them, errors in pydantic's order;
//! - [`fast`]: the happy path of an upsert body, compiled (the generic
//!   path's answer, without its intermediate values);
//! - [`item`]: the `Item` model and the app's seed;
//! - [`render`]: `jsonable_encoder` and Starlette's `JSONResponse.render`;
//! - [`response`]: Starlette's replies and uvicorn's response bytes;
//! - [`pages`]: the documentation pages FastAPI serves.

pub mod app;
pub mod core;
pub mod email;
pub mod errors;
pub mod fast;
pub mod h11;
pub mod item;
pub mod json;
pub mod lax;
pub mod pages;
pub mod render;
pub mod response;
pub mod routing;
pub mod temporal;
pub mod urls;
pub mod validate;
pub mod validation;
