//! itemctl: serve, drive and verify the upsert endpoint `PUT /items/{item_id}`
//! of FastAPI's "Additional Status Codes" example (200 when the id existed,
//! 201 Created when the request created it), and check, drive and load any
//! upsert endpoint like it (its path and item shape from its OpenAPI
//! document).
//!
//! # Map
//!
//! Each folder answers one question; an arrow is "may use" (checked by
//! `tests/it/architecture.rs`).
//!
//! | where | the question it answers | uses |
//! |---|---|---|
//! | [`spec`] | What does an OpenAPI document say? Its operations, parameters, bodies and responses, every JSON Schema keyword (lossless, `$ref`s kept), which operation is the upsert and what its id admits, the body's fields, and the tutorial's own document. Pure. | nothing |
//! | [`reference`](mod@reference) | What does the FastAPI app do, byte for byte? h11's request grammar and uvicorn's response bytes, Starlette's routing, CPython's `json.loads`, pydantic's validation, `jsonable_encoder` and rendering, the docs pages. Pure: no I/O, no clock, no tokio. Cites `docs/BEHAVIOR.md` and the upstream sources. | `spec` |
//! | [`server`] | How does `itemctl serve` put that on sockets? Bind, accept, the connection loop, handlers, the admin API and journal, access log, the item store, the state file. | `reference`, `contract`, `spec`, `values` |
//! | `contract` | What do 200 and 201 mean, and what is a correct echo? `Upserted`, `--expect`, the item path template, what an endpoint promises. Pure. | `spec` |
//! | `values` | What values does the client side make? Valid items, invalid variants at every depth, fresh and bench ids, strings a `pattern` admits (`rand_regex`), the one seeded random generator. Pure. | `spec` |
//! | `client` | How is a request sent, and where to? One capped reqwest client for `put`, `check` and `wait`; `put`'s requests to a plain http server over blocking sockets (`plain`), HTTP/1.1 by hand (`wire`); fetching the OpenAPI document (`openapi`). | `contract`, `spec`, `error` |
//! | `check` | Is a server's upsert contract right? The checks and their reports (text, JSON, JUnit, TAP). | `client`, `contract`, `spec`, `values`, `error` |
//! | `bench` | How fast, and still right? The load generator and its report. | `client`, `contract`, `spec`, `values`, `error` |
//! | [`cli`] | What can be typed? Every subcommand, flag and environment variable (clap), each typed once at the edge; put's request items (xh's syntax). | `check`, `contract`, `server` |
//! | `commands` | What does each subcommand do end to end? One file each (runtime → call → print → verdict), and [`exit`], the only place that maps outcomes to exit codes. | everything |
//! | `error` | What ends a command early? `Failure`, with its cause chain. | nothing |
//!
//! No two files of a folder import each other; a folder's `mod.rs` only
//! declares and re-exports.
//!
//! `main.rs` only calls [`run`]. Modules are private unless the tests or the
//! fuzz target (`fuzz/`) need them.

mod bench;
mod check;
pub mod cli;
mod client;
mod commands;
mod contract;
mod error;
pub mod reference;
pub mod server;
pub mod spec;
mod values;

/// The checks of `itemctl check`, in the order they run.
pub use check::Check;
pub use commands::exit;
pub use commands::run;
