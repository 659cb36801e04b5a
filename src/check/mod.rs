//! `itemctl check`: the upsert contract of any server, as named checks.
//!
//! Each check uses fresh random ids, so it can run against a live server
//! again and again without colliding. What 200 and 201 mean, and what a
//! correct body is, comes from [`crate::contract`].

pub mod report;

use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::client;
use crate::contract::{EchoedItem, Upserted, reason_phrase, snippet};
use crate::error::Failure;
use crate::reference::json::{Value, decode};

/// One check of the suite.
#[derive(Clone, Copy, Debug)]
pub struct CheckDef {
    /// Its name, for `--only` / `--skip` and the reports.
    pub name: &'static str,
    /// What it verifies, in one line.
    pub about: &'static str,
    /// What it needs to run, if anything beyond the contract.
    pub needs: Needs,
}

/// What a check needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Only the upsert contract.
    Contract,
    /// FastAPI/pydantic behaviour (`--fastapi`).
    FastApi,
    /// The reference's seed items (`--seeded`).
    Seeded,
}

/// The suite, in the order it runs.
pub const CHECKS: [CheckDef; 10] = [
    CheckDef {
        name: "create",
        about: "a new id gives 201 Created and echoes the item",
        needs: Needs::Contract,
    },
    CheckDef {
        name: "update",
        about: "an existing id gives 200 OK with the new values",
        needs: Needs::Contract,
    },
    CheckDef {
        name: "repeat",
        about: "the identical PUT again gives 200 and the identical body",
        needs: Needs::Contract,
    },
    CheckDef {
        name: "replace",
        about: "a PUT with only name sets size to null (replace, not merge)",
        needs: Needs::Contract,
    },
    CheckDef {
        name: "nulls",
        about: "explicit nulls and {} round-trip",
        needs: Needs::Contract,
    },
    CheckDef {
        name: "invalid",
        about: "size \"abc\" gives 422 naming size, and stores nothing",
        needs: Needs::Contract,
    },
    CheckDef {
        name: "coerce",
        about: "size \"3\" becomes 3; 422 details have FastAPI's shape",
        needs: Needs::FastApi,
    },
    CheckDef {
        name: "unicode",
        about: "a non-ASCII id and name round-trip",
        needs: Needs::Contract,
    },
    CheckDef {
        name: "race",
        about: "concurrent first PUTs of one id: exactly one 201",
        needs: Needs::Contract,
    },
    CheckDef {
        name: "seeded",
        about: "the seeded ids foo and bar exist (200)",
        needs: Needs::Seeded,
    },
];

/// How to run the suite.
#[derive(Clone, Debug)]
pub struct Options {
    /// Run the FastAPI-only checks.
    pub fastapi: bool,
    /// Run the seeded-items check.
    pub seeded: bool,
    /// Run only these checks (empty: all).
    pub only: Vec<String>,
    /// Skip these checks.
    pub skip: Vec<String>,
    /// Concurrent PUTs in `race`.
    pub concurrency: usize,
    /// Limit for one request.
    pub timeout: Duration,
}

/// A check's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It passed; a short note of what was seen.
    Pass(String),
    /// It failed; expected vs got, in one line.
    Fail(String),
    /// It did not run; why.
    Skip(String),
}

/// One line of the report.
#[derive(Clone, Debug)]
pub struct CheckResult {
    /// The check.
    pub def: CheckDef,
    /// What happened.
    pub outcome: Outcome,
    /// How long it took.
    pub duration: Duration,
}

/// Counts of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Checks that passed.
    pub passed: usize,
    /// Checks that failed.
    pub failed: usize,
    /// Checks that were skipped.
    pub skipped: usize,
}

impl Tally {
    /// Counts the outcomes.
    pub fn of(results: &[CheckResult]) -> Tally {
        let mut t = Tally::default();
        for r in results {
            match r.outcome {
                Outcome::Pass(_) => t.passed += 1,
                Outcome::Fail(_) => t.failed += 1,
                Outcome::Skip(_) => t.skipped += 1,
            }
        }
        t
    }
}

/// Validates `--only` / `--skip` names.
///
/// Errors: [`Failure::Usage`] naming the unknown check and the known ones.
pub fn validate_names(names: &[String]) -> Result<(), Failure> {
    for n in names {
        if !CHECKS.iter().any(|c| c.name == n) {
            let known: Vec<&str> = CHECKS.iter().map(|c| c.name).collect();
            return Err(Failure::Usage(format!(
                "unknown check `{n}` (checks: {})",
                known.join(", ")
            )));
        }
    }
    Ok(())
}

/// Runs the suite against `base` (the server must be reachable).
pub async fn run(base: &str, opts: &Options) -> Result<Vec<CheckResult>, Failure> {
    let http = Http {
        client: client::build_client(opts.timeout, false, client::is_https(base))?,
        base: base.to_owned(),
        run_id: random_hex(),
    };
    let mut results = Vec::with_capacity(CHECKS.len());
    for def in CHECKS {
        let started = Instant::now();
        let outcome = if let Some(reason) = skip_reason(&def, opts) {
            Outcome::Skip(reason)
        } else {
            match run_one(&http, def.name, opts).await {
                Ok(note) => Outcome::Pass(note),
                Err(why) => Outcome::Fail(why),
            }
        };
        results.push(CheckResult {
            def,
            outcome,
            duration: started.elapsed(),
        });
    }
    Ok(results)
}

fn skip_reason(def: &CheckDef, opts: &Options) -> Option<String> {
    if !opts.only.is_empty() && !opts.only.iter().any(|n| n == def.name) {
        return Some("not selected by --only".into());
    }
    if opts.skip.iter().any(|n| n == def.name) {
        return Some("skipped by --skip".into());
    }
    match def.needs {
        Needs::FastApi if !opts.fastapi => {
            Some("a pydantic behaviour: pass --fastapi to check it".into())
        }
        Needs::Seeded if !opts.seeded => {
            Some("pass --seeded when the server holds foo and bar".into())
        }
        _ => None,
    }
}

/// The HTTP side of the checks.
struct Http {
    client: reqwest::Client,
    base: String,
    run_id: String,
}

/// A response: status and body.
struct Answer {
    status: u16,
    body: Bytes,
}

impl Answer {
    fn describe(&self) -> String {
        format!(
            "{} {}: {}",
            self.status,
            reason_phrase(self.status),
            snippet(&self.body)
        )
    }

    /// Ok if the status reports `want`.
    fn require(&self, want: Upserted, what: &str) -> Result<(), String> {
        if self.status == want.status_code() {
            Ok(())
        } else {
            let label = match want {
                Upserted::Created => "created",
                Upserted::Replaced => "updated",
            };
            Err(format!(
                "{what}: expected {} {} ({label}), got {}",
                want.status_code(),
                reason_phrase(want.status_code()),
                self.describe()
            ))
        }
    }
}

impl Http {
    fn fresh_id(&self, check: &str) -> String {
        format!("itemctl-check-{}-{check}-{}", self.run_id, random_hex())
    }

    async fn put(&self, id: &str, body: &str) -> Result<Answer, String> {
        let url = client::item_url(&self.base, id).map_err(|e| e.to_string())?;
        let resp = self
            .client
            .put(&url)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .map_err(|e| format!("no response to PUT {url}: {}", client::describe_error(&e)))?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| {
            format!(
                "incomplete response to PUT {url}: {}",
                client::describe_error(&e)
            )
        })?;
        Ok(Answer { status, body })
    }
}

async fn run_one(http: &Http, name: &str, opts: &Options) -> Result<String, String> {
    match name {
        "create" => create(http).await,
        "update" => update(http).await,
        "repeat" => repeat(http).await,
        "replace" => replace(http).await,
        "nulls" => nulls(http).await,
        "invalid" => invalid(http).await,
        "coerce" => coerce(http).await,
        "unicode" => unicode(http).await,
        "race" => race(http, opts.concurrency).await,
        "seeded" => seeded(http).await,
        other => Err(format!("unknown check {other}")),
    }
}

/// Creates a fresh id with `{"name":"before","size":1}` (setup for the
/// checks that need an existing id).
async fn setup(http: &Http, check: &str) -> Result<String, String> {
    let id = http.fresh_id(check);
    let a = http.put(&id, r#"{"name":"before","size":1}"#).await?;
    a.require(Upserted::Created, "setup: creating a fresh id")?;
    Ok(id)
}

async fn create(http: &Http) -> Result<String, String> {
    let id = http.fresh_id("create");
    let a = http.put(&id, r#"{"name":"check-create","size":3}"#).await?;
    a.require(Upserted::Created, "a fresh id")?;
    EchoedItem::sent(Some("check-create"), Some(3)).check_echo(&a.body)?;
    Ok("201 Created".into())
}

async fn update(http: &Http) -> Result<String, String> {
    let id = setup(http, "update").await?;
    let a = http.put(&id, r#"{"name":"after","size":2}"#).await?;
    a.require(Upserted::Replaced, "an existing id")?;
    EchoedItem::sent(Some("after"), Some(2)).check_echo(&a.body)?;
    Ok("200 OK".into())
}

async fn repeat(http: &Http) -> Result<String, String> {
    let id = setup(http, "repeat").await?;
    let body = r#"{"name":"same","size":7}"#;
    let first = http.put(&id, body).await?;
    first.require(Upserted::Replaced, "the first identical PUT")?;
    let second = http.put(&id, body).await?;
    second.require(Upserted::Replaced, "the identical PUT again")?;
    if first.body != second.body {
        return Err(format!(
            "the identical PUT gave a different body: {} then {}",
            snippet(&first.body),
            snippet(&second.body)
        ));
    }
    EchoedItem::sent(Some("same"), Some(7)).check_echo(&second.body)?;
    Ok("200 OK twice, identical bodies".into())
}

async fn replace(http: &Http) -> Result<String, String> {
    let id = http.fresh_id("replace");
    http.put(&id, r#"{"name":"full","size":5}"#)
        .await?
        .require(Upserted::Created, "setup: creating a fresh id")?;
    let a = http.put(&id, r#"{"name":"partial"}"#).await?;
    a.require(Upserted::Replaced, "a PUT with only name")?;
    EchoedItem::sent(Some("partial"), None)
        .check_echo(&a.body)
        .map_err(|e| format!("{e} (an update must replace the item, not merge into it)"))?;
    Ok("size became null".into())
}

async fn nulls(http: &Http) -> Result<String, String> {
    let id = http.fresh_id("nulls");
    let a = http.put(&id, r#"{"name":null,"size":null}"#).await?;
    a.require(Upserted::Created, "explicit nulls for a fresh id")?;
    EchoedItem::sent(None, None).check_echo(&a.body)?;
    let b = http.put(&id, "{}").await?;
    b.require(Upserted::Replaced, "{} for the same id")?;
    EchoedItem::sent(None, None).check_echo(&b.body)?;
    Ok("null and {} give nulls".into())
}

/// The entries of a 422 `detail` list.
fn detail_list(body: &[u8]) -> Result<Vec<Value>, String> {
    match decode(body) {
        Ok(Value::Object(obj)) => match obj.get("detail") {
            Some(Value::Array(items)) if !items.is_empty() => Ok(items.clone()),
            _ => Err(format!(
                "expected a non-empty \"detail\" list, got {}",
                snippet(body)
            )),
        },
        _ => Err(format!(
            "expected a JSON object with \"detail\", got {}",
            snippet(body)
        )),
    }
}

fn loc_names(item: &Value, field: &str) -> bool {
    match item {
        Value::Object(o) => match o.get("loc") {
            Some(Value::Array(parts)) => parts
                .iter()
                .any(|p| matches!(p, Value::Str(s) if s.as_str() == Some(field))),
            _ => false,
        },
        _ => false,
    }
}

async fn invalid(http: &Http) -> Result<String, String> {
    let id = http.fresh_id("invalid");
    let a = http.put(&id, r#"{"name":"bad","size":"abc"}"#).await?;
    if a.status != 422 {
        return Err(format!(
            "size \"abc\": expected 422 Unprocessable Entity, got {}",
            a.describe()
        ));
    }
    let details = detail_list(&a.body)?;
    if !details.iter().any(|d| loc_names(d, "size")) {
        return Err(format!(
            "the 422 detail does not name size: {}",
            snippet(&a.body)
        ));
    }
    let b = http.put(&id, r#"{"name":"valid","size":1}"#).await?;
    b.require(Upserted::Created, "a valid PUT after the rejected one")
        .map_err(|e| format!("{e} (the rejected PUT stored the item)"))?;
    Ok("422 naming size; nothing stored".into())
}

async fn coerce(http: &Http) -> Result<String, String> {
    let id = http.fresh_id("coerce");
    let a = http.put(&id, r#"{"name":"c","size":"3"}"#).await?;
    a.require(Upserted::Created, "size \"3\" for a fresh id")?;
    EchoedItem::sent(Some("c"), Some(3)).check_echo(&a.body)?;
    let b = http.put(&id, r#"{"size":"abc"}"#).await?;
    if b.status != 422 {
        return Err(format!(
            "size \"abc\": expected 422 Unprocessable Entity, got {}",
            b.describe()
        ));
    }
    let details = detail_list(&b.body)?;
    for d in &details {
        let Value::Object(o) = d else {
            return Err(format!(
                "a detail entry is not an object: {}",
                snippet(&b.body)
            ));
        };
        let keys: Vec<String> = o.iter().map(|(k, _)| k.to_string_lossy()).collect();
        if keys != ["type", "loc", "msg", "input"] {
            return Err(format!(
                "detail entries must have exactly type, loc, msg, input (in that order), got {keys:?}"
            ));
        }
    }
    let want = r#"{"detail":[{"type":"int_parsing","loc":["body","size"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"}]}"#;
    if b.body != want.as_bytes() {
        return Err(format!(
            "expected FastAPI's exact 422 {want}, got {}",
            snippet(&b.body)
        ));
    }
    Ok("\"3\" → 3; FastAPI's 422".into())
}

async fn unicode(http: &Http) -> Result<String, String> {
    let id = format!("ünï ☃ {}", http.fresh_id("unicode"));
    let name = "名前 ✓ é 😀";
    let body = format!(r#"{{"name":"{name}","size":8}}"#);
    let a = http.put(&id, &body).await?;
    a.require(Upserted::Created, "a fresh non-ASCII id")?;
    EchoedItem::sent(Some(name), Some(8)).check_echo(&a.body)?;
    let b = http.put(&id, &body).await?;
    b.require(Upserted::Replaced, "the same non-ASCII id again")?;
    Ok("201 then 200".into())
}

async fn race(http: &Http, n: usize) -> Result<String, String> {
    let id = http.fresh_id("race");
    let puts = (0..n).map(|i| {
        let id = id.clone();
        async move {
            http.put(&id, &format!(r#"{{"name":"race-{i}","size":{i}}}"#))
                .await
        }
    });
    let answers = futures_util::future::join_all(puts).await;
    let (mut created, mut replaced, mut other) = (0, 0, Vec::new());
    for a in answers {
        let a = a?;
        match Upserted::from_status(a.status) {
            Some(Upserted::Created) => created += 1,
            Some(Upserted::Replaced) => replaced += 1,
            None => other.push(a.status),
        }
    }
    if created == 1 && replaced == n - 1 {
        Ok(format!("{n} concurrent PUTs: one 201, {replaced} 200"))
    } else {
        Err(format!(
            "{n} concurrent first PUTs of one id: expected one 201 and {} 200, got {created}×201, {replaced}×200{}",
            n - 1,
            if other.is_empty() {
                String::new()
            } else {
                format!(", others {other:?}")
            }
        ))
    }
}

async fn seeded(http: &Http) -> Result<String, String> {
    // The seed's own values, so the check leaves the items as it found them.
    for (id, body) in [
        ("foo", r#"{"name":"Fighters","size":6}"#),
        ("bar", r#"{"name":"Tenders","size":3}"#),
    ] {
        let a = http.put(id, body).await?;
        a.require(Upserted::Replaced, &format!("the seeded id {id}"))?;
    }
    Ok("foo and bar exist".into())
}

/// 16 random hex digits (not cryptographic: ids only need to be fresh).
pub fn random_hex() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{:016x}", h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated() {
        assert!(validate_names(&["create".into(), "race".into()]).is_ok());
        let err = validate_names(&["crate".into()]).unwrap_err().to_string();
        assert!(
            err.contains("unknown check `crate`") && err.contains("create, update"),
            "{err}"
        );
    }

    #[test]
    fn skips_follow_the_options() {
        let opts = Options {
            fastapi: false,
            seeded: false,
            only: vec![],
            skip: vec!["race".into()],
            concurrency: 4,
            timeout: Duration::from_secs(1),
        };
        let reason =
            |name: &str| skip_reason(CHECKS.iter().find(|c| c.name == name).unwrap(), &opts);
        assert_eq!(reason("create"), None);
        assert!(reason("race").unwrap().contains("--skip"));
        assert!(reason("coerce").unwrap().contains("--fastapi"));
        assert!(reason("seeded").unwrap().contains("--seeded"));
    }

    #[test]
    fn random_ids_differ() {
        assert_ne!(random_hex(), random_hex());
    }
}
