//! The comparison server for the performance targets (README "Performance"):
//! a minimal axum server doing the same upsert with serde_json and a
//! `Mutex<HashMap>`, none of the reference's fidelity. Not a benchmark by
//! itself: `benches/perf.sh` runs it under wrk next to `itemctl serve`.
//!
//! Run: `cargo bench --bench axum_upsert -- --port 18600` (prints its URL).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::put;
use serde::{Deserialize, Serialize};

#[derive(Clone, Deserialize, Serialize)]
struct Item {
    name: Option<String>,
    size: Option<i64>,
}

type Items = Arc<Mutex<HashMap<String, Item>>>;

async fn upsert(
    State(items): State<Items>,
    Path(id): Path<String>,
    Json(item): Json<Item>,
) -> (StatusCode, Json<Item>) {
    let existed = items
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(id, item.clone())
        .is_some();
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    (status, Json(item))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let port = args
        .iter()
        .position(|a| a == "--port")
        .and_then(|i| args.get(i + 1))
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(0);
    let items: Items = Arc::default();
    let app = Router::new()
        .route("/items/{item_id}", put(upsert))
        .with_state(items);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
