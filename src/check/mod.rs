//! `itemctl check`: the upsert contract of any server, as named checks.
//!
//! Each check uses fresh random ids, so it can run against a live server
//! again and again without colliding. What 200 and 201 mean, and what a
//! correct body is, comes from [`crate::contract`].

pub mod report;

use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::Value;

use crate::client::{self, Client};
use crate::contract::{EchoedItem, Upserted, reason_phrase, snippet};
use crate::error::Failure;

/// A check of the suite; the declaration order is the order they run in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Check {
    /// A new id gives 201 Created and echoes the item.
    Create,
    /// An existing id gives 200 OK with the new values.
    Update,
    /// The identical PUT again gives 200 and the identical body (idempotent).
    Repeat,
    /// A PUT with only name sets size to null (replace, not merge).
    Replace,
    /// Explicit nulls and {} round-trip.
    Nulls,
    /// size "abc" gives 422 naming size, and stores nothing.
    Invalid,
    /// size "3" becomes 3; 422 details have FastAPI's shape (--fastapi).
    Coerce,
    /// A non-ASCII id and name round-trip.
    Unicode,
    /// Ids that differ (letter case, Unicode normalisation, a trailing
    /// character) are distinct items; two spellings of one id are one.
    Identity,
    /// Concurrent first PUTs of one id: exactly one 201.
    Race,
    /// The seeded ids foo and bar exist (--seeded).
    Seeded,
}

impl Check {
    /// Every check, in the order they run.
    pub const ALL: [Check; 11] = [
        Check::Create,
        Check::Update,
        Check::Repeat,
        Check::Replace,
        Check::Nulls,
        Check::Invalid,
        Check::Coerce,
        Check::Unicode,
        Check::Identity,
        Check::Race,
        Check::Seeded,
    ];

    /// Its name, for `--only` / `--skip` and the reports.
    pub fn name(self) -> &'static str {
        match self {
            Check::Create => "create",
            Check::Update => "update",
            Check::Repeat => "repeat",
            Check::Replace => "replace",
            Check::Nulls => "nulls",
            Check::Invalid => "invalid",
            Check::Coerce => "coerce",
            Check::Unicode => "unicode",
            Check::Identity => "identity",
            Check::Race => "race",
            Check::Seeded => "seeded",
        }
    }

    /// What it verifies, in one line.
    pub fn about(self) -> &'static str {
        match self {
            Check::Create => "a new id gives 201 Created and echoes the item",
            Check::Update => "an existing id gives 200 OK with the new values",
            Check::Repeat => "the identical PUT again gives 200 and the identical body",
            Check::Replace => "a PUT with only name sets size to null (replace, not merge)",
            Check::Nulls => "explicit nulls and {} round-trip",
            Check::Invalid => {
                "size \"abc\" gives a 4xx (with --fastapi: 422 naming size), and stores nothing"
            }
            Check::Identity => {
                "ids differing in case, normalisation or a last character are distinct; %-spellings of one id are one"
            }
            Check::Coerce => "size \"3\" becomes 3; 422 details have FastAPI's shape",
            Check::Unicode => "a non-ASCII id and name round-trip",
            Check::Race => "concurrent first PUTs of one id: exactly one 201",
            Check::Seeded => "the seeded ids foo and bar exist (200)",
        }
    }

    /// What it needs to run, beyond the contract.
    pub fn needs(self) -> Needs {
        match self {
            Check::Coerce => Needs::FastApi,
            Check::Seeded => Needs::Seeded,
            Check::Create
            | Check::Update
            | Check::Repeat
            | Check::Replace
            | Check::Nulls
            | Check::Invalid
            | Check::Unicode
            | Check::Identity
            | Check::Race => Needs::Contract,
        }
    }
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

/// How to run the suite.
#[derive(Clone, Debug)]
pub struct Options {
    /// Run the FastAPI-only checks.
    pub fastapi: bool,
    /// Run the seeded-items check.
    pub seeded: bool,
    /// Run only these checks (empty: all).
    pub only: Vec<Check>,
    /// Skip these checks.
    pub skip: Vec<Check>,
    /// Concurrent PUTs in `race`.
    pub concurrency: usize,
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
    pub check: Check,
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

/// Runs the suite through `client` (the server must be reachable).
///
/// # Errors
/// None today: a check that cannot reach the server fails with the reason;
/// the `Result` leaves room for set-up failures.
pub async fn run(client: &Client, opts: &Options) -> Result<Vec<CheckResult>, Failure> {
    let http = Http {
        client,
        run_id: client::random_hex(),
    };
    let mut results = Vec::with_capacity(Check::ALL.len());
    for check in Check::ALL {
        let started = Instant::now();
        let outcome = if let Some(reason) = skip_reason(check, opts) {
            Outcome::Skip(reason)
        } else {
            match run_one(&http, check, opts).await {
                Ok(note) => Outcome::Pass(note),
                Err(why) => Outcome::Fail(why),
            }
        };
        results.push(CheckResult {
            check,
            outcome,
            duration: started.elapsed(),
        });
    }
    Ok(results)
}

fn skip_reason(check: Check, opts: &Options) -> Option<String> {
    if !opts.only.is_empty() && !opts.only.contains(&check) {
        return Some("not selected by --only".into());
    }
    if opts.skip.contains(&check) {
        return Some("skipped by --skip".into());
    }
    match check.needs() {
        Needs::FastApi if !opts.fastapi => {
            Some("a pydantic behaviour: pass --fastapi to check it".into())
        }
        Needs::Seeded if !opts.seeded => {
            Some("pass --seeded when the server holds foo and bar".into())
        }
        Needs::Contract | Needs::FastApi | Needs::Seeded => None,
    }
}

/// The HTTP side of the checks.
struct Http<'a> {
    client: &'a Client,
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

impl Http<'_> {
    fn fresh_id(&self, check: &str) -> String {
        format!(
            "itemctl-check-{}-{check}-{}",
            self.run_id,
            client::random_hex()
        )
    }

    async fn put(&self, id: &str, body: &str) -> Result<Answer, String> {
        let ex = self
            .client
            .put(id, Bytes::copy_from_slice(body.as_bytes()))
            .await
            .map_err(|e| e.to_string())?;
        Ok(Answer {
            status: ex.status,
            body: ex.body,
        })
    }
}

async fn run_one(http: &Http<'_>, check: Check, opts: &Options) -> Result<String, String> {
    match check {
        Check::Create => create(http).await,
        Check::Update => update(http).await,
        Check::Repeat => repeat(http).await,
        Check::Replace => replace(http).await,
        Check::Nulls => nulls(http).await,
        Check::Invalid => invalid(http, opts.fastapi).await,
        Check::Identity => identity(http).await,
        Check::Coerce => coerce(http).await,
        Check::Unicode => unicode(http).await,
        Check::Race => race(http, opts.concurrency).await,
        Check::Seeded => seeded(http).await,
    }
}

/// Creates a fresh id with `{"name":"before","size":1}` (setup for the
/// checks that need an existing id).
async fn setup(http: &Http<'_>, check: &str) -> Result<String, String> {
    let id = http.fresh_id(check);
    let a = http.put(&id, r#"{"name":"before","size":1}"#).await?;
    a.require(Upserted::Created, "setup: creating a fresh id")?;
    Ok(id)
}

async fn create(http: &Http<'_>) -> Result<String, String> {
    let id = http.fresh_id("create");
    let a = http.put(&id, r#"{"name":"check-create","size":3}"#).await?;
    a.require(Upserted::Created, "a fresh id")?;
    EchoedItem::sent(Some("check-create"), Some(3)).check_echo(&a.body)?;
    Ok("201 Created".into())
}

async fn update(http: &Http<'_>) -> Result<String, String> {
    let id = setup(http, "update").await?;
    let a = http.put(&id, r#"{"name":"after","size":2}"#).await?;
    a.require(Upserted::Replaced, "an existing id")?;
    EchoedItem::sent(Some("after"), Some(2)).check_echo(&a.body)?;
    Ok("200 OK".into())
}

async fn repeat(http: &Http<'_>) -> Result<String, String> {
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

async fn replace(http: &Http<'_>) -> Result<String, String> {
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

async fn nulls(http: &Http<'_>) -> Result<String, String> {
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
    match serde_json::from_slice::<Value>(body) {
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
            Some(Value::Array(parts)) => parts.iter().any(|p| p.as_str() == Some(field)),
            _ => false,
        },
        _ => false,
    }
}

async fn invalid(http: &Http<'_>, fastapi: bool) -> Result<String, String> {
    let id = http.fresh_id("invalid");
    let a = http.put(&id, r#"{"name":"bad","size":"abc"}"#).await?;
    // The contract: a 4xx that stores nothing. FastAPI's shape (a 422 whose
    // detail list names the field) only with --fastapi.
    if !(400..500).contains(&a.status) {
        return Err(format!(
            "size \"abc\": expected a 4xx refusal, got {}",
            a.describe()
        ));
    }
    if fastapi {
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
    }
    let b = http.put(&id, r#"{"name":"valid","size":1}"#).await?;
    if let Err(e) = b.require(Upserted::Created, "a valid PUT after the rejected one") {
        // Was it stored, or does this server never say 201? A control id
        // that nothing was sent to before tells them apart.
        let control = http
            .put(
                &http.fresh_id("invalid-control"),
                r#"{"name":"valid","size":1}"#,
            )
            .await?;
        if control.status != Upserted::Created.status_code() {
            return Err(format!(
                "{e}; but a fresh id gets {} too, so this server does not report creation with 201 (see the create check), and whether the rejected PUT stored anything cannot be told",
                control.status
            ));
        }
        return Err(format!("{e} (the rejected PUT stored the item)"));
    }
    Ok("422 naming size; nothing stored".into())
}

async fn coerce(http: &Http<'_>) -> Result<String, String> {
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
        let keys: Vec<&str> = o.keys().map(String::as_str).collect();
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

async fn unicode(http: &Http<'_>) -> Result<String, String> {
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

/// Ids a server must not conflate, then one id spelled two ways.
async fn identity(http: &Http<'_>) -> Result<String, String> {
    let base = http.fresh_id("identity");
    let pairs = [
        (
            "letter case",
            format!("{base}-Case"),
            format!("{base}-case"),
        ),
        (
            "Unicode normalisation (NFC vs NFD)",
            format!("{base}-\u{e9}"),
            format!("{base}-e\u{301}"),
        ),
        (
            "a trailing character",
            format!("{base}-x"),
            format!("{base}-x-"),
        ),
    ];
    for (what, first, second) in &pairs {
        http.put(first, r#"{"name":"first","size":1}"#)
            .await?
            .require(Upserted::Created, &format!("the id {first:?}"))?;
        http.put(second, r#"{"name":"second","size":2}"#)
            .await?
            .require(
                Upserted::Created,
                &format!("{second:?}, differing from {first:?} only in {what}"),
            )
            .map_err(|e| format!("{e} (the server conflates ids that differ in {what})"))?;
    }
    // One id, its letters percent-encoded instead of sent as they are.
    let id = format!("{base}-AZ");
    http.put(&id, r#"{"name":"plain","size":1}"#)
        .await?
        .require(Upserted::Created, "a fresh id")?;
    let spelled = format!("{}%41%5A", client::encode_id(&format!("{base}-")));
    let again = http
        .client
        .put_encoded(
            &spelled,
            Bytes::from_static(br#"{"name":"spelled","size":2}"#),
        )
        .await
        .map_err(|e| e.to_string())?;
    Answer {
        status: again.status,
        body: again.body,
    }
    .require(
        Upserted::Replaced,
        "the same id with its letters percent-encoded (%41%5A for AZ)",
    )
    .map_err(|e| format!("{e} (percent-decoding must give the same id)"))?;
    Ok("3 look-alike pairs distinct; %41%5A is AZ".into())
}

async fn race(http: &Http<'_>, n: usize) -> Result<String, String> {
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

async fn seeded(http: &Http<'_>) -> Result<String, String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn names_are_the_command_line_values_in_run_order() {
        assert_eq!(Check::value_variants(), Check::ALL);
        for check in Check::ALL {
            let value = check
                .to_possible_value()
                .expect("every check is selectable");
            assert_eq!(value.get_name(), check.name());
        }
        assert!(Check::from_str("crate", false).is_err());
    }

    #[test]
    fn skips_follow_the_options() {
        let opts = Options {
            fastapi: false,
            seeded: false,
            only: vec![],
            skip: vec![Check::Race],
            concurrency: 4,
        };
        let reason = |check| skip_reason(check, &opts);
        assert_eq!(reason(Check::Create), None);
        assert!(reason(Check::Race).unwrap().contains("--skip"));
        assert!(reason(Check::Coerce).unwrap().contains("--fastapi"));
        assert!(reason(Check::Seeded).unwrap().contains("--seeded"));
        let only = Options {
            only: vec![Check::Update],
            ..opts
        };
        assert!(
            skip_reason(Check::Create, &only)
                .unwrap()
                .contains("--only")
        );
        assert_eq!(skip_reason(Check::Update, &only), None);
    }
}
