//! Strings that a `pattern` admits, drawn from the pattern's own grammar:
//! pydantic-core 2.50 matches `pattern` with the Rust `regex` crate
//! (`src/validators/string.rs`, `Pattern::compile`), searching anywhere in
//! the string, so its grammar (`regex-syntax`) is the faithful one, and
//! `rand_regex` generates from it. Anchors and word boundaries, which
//! `rand_regex` cannot generate, are dropped from the grammar, and every
//! string is checked against `regex::Regex` before it is returned.

use rand::distr::Distribution;
use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind};

use super::rng::Rng;

/// How many extra repetitions `*`, `+` and `{n,}` may draw.
const MAX_REPEAT: u32 = 8;

/// A pattern, ready to draw strings from.
#[derive(Clone, Debug)]
pub struct Pattern {
    generator: rand_regex::Regex,
    check: regex::Regex,
}

impl Pattern {
    /// Compiles `pattern`.
    ///
    /// # Errors
    /// A one-line reason when the `regex` crate cannot read it (look-around
    /// and back-references, which pydantic hands to Python's `re`) or
    /// `rand_regex` cannot generate from it.
    pub fn new(pattern: &str) -> Result<Pattern, String> {
        let check = regex::Regex::new(pattern).map_err(|e| format!("pattern {pattern:?}: {e}"))?;
        let hir = regex_syntax::Parser::new()
            .parse(pattern)
            .map_err(|e| format!("pattern {pattern:?}: {e}"))?;
        let generator = rand_regex::Regex::with_hir(without_looks(hir), MAX_REPEAT)
            .map_err(|e| format!("pattern {pattern:?}: {e}"))?;
        Ok(Pattern { generator, check })
    }

    /// Whether `text` is admitted (the pattern found anywhere in it).
    pub fn admits(&self, text: &str) -> bool {
        self.check.is_match(text)
    }

    /// A string the pattern admits and `fits` accepts, drawn with `rng`;
    /// `None` when 64 draws give none (a pattern whose anchors or
    /// boundaries the draws rarely meet, or lengths it cannot reach).
    pub fn draw(&self, rng: &mut Rng, fits: impl Fn(&str) -> bool) -> Option<String> {
        (0..64).find_map(|_| {
            let s: String = self.generator.sample(rng);
            (self.admits(&s) && fits(&s)).then_some(s)
        })
    }

    /// Up to `count` distinct strings that the pattern admits and `fits`
    /// accepts, drawn with `rng`, in the order drawn. Fewer when the
    /// draws stop finding new ones: after 4,096 draws in a row (and
    /// eight times as many as were found) without a new one, so a small
    /// language is exhausted, with a chance of missing one of its strings
    /// below e^-8 when draws are uniform.
    pub fn distinct(
        &self,
        rng: &mut Rng,
        count: usize,
        fits: impl Fn(&str) -> bool,
    ) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        let mut misses = 0;
        while out.len() < count && misses < MISSES.max(8 * out.len()) {
            let s: String = self.generator.sample(&mut *rng);
            if self.admits(&s) && fits(&s) && seen.insert(s.clone()) {
                out.push(s);
                misses = 0;
            } else {
                misses += 1;
            }
        }
        out
    }
}

/// After this many draws in a row give nothing new (and at least eight
/// times as many as were found), [`Pattern::distinct`] takes it that the
/// pattern admits no more.
const MISSES: usize = 4096;

/// The grammar with every look-around assertion (`^`, `$`, `\b`, …)
/// replaced by the empty string, and every class narrowed to its
/// printable ASCII part where it has one (`\d` draws `0-9`, `\p{Lu}`
/// draws `A-Z`, `.` draws no control character): such strings are what
/// the pattern admits under Rust's Unicode classes and ECMA-262's ASCII
/// ones alike, so a Node server with a JSON Schema validator takes them
/// too, and ids stay readable.
fn without_looks(hir: Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Look(_) => Hir::empty(),
        HirKind::Capture(mut c) => {
            c.sub = Box::new(without_looks(*c.sub));
            Hir::capture(c)
        }
        HirKind::Repetition(mut r) => {
            r.sub = Box::new(without_looks(*r.sub));
            Hir::repetition(r)
        }
        HirKind::Concat(hs) => Hir::concat(hs.into_iter().map(without_looks).collect()),
        HirKind::Alternation(hs) => Hir::alternation(hs.into_iter().map(without_looks).collect()),
        kind @ (HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_)) => match kind {
            HirKind::Literal(l) => Hir::literal(l.0),
            HirKind::Class(c) => Hir::class(narrowed(c)),
            _ => Hir::empty(),
        },
    }
}

/// A class's printable ASCII part, else its ASCII part, else itself.
fn narrowed(class: Class) -> Class {
    let Class::Unicode(u) = &class else {
        return class;
    };
    for (lo, hi) in [(' ', '~'), ('\0', '\x7f')] {
        let mut part = u.clone();
        part.intersect(&ClassUnicode::new([ClassUnicodeRange::new(lo, hi)]));
        if part.iter().next().is_some() {
            return Class::Unicode(part);
        }
    }
    class
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_match_the_pattern_with_pydantics_grammar() {
        let mut rng = Rng::seeded(1);
        for pattern in [
            r"^\p{Lu}\p{Ll}{2,6}-\w{2}\.\d$",
            r"^[A-Z]{2}-\d{6}$",
            r"^\s+x.y$",
            r"^(?:red|green)\b",
            r"^v\.(?P<major>\d+)$",
            r"[a-z0-9_-]{3,16}",
        ] {
            let p = Pattern::new(pattern).unwrap();
            for _ in 0..50 {
                let s = p.draw(&mut rng, |_| true).unwrap();
                assert!(
                    regex::Regex::new(pattern).unwrap().is_match(&s),
                    "{pattern}: {s:?}"
                );
            }
        }
        let p = Pattern::new(r"^[a-z]{1,20}$").unwrap();
        let s = p.draw(&mut rng, |s| s.len() >= 18).unwrap();
        assert!(s.len() >= 18);
        assert!(
            Pattern::new(r"^[a-z]$")
                .unwrap()
                .draw(&mut rng, |s| s.len() > 1)
                .is_none()
        );
    }

    #[test]
    fn what_the_regex_crate_cannot_read_is_refused() {
        for pattern in [r"^(?=a)b$", r"(a)\1", "[abc"] {
            assert!(Pattern::new(pattern).is_err(), "{pattern}");
        }
    }
}
