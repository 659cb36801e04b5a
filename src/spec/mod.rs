//! What an OpenAPI document and its JSON Schemas say, shared by the server
//! and the client side. Pure: no I/O, and nothing else of this crate.
//!
//! - [`schema`]: one JSON Schema, every keyword typed, nothing dropped;
//! - [`document`]: an OpenAPI 3.0/3.1 document (JSON or YAML), its
//!   operations, parameters, bodies, responses and component schemas;
//! - [`endpoint`]: which operations are upserts, which one a command
//!   works on, and what its id parameter admits;
//! - [`body`]: the item an upsert's body carries, field by field;
//! - [`tutorial`]: the tutorial's own document, the one description of
//!   its endpoint.

pub mod body;
pub mod document;
pub mod endpoint;
pub mod schema;
pub mod tutorial;
