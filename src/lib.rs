//! itemctl: serve, drive and verify the upsert endpoint `PUT /items/{item_id}`
//! of FastAPI's "Additional Status Codes" example (200 when the id existed,
//! 201 Created when the request created it).

mod bench;
mod check;
pub mod cli;
mod client;
mod commands;
mod contract;
mod error;
pub mod reference;
pub mod server;

pub use commands::exit;
pub use commands::run;
