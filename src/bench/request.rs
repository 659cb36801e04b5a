//! The bytes of bench's requests: what follows the id ([`Tail`]: the
//! same for every request, or cut around a body field that repeats the
//! id), and how an id is written in a path and in a body ([`IdText`]).

use std::io::Write as _;

use crate::client;
use crate::values::ids::BenchIds;

/// Everything after the id in a request: the rest of the path,
/// ` HTTP/1.1`, `Host`, the headers (`content-type` unless `headers` names
/// one), `Content-Length`, the blank line and the body; the same for every
/// request, unless `id_field` names a field of the body that repeats the id
/// (then each request's body carries its id there, a number when `number`).
pub(super) fn request_tail(
    after_id: &str,
    host: &str,
    headers: &[(String, String)],
    body: &[u8],
    id_field: Option<&str>,
    number: bool,
) -> Tail {
    let mut head = Vec::with_capacity(128);
    let _ = write!(head, "{after_id} HTTP/1.1\r\nHost: {host}\r\n");
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        head.extend_from_slice(b"Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        let _ = write!(head, "{k}: {v}\r\n");
    }
    if let Some((before, after)) = id_field.and_then(|field| split_at_id(body, field)) {
        return Tail::WithId {
            head,
            before,
            after,
            quoted: !number,
        };
    }
    let _ = write!(head, "Content-Length: {}\r\n\r\n", body.len());
    head.extend_from_slice(body);
    Tail::Fixed(head)
}

/// The rest of a request after the id in its path.
pub(super) enum Tail {
    /// The same bytes for every id.
    Fixed(Vec<u8>),
    /// A body that repeats the id ([`Promises::id_field`]): the head up to
    /// `Content-Length`, and the body around the id, written per request.
    WithId {
        head: Vec<u8>,
        before: Vec<u8>,
        after: Vec<u8>,
        /// Whether the id is a JSON string (else a number).
        quoted: bool,
    },
}

/// How a request writes the id of counter `n` ([`BenchIds`]), in its
/// path and in its body.
pub(super) enum IdText {
    /// `prefix` (safe in a path and in a JSON string: the counted forms
    /// are ASCII letters, digits and `-`), then the number.
    Counted {
        prefix: String,
        width: usize,
        offset: u64,
    },
    /// Per id: its percent-encoded path segment and its JSON string (with
    /// the quotes).
    Drawn {
        path: Vec<Box<str>>,
        json: Vec<Box<str>>,
    },
}

impl IdText {
    pub(super) fn new(ids: &BenchIds) -> IdText {
        match ids {
            BenchIds::Counted {
                prefix,
                width,
                offset,
                ..
            } => IdText::Counted {
                prefix: prefix.clone(),
                width: *width,
                offset: *offset,
            },
            BenchIds::Drawn { table, .. } => IdText::Drawn {
                path: table
                    .iter()
                    .map(|id| client::encode_id(id).into())
                    .collect(),
                json: table
                    .iter()
                    .map(|id| serde_json::Value::from(id.as_str()).to_string().into())
                    .collect(),
            },
        }
    }

    /// Appends the id of counter `n` as a path segment.
    pub(super) fn path(&self, n: u64, out: &mut Vec<u8>) {
        match self {
            IdText::Counted {
                prefix,
                width,
                offset,
            } => {
                out.extend_from_slice(prefix.as_bytes());
                push_number(out, n + offset, *width);
            }
            IdText::Drawn { path, .. } => out.extend_from_slice(drawn(path, n).as_bytes()),
        }
    }

    /// Appends the id of counter `n` as a JSON value: a string, or a
    /// number where `quoted` is false (counted integer ids).
    pub(super) fn json(&self, n: u64, quoted: bool, out: &mut Vec<u8>) {
        match self {
            IdText::Counted { .. } => {
                if quoted {
                    out.push(b'"');
                }
                self.path(n, out);
                if quoted {
                    out.push(b'"');
                }
            }
            IdText::Drawn { json, .. } => out.extend_from_slice(drawn(json, n).as_bytes()),
        }
    }
}

/// Entry `n` of a drawn table (`n` is always below its length: bench
/// draws counters below the table's length).
fn drawn(table: &[Box<str>], n: u64) -> &str {
    usize::try_from(n)
        .ok()
        .and_then(|n| table.get(n))
        .map_or("", |s| &**s)
}

/// `body` (a JSON object) cut around the value of `field`, which is
/// replaced by the id: `None` when the body is not an object with it.
pub(crate) fn split_at_id(body: &[u8], field: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    const SLOT: &str = "itemctl-bench-id-slot-7f3a";
    let mut object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(body).ok()?;
    object.get(field)?;
    object.insert(field.to_owned(), SLOT.into());
    let text = serde_json::to_vec(&object).ok()?;
    let slot = format!("\"{SLOT}\"");
    let at = text
        .windows(slot.len())
        .position(|w| w == slot.as_bytes())?;
    Some((text[..at].to_vec(), text[at + slot.len()..].to_vec()))
}

/// Appends `n` in decimal, zero-padded to `width` digits.
pub(super) fn push_number(out: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let len = digits.len() - at;
    out.extend(std::iter::repeat_n(b'0', width.saturating_sub(len)));
    out.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_that_repeats_the_id_is_cut_around_it() {
        let (before, after) = split_at_id(br#"{"isbn":"x","title":"t"}"#, "isbn").unwrap();
        assert_eq!(
            (&before[..], &after[..]),
            (&br#"{"isbn":"#[..], &br#","title":"t"}"#[..])
        );
        assert_eq!(split_at_id(br#"{"title":"t"}"#, "isbn"), None);
        assert_eq!(split_at_id(b"[1]", "isbn"), None);
        // A request to host h with `body`, whose isbn repeats the id.
        let tail = |body: &[u8]| request_tail("", "h", &[], body, Some("isbn"), false);
        let tail_with = tail(br#"{"isbn":"x"}"#);
        let Tail::WithId { head, quoted, .. } = tail_with else {
            panic!("the id goes into the body");
        };
        assert!(!head.ends_with(b"\r\n\r\n") && quoted);
        let fixed = tail(br#"{"title":"t"}"#);
        let Tail::Fixed(bytes) = fixed else {
            panic!("no id field in the body: the same bytes every time");
        };
        assert!(bytes.ends_with(b"Content-Length: 13\r\n\r\n{\"title\":\"t\"}"));
    }

    #[test]
    fn numbers_are_written_padded() {
        let mut out = Vec::new();
        for (n, width) in [(0, 0), (7, 3), (1234, 2), (u64::MAX, 0), (42, 12)] {
            push_number(&mut out, n, width);
            out.push(b' ');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "0 007 1234 18446744073709551615 000000000042 "
        );
    }
}
