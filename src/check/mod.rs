//! `itemctl check`: the upsert contract of any server, as named checks.
//!
//! Each check uses fresh random ids, so it can run against a live server
//! again and again without colliding. What 200 and 201 mean, and what a
//! correct body is, comes from [`crate::contract`].

pub mod report;

use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::client::{self, Client};
use crate::contract::echo::{agrees, compare};
use crate::contract::{Promises, Upserted, reason_phrase, snippet};
use crate::error::Failure;
use crate::spec::body::Body;
use crate::spec::endpoint::IdKind;
use crate::values::{ids, items};

/// A check of the suite; the declaration order is the order they run in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Check {
    /// A new id gives 201 Created and echoes the item.
    Create,
    /// An existing id gives 200 OK with the new values.
    Update,
    /// The identical PUT again gives 200 and the same item back
    /// (idempotent): the identical body where the echo is exact, else the
    /// item's fields unchanged (a server-made `updated_at` may change).
    Repeat,
    /// Fields left out of an update take their defaults: null, or the
    /// schema's `default` (replace, not merge).
    Replace,
    /// Explicit nulls (and `{}`, when no field is required) round-trip.
    Nulls,
    /// Invalid items (a wrong type, a required field left out, a value
    /// out of bounds; the tutorial's: size "abc") give a 4xx and store
    /// nothing; with --fastapi, a 422 naming the field.
    Invalid,
    /// size "3" becomes 3; 422 details have FastAPI's shape (--fastapi).
    Coerce,
    /// A non-ASCII id and text round-trip.
    Unicode,
    /// Ids that differ (letter case, Unicode normalisation, a full-width
    /// digit, a trailing character, trailing white space, `+` for a space)
    /// are distinct items; two spellings of one id are one.
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
            Check::Update => {
                "an existing id gives 200 OK (or a documented 204) with the new values"
            }
            Check::Repeat => "the identical PUT again gives 200 and the same item back",
            Check::Replace => {
                "fields left out of an update take their defaults (replace, not merge)"
            }
            Check::Nulls => "explicit nulls (and {} when nothing is required) round-trip",
            Check::Invalid => {
                "invalid items give a 4xx (with --fastapi: 422 naming the field) and store nothing"
            }
            Check::Identity => {
                "look-alike ids (case, normalisation, a last character, white space, + for a space) are distinct; %-spellings of one id are one"
            }
            Check::Coerce => "size \"3\" becomes 3; 422 details have FastAPI's shape",
            Check::Unicode => "a non-ASCII id and text round-trip",
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
    /// The item shape the bodies are made from.
    pub shape: Body,
    /// Whether a response must hold exactly the item's fields (no `id`,
    /// no timestamps); otherwise every sent field must be echoed and
    /// others are allowed.
    pub exact_echo: bool,
    /// What the endpoint promises beyond 201/200 and its item: the ids,
    /// 204 on update, a GET to read back, the response's fields.
    pub promises: Promises,
}

/// Whether responses must hold exactly the item's fields when neither
/// `--exact-echo` nor `--no-exact-echo` is given: for the tutorial's item
/// (the reference echoes the item and nothing else), unless the documented
/// response schema (`response_fields`, a `response_model`) lists a field the
/// item does not have, such as a server-made `id`.
pub fn exact_echo_by_default(shape: &Body, response_fields: Option<&[String]>) -> bool {
    shape.is_tutorial()
        && response_fields.is_none_or(|fields| {
            fields
                .iter()
                .all(|name| shape.fields.iter().any(|f| &f.name == name))
        })
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

/// What a run of the suite gave.
#[derive(Clone, Debug)]
pub struct Suite {
    /// The checks run or skipped, in order (those `--only` leaves out are
    /// not in it).
    pub results: Vec<CheckResult>,
    /// Why the run stopped before its end.
    pub stopped: Option<Stop>,
}

/// Why a run stopped before its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The server can no longer be reached: it went away during `during`.
    Gone {
        /// The check that was running.
        during: Check,
        /// The transport error.
        why: String,
    },
    /// The server refuses the ids check makes (422 on the path
    /// parameter): check cannot run against this endpoint.
    Refused {
        /// The check that was running.
        during: Check,
        /// What the server said, and what to do.
        why: String,
    },
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::Gone { during, why } => write!(
                f,
                "the server can no longer be reached (it went away during {}): {why}",
                during.name()
            ),
            Stop::Refused { why, .. } => f.write_str(why),
        }
    }
}

/// Runs the suite through `client` (the server must be reachable). A
/// request that gets no response while the server can no longer be
/// reached at all stops the run: the checks after it are not run against
/// a dead server ([`Suite::stopped`]). When every PUT of a failed check
/// was answered 404, the rest are not run either, and the failure says
/// once what to try.
pub async fn run(client: &Client, opts: &Options) -> Suite {
    let http = Http {
        client,
        run_id: client::random_hex(),
        opts,
        answers: std::sync::atomic::AtomicUsize::new(0),
        not_found: std::sync::atomic::AtomicUsize::new(0),
        used: std::sync::Mutex::default(),
        small: ids::small_space(&opts.promises.ids),
    };
    let mut results = Vec::with_capacity(Check::ALL.len());
    let selected = Check::ALL
        .into_iter()
        .filter(|c| opts.only.is_empty() || opts.only.contains(c));
    let mut not_run: Option<String> = None;
    for check in selected {
        let started = Instant::now();
        let outcome = if let Some(reason) = not_run.clone().or_else(|| skip_reason(check, opts)) {
            Outcome::Skip(reason)
        } else {
            client.note(&format!("check {}", check.name()));
            match run_one(&http, check, opts).await {
                Ok(outcome) => outcome,
                Err(halt) => {
                    let stop = match halt {
                        Halt::Gone(why) => Stop::Gone { during: check, why },
                        Halt::Refused(why) => Stop::Refused { during: check, why },
                    };
                    return Suite {
                        results,
                        stopped: Some(stop),
                    };
                }
            }
        };
        let outcome = match outcome {
            Outcome::Fail(why) if http.all_not_found() => {
                not_run = Some("not run: every PUT so far was answered 404 Not Found".into());
                Outcome::Fail(format!(
                    "{why}; every PUT was answered 404 Not Found, so the other checks were not run: is the path right? Give --path with the upsert's path template, or --openapi with its OpenAPI document (or the server refuses to create items with PUT, as json-server does)"
                ))
            }
            other => other,
        };
        results.push(CheckResult {
            check,
            outcome,
            duration: started.elapsed(),
        });
    }
    Suite {
        results,
        stopped: None,
    }
}

fn skip_reason(check: Check, opts: &Options) -> Option<String> {
    if opts.skip.contains(&check) {
        return Some("skipped by --skip".into());
    }
    // What the item cannot give first: no flag would make it run.
    shape_skip(check, opts).or_else(|| match check.needs() {
        Needs::FastApi if !opts.fastapi => {
            Some("a pydantic behaviour: pass --fastapi to check it".into())
        }
        Needs::Seeded if !opts.seeded => {
            Some("pass --seeded when the server holds foo and bar".into())
        }
        Needs::Contract | Needs::FastApi | Needs::Seeded => None,
    })
}

/// Why the endpoint's item shape leaves nothing for `check` to verify.
fn shape_skip(check: Check, opts: &Options) -> Option<String> {
    let shape = &opts.shape;
    match check {
        Check::Coerce | Check::Seeded if !shape.is_tutorial() => Some(format!(
            "the tutorial's item only (this endpoint's is {})",
            shape.title
        )),
        Check::Replace if items::omitted_with_known_value(shape).is_empty() => Some(
            "no field can be left out with a known stored value (every field is required, or has no default and is not nullable)".into(),
        ),
        Check::Nulls if !shape.fields.iter().any(|f| f.nullable) => {
            Some("no field is nullable".into())
        }
        _ => None,
    }
}

/// The HTTP side of the checks, and the endpoint's shape.
struct Http<'a> {
    client: &'a Client,
    run_id: String,
    opts: &'a Options,
    /// Answers to PUTs so far, and how many of them were 404s.
    answers: std::sync::atomic::AtomicUsize,
    not_found: std::sync::atomic::AtomicUsize,
    /// Every id this run made: no id is made twice.
    used: std::sync::Mutex<std::collections::HashSet<String>>,
    /// About how many ids the path parameter admits, when few enough that
    /// an earlier run may have made the ids this one draws.
    small: Option<u128>,
}

/// Why a check did not pass.
#[derive(Debug)]
enum Why {
    /// The server's answers break the contract: the check fails.
    Fail(String),
    /// The server can no longer be reached: the run stops.
    Gone(String),
    /// The check cannot be made against this endpoint (no fresh id is
    /// left): it is skipped, saying why.
    Skip(String),
    /// The server refuses the ids check makes: the run stops.
    Refused(String),
}

/// A failed check, with its reason.
fn fail<T>(why: impl Into<String>) -> Result<T, Why> {
    Err(Why::Fail(why.into()))
}

impl From<String> for Why {
    fn from(why: String) -> Why {
        Why::Fail(why)
    }
}

/// A response: status and body.
struct Answer {
    status: u16,
    body: Bytes,
}

impl From<client::Exchange> for Answer {
    fn from(ex: client::Exchange) -> Answer {
        Answer {
            status: ex.status,
            body: ex.body,
        }
    }
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

/// An item body.
type Item = Map<String, Value>;

/// `expected` without the fields, at any depth, that were neither sent
/// nor answered (`sent` and `got` walked beside it).
fn unshown_dropped(expected: &mut Value, sent: &Value, got: &Value) {
    match (expected, got) {
        (Value::Object(e), Value::Object(g)) => {
            e.retain(|k, _| g.contains_key(k) || sent.get(k).is_some());
            for (k, v) in e.iter_mut() {
                if let Some(gv) = g.get(k) {
                    unshown_dropped(v, sent.get(k).unwrap_or(&Value::Null), gv);
                }
            }
        }
        (Value::Array(e), Value::Array(g)) => {
            for (i, (v, gv)) in e.iter_mut().zip(g).enumerate() {
                unshown_dropped(v, sent.get(i).unwrap_or(&Value::Null), gv);
            }
        }
        _ => {}
    }
}

impl Http<'_> {
    /// An id the path parameter admits that this run has not made
    /// before, without asking the server, and now made; `None` when 256
    /// draws find none (a small id space this run has used up).
    fn new_id(&self, check: &str) -> Option<String> {
        let id = self.unmade_id(check)?;
        self.claim(&id).then_some(id)
    }

    /// An id the path parameter admits that this run has not made (not
    /// yet marked as made: look-alike pairs are made from it); `None`
    /// when 256 draws find none.
    fn unmade_id(&self, check: &str) -> Option<String> {
        let label = format!("itemctl-check-{}-{check}", self.run_id);
        (0..256).find_map(|_| {
            let id = ids::fresh(&self.opts.promises.ids, &label, client::random_u128());
            let unmade = self.used.lock().map_or(true, |used| !used.contains(&id));
            (unmade && self.opts.promises.ids.admits(&id)).then_some(id)
        })
    }

    /// Marks `id` as made by this run; false when it already was.
    fn claim(&self, id: &str) -> bool {
        self.used
            .lock()
            .map_or(true, |mut used| used.insert(id.to_owned()))
    }

    /// Whether the server holds `id`, where the id space is small enough
    /// that an earlier run may have made it and the document has a GET to
    /// ask (else false: assumed fresh).
    async fn taken(&self, id: &str) -> Result<bool, Why> {
        if self.small.is_none() || !self.opts.promises.readable {
            return Ok(false);
        }
        let url = self.client.item_url(id).map_err(|e| e.to_string())?;
        Ok(self.get(&url).await?.status == 200)
    }

    /// A fresh id: one the path parameter admits, this run has not made,
    /// and (where the id space is small and the document has a GET) the
    /// server does not hold.
    ///
    /// When there is none ([`Why::Skip`]): the path parameter admits too
    /// few ids for this check, which says so instead of failing a server
    /// for an id it rightly holds.
    async fn fresh_id(&self, check: &str) -> Result<String, Why> {
        for _ in 0..32 {
            let Some(id) = self.new_id(check) else { break };
            if !self.taken(&id).await? {
                return Ok(id);
            }
        }
        Err(Why::Skip(format!(
            "no fresh id left: the path parameter admits only about {} ids, and this run made (or the server holds) the ones check could find",
            self.small.unwrap_or(0)
        )))
    }

    /// A failure that may come from an id an earlier run made (a small id
    /// space, no GET to find ids the server does not hold, and a 201 that
    /// did not come), with a note that says so.
    fn noted(&self, why: String) -> String {
        match self.small {
            Some(n) if !self.opts.promises.readable && why.contains("201") => format!(
                "{why} (the path parameter admits only about {n} ids, and an earlier run may have made this one: check a server with an empty store, or document a GET on the item path so that check can find ids it does not hold)"
            ),
            _ => why,
        }
    }

    /// A valid item; different variants differ.
    fn item(&self, variant: u64) -> Item {
        items::full(&self.opts.shape, variant, &self.run_id)
    }

    async fn put_text(&self, id: &str, body: &str) -> Result<Answer, Why> {
        let sent = self
            .client
            .put(id, Bytes::copy_from_slice(body.as_bytes()))
            .await;
        self.answered(sent).await
    }

    /// PUTs `item` to `id` (with the id in the body field that repeats it,
    /// if the endpoint has one).
    async fn put(&self, id: &str, item: &Item) -> Result<Answer, Why> {
        let body = serde_json::to_string(&self.for_id(id, item)).map_err(|e| e.to_string())?;
        self.put_text(id, &body).await
    }

    /// PUTs `item` to an id spelled as `spelling` says (a raw `+`).
    async fn put_spelled(&self, spelling: &ids::Spelling, item: &Item) -> Result<Answer, Why> {
        if !spelling.raw_plus {
            return self.put(&spelling.id, item).await;
        }
        let raw = client::encode_id(&spelling.id).replace("%2B", "+");
        self.put_as(&raw, &spelling.id, item).await
    }

    /// PUTs `item` to the id `id`, its path segment written as `segment`
    /// (already percent-encoded, as the check wants it spelled).
    async fn put_as(&self, segment: &str, id: &str, item: &Item) -> Result<Answer, Why> {
        let body = serde_json::to_vec(&self.for_id(id, item)).map_err(|e| e.to_string())?;
        let sent = self.client.put_encoded(segment, Bytes::from(body)).await;
        self.answered(sent).await
    }

    /// `GET url`: the answer.
    async fn get(&self, url: &str) -> Result<Answer, Why> {
        match self.client.get(url).await {
            Ok((status, body)) => Ok(Answer { status, body }),
            Err(e) => Err(self.no_answer(e).await),
        }
    }

    /// An exchange's answer, counted; a request that got none is a failure
    /// of the check while the server still answers, and stops the run when
    /// it no longer does.
    async fn answered(&self, sent: Result<client::Exchange, Failure>) -> Result<Answer, Why> {
        use std::sync::atomic::Ordering;
        match sent {
            Ok(ex) => {
                self.answers.fetch_add(1, Ordering::Relaxed);
                if ex.status == 404 {
                    self.not_found.fetch_add(1, Ordering::Relaxed);
                }
                if let Some(why) = self.refuses_the_id(&ex) {
                    return Err(Why::Refused(why));
                }
                Ok(Answer::from(ex))
            }
            Err(e) => Err(self.no_answer(e).await),
        }
    }

    /// Why a request got no answer: [`Why::Gone`] when the server cannot
    /// be reached at all any more, else [`Why::Fail`] (it dropped this
    /// request, or was too slow for it).
    async fn no_answer(&self, e: Failure) -> Why {
        let why = e.to_string();
        if matches!(e, Failure::NoResponse(_)) && self.client.wait(Duration::ZERO, 0).await.is_err()
        {
            Why::Gone(why)
        } else {
            Why::Fail(why)
        }
    }

    /// Where a 422 names only the path (FastAPI's `loc` `["path", …]`):
    /// the server refuses the ids check makes, so no check can be made
    /// (its rules are ones check cannot read, or more than the document
    /// says).
    fn refuses_the_id(&self, ex: &client::Exchange) -> Option<String> {
        if ex.status != 422 {
            return None;
        }
        let details = detail_list(&ex.body).ok()?;
        let on_path =
            |d: &Value| d.get("loc").and_then(|l| l.get(0)).and_then(Value::as_str) == Some("path");
        if !details.iter().all(on_path) {
            return None;
        }
        let first = details.first()?;
        Some(format!(
            "the server refuses the ids check makes: {} at {}; check cannot make ids this path parameter admits ({}): give --path for another upsert, or check a server whose document says what the id admits",
            first
                .get("msg")
                .and_then(Value::as_str)
                .unwrap_or("invalid"),
            first
                .get("loc")
                .map_or_else(String::new, ToString::to_string),
            self.opts.promises.ids.describe()
        ))
    }

    /// Whether every PUT so far was answered, each with 404.
    fn all_not_found(&self) -> bool {
        use std::sync::atomic::Ordering;
        let answers = self.answers.load(Ordering::Relaxed);
        answers > 0 && self.not_found.load(Ordering::Relaxed) == answers
    }

    /// `item` as sent to `id`: with the id in the body field that repeats
    /// it ([`Promises::id_field`]; a number for integer ids).
    fn for_id(&self, id: &str, item: &Item) -> Item {
        let mut item = item.clone();
        if let Some(field) = &self.opts.promises.id_field {
            let value = match id.parse::<serde_json::Number>() {
                Ok(n) if self.opts.promises.ids.kind.is_number() => Value::Number(n),
                _ => Value::from(id),
            };
            item.insert(field.clone(), value);
        }
        item
    }

    /// Ok(true) when `a` reports an update with a body to compare; Ok(false)
    /// for a documented 204.
    fn updated(&self, a: &Answer, what: &str) -> Result<bool, String> {
        if self.opts.promises.update_204 && a.status == 204 {
            return if a.body.is_empty() {
                Ok(false)
            } else {
                Err(format!("{what}: a 204 with a body: {}", snippet(&a.body)))
            };
        }
        a.require(Upserted::Replaced, what)?;
        Ok(true)
    }

    /// Checks that `a` echoes the item a server stores for `sent` to `id`.
    fn echoes(&self, id: &str, sent: &Item, a: &Answer) -> Result<(), String> {
        let sent = self.for_id(id, sent);
        let mut expected = self.stored(&sent);
        if !self.opts.exact_echo
            && let Ok(got) = serde_json::from_slice::<Value>(&a.body)
        {
            // A field left out and not in the answer is not shown, not
            // wrong (`response_model_exclude_unset`), at any depth: a
            // merge shows in the fields that are, or in the GET that reads
            // the item back.
            let mut all = Value::Object(std::mem::take(&mut expected));
            unshown_dropped(&mut all, &Value::Object(sent.clone()), &got);
            if let Value::Object(kept) = all {
                expected = kept;
            }
        }
        // An embedded model (`{"item": {…}}`) may come back as the model
        // itself: either is a correct echo.
        let inner = self
            .opts
            .shape
            .embedded_model()
            .and_then(|field| match expected.get(field) {
                Some(Value::Object(inner)) => Some(inner.clone()),
                _ => None,
            });
        let text_numbers = items::text_numbers(&self.opts.shape, &expected);
        // The embedded model's own fields stand at the top of its echo.
        let inner_text_numbers: Vec<String> = self
            .opts
            .shape
            .embedded_model()
            .map(|field| {
                let prefix = format!(".{field}");
                text_numbers
                    .iter()
                    .filter_map(|p| p.strip_prefix(&prefix))
                    .filter(|rest| rest.starts_with(['.', '[']))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let mut first_error = None;
        for (n, mut candidate) in std::iter::once(expected.clone()).chain(inner).enumerate() {
            let text_numbers = if n == 0 {
                &text_numbers
            } else {
                &inner_text_numbers
            };
            if let Some(fields) = &self.opts.promises.response_fields {
                candidate.retain(|k, _| fields.contains(k));
                if candidate.is_empty() {
                    continue;
                }
            }
            match compare(&candidate, &a.body, self.opts.exact_echo, text_numbers) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            // The documented response shares no field with the item.
            None => compare(&Item::new(), &a.body, false, &[]),
        }
    }

    /// The item a server stores for `sent`, as far as an answer shows it:
    /// without write-only fields (`SecretStr`, `format: password`), which
    /// come back masked or not at all.
    fn stored(&self, sent: &Item) -> Item {
        let mut item = items::expected(&self.opts.shape, sent);
        for f in &self.opts.shape.fields {
            if f.schema.write_only || f.schema.format.as_deref() == Some("password") {
                item.remove(&f.name);
            }
        }
        item
    }

    /// Where the document has a GET on the item path: that what it reads
    /// back of `id` agrees with the item a server stores for `sent` (every
    /// field it shows, as deep as it goes), so that a server that answers
    /// with the request but stores a merge is caught.
    async fn reads_back(&self, id: &str, sent: &Item, what: &str) -> Result<(), Why> {
        if !self.opts.promises.readable {
            return Ok(());
        }
        let read = self
            .read_item(id, &format!("{what}, then GET of the item"))
            .await?;
        let expected = self.stored(&self.for_id(id, sent));
        let text_numbers = items::text_numbers(&self.opts.shape, &expected);
        agrees(&expected, &read.body, &text_numbers)
            .map_err(|e| format!("{what}, then GET: {e}"))?;
        Ok(())
    }

    /// `GET` of item `id`, which must answer 200; otherwise a failure
    /// that `what` begins (`GET of the updated item: expected 200 OK, …`).
    async fn read_item(&self, id: &str, what: &str) -> Result<Answer, Why> {
        let url = self.client.item_url(id).map_err(|e| e.to_string())?;
        let read = self.get(&url).await?;
        if read.status != 200 {
            return fail(format!("{what}: expected 200 OK, got {}", read.describe()));
        }
        Ok(read)
    }

    /// Creates a fresh id with item 0 (set-up for the checks that need an
    /// existing id).
    async fn setup(&self, check: &str) -> Result<String, Why> {
        let id = self.fresh_id(check).await?;
        self.put(&id, &self.item(0))
            .await?
            .require(Upserted::Created, "setup: creating a fresh id")?;
        Ok(id)
    }
}

/// Why a check stops the run.
enum Halt {
    /// The server can no longer be reached.
    Gone(String),
    /// The server refuses the ids check makes.
    Refused(String),
}

/// Runs one check: its outcome, or why the run stops.
async fn run_one(http: &Http<'_>, check: Check, opts: &Options) -> Result<Outcome, Halt> {
    let result = match check {
        Check::Create => create(http).await,
        Check::Update => update(http).await,
        Check::Repeat => repeat(http).await,
        Check::Replace => return replace(http).await,
        Check::Nulls => nulls(http).await,
        Check::Invalid => invalid(http, opts.fastapi).await,
        Check::Identity => identity(http).await,
        Check::Coerce => coerce(http).await,
        Check::Unicode => unicode(http).await,
        Check::Race => race(http, opts.concurrency).await,
        Check::Seeded => seeded(http).await,
    };
    match result {
        Ok(note) => Ok(Outcome::Pass(note)),
        Err(why) => outcome_of(http, why),
    }
}

/// What a check that did not pass gives: its outcome, or why the run
/// stops.
fn outcome_of(http: &Http<'_>, why: Why) -> Result<Outcome, Halt> {
    match why {
        Why::Fail(why) => Ok(Outcome::Fail(http.noted(why))),
        Why::Skip(why) => Ok(Outcome::Skip(why)),
        Why::Gone(why) => Err(Halt::Gone(why)),
        Why::Refused(why) => Err(Halt::Refused(why)),
    }
}

async fn create(http: &Http<'_>) -> Result<String, Why> {
    let id = http.fresh_id("create").await?;
    let item = http.item(0);
    let a = http.put(&id, &item).await?;
    a.require(Upserted::Created, "a fresh id")?;
    http.echoes(&id, &item, &a)?;
    Ok("201 Created".into())
}

async fn update(http: &Http<'_>) -> Result<String, Why> {
    let id = http.setup("update").await?;
    let item = http.item(1);
    let a = http.put(&id, &item).await?;
    let updated = http.updated(&a, "an existing id")?;
    if updated {
        http.echoes(&id, &item, &a)?;
    }
    http.reads_back(&id, &item, "an update").await?;
    let got = if updated {
        "200 OK"
    } else {
        "204 No Content (documented)"
    };
    Ok(if http.opts.promises.readable {
        format!("{got}; GET reads the new values back")
    } else {
        got.into()
    })
}

async fn repeat(http: &Http<'_>) -> Result<String, Why> {
    let id = http.setup("repeat").await?;
    let item = http.item(2);
    let first = http.put(&id, &item).await?;
    let with_body = http.updated(&first, "the first identical PUT")?;
    let second = http.put(&id, &item).await?;
    http.updated(&second, "the identical PUT again")?;
    let different = || {
        format!(
            "the identical PUT gave a different answer: {} then {}",
            first.describe(),
            second.describe()
        )
    };
    if first.status != second.status {
        return fail(different());
    }
    if !with_body {
        return Ok("204 No Content twice".into());
    }
    http.echoes(&id, &item, &second)?;
    if first.body == second.body {
        return Ok("200 OK twice, identical bodies".into());
    }
    // Where the echo need not be exact, fields the server adds (an
    // `updated_at`) may change between the two answers; the item's may not.
    let changed = changed_fields(&first.body, &second.body).ok_or_else(different)?;
    // The item is made of the shape's fields (the id field among them).
    let item_field = |k: &String| http.opts.shape.fields.iter().any(|f| &f.name == k);
    if http.opts.exact_echo || changed.iter().any(item_field) {
        return fail(different());
    }
    Ok(format!(
        "200 OK twice, the same item; other fields changed: {}",
        changed.join(", ")
    ))
}

/// The top-level fields whose values differ between two JSON object bodies
/// (present in one only, or different); `None` unless both are objects.
fn changed_fields(a: &[u8], b: &[u8]) -> Option<Vec<String>> {
    let a: Map<String, Value> = serde_json::from_slice(a).ok()?;
    let b: Map<String, Value> = serde_json::from_slice(b).ok()?;
    Some(
        a.keys()
            .chain(b.keys().filter(|k| !a.contains_key(*k)))
            .filter(|k| a.get(*k) != b.get(*k))
            .cloned()
            .collect(),
    )
}

/// Replace, not merge. A documented 204 without a body shows nothing of
/// what was stored: then it is skipped, saying so.
async fn replace(http: &Http<'_>) -> Result<Outcome, Halt> {
    match replace_seen(http).await {
        Ok(Some(note)) => Ok(Outcome::Pass(note)),
        Ok(None) => Ok(Outcome::Skip(
            "the update answered 204 without a body, so what was stored cannot be seen (and the document has no GET to read it back)".into(),
        )),
        Err(why) => outcome_of(http, why),
    }
}

async fn replace_seen(http: &Http<'_>) -> Result<Option<String>, Why> {
    let shape = &http.opts.shape;
    let id = http.setup("replace").await?;
    let id_field = http.opts.promises.id_field.as_deref();
    let known = |paths: Vec<String>| -> Vec<String> {
        paths
            .into_iter()
            .filter(|path| Some(path.as_str()) != id_field)
            .collect()
    };
    // Only what must be sent, at every depth.
    let partial = items::minimal(shape, 1, &http.run_id);
    let left_out = known(items::omitted_with_known_value(shape));
    let Some(via) = replaced(http, &id, &partial, &left_out).await? else {
        return Ok(None);
    };
    let mut note = format!("{via}{} took their defaults", left_out.join(", "));
    // Every top-level field sent, nested ones left out inside them (a list
    // of models, an optional model, a union's member): a server that
    // merges nested objects or list items shows it here.
    if let Some((inner, nested)) = items::pruned_within(shape, 3, &http.run_id) {
        let nested = known(nested);
        if !nested.is_empty() && nested != left_out {
            let whole = http.put(&id, &http.item(3)).await?;
            http.updated(&whole, "the whole item again")?;
            if replaced(http, &id, &inner, &nested).await?.is_some() {
                note.push_str(&format!("; then {} took theirs", nested.join(", ")));
            }
        }
    }
    Ok(Some(note))
}

/// PUTs `partial` over the stored item `id` and checks that what is
/// stored is `partial` with the `left_out` fields at their defaults: from
/// the answer, or (a 204) from a GET of the item. `None` when neither
/// shows what was stored; else how it was seen (`""`, or `204, then GET: `).
async fn replaced(
    http: &Http<'_>,
    id: &str,
    partial: &Item,
    left_out: &[String],
) -> Result<Option<&'static str>, Why> {
    let a = http.put(id, partial).await?;
    let what = format!("a PUT leaving out {}", left_out.join(", "));
    let merged = |e: String| format!("{e} (an update must replace the item, not merge into it)");
    if http.updated(&a, &what)? {
        http.echoes(id, partial, &a)
            .map_err(|e| merged(format!("{what}: {e}")))?;
        // What it answered may not be what it stored.
        http.reads_back(id, partial, &what)
            .await
            .map_err(|e| match e {
                Why::Fail(e) => Why::Fail(merged(e)),
                other => other,
            })?;
        return Ok(Some(if http.opts.promises.readable {
            "echo and GET: "
        } else {
            ""
        }));
    }
    if !http.opts.promises.readable {
        return Ok(None);
    }
    // A 204: read the item back.
    let read = http.read_item(id, "GET of the updated item").await?;
    http.echoes(id, partial, &read)
        .map_err(|e| merged(format!("{what}, then GET: {e}")))?;
    Ok(Some("204, then GET: "))
}

async fn nulls(http: &Http<'_>) -> Result<String, Why> {
    let shape = &http.opts.shape;
    let id = http.fresh_id("nulls").await?;
    let Some(item) = items::nulls(shape, 3, &http.run_id) else {
        return fail("no field is nullable");
    };
    let a = http.put(&id, &item).await?;
    a.require(Upserted::Created, "explicit nulls for a fresh id")?;
    http.echoes(&id, &item, &a)?;
    if shape.fields.iter().any(|f| f.required) {
        return Ok("null round-trips".into());
    }
    let empty = Item::new();
    let b = http.put(&id, &empty).await?;
    if http.updated(&b, "{} for the same id")? {
        http.echoes(&id, &empty, &b)?;
    }
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

/// Whether a 422 detail's `loc` names `path`: after `"body"`, the path's
/// keys and indices in order, where pydantic may put a union member's
/// label between them (a tagged union's tag: `["body", "pet", "cat",
/// "lives"]` for `pet.lives`) and after them.
fn loc_has_path(item: &Value, path: &[items::Step]) -> bool {
    let Some(Value::Array(parts)) = item.get("loc") else {
        return false;
    };
    let Some((Value::String(first), mut rest)) = parts.split_first() else {
        return false;
    };
    if first != "body" {
        return false;
    }
    for (n, step) in path.iter().enumerate() {
        let matches = |part: &Value| match step {
            items::Step::Key(k) => part.as_str() == Some(k),
            items::Step::Index(i) => part.as_u64() == Some(*i as u64),
        };
        // The first step comes first; a label may sit before a later one.
        let skip = if n == 0 { 0 } else { 1 };
        match rest.iter().take(skip + 1).position(matches) {
            Some(at) if at == 0 || rest[..at].iter().all(Value::is_string) => {
                rest = &rest[at + 1..];
            }
            _ => return false,
        }
    }
    true
}

/// Whether a status refuses a request for its body: a 4xx, but not one
/// that says nothing of the body (401/403 authentication, 404/405 the
/// wrong route, 407 a proxy, 408 a timeout, 429 a rate limit).
fn is_refusal(status: u16) -> bool {
    (400..500).contains(&status) && !matches!(status, 401 | 403 | 404 | 405 | 407 | 408 | 429)
}

async fn invalid(http: &Http<'_>, fastapi: bool) -> Result<String, Why> {
    let shape = &http.opts.shape;
    let valid = http.item(4);
    // A variant of the field that repeats the id would be mended by the
    // id put into it: not sent.
    let id_field = http.opts.promises.id_field.as_deref();
    let variants: Vec<_> = items::invalid(shape, &valid)
        .into_iter()
        .filter(|v| Some(v.field.as_str()) != id_field)
        .collect();
    if variants.is_empty() {
        return fail(format!(
            "{} has no typed, required or bounded field to send an invalid value for",
            shape.title
        ));
    }
    for variant in &variants {
        let id = http.fresh_id("invalid").await?;
        let a = http.put(&id, &variant.body).await?;
        // The contract: a 4xx that stores nothing. FastAPI's shape (a 422
        // whose detail list names the field) only with --fastapi.
        if !is_refusal(a.status) {
            return fail(format!(
                "{}: expected a 4xx refusal of the body (400, 409, 422, …), got {}",
                variant.what,
                a.describe()
            ));
        }
        if fastapi {
            if a.status != 422 {
                return fail(format!(
                    "{}: expected 422 Unprocessable Entity, got {}",
                    variant.what,
                    a.describe()
                ));
            }
            let details = detail_list(&a.body)?;
            if !details.iter().any(|d| loc_has_path(d, &variant.path)) {
                return fail(format!(
                    "{}: no 422 detail has a loc naming {}: {}",
                    variant.what,
                    items::show_path(&variant.path),
                    snippet(&a.body)
                ));
            }
        }
        let b = http.put(&id, &valid).await?;
        if let Err(e) = b.require(
            Upserted::Created,
            &format!("a valid PUT after the rejected one ({})", variant.what),
        ) {
            // Was it stored, or does this server never say 201? A control id
            // that nothing was sent to before tells them apart.
            let control = http.fresh_id("invalid-control").await?;
            let control = http.put(&control, &valid).await?;
            if control.status != Upserted::Created.status_code() {
                return fail(format!(
                    "{e}; but a fresh id gets {} too, so this server does not report creation with 201 (see the create check), and whether the rejected PUT stored anything cannot be told",
                    control.status
                ));
            }
            return fail(format!("{e} (the rejected PUT stored the item)"));
        }
    }
    let names: Vec<&str> = variants.iter().map(|v| v.what.as_str()).collect();
    Ok(format!(
        "{} refused, nothing stored: {}",
        variants.len(),
        names.join("; ")
    ))
}

async fn coerce(http: &Http<'_>) -> Result<String, Why> {
    let id = http.fresh_id("coerce").await?;
    let a = http.put_text(&id, r#"{"name":"c","size":"3"}"#).await?;
    a.require(Upserted::Created, "size \"3\" for a fresh id")?;
    let stored: Item = [
        ("name".into(), Value::from("c")),
        ("size".into(), Value::from(3)),
    ]
    .into_iter()
    .collect();
    // The tutorial's size is an int: "3" stored as it came is no echo.
    compare(&stored, &a.body, false, &[])?;
    let b = http.put_text(&id, r#"{"size":"abc"}"#).await?;
    if b.status != 422 {
        return fail(format!(
            "size \"abc\": expected 422 Unprocessable Entity, got {}",
            b.describe()
        ));
    }
    let details = detail_list(&b.body)?;
    for d in &details {
        let Value::Object(o) = d else {
            return fail(format!(
                "a detail entry is not an object: {}",
                snippet(&b.body)
            ));
        };
        let keys: Vec<&str> = o.keys().map(String::as_str).collect();
        if keys != ["type", "loc", "msg", "input"] {
            return fail(format!(
                "detail entries must have exactly type, loc, msg, input (in that order), got {keys:?}"
            ));
        }
    }
    let want = r#"{"detail":[{"type":"int_parsing","loc":["body","size"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"}]}"#;
    if b.body != want.as_bytes() {
        return fail(format!(
            "expected FastAPI's exact 422 {want}, got {}",
            snippet(&b.body)
        ));
    }
    Ok("\"3\" → 3; FastAPI's 422".into())
}

async fn unicode(http: &Http<'_>) -> Result<String, Why> {
    let ids = &http.opts.promises.ids;
    let fresh = http.fresh_id("unicode").await?;
    // A text id is non-ASCII where the path parameter admits it: a prefix,
    // or, where the length is bounded, the fresh id's first characters
    // replaced (its end is the random part).
    let tail = |n: usize| fresh.chars().skip(n).collect::<String>();
    let non_ascii = [
        format!("ünï ☃ {fresh}"),
        format!("ünï☃{}", tail(4)),
        format!("ü{}", tail(1)),
    ]
    .into_iter()
    .find(|id| ids.admits(id) && id != &fresh);
    let (id, id_note) = match (ids.kind, non_ascii) {
        (IdKind::Text, Some(id)) => (id, ""),
        (IdKind::Text, None) => (fresh, "; the path parameter admits no non-ASCII id"),
        (IdKind::Integer | IdKind::Uuid, _) => (fresh, ""),
    };
    let mut item = http.item(5);
    let free = http.opts.shape.free_text_field();
    // Non-ASCII text, as long as the field asks (`min_length`).
    let mut text = "名前 ✓ é 😀".to_owned();
    let min = free
        .and_then(|f| f.schema.min_length)
        .and_then(|m| usize::try_from(m).ok())
        .unwrap_or(0);
    while text.chars().count() < min {
        text.push('é');
    }
    let field = free.map(|f| f.name.clone());
    if let Some(field) = &field {
        item.insert(field.clone(), Value::from(text.as_str()));
    }
    let a = http.put(&id, &item).await?;
    a.require(
        Upserted::Created,
        "a fresh id (non-ASCII when ids are text)",
    )?;
    http.echoes(&id, &item, &a)?;
    let b = http.put(&id, &item).await?;
    http.updated(&b, "the same id again")?;
    Ok(match field {
        Some(field) => format!("201 then 200; {field} {text:?} round-trips{id_note}"),
        None => format!("201 then 200 (no free-text field for non-ASCII text){id_note}"),
    })
}

/// Ids a server must not conflate, then one id spelled two ways.
async fn identity(http: &Http<'_>) -> Result<String, Why> {
    // Look-alike pairs the path parameter admits, each from its own fresh
    // id (a UUID's letter case is no difference: UUIDs compare
    // case-insensitively).
    let ids = &http.opts.promises.ids;
    let mut pairs = ids::look_alikes(ids, || http.unmade_id("identity"));
    // Ids made from fresh ones: this run's own, and (where an earlier run
    // may have made them and a GET can tell) not held by the server.
    let mut kept = Vec::with_capacity(pairs.len());
    for pair in pairs.drain(..) {
        let (a, b) = (&pair.first.id, &pair.second.id);
        let ours = http.claim(a) & http.claim(b);
        if ours && !http.taken(a).await? && !http.taken(b).await? {
            kept.push(pair);
        }
    }
    let pairs = kept;
    let (one, two) = (http.item(6), http.item(7));
    for pair in &pairs {
        let (first, second) = (&pair.first, &pair.second);
        http.put_spelled(first, &one)
            .await?
            .require(Upserted::Created, &format!("the id {:?}", first.id))?;
        http.put_spelled(second, &two)
            .await?
            .require(
                Upserted::Created,
                &format!(
                    "{:?}, differing from {:?} only in {}",
                    second.id, first.id, pair.what
                ),
            )
            .map_err(|e| {
                format!(
                    "{e} (the server conflates ids that differ in {})",
                    pair.what
                )
            })?;
    }
    let ids = &http.opts.promises.ids;
    let base = http.fresh_id("identity").await?;
    // One id, some of its characters percent-encoded instead of sent as
    // they are: the last two (letters of a text id, digits, a UUID's).
    let letters = format!("{base}-AZ");
    let id = match ids.kind {
        IdKind::Text if ids.admits(&letters) => letters,
        IdKind::Text | IdKind::Integer | IdKind::Uuid => http.fresh_id("identity").await?,
    };
    http.put(&id, &one)
        .await?
        .require(Upserted::Created, "a fresh id")?;
    // The byte where the last two characters start (ids from a pattern
    // may hold non-ASCII ones).
    let split = id.char_indices().rev().nth(1).map_or(0, |(at, _)| at);
    let tail: String = id[split..].bytes().map(|b| format!("%{b:02X}")).collect();
    let spelled = format!("{}{tail}", client::encode_id(&id[..split]));
    let again = http.put_as(&spelled, &id, &two).await?;
    let what = format!(
        "the same id with its last two characters percent-encoded ({tail} for {})",
        &id[split..]
    );
    http.updated(&again, &what)
        .map_err(|e| format!("{e} (percent-decoding must give the same id)"))?;
    let pairs = match pairs.len() {
        1 => "1 look-alike pair distinct".to_owned(),
        n => format!("{n} look-alike pairs distinct"),
    };
    Ok(format!("{pairs}; {tail} is {}", &id[split..]))
}

async fn race(http: &Http<'_>, n: usize) -> Result<String, Why> {
    let id = http.fresh_id("race").await?;
    let puts = (0..n).map(|i| {
        let id = id.clone();
        let item = http.item(10 + i as u64);
        async move { http.put(&id, &item).await }
    });
    let answers = futures_util::future::join_all(puts).await;
    let (mut created, mut replaced, mut other) = (0, 0, Vec::new());
    for a in answers {
        let a = a?;
        match Upserted::from_status(a.status) {
            Some(Upserted::Created) => created += 1,
            Some(Upserted::Replaced) => replaced += 1,
            None if http.opts.promises.update_204 && a.status == 204 => replaced += 1,
            None => other.push(a.status),
        }
    }
    if created == 1 && replaced == n - 1 {
        Ok(format!("{n} concurrent PUTs: one 201, {replaced} updates"))
    } else {
        fail(format!(
            "{n} concurrent first PUTs of one id: expected one 201 and {} updates, got {created}×201, {replaced} updates{}",
            n - 1,
            if other.is_empty() {
                String::new()
            } else {
                format!(", others {other:?}")
            }
        ))
    }
}

async fn seeded(http: &Http<'_>) -> Result<String, Why> {
    // The seed's own values, so the check leaves the items as it found them.
    for (id, body) in crate::spec::tutorial::SEED {
        let a = http.put_text(id, body).await?;
        a.require(Upserted::Replaced, &format!("the seeded id {id}"))?;
    }
    Ok("foo and bar exist".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    fn tutorial() -> Body {
        crate::spec::tutorial::body(&crate::spec::tutorial::document())
    }

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
    fn changed_fields_are_the_differing_top_level_keys() {
        let changed = |a: &str, b: &str| changed_fields(a.as_bytes(), b.as_bytes());
        assert_eq!(
            changed(r#"{"id":"a","n":1,"t":1}"#, r#"{"id":"a","n":1,"t":2}"#),
            Some(vec!["t".to_owned()])
        );
        assert_eq!(
            changed(r#"{"n":1,"gone":0}"#, r#"{"n":1,"new":0}"#),
            Some(vec!["gone".to_owned(), "new".to_owned()])
        );
        assert_eq!(changed("[1]", "[2]"), None);
    }

    #[test]
    fn exact_echo_is_the_default_for_the_tutorials_item_alone() {
        let body = tutorial();
        let named = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        assert!(exact_echo_by_default(&body, None));
        assert!(exact_echo_by_default(
            &body,
            Some(&named(&["name", "size"]))
        ));
        // A response model with a server-made id: the echo has more fields.
        assert!(!exact_echo_by_default(
            &body,
            Some(&named(&["id", "name", "size"]))
        ));
        let mut other = tutorial();
        other.fields.truncate(1);
        assert!(!exact_echo_by_default(&other, None));
    }

    #[test]
    fn refusals_are_about_the_body() {
        for status in [400, 409, 413, 415, 422] {
            assert!(is_refusal(status), "{status}");
        }
        for status in [200, 201, 401, 403, 404, 405, 408, 429, 500] {
            assert!(!is_refusal(status), "{status}");
        }
    }

    #[test]
    fn a_loc_names_a_path_with_union_labels_between_its_steps() {
        let path = [
            items::Step::Key("pet".into()),
            items::Step::Key("lives".into()),
        ];
        let loc = |l: Value| serde_json::json!({ "loc": l });
        assert!(loc_has_path(
            &loc(serde_json::json!(["body", "pet", "lives"])),
            &path
        ));
        assert!(loc_has_path(
            &loc(serde_json::json!(["body", "pet", "cat", "lives"])),
            &path
        ));
        assert!(loc_has_path(
            &loc(serde_json::json!(["body", "pet", "lives", "int"])),
            &path
        ));
        assert!(!loc_has_path(
            &loc(serde_json::json!(["body", "lives"])),
            &path
        ));
        assert!(!loc_has_path(
            &loc(serde_json::json!(["query", "pet", "lives"])),
            &path
        ));
        assert!(!loc_has_path(
            &loc(serde_json::json!(["body", "x", "pet", "lives"])),
            &path
        ));
    }

    #[test]
    fn skips_follow_the_options() {
        let opts = Options {
            fastapi: false,
            seeded: false,
            only: vec![],
            skip: vec![Check::Race],
            concurrency: 4,
            shape: tutorial(),
            exact_echo: true,
            promises: Promises::default(),
        };
        let reason = |check| skip_reason(check, &opts);
        assert_eq!(reason(Check::Create), None);
        assert!(reason(Check::Race).unwrap().contains("--skip"));
        assert!(reason(Check::Coerce).unwrap().contains("--fastapi"));
        assert!(reason(Check::Seeded).unwrap().contains("--seeded"));
    }
}
