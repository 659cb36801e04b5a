//! itemctl: serve, drive and verify the upsert endpoint `PUT /items/{item_id}`
//! of FastAPI's "Additional Status Codes" example (200 when the id existed,
//! 201 Created when the request created it).

pub mod bench;
pub mod check;
pub mod cli;
pub mod client;
pub mod commands;
pub mod contract;
pub mod error;
pub mod reference;
pub mod server;

pub use commands::run;
