//! The ids an endpoint's path parameter takes (FastAPI: `item_id: str`,
//! `int` or `UUID`), and fresh ones for check and bench. No I/O.

use serde_json::Value;

use super::shape::{Kind, MAX_DEPTH, kind_of};

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
    /// The kind a path parameter's schema gives (`anyOf` with null and
    /// `$ref`s followed).
    pub fn from_schema(doc: &Value, schema: &Value) -> IdKind {
        match kind_of(doc, schema, MAX_DEPTH) {
            Ok((Kind::Integer(_), _)) => IdKind::Integer,
            Ok((
                Kind::String {
                    format: Some(f), ..
                },
                _,
            )) if f == "uuid" => IdKind::Uuid,
            _ => IdKind::Text,
        }
    }

    /// A fresh id of this kind from 128 random bits; `label` names what
    /// it is for in a text id (`itemctl-check-<run>-create-…`).
    pub fn fresh(self, label: &str, random: u128) -> String {
        match self {
            IdKind::Text => format!("{label}-{:016x}", random as u64),
            // 16 digits, no leading zero: below 2^53, a float-safe JSON
            // number too.
            IdKind::Integer => {
                (1_000_000_000_000_000 + (random % 8_000_000_000_000_000) as u64).to_string()
            }
            IdKind::Uuid => uuid_text(random),
        }
    }

    /// What bench writes before its counter, and how many digits it pads
    /// the counter to: `bench-<run>-` for text, the run's digits for
    /// integers, a UUID's first groups for UUIDs (12 digits).
    pub fn bench_prefix(self, run: u64) -> (String, usize) {
        match self {
            IdKind::Text => (format!("bench-{:08x}-", run as u32), 0),
            IdKind::Integer => (format!("{}", 1_000_000 + run % 8_000_000), 0),
            IdKind::Uuid => {
                let full = uuid_text(u128::from(run) << 64);
                (full[..24].to_owned(), 12)
            }
        }
    }
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
        assert_eq!(
            IdKind::from_schema(&doc, &json!({"type": "integer"})),
            IdKind::Integer
        );
        assert_eq!(
            IdKind::from_schema(&doc, &json!({"type": "string", "format": "uuid"})),
            IdKind::Uuid
        );
        assert_eq!(
            IdKind::from_schema(&doc, &json!({"type": "string"})),
            IdKind::Text
        );
        let n = IdKind::Integer.fresh("x", u128::MAX);
        assert_eq!(n.len(), 16, "{n}");
        assert!(n.parse::<u64>().unwrap() < 1 << 53);
        let u = IdKind::Uuid.fresh("x", 0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!(u, "01234567-89ab-4def-8123-456789abcdef");
        assert!(
            IdKind::Text
                .fresh("itemctl-check", 255)
                .starts_with("itemctl-check-00000000000000ff")
        );
        let (prefix, pad) = IdKind::Uuid.bench_prefix(7);
        assert_eq!((prefix.len(), pad), (24, 12));
    }
}
