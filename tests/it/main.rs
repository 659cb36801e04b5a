//! The integration tests: one binary (`cargo test --test it`), one module
//! per subject, and the shared harness in `support/`.

mod architecture;
mod bench;
mod check;
mod completions;
mod connection;
mod corpus;
mod decoder_props;
mod discovery;
mod documents;
mod double;
mod endpoints;
mod exit_codes;
mod harness;
mod hostile;
mod put;
mod robustness;
mod schemas;
mod scripts;
mod serve;
mod support;
mod transport;
