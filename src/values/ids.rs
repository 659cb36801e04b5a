//! Ids for check and bench that the path parameter admits
//! ([`crate::spec::endpoint::IdRules`]): fresh ones from random bits, and
//! bench's counted forms.

use crate::spec::endpoint::{IdKind, IdRules};

use super::pattern::Pattern;
use super::rng::Rng;

/// How bench writes its ids: counter `n` (`0..count`) becomes an id the
/// path parameter admits, a distinct id for each `n` (a repeat would make
/// the contract check see a second 201 that the server did not owe).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BenchIds {
    /// `prefix`, then `n` plus `offset`, padded with zeros to `width`
    /// digits: written per request, no table.
    Counted {
        /// What comes before the number.
        prefix: String,
        /// The digits the number is padded to (0: none).
        width: usize,
        /// What is added to the counter (the lower bound of integer ids).
        offset: u64,
        /// The most ids the form has (integers up to the upper bound:
        /// `hi - offset + 1`); `u64::MAX` for no limit.
        cap: u64,
    },
    /// Distinct ids drawn from the path parameter's `pattern`, where no
    /// counted form matches it: `n` is `table[n]`. The table may hold
    /// fewer ids than were asked for ([`BenchIds::shortfall`]).
    Drawn {
        /// The ids, all distinct, all admitted.
        table: Vec<String>,
        /// The pattern they were drawn from.
        pattern: String,
    },
}

/// The most ids bench draws from a pattern into its table (each id is
/// kept in memory, with its encoded forms).
pub const MAX_DRAWN: u64 = 1_000_000;

impl BenchIds {
    /// The id for counter `n` (for a table, `n` below its length).
    pub fn id(&self, n: u64) -> String {
        match self {
            BenchIds::Counted {
                prefix,
                width,
                offset,
                ..
            } => format!("{prefix}{:0width$}", n.saturating_add(*offset)),
            BenchIds::Drawn { table, .. } => usize::try_from(n)
                .ok()
                .and_then(|n| table.get(n))
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// How many distinct ids there are: `asked` for counted ids (at most
    /// the form's cap), the table's length for drawn ones.
    pub fn count(&self, asked: u64) -> u64 {
        match self {
            BenchIds::Counted { cap, .. } => asked.min(*cap),
            BenchIds::Drawn { table, .. } => table.len() as u64,
        }
    }

    /// Why there are fewer ids than `asked` for, in one line; `None` when
    /// there are as many.
    pub fn shortfall(&self, asked: u64) -> Option<String> {
        let (table, pattern) = match self {
            BenchIds::Counted { offset, cap, .. } => {
                return (*cap < asked).then(|| {
                    format!(
                        "{cap} ids of the --ids {asked} asked for: the path parameter admits only the integers {offset} to {}",
                        offset.saturating_add(cap.saturating_sub(1))
                    )
                });
            }
            BenchIds::Drawn { table, pattern } => (table, pattern),
        };
        let found = table.len() as u64;
        if found >= asked {
            return None;
        }
        Some(if found == MAX_DRAWN {
            format!(
                "{found} ids of the --ids {asked} asked for: bench draws at most {MAX_DRAWN} ids from a pattern"
            )
        } else {
            format!(
                "{found} ids of the --ids {asked} asked for: the pattern {pattern} gave no more distinct ids"
            )
        })
    }

    /// Why ids of this form may be ones an earlier run used (a server
    /// that kept them answers 200 where a fresh id gets 201), in one line;
    /// `None` when each run's ids are its own (the counted forms carry the
    /// run's random prefix). The integers from the lower bound up are the
    /// same every run; ids drawn from a pattern that admits few ids
    /// ([`small_space`]) meet earlier draws.
    pub fn repeats(&self, rules: &IdRules) -> Option<String> {
        match self {
            BenchIds::Counted { prefix, offset, .. } if prefix.is_empty() => Some(format!(
                "the ids are the integers from {offset} up, the same in every run"
            )),
            BenchIds::Counted { .. } => None,
            BenchIds::Drawn { pattern, .. } => small_space(rules).map(|_| {
                format!(
                    "the pattern {pattern} admits few enough ids that an earlier run's come again"
                )
            }),
        }
    }

    /// The ids in words, for the report: `bench-0000002a-<n>, n below
    /// 100000`, or `50 drawn from the pattern ^[a-z]{3}$ (abc, …)`.
    pub fn describe(&self, count: u64) -> String {
        match self {
            BenchIds::Counted {
                prefix,
                width,
                offset,
                ..
            } => {
                let last = count.saturating_sub(1).saturating_add(*offset);
                if *width > 0 {
                    format!("{prefix}<n>, n from {offset:0width$} to {last:0width$}")
                } else {
                    format!("{prefix}<n>, n from {offset} to {last}")
                }
            }
            BenchIds::Drawn { table, pattern, .. } => {
                let examples: Vec<&str> = table.iter().take(2).map(String::as_str).collect();
                format!(
                    "{} drawn from the pattern {pattern} ({}, …)",
                    table.len(),
                    examples.join(", ")
                )
            }
        }
    }
}

/// A fresh id the rules admit, from 128 random bits; `label` names what
/// it is for in a text id (`itemctl-check-<run>-create-…`) when the rules
/// leave room for it. Text ids try, in turn, the labelled form, hex,
/// upper-case hex, digits and letters, each cut to `maxLength` (keeping
/// the random end) or repeated up to `minLength`, then strings drawn from
/// the pattern; when none is admitted, the labelled form (the server's
/// refusal will say why).
pub fn fresh(rules: &IdRules, label: &str, random: u128) -> String {
    // An enum: one of its values (the admitted ones), at random.
    if let Some(choices) = &rules.choices {
        let admitted: Vec<&String> = choices.iter().filter(|c| rules.admits(c)).collect();
        let n = admitted.len().max(1) as u128;
        let i = usize::try_from(random % n).unwrap_or(0);
        return admitted.get(i).map_or_else(String::new, |c| (*c).clone());
    }
    match rules.kind {
        IdKind::Text => {
            let r = random as u64;
            let forms = fresh_forms(label, random);
            let fitted = forms.iter().map(|f| fit(rules, f));
            // Drawn from the pattern only when no fitted form is admitted.
            let drawn = std::iter::once_with(|| {
                let p = Pattern::new(rules.pattern.as_ref()?.as_str()).ok()?;
                let mut rng = Rng::seeded(r ^ (random >> 64) as u64);
                p.draw(&mut rng, |s| rules.admits(s))
            })
            .flatten();
            fitted
                .chain(drawn)
                .find(|id| rules.admits(id))
                .unwrap_or_else(|| forms[0].clone())
        }
        IdKind::Integer => {
            let (lo, hi) = integer_span(rules);
            let span = u128::try_from(i128::from(hi) - i128::from(lo) + 1).unwrap_or(1);
            let n = i128::from(lo) + i128::try_from(random % span.max(1)).unwrap_or(0);
            n.to_string()
        }
        IdKind::Uuid => uuid_text(random),
    }
}

/// Whether one of [`fresh`]'s fitted forms is admitted for `random` (then
/// it draws no string from the pattern).
fn fresh_form_fits(rules: &IdRules, random: u128) -> bool {
    fresh_forms("x", random)
        .iter()
        .any(|f| rules.admits(&fit(rules, f)))
}

/// The forms a fresh text id tries, in turn, before any is fitted to the
/// lengths: labelled, hex, upper-case hex, digits, letters, upper-case
/// letters, each from the low 64 random bits.
fn fresh_forms(label: &str, random: u128) -> [String; 6] {
    let r = random as u64;
    let letters: String = format!("{r:016x}")
        .bytes()
        .map(|b| match b {
            b'0'..=b'9' => char::from(b'a' + (b - b'0')),
            _ => char::from(b - b'a' + b'k'),
        })
        .collect();
    [
        format!("{label}-{r:016x}"),
        format!("{r:016x}"),
        format!("{r:016X}"),
        format!(
            "{}",
            1_000_000_000_000_000_000u64 + r % 9_000_000_000_000_000_000
        ),
        letters.clone(),
        letters.to_ascii_uppercase(),
    ]
}

/// The integers [`fresh`] draws integer ids from, as inclusive ends: 16
/// digits, no leading zero (below 2^53, a float-safe JSON number too);
/// where the bounds exclude all of those, anywhere within the bounds (from
/// 1 when only an upper bound of at least 1 is given).
fn integer_span(rules: &IdRules) -> (i64, i64) {
    const A: i64 = 1_000_000_000_000_000;
    const B: i64 = 8_999_999_999_999_999;
    let (lo, hi) = rules.range;
    let (a, b) = (lo.map_or(A, |l| l.max(A)), hi.map_or(B, |h| h.min(B)));
    if a <= b {
        return (a, b);
    }
    let lo = lo.unwrap_or_else(|| hi.map_or(1, |h| if h >= 1 { 1 } else { h.saturating_sub(A) }));
    (lo, hi.unwrap_or_else(|| lo.saturating_add(A)))
}

/// `maxLength` in characters (`usize::MAX` for none).
fn max_chars(rules: &IdRules) -> usize {
    rules
        .max_len
        .map_or(usize::MAX, |m| usize::try_from(m).unwrap_or(usize::MAX))
}

/// `form` cut to `maxLength` (its end kept: the random part) or repeated
/// up to `minLength`.
fn fit(rules: &IdRules, form: &str) -> String {
    let chars: Vec<char> = form.chars().collect();
    let max = max_chars(rules);
    let min = usize::try_from(rules.min_len).unwrap_or(0).min(max);
    if chars.len() > max {
        return chars[chars.len() - max..].iter().collect();
    }
    chars.iter().cycle().take(chars.len().max(min)).collect()
}

/// How bench writes `count` ids (counter `0..count`) such that the rules
/// admit every one: the first counted form that they admit (with a
/// pattern: for every counter, else at both ends). Without constraints
/// that is the first: `bench-<run>-` for text, the run's digits for
/// integers, a UUID's first groups for UUIDs (12 digits); constrained ids
/// try a few other forms (integers: from the lower bound up). Where no
/// counted form fits a text id's `pattern`, `count` distinct ids drawn from
/// the pattern with `run` as the seed (at most [`MAX_DRAWN`]; fewer when
/// the draws find no more: [`BenchIds::shortfall`]). Drawn ids have no `/`
/// (a server routes on the decoded path) and are not `.` or `..`.
///
/// # Errors
/// A one-line reason when no form fits the rules and no id can be drawn.
pub fn bench_ids(rules: &IdRules, run: u64, count: u64) -> Result<BenchIds, String> {
    let last = count.saturating_sub(1);
    let form = |prefix: String, width: usize, offset: u64| BenchIds::Counted {
        prefix,
        width,
        offset,
        cap: u64::MAX,
    };
    let tries: Vec<BenchIds> = match rules.kind {
        IdKind::Uuid => vec![form(
            uuid_text(u128::from(run) << 64)[..24].to_owned(),
            12,
            0,
        )],
        IdKind::Integer => {
            let from = rules
                .range
                .0
                .and_then(|lo| u64::try_from(lo).ok())
                .unwrap_or(1);
            // From the lower bound up: as many as the bounds hold.
            let cap = rules
                .range
                .1
                .and_then(|hi| u64::try_from(hi).ok())
                .filter(|hi| *hi >= from)
                .map_or(u64::MAX, |hi| (hi - from).saturating_add(1));
            vec![
                form(format!("{}", 1_000_000 + run % 8_000_000), 0, 0),
                BenchIds::Counted {
                    prefix: String::new(),
                    width: 0,
                    offset: from,
                    cap,
                },
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
                let min = usize::try_from(rules.min_len).unwrap_or(0);
                out.push(form(prefix.clone(), min.saturating_sub(prefix.len()), 0));
                if let Some(max) = rules.max_len.and_then(|m| usize::try_from(m).ok()) {
                    // Cut the run's part so that the counter fits (the
                    // forms are ASCII).
                    let keep = max.saturating_sub(digits).min(prefix.len());
                    out.push(form(prefix[..keep].to_owned(), max - keep, 0));
                }
            }
            out
        }
    };
    // A pattern may admit both ends and not what lies between
    // (`[13579]$`): with one, every counter is checked (up to MAX_DRAWN,
    // then a spread of them).
    let admitted = |ids: &BenchIds| {
        let last = ids.count(count).saturating_sub(1);
        let step = if rules.pattern.is_some() {
            (last / MAX_DRAWN).max(1)
        } else {
            last.max(1)
        };
        (0..=last)
            .step_by(usize::try_from(step).unwrap_or(usize::MAX))
            .chain([last])
            .all(|n| rules.admits(&ids.id(n)))
    };
    if let Some(counted) = tries.into_iter().find(admitted) {
        return Ok(counted);
    }
    let refused = |why: String| {
        format!(
            "the path parameter admits none of bench's id forms ({}){why}: give bench another --path, or check the endpoint instead",
            rules.describe()
        )
    };
    let source = match (rules.kind, &rules.pattern) {
        (IdKind::Text, Some(p)) => p.as_str(),
        _ => return Err(refused(String::new())),
    };
    let pattern = Pattern::new(source)
        .map_err(|e| refused(format!(", and bench cannot draw from it: {e}")))?;
    let mut rng = Rng::seeded(run);
    let table = pattern.distinct(
        &mut rng,
        usize::try_from(count.min(MAX_DRAWN)).unwrap_or(usize::MAX),
        |id| rules.admits(id) && !id.contains('/') && id != "." && id != "..",
    );
    if table.is_empty() {
        return Err(refused(
            ", and no id drawn from the pattern is admitted".into(),
        ));
    }
    Ok(BenchIds::Drawn {
        table,
        pattern: source.to_owned(),
    })
}

/// About how many distinct ids [`fresh`] makes for `rules`, when few
/// enough that random ids may meet ids an earlier run made (under about
/// ten billion); `None` when there are more. Integers by their bounds;
/// text whose pattern or `maxLength` narrows it by the collisions among
/// 4,096 ids drawn (N ≈ draws² / 2·collisions).
pub fn small_space(rules: &IdRules) -> Option<u128> {
    const SMALL: u128 = 10_000_000_000;
    if let Some(choices) = &rules.choices {
        return Some(choices.len() as u128);
    }
    match rules.kind {
        IdKind::Uuid => None,
        IdKind::Integer => {
            let (lo, hi) = integer_span(rules);
            let span = u128::try_from(i128::from(hi) - i128::from(lo) + 1).ok()?;
            (span < SMALL).then_some(span)
        }
        IdKind::Text => {
            if rules.pattern.is_none() && rules.max_len.is_none_or(|m| m >= 16) {
                return None;
            }
            const DRAWS: u128 = 4096;
            let mut rng = Rng::seeded(0x1d5_5a11);
            let mut seen = std::collections::HashSet::new();
            let mut collisions = 0u128;
            // The pattern compiled once: [`fresh`] draws from it after its
            // fitted forms.
            let pattern = rules
                .pattern
                .as_ref()
                .and_then(|p| Pattern::new(p.as_str()).ok());
            for _ in 0..DRAWS {
                let random = (u128::from(rng.next()) << 64) | u128::from(rng.next());
                let id = match &pattern {
                    Some(p) if !fresh_form_fits(rules, random) => {
                        p.draw(&mut rng, |s| rules.admits(s)).unwrap_or_default()
                    }
                    _ => fresh(rules, "x", random),
                };
                if !seen.insert(id) {
                    collisions += 1;
                }
            }
            let n = if collisions == 0 {
                return None;
            } else {
                DRAWS * DRAWS / (2 * collisions)
            };
            (n < SMALL).then_some(n.max(seen.len() as u128))
        }
    }
}

/// One id as a request sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spelling {
    /// The id the server must see.
    pub id: String,
    /// Whether its `+` characters go into the path as they are, not
    /// percent-encoded (a correct server reads a raw `+` as itself; one
    /// that decodes a path as a form reads a space).
    pub raw_plus: bool,
}

impl Spelling {
    fn plain(id: String) -> Spelling {
        Spelling {
            id,
            raw_plus: false,
        }
    }
}

/// Two distinct ids that servers are known to conflate, for the identity
/// check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookAlike {
    /// How they differ: `letter case`, `a trailing character`, …
    pub what: &'static str,
    /// The one created first.
    pub first: Spelling,
    /// The one that must then be created too (201), not updated.
    pub second: Spelling,
}

/// How many fresh ids each kind of look-alike pair may try before it is
/// left out (the rules admit no pair of that kind).
const PAIR_TRIES: usize = 16;

/// Pairs of distinct ids that the rules admit and that servers are known
/// to conflate, one per kind of difference, each made from its own fresh
/// id (`fresh` gives a new admitted id on every call, or `None` when
/// there is none left), so that no id of a pair was ever sent before:
/// - text: letter case; Unicode normalisation (NFC `é` vs NFD `e` and a
///   combining accent); compatibility normalisation (NFKC: a full-width
///   digit `１` vs `1`); a trailing character; trailing white space (a
///   server that `.strip()`s ids); `+` vs a space (a server that decodes
///   a path as a form, `+` for a space);
/// - integers: a trailing digit;
/// - UUIDs: none (their letter case is not a difference).
///
/// A kind whose pair the rules do not admit (a pattern without spaces, a
/// `maxLength` that leaves no room) is left out.
pub fn look_alikes(rules: &IdRules, mut fresh: impl FnMut() -> Option<String>) -> Vec<LookAlike> {
    type Make = fn(&IdRules, &str) -> Option<(Spelling, Spelling)>;
    let kinds: &[(&'static str, Make)] = match rules.kind {
        IdKind::Text => &[
            ("letter case", |_, f| {
                let flipped = flip_last_letter(f)?;
                Some((Spelling::plain(f.to_owned()), Spelling::plain(flipped)))
            }),
            ("Unicode normalisation (NFC vs NFD)", |r, f| {
                let g = room(r, f, 2);
                Some((
                    Spelling::plain(format!("{g}\u{e9}")),
                    Spelling::plain(format!("{g}e\u{301}")),
                ))
            }),
            (
                "compatibility normalisation (a full-width digit)",
                |r, f| {
                    let g = room(r, f, 1);
                    Some((
                        Spelling::plain(format!("{g}1")),
                        Spelling::plain(format!("{g}\u{ff11}")),
                    ))
                },
            ),
            ("a trailing character", |r, f| {
                let g = room(r, f, 1);
                // A `-` first: servers strip trailing punctuation from
                // slugs (`rstrip("-")`), which a letter would not show.
                for last in ['-', 'x'] {
                    let longer = format!("{g}{last}");
                    if r.admits(&longer) {
                        return Some((Spelling::plain(g.clone()), Spelling::plain(longer)));
                    }
                }
                // No room for one more: the id without its last character.
                let chopped: String = f.chars().take(f.chars().count().checked_sub(1)?).collect();
                Some((Spelling::plain(chopped), Spelling::plain(f.to_owned())))
            }),
            ("trailing white space", |r, f| {
                let g = room(r, f, 1);
                Some((Spelling::plain(g.clone()), Spelling::plain(format!("{g} "))))
            }),
            ("`+` and a space", |r, f| {
                let g = room(r, f, 2);
                Some((
                    Spelling {
                        id: format!("{g}+1"),
                        raw_plus: true,
                    },
                    Spelling::plain(format!("{g} 1")),
                ))
            }),
        ],
        IdKind::Integer => &[("a trailing digit", |r, f| {
            let n: i64 = f.parse().ok()?;
            let longer = n.checked_mul(10)?.to_string();
            if r.admits(&longer) {
                return Some((Spelling::plain(f.to_owned()), Spelling::plain(longer)));
            }
            Some((
                Spelling::plain((n / 10).to_string()),
                Spelling::plain(f.to_owned()),
            ))
        })],
        IdKind::Uuid => &[],
    };
    let mut out = Vec::new();
    for (what, make) in kinds {
        for _ in 0..PAIR_TRIES {
            let Some(f) = fresh() else { break };
            if let Some((first, second)) = make(rules, &f)
                && first.id != second.id
                && rules.admits(&first.id)
                && rules.admits(&second.id)
            {
                out.push(LookAlike {
                    what,
                    first,
                    second,
                });
                break;
            }
        }
    }
    out
}

/// `f` with its first characters dropped so that `n` more fit within
/// `maxLength` (the end of a fresh id is its random part); at least one
/// character stays.
fn room(rules: &IdRules, f: &str, n: usize) -> String {
    let len = f.chars().count();
    let max = max_chars(rules);
    let keep = max.saturating_sub(n).clamp(1, len.max(1));
    f.chars().skip(len.saturating_sub(keep)).collect()
}

/// `f` with the case of its last ASCII letter flipped.
fn flip_last_letter(f: &str) -> Option<String> {
    let at = f.rfind(|c: char| c.is_ascii_alphabetic())?;
    let mut out = f.to_owned();
    let c = f[at..].chars().next()?;
    let flipped = if c.is_ascii_uppercase() {
        c.to_ascii_lowercase()
    } else {
        c.to_ascii_uppercase()
    };
    out.replace_range(at..at + 1, &flipped.to_string());
    Some(out)
}

/// `random` as a version-4 UUID, lower case.
pub fn uuid_text(random: u128) -> String {
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
    use crate::spec::document::Document;
    use crate::spec::schema::Schema;
    use serde_json::{Value, json};

    fn rules(v: Value) -> IdRules {
        IdRules::from_schema(&Document::empty(), &Schema::read(&v, "#").unwrap())
    }

    #[test]
    fn fresh_ids_of_each_kind() {
        let fresh_of = |kind: IdKind, random| fresh(&IdRules::from(kind), "x", random);
        let n = fresh_of(IdKind::Integer, u128::MAX);
        assert_eq!(n.len(), 16, "{n}");
        assert!(n.parse::<u64>().unwrap() < 1 << 53);
        let u = fresh_of(IdKind::Uuid, 0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!(u, "01234567-89ab-4def-8123-456789abcdef");
        assert_eq!(fresh_of(IdKind::Text, 255), "x-00000000000000ff");
        let uuid = bench_ids(&IdRules::from(IdKind::Uuid), 7, 1000).unwrap();
        let BenchIds::Counted { prefix, width, .. } = uuid else {
            panic!("{uuid:?}");
        };
        assert_eq!((prefix.len(), width), (24, 12));
    }

    /// Fresh ids from `rules` for 200 random draws: all admitted, all distinct.
    fn fresh_ids(rules: &IdRules) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        (0..200u128)
            .map(|i| {
                let id = fresh(
                    rules,
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
        let slug = rules(
            json!({"type": "string", "pattern": "^[a-z0-9-]+$", "minLength": 3, "maxLength": 24}),
        );
        assert!(fresh_ids(&slug).iter().all(|id| id.len() <= 24));
        let code = rules(json!({"type": "string", "pattern": r"^[A-Z]{2}-\d{6}$"}));
        fresh_ids(&code);
        // The grammar of pydantic's engine: Unicode classes, `.`, `\s`, `\w`.
        let odd = rules(json!({"type": "string", "pattern": r"^\p{Lu}\p{Ll}{2,6}-\w{2}\.\d$"}));
        fresh_ids(&odd);
        let long = rules(json!({"type": "string", "minLength": 64}));
        fresh_ids(&long);
        for r in [&slug, &long] {
            let form = bench_ids(r, 0xabcd, 5000).unwrap();
            assert!(
                r.admits(&form.id(0)) && r.admits(&form.id(4999)),
                "{form:?}"
            );
        }
        let drawn = bench_ids(&code, 1, 10).unwrap();
        assert!(
            matches!(&drawn, BenchIds::Drawn { table, .. } if table.len() == 10),
            "{drawn:?}"
        );
    }

    /// The ids of counters `0..count`, after checking that they are
    /// admitted, distinct and free of `/`.
    fn all_ids(rules: &IdRules, form: &BenchIds, count: u64) -> Vec<String> {
        let ids: Vec<String> = (0..form.count(count)).map(|n| form.id(n)).collect();
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len(), "a repeated id: {ids:?}");
        for id in &ids {
            assert!(rules.admits(id) && !id.contains('/'), "{id:?}");
        }
        ids
    }

    #[test]
    fn a_pattern_no_counted_form_fits_gets_distinct_drawn_ids() {
        // The codes service of tests/services (CI): no counted form fits.
        let codes = rules(json!({"type": "string", "pattern": r"^\p{Lu}\p{Ll}{2,6}-\w{2}\.\d$"}));
        let form = bench_ids(&codes, 7, 5000).unwrap();
        assert!(matches!(form, BenchIds::Drawn { .. }), "{form:?}");
        assert_eq!(all_ids(&codes, &form, 5000).len(), 5000);
        assert_eq!(form.shortfall(5000), None);
        assert_eq!(
            form.repeats(&codes),
            None,
            "a pattern with room for fresh ids"
        );
        assert!(
            form.describe(5000)
                .starts_with(r"5000 drawn from the pattern ^\p{Lu}")
        );
        // Another run, other ids.
        assert_ne!(bench_ids(&codes, 8, 5000).unwrap().id(0), form.id(0));
        // A counted form that fits at both ends but not between them.
        let ends = rules(json!({"type": "string", "pattern": "(0|9)$"}));
        let form = bench_ids(&ends, 7, 10).unwrap();
        assert!(matches!(form, BenchIds::Drawn { .. }), "{form:?}");
        all_ids(&ends, &form, 10);
        // Where the counted form fits, it stays (no table).
        let slug = rules(json!({"type": "string", "pattern": "^[a-z0-9-]+$"}));
        assert!(matches!(
            bench_ids(&slug, 7, 100_000).unwrap(),
            BenchIds::Counted { .. }
        ));
    }

    #[test]
    fn bounded_integers_give_what_the_bounds_hold_and_say_they_repeat() {
        let small = rules(json!({"type": "integer", "minimum": 1, "maximum": 500}));
        let form = bench_ids(&small, 7, 100_000).unwrap();
        assert_eq!(form.count(100_000), 500);
        assert_eq!((form.id(0), form.id(499)), ("1".into(), "500".into()));
        assert_eq!(
            form.shortfall(100_000).unwrap(),
            "500 ids of the --ids 100000 asked for: the path parameter admits only the integers 1 to 500"
        );
        assert_eq!(
            form.repeats(&small).unwrap(),
            "the ids are the integers from 1 up, the same in every run"
        );
        assert_eq!(form.shortfall(300), None);
        // Wide bounds: the run's own prefix, fresh ids, no note.
        let wide = rules(json!({"type": "integer", "minimum": 1}));
        let form = bench_ids(&wide, 7, 100_000).unwrap();
        assert_eq!((form.shortfall(100_000), form.repeats(&wide)), (None, None));
    }

    #[test]
    fn a_small_pattern_gives_what_it_has_and_says_so() {
        let four = rules(json!({"type": "string", "pattern": "^[ab]{2}$"}));
        let form = bench_ids(&four, 3, 10).unwrap();
        let mut ids = all_ids(&four, &form, 10);
        ids.sort();
        assert_eq!(ids, ["aa", "ab", "ba", "bb"]);
        assert_eq!(form.count(10), 4);
        assert_eq!(
            form.shortfall(10).unwrap(),
            "4 ids of the --ids 10 asked for: the pattern ^[ab]{2}$ gave no more distinct ids"
        );
        assert_eq!(
            form.repeats(&four).unwrap(),
            "the pattern ^[ab]{2}$ admits few enough ids that an earlier run's come again"
        );
        // No id at all: refused, saying why.
        let none = rules(json!({"type": "string", "pattern": "^x$", "minLength": 2}));
        assert_eq!(
            bench_ids(&none, 1, 10).unwrap_err(),
            "the path parameter admits none of bench's id forms (text, at least 2 characters, pattern ^x$), and no id drawn from the pattern is admitted: give bench another --path, or check the endpoint instead"
        );
    }

    /// The kinds of the look-alike pairs for `rules`, after checking that
    /// every id of them is admitted and none repeats (none was sent
    /// before, as a 12-character id once was: cut to make room, it became
    /// the id of another pair).
    fn look_alike_kinds(rules: &IdRules) -> Vec<&'static str> {
        let mut n = 0u128;
        let pairs = look_alikes(rules, || {
            n += 1;
            Some(fresh(
                rules,
                "itemctl-check-0123456789abcdef-identity",
                n.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835),
            ))
        });
        let mut seen = std::collections::HashSet::new();
        for p in &pairs {
            for s in [&p.first, &p.second] {
                assert!(rules.admits(&s.id), "{:?} ({}) not admitted", s.id, p.what);
                assert!(seen.insert(s.id.clone()), "{:?} ({}) twice", s.id, p.what);
            }
        }
        pairs.iter().map(|p| p.what).collect()
    }

    #[test]
    fn look_alike_pairs_are_fresh_admitted_and_as_many_as_the_rules_allow() {
        let all = [
            "letter case",
            "Unicode normalisation (NFC vs NFD)",
            "compatibility normalisation (a full-width digit)",
            "a trailing character",
            "trailing white space",
            "`+` and a space",
        ];
        assert_eq!(look_alike_kinds(&rules(json!({"type": "string"}))), all);
        for max in [4, 12, 40] {
            let short = rules(json!({"type": "string", "minLength": 3, "maxLength": max}));
            assert_eq!(look_alike_kinds(&short), all, "maxLength {max}");
        }
        let slug = rules(json!({"type": "string", "pattern": "^[a-z0-9]+$"}));
        assert_eq!(look_alike_kinds(&slug), ["a trailing character"]);
        // Ids of one length: only the pairs of equal length.
        for len in [3, 8] {
            let exact = rules(json!({"type": "string", "minLength": len, "maxLength": len}));
            assert_eq!(
                look_alike_kinds(&exact),
                [
                    "letter case",
                    "compatibility normalisation (a full-width digit)",
                    "`+` and a space"
                ],
                "length {len}"
            );
        }
        let small = rules(json!({"type": "integer", "minimum": 1, "maximum": 100000}));
        assert_eq!(look_alike_kinds(&small), ["a trailing digit"]);
        assert!(look_alike_kinds(&IdRules::from(IdKind::Uuid)).is_empty());
        // The `+` is sent as it is; the other id of its pair has a space.
        let mut n = 0u128;
        let plus = look_alikes(&rules(json!({"type": "string"})), || {
            n += 1;
            Some(format!("id{n}"))
        })
        .pop()
        .unwrap();
        assert_eq!(
            (
                plus.first.id.as_str(),
                plus.first.raw_plus,
                plus.second.id.as_str()
            ),
            ("id6+1", true, "id6 1")
        );
    }

    #[test]
    fn small_id_spaces_are_told_apart_from_large_ones() {
        let size = |v: Value| small_space(&rules(v));
        assert_eq!(
            size(json!({"type": "integer", "minimum": 1, "maximum": 100})),
            Some(100)
        );
        assert_eq!(size(json!({"type": "integer", "minimum": 0})), None);
        assert_eq!(size(json!({"type": "integer"})), None);
        assert_eq!(size(json!({"type": "string"})), None);
        assert_eq!(size(json!({"type": "string", "maxLength": 12})), None);
        // 26^3 = 17,576 three-letter codes: about that many.
        let codes = size(json!({"type": "string", "pattern": "^[A-Z]{3}$"})).unwrap();
        assert!((8_000..40_000).contains(&codes), "{codes}");
        assert!(size(json!({"type": "string", "maxLength": 2})).is_some());
        assert_eq!(
            size(json!({"type": "string", "pattern": "^[a-z0-9-]{8,32}$"})),
            None
        );
        assert_eq!(small_space(&IdRules::from(IdKind::Uuid)), None);
    }

    #[test]
    fn bounded_integer_ids_stay_within_their_bounds() {
        let small = rules(json!({"type": "integer", "minimum": 1, "maximum": 100000}));
        fresh_ids(&small);
        let form = bench_ids(&small, 3, 1000).unwrap();
        assert_eq!(
            (form.id(0), form.id(999)),
            ("1".to_owned(), "1000".to_owned())
        );
        let above = rules(json!({"type": "integer", "exclusiveMinimum": 0}));
        assert_eq!(fresh_ids(&above)[0].len(), 16);
        let negative = rules(json!({"type": "integer", "maximum": -10}));
        assert!(fresh_ids(&negative).iter().all(|id| id.starts_with('-')));
    }
}
