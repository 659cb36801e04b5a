//! Faults for testing clients: a delay before answering an upsert, a share
//! of upserts that fail with a chosen status, a share whose connection is
//! dropped without an answer. Set by `serve` flags and changed at run time
//! through `PUT /__itemctl/faults`; they apply to the endpoint only, never
//! to `/__itemctl/`. A failed or dropped upsert stores nothing.

use crate::values::rng::Rng;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// A delay: fixed, or uniform over `min..=max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delay {
    /// The shortest delay.
    pub min: Duration,
    /// The longest delay (equal to `min` for a fixed one).
    pub max: Duration,
}

impl Delay {
    /// Parses `50ms`, `1s`, a bare number of seconds, or a range
    /// `10ms..200ms`.
    ///
    /// # Errors
    /// A one-line message naming the expected forms.
    pub fn parse(s: &str) -> Result<Delay, String> {
        let one = |t: &str| -> Result<Duration, String> {
            let t = t.trim();
            match t.parse::<f64>() {
                Ok(secs) => Duration::try_from_secs_f64(secs).map_err(|_| ()),
                Err(_) => humantime::parse_duration(t).map_err(|_| ()),
            }
            .map_err(|()| {
                format!("`{s}` is not a delay: use 50ms, 1s, or a range like 10ms..200ms")
            })
        };
        let (min, max) = match s.split_once("..") {
            // A bare number is seconds alone; in a range it is ambiguous
            // (`10..200` reads as milliseconds to many): refused.
            Some((a, b)) if a.trim().parse::<f64>().is_ok() || b.trim().parse::<f64>().is_ok() => {
                return Err(format!(
                    "`{s}`: a range needs a unit on both ends, like 10ms..200ms or 1s..2s"
                ));
            }
            Some((a, b)) => (one(a)?, one(b)?),
            None => {
                let d = one(s)?;
                (d, d)
            }
        };
        if max < min {
            return Err(format!(
                "`{s}`: the range must go from the shorter delay to the longer"
            ));
        }
        Ok(Delay { min, max })
    }
}

impl std::fmt::Display for Delay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms =
            |d: Duration| humantime::format_duration(Duration::from_micros(d.as_micros() as u64));
        if self.min == self.max {
            write!(f, "{}", ms(self.min))
        } else {
            write!(f, "{}..{}", ms(self.min), ms(self.max))
        }
    }
}

/// The fault settings, as `GET`/`PUT /__itemctl/faults` carry them:
/// `{"delay": "10ms..200ms" | null, "fail_rate": 0.1, "fail_status": 503,
/// "drop_rate": 0.0, "seed": 42 | null, "ids": ["42"] | null, "count": 2 |
/// null}`: `ids` limits the faults to upserts of those keys, `count` to
/// the next N upserts in scope (then the faults are spent; `GET` shows
/// what is left).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// The delay before answering an upsert.
    #[serde(with = "delay_text")]
    pub delay: Option<Delay>,
    /// The share of upserts (0 to 1) answered with `fail_status`.
    pub fail_rate: f64,
    /// The status of a failed upsert (400 to 599).
    pub fail_status: u16,
    /// The share of upserts (0 to 1) whose connection is closed unanswered.
    pub drop_rate: f64,
    /// The seed of the fault draws, for reproducible runs.
    pub seed: Option<u64>,
    /// Only upserts of these keys (the path parameters joined by `/`).
    pub ids: Option<Vec<String>>,
    /// Only the next this many upserts in scope.
    pub count: Option<u64>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            delay: None,
            fail_rate: 0.0,
            fail_status: 503,
            drop_rate: 0.0,
            seed: None,
            ids: None,
            count: None,
        }
    }
}

impl Settings {
    /// Checks the ranges.
    ///
    /// # Errors
    /// What is out of range, in one line.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [("fail_rate", self.fail_rate), ("drop_rate", self.drop_rate)] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        if !(400..=599).contains(&self.fail_status) {
            return Err(format!(
                "fail_status must be 400 to 599, got {}",
                self.fail_status
            ));
        }
        Ok(())
    }

    /// Whether any fault is set (and not spent).
    pub fn any(&self) -> bool {
        (self.delay.is_some() || self.fail_rate > 0.0 || self.drop_rate > 0.0)
            && self.count != Some(0)
    }
}

mod delay_text {
    use super::Delay;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Delay>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&d.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Delay>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| Delay::parse(&t).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// What happens to one upsert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It is handled as usual.
    Pass,
    /// It is answered with this status and stores nothing.
    Fail(u16),
    /// Its connection is closed without an answer; nothing is stored.
    Drop,
}

/// The live fault settings and their random draws.
#[derive(Debug)]
pub struct Faults {
    state: Mutex<(Settings, Rng)>,
    /// A cheap test for the hot path: any fault set at all.
    active: std::sync::atomic::AtomicBool,
    /// The delay timer, started with the first delay.
    timer: std::sync::OnceLock<Timer>,
}

impl Faults {
    /// Faults with these settings.
    pub fn new(settings: Settings) -> Faults {
        let rng = seeded(settings.seed);
        Faults {
            active: std::sync::atomic::AtomicBool::new(settings.any()),
            state: Mutex::new((settings, rng)),
            timer: std::sync::OnceLock::new(),
        }
    }

    /// Waits until `deadline` to within a fraction of a millisecond: the
    /// end of an injected delay.
    pub async fn sleep_until(&self, deadline: Instant) {
        self.timer
            .get_or_init(Timer::start)
            .sleep_until(deadline)
            .await;
    }

    /// The current settings.
    pub fn settings(&self) -> Settings {
        self.lock().0.clone()
    }

    /// Replaces the settings (and restarts the draws from their seed).
    pub fn set(&self, settings: Settings) {
        let mut state = self.lock();
        self.active
            .store(settings.any(), std::sync::atomic::Ordering::Relaxed);
        state.1 = seeded(settings.seed);
        state.0 = settings;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Settings, Rng)> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Draws the fate of one upsert of `key`: its delay, and whether it
    /// passes, fails or is dropped. Without faults (or out of their scope):
    /// no delay, `Pass`, and without faults no lock.
    pub fn draw(&self, key: &str) -> (Option<Duration>, Outcome) {
        if !self.active.load(std::sync::atomic::Ordering::Relaxed) {
            return (None, Outcome::Pass);
        }
        let mut state = self.lock();
        let (settings, rng) = &mut *state;
        if settings
            .ids
            .as_ref()
            .is_some_and(|ids| !ids.iter().any(|i| i == key))
            || settings.count == Some(0)
        {
            return (None, Outcome::Pass);
        }
        if let Some(n) = &mut settings.count {
            *n -= 1;
            if *n == 0 {
                self.active
                    .store(false, std::sync::atomic::Ordering::Relaxed);
            }
        }
        let delay = settings.delay.map(|d| {
            let span = d.max.saturating_sub(d.min);
            d.min + span.mul_f64(rng.unit())
        });
        let outcome = if rng.unit() < settings.drop_rate {
            Outcome::Drop
        } else if rng.unit() < settings.fail_rate {
            Outcome::Fail(settings.fail_status)
        } else {
            Outcome::Pass
        };
        (delay, outcome)
    }
}

/// A timer thread for `--delay`. tokio's timer rounds a deadline up to its
/// millisecond tick and parks with a millisecond timeout, so its sleeps end
/// up to 2 ms late (1.6% more than asked over `--delay 10ms..200ms`,
/// measured); a thread waiting with `recv_timeout` (a futex timeout) wakes
/// within tens of microseconds, and a oneshot hands the wake to the task.
#[derive(Debug)]
struct Timer {
    requests: std::sync::mpsc::Sender<Wake>,
}

/// A deadline and whom to wake; ordered by deadline, then arrival.
#[derive(Debug)]
struct Wake {
    at: Instant,
    seq: u64,
    done: tokio::sync::oneshot::Sender<()>,
}

impl PartialEq for Wake {
    fn eq(&self, other: &Wake) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Wake {}

impl PartialOrd for Wake {
    fn partial_cmp(&self, other: &Wake) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Wake {
    fn cmp(&self, other: &Wake) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

impl Timer {
    /// Starts the thread. When the OS refuses it, the receiver is dropped
    /// with the closure, every send fails and sleeps fall back to tokio's.
    fn start() -> Timer {
        use std::sync::mpsc::RecvTimeoutError;
        let (tx, rx) = std::sync::mpsc::channel::<Wake>();
        let _ = std::thread::Builder::new()
            .name("itemctl-delay-timer".into())
            .spawn(move || {
                let mut due = std::collections::BinaryHeap::<std::cmp::Reverse<Wake>>::new();
                loop {
                    let now = Instant::now();
                    while due.peek().is_some_and(|w| w.0.at <= now) {
                        if let Some(std::cmp::Reverse(wake)) = due.pop() {
                            let _ = wake.done.send(());
                        }
                    }
                    let next = match due.peek() {
                        Some(w) => rx.recv_timeout(w.0.at.saturating_duration_since(now)),
                        None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                    };
                    match next {
                        Ok(wake) => due.push(std::cmp::Reverse(wake)),
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            });
        Timer { requests: tx }
    }

    async fn sleep_until(&self, at: Instant) {
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let (done, woken) = tokio::sync::oneshot::channel();
        let wake = Wake {
            at,
            seq: SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            done,
        };
        let sent = self.requests.send(wake);
        if sent.is_err() || woken.await.is_err() {
            tokio::time::sleep_until(at.into()).await;
        }
    }
}

/// The draws' generator, from the seed or, without one, from the
/// standard library's randomly keyed hasher.
fn seeded(seed: Option<u64>) -> Rng {
    Rng::seeded(seed.unwrap_or_else(|| {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0x5eed);
        h.finish()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_parse_fixed_and_ranges() {
        assert_eq!(
            Delay::parse("50ms"),
            Ok(Delay {
                min: Duration::from_millis(50),
                max: Duration::from_millis(50)
            })
        );
        let r = Delay::parse("10ms..200ms").unwrap();
        assert_eq!(
            (r.min, r.max),
            (Duration::from_millis(10), Duration::from_millis(200))
        );
        assert_eq!(r.to_string(), "10ms..200ms");
        assert_eq!(Delay::parse("0.5").unwrap().min, Duration::from_millis(500));
        assert!(Delay::parse("200ms..10ms").is_err() && Delay::parse("soon").is_err());
        for bare in ["10..200", "10ms..200", "0.1..1s"] {
            let e = Delay::parse(bare).unwrap_err();
            assert!(e.contains("a unit on both ends"), "{bare}: {e}");
        }
    }

    #[test]
    fn settings_round_trip_as_json_and_are_checked() {
        let s: Settings =
            serde_json::from_str(r#"{"delay":"5ms..15ms","fail_rate":0.25,"seed":7}"#).unwrap();
        assert_eq!(s.fail_status, 503);
        let back: Settings = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        assert!(serde_json::from_str::<Settings>(r#"{"fail_rat":1}"#).is_err());
        assert!(
            Settings {
                fail_rate: 1.5,
                ..Settings::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            Settings {
                fail_status: 200,
                ..Settings::default()
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn draws_follow_the_rates_and_the_seed() {
        let settings = Settings {
            fail_rate: 0.3,
            drop_rate: 0.1,
            seed: Some(1),
            delay: Some(Delay::parse("10ms..20ms").unwrap()),
            ..Settings::default()
        };
        let faults = Faults::new(settings.clone());
        let draws: Vec<_> = (0..10_000).map(|_| faults.draw("k")).collect();
        let drops = draws.iter().filter(|(_, o)| *o == Outcome::Drop).count();
        let fails = draws
            .iter()
            .filter(|(_, o)| *o == Outcome::Fail(503))
            .count();
        assert!((900..1100).contains(&drops), "{drops}");
        // 30% of the 90% not dropped.
        assert!((2500..2900).contains(&fails), "{fails}");
        assert!(draws.iter().all(|(d, _)| {
            d.is_some_and(|d| d >= Duration::from_millis(10) && d <= Duration::from_millis(20))
        }));
        let again = Faults::new(settings);
        let replay: Vec<_> = (0..10_000).map(|_| again.draw("k")).collect();
        assert_eq!(draws, replay, "the same seed gives the same draws");
        assert_eq!(
            Faults::new(Settings::default()).draw("k"),
            (None, Outcome::Pass)
        );
    }

    #[test]
    fn faults_scoped_to_ids_and_a_count() {
        let faults = Faults::new(Settings {
            fail_rate: 1.0,
            fail_status: 503,
            ids: Some(vec!["42".into()]),
            count: Some(2),
            ..Settings::default()
        });
        assert_eq!(faults.draw("7"), (None, Outcome::Pass), "another id");
        assert_eq!(faults.draw("42"), (None, Outcome::Fail(503)));
        assert_eq!(faults.draw("7"), (None, Outcome::Pass));
        assert_eq!(faults.draw("42"), (None, Outcome::Fail(503)));
        assert_eq!(faults.draw("42"), (None, Outcome::Pass), "spent after two");
        assert_eq!(faults.settings().count, Some(0));
        assert!(!faults.settings().any());
    }
}
