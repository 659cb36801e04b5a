//! The ids an endpoint's path parameter takes (FastAPI: `item_id: str`,
//! `int` or `UUID`, with `Path(...)` constraints), and fresh ones for check
//! and bench. No I/O.

use regex::Regex;
use serde_json::Value;

use super::shape::{Bounds, Kind, MAX_DEPTH, kind_of, resolve};

/// What the endpoint's path parameter takes as an id, from its schema
/// (FastAPI: `item_id: str`, `int` or `UUID`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IdKind {
    /// Any text (`"type": "string"`, or no schema).
    #[default]
    Text,
    /// An integer (`"type": "integer"`).
    Integer,
    /// A UUID (`"format": "uuid"`).
    Uuid,
}

impl IdKind {
    /// The kind of id a path parameter's schema [`Kind`] gives.
    fn of(kind: &Kind) -> IdKind {
        match kind {
            Kind::Integer(_) => IdKind::Integer,
            Kind::String {
                format: Some(f), ..
            } if f == "uuid" => IdKind::Uuid,
            _ => IdKind::Text,
        }
    }

    /// Whether the id is a JSON number where a body repeats it (an
    /// integer id), else a string.
    pub fn is_number(self) -> bool {
        self == IdKind::Integer
    }
}

/// How bench writes its ids: `prefix`, then the counter `n` (`0..count`)
/// plus `offset`, padded with zeros to `width` digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenchIds {
    /// What comes before the number.
    pub prefix: String,
    /// The digits the number is padded to (0: none).
    pub width: usize,
    /// What is added to the counter (the lower bound of integer ids).
    pub offset: u64,
}

impl BenchIds {
    /// The id for counter `n`.
    pub fn id(&self, n: u64) -> String {
        format!(
            "{}{:0width$}",
            self.prefix,
            n.saturating_add(self.offset),
            width = self.width
        )
    }
}

/// The ids a path parameter admits: its kind and, from its schema, a text
/// id's `minLength`, `maxLength` and `pattern`, an integer id's bounds
/// (FastAPI: `Path(min_length=, max_length=, pattern=, ge=, le=, …)`).
/// Mirrors pydantic-core's checks: lengths in characters, the pattern
/// searched anywhere in the id (anchors are the pattern's own) with the
/// `regex` crate, pydantic-core's engine. A pattern that crate cannot read
/// (look-around, which pydantic hands to Python's `re`) is not checked.
#[derive(Clone, Debug, Default)]
pub struct IdRules {
    /// The kind of id.
    pub kind: IdKind,
    min_len: u64,
    max_len: Option<u64>,
    pattern: Option<Regex>,
    bounds: Bounds,
}

impl PartialEq for IdRules {
    fn eq(&self, other: &IdRules) -> bool {
        self.kind == other.kind
            && (self.min_len, self.max_len) == (other.min_len, other.max_len)
            && self.pattern.as_ref().map(Regex::as_str) == other.pattern.as_ref().map(Regex::as_str)
            && self.bounds == other.bounds
    }
}

impl From<IdKind> for IdRules {
    fn from(kind: IdKind) -> IdRules {
        IdRules {
            kind,
            ..IdRules::default()
        }
    }
}

impl IdRules {
    /// The rules a path parameter's schema gives (`anyOf` with null and
    /// `$ref`s followed).
    pub fn from_schema(doc: &Value, schema: &Value) -> IdRules {
        let of = kind_of(doc, schema, MAX_DEPTH).ok().map(|(kind, _)| kind);
        let s = resolve(doc, schema).unwrap_or(schema);
        let count = |key: &str| s.get(key).and_then(Value::as_u64);
        let bounds = match &of {
            Some(Kind::Integer(b)) => *b,
            _ => Bounds::default(),
        };
        IdRules {
            kind: of.as_ref().map_or(IdKind::Text, IdKind::of),
            min_len: count("minLength").unwrap_or(0),
            max_len: count("maxLength"),
            pattern: s
                .get("pattern")
                .and_then(Value::as_str)
                .and_then(|p| Regex::new(p).ok()),
            bounds,
        }
    }

    /// Whether the server would take `id` (as its path parameter checks
    /// it): the length and pattern of a text id, the bounds of an
    /// integer.
    pub fn admits(&self, id: &str) -> bool {
        match self.kind {
            IdKind::Text => {
                let len = id.chars().count() as u64;
                len >= self.min_len
                    && self.max_len.is_none_or(|max| len <= max)
                    && self.pattern.as_ref().is_none_or(|p| p.is_match(id))
            }
            IdKind::Integer => id.parse::<i64>().is_ok_and(|n| {
                let (lo, hi) = integer_range(&self.bounds);
                lo.is_none_or(|lo| n >= lo) && hi.is_none_or(|hi| n <= hi)
            }),
            IdKind::Uuid => true,
        }
    }

    /// A fresh id the rules admit, from 128 random bits; `label` names
    /// what it is for in a text id (`itemctl-check-<run>-create-…`) when
    /// the rules leave room for it. Text ids try, in turn, the labelled
    /// form, hex, upper-case hex, digits and letters, each cut to
    /// `maxLength` (keeping the random end) or repeated up to
    /// `minLength`, then an example of the pattern; when none is
    /// admitted, the labelled form (the server's refusal will say why).
    pub fn fresh(&self, label: &str, random: u128) -> String {
        match self.kind {
            IdKind::Text => {
                let r = random as u64;
                let letters: String = format!("{r:016x}")
                    .bytes()
                    .map(|b| match b {
                        b'0'..=b'9' => char::from(b'a' + (b - b'0')),
                        _ => char::from(b - b'a' + b'k'),
                    })
                    .collect();
                let forms = [
                    format!("{label}-{r:016x}"),
                    format!("{r:016x}"),
                    format!("{r:016X}"),
                    format!(
                        "{}",
                        1_000_000_000_000_000_000u64 + r % 9_000_000_000_000_000_000
                    ),
                    letters.clone(),
                    letters.to_ascii_uppercase(),
                ];
                let fitted = forms.iter().map(|f| self.fit(f));
                let example = self
                    .pattern
                    .as_ref()
                    .and_then(|p| super::shape::example_of(p.as_str(), r));
                fitted
                    .chain(example)
                    .find(|id| self.admits(id))
                    .unwrap_or_else(|| forms[0].clone())
            }
            IdKind::Integer => {
                // 16 digits, no leading zero: below 2^53, a float-safe JSON
                // number too; where the bounds exclude all of those,
                // anywhere within the bounds.
                const A: i64 = 1_000_000_000_000_000;
                const B: i64 = 8_999_999_999_999_999;
                let (lo, hi) = integer_range(&self.bounds);
                let (a, b) = (lo.map_or(A, |l| l.max(A)), hi.map_or(B, |h| h.min(B)));
                let (lo, hi) = if a <= b {
                    (a, b)
                } else {
                    let lo = lo.unwrap_or_else(|| {
                        hi.map_or(1, |h| if h >= 1 { 1 } else { h.saturating_sub(A) })
                    });
                    (lo, hi.unwrap_or_else(|| lo.saturating_add(A)))
                };
                let span = u128::try_from(i128::from(hi) - i128::from(lo) + 1).unwrap_or(1);
                let n = i128::from(lo) + i128::try_from(random % span.max(1)).unwrap_or(0);
                n.to_string()
            }
            IdKind::Uuid => uuid_text(random),
        }
    }

    /// `form` cut to `maxLength` (its end kept: the random part) or
    /// repeated up to `minLength`.
    fn fit(&self, form: &str) -> String {
        let chars: Vec<char> = form.chars().collect();
        let max = self
            .max_len
            .map_or(usize::MAX, |m| usize::try_from(m).unwrap_or(usize::MAX));
        let min = usize::try_from(self.min_len).unwrap_or(0).min(max);
        if chars.len() > max {
            return chars[chars.len() - max..].iter().collect();
        }
        chars.iter().cycle().take(chars.len().max(min)).collect()
    }

    /// How bench writes `count` ids (counter `0..count`) such that the
    /// rules admit every one: the first form that they admit at both ends
    /// of the counter. Without constraints that is the first: `bench-<run>-`
    /// for text, the run's digits for integers, a UUID's first groups for
    /// UUIDs (12 digits); constrained ids try a few other forms (integers:
    /// from the lower bound up).
    ///
    /// # Errors
    /// A one-line reason when no form fits the rules.
    pub fn bench_ids(&self, run: u64, count: u64) -> Result<BenchIds, String> {
        let last = count.saturating_sub(1);
        let form = |prefix: String, width: usize, offset: u64| BenchIds {
            prefix,
            width,
            offset,
        };
        let tries: Vec<BenchIds> = match self.kind {
            IdKind::Uuid => vec![form(
                uuid_text(u128::from(run) << 64)[..24].to_owned(),
                12,
                0,
            )],
            IdKind::Integer => {
                let (lo, _) = integer_range(&self.bounds);
                let from = lo.and_then(|lo| u64::try_from(lo).ok()).unwrap_or(1);
                vec![
                    form(format!("{}", 1_000_000 + run % 8_000_000), 0, 0),
                    form(String::new(), 0, from),
                ]
            }
            IdKind::Text => {
                let digits = last.to_string().len();
                let mut out = Vec::new();
                for prefix in [
                    format!("bench-{:08x}-", run as u32),
                    format!("bench{:08x}", run as u32),
                    format!("b{:08x}", run as u32),
                    format!("B{:08X}", run as u32),
                    format!("{}", 10_000_000 + run % 90_000_000),
                ] {
                    out.push(form(prefix.clone(), 0, 0));
                    out.push(form(prefix.clone(), digits, 0));
                    // Pad the counter up to minLength.
                    let min = usize::try_from(self.min_len).unwrap_or(0);
                    out.push(form(prefix.clone(), min.saturating_sub(prefix.len()), 0));
                    if let Some(max) = self.max_len.and_then(|m| usize::try_from(m).ok()) {
                        // Cut the run's part so that the counter fits (the
                        // forms are ASCII).
                        let keep = max.saturating_sub(digits).min(prefix.len());
                        out.push(form(prefix[..keep].to_owned(), max - keep, 0));
                    }
                }
                out
            }
        };
        tries
            .into_iter()
            .find(|ids| [0, last].iter().all(|n| self.admits(&ids.id(*n))))
            .ok_or_else(|| {
                format!(
                    "the path parameter admits none of bench's id forms ({}): give bench another --path, or check the endpoint instead",
                    self.describe()
                )
            })
    }

    /// The rules in words, for messages: `text, 3 to 24 characters,
    /// pattern ^[a-z0-9-]+$`.
    pub fn describe(&self) -> String {
        let mut out = match self.kind {
            IdKind::Text => "text".to_owned(),
            IdKind::Integer => "integer".to_owned(),
            IdKind::Uuid => "UUID".to_owned(),
        };
        if self.min_len > 0 || self.max_len.is_some() {
            out.push_str(&match self.max_len {
                Some(max) if self.min_len == 0 => format!(", at most {max} characters"),
                Some(max) => format!(", {} to {max} characters", self.min_len),
                None => format!(", at least {} characters", self.min_len),
            });
        }
        if let Some(p) = &self.pattern {
            out.push_str(&format!(", pattern {}", p.as_str()));
        }
        let (lo, hi) = integer_range(&self.bounds);
        if lo.is_some() || hi.is_some() {
            let end = |v: Option<i64>| v.map_or("…".to_owned(), |v| v.to_string());
            out.push_str(&format!(", {} to {}", end(lo), end(hi)));
        }
        out
    }
}

/// The integers within `b`, as inclusive ends.
pub(crate) fn integer_range(b: &Bounds) -> (Option<i64>, Option<i64>) {
    let lo = b.min.map(|(v, excl)| {
        let f = v.ceil() as i64;
        if excl && f as f64 <= v { f + 1 } else { f }
    });
    let hi = b.max.map(|(v, excl)| {
        let f = v.floor() as i64;
        if excl && f as f64 >= v { f - 1 } else { f }
    });
    (lo, hi)
}

/// `random` as a version-4 UUID, lower case.
pub(crate) fn uuid_text(random: u128) -> String {
    let v = (random & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    let h = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_follow_the_path_parameter() {
        let doc = json!({});
        let kind = |schema| IdRules::from_schema(&doc, &schema).kind;
        assert_eq!(kind(json!({"type": "integer"})), IdKind::Integer);
        assert_eq!(
            kind(json!({"type": "string", "format": "uuid"})),
            IdKind::Uuid
        );
        assert_eq!(kind(json!({"type": "string"})), IdKind::Text);
        let fresh = |kind: IdKind, random| IdRules::from(kind).fresh("x", random);
        let n = fresh(IdKind::Integer, u128::MAX);
        assert_eq!(n.len(), 16, "{n}");
        assert!(n.parse::<u64>().unwrap() < 1 << 53);
        let u = fresh(IdKind::Uuid, 0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!(u, "01234567-89ab-4def-8123-456789abcdef");
        assert_eq!(fresh(IdKind::Text, 255), "x-00000000000000ff");
        let uuid = IdRules::from(IdKind::Uuid).bench_ids(7, 1000).unwrap();
        assert_eq!((uuid.prefix.len(), uuid.width), (24, 12));
    }

    /// Fresh ids from `rules` for 200 random draws: all admitted, all distinct.
    fn fresh_ids(rules: &IdRules) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        (0..200u128)
            .map(|i| {
                let id = rules.fresh(
                    "itemctl-check-0123456789abcdef-create",
                    i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835),
                );
                assert!(
                    rules.admits(&id),
                    "{id:?} not admitted by {}",
                    rules.describe()
                );
                assert!(seen.insert(id.clone()), "{id:?} twice");
                id
            })
            .collect()
    }

    #[test]
    fn constrained_text_ids_are_admitted_and_distinct() {
        let doc = json!({});
        let slug = IdRules::from_schema(
            &doc,
            &json!({"type": "string", "pattern": "^[a-z0-9-]+$", "minLength": 3, "maxLength": 24}),
        );
        assert!(!slug.admits("Ünï") && !slug.admits("ab") && slug.admits("abc"));
        assert!(fresh_ids(&slug).iter().all(|id| id.len() <= 24));
        let code = IdRules::from_schema(
            &doc,
            &json!({"type": "string", "pattern": r"^[A-Z]{2}-\d{6}$"}),
        );
        fresh_ids(&code);
        let long = IdRules::from_schema(&doc, &json!({"type": "string", "minLength": 64}));
        fresh_ids(&long);
        // Bench's ids fit too, at both ends of the counter.
        for rules in [&slug, &long] {
            let form = rules.bench_ids(0xabcd, 5000).unwrap();
            assert!(
                rules.admits(&form.id(0)) && rules.admits(&form.id(4999)),
                "{form:?}"
            );
        }
        assert_eq!(
            code.bench_ids(1, 10).unwrap_err(),
            r"the path parameter admits none of bench's id forms (text, pattern ^[A-Z]{2}-\d{6}$): give bench another --path, or check the endpoint instead"
        );
        // A pattern the regex crate cannot read is not checked.
        let look = IdRules::from_schema(&doc, &json!({"type": "string", "pattern": "^(?!x)"}));
        assert!(look.admits("x-anything"));
    }

    #[test]
    fn bounded_integer_ids_stay_within_their_bounds() {
        let doc = json!({});
        let small = IdRules::from_schema(
            &doc,
            &json!({"type": "integer", "minimum": 1, "maximum": 100000}),
        );
        assert!(!small.admits("0") && small.admits("1") && !small.admits("100001"));
        fresh_ids(&small);
        let form = small.bench_ids(3, 1000).unwrap();
        assert_eq!(
            (form.id(0), form.id(999)),
            ("1".to_owned(), "1000".to_owned())
        );
        let above = IdRules::from_schema(&doc, &json!({"type": "integer", "exclusiveMinimum": 0}));
        assert_eq!(fresh_ids(&above)[0].len(), 16);
        let negative = IdRules::from_schema(&doc, &json!({"type": "integer", "maximum": -10}));
        assert!(fresh_ids(&negative).iter().all(|id| id.starts_with('-')));
    }
}
