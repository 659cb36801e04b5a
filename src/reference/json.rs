//! The reference's JSON decoding: a byte-for-byte model of CPython 3.11's
//! `json.loads(bytes)` as FastAPI calls it on a request body (docs/BEHAVIOR.md §4).
//!
//! What it reproduces, and why a stock JSON parser would not do:
//! - text encoding detection (`json.detect_encoding`): UTF-8 with an optional
//!   BOM, UTF-16 and UTF-32 in either byte order with or without a BOM, all
//!   decoded with Python's `surrogatepass` error handler;
//! - the grammar of the C scanner (`Modules/_json.c`): `NaN`, `Infinity`,
//!   `-Infinity`, duplicate keys (last value wins, first position kept), lone
//!   surrogate escapes, and only ` \t\n\r` as whitespace;
//! - arbitrary-precision integers, with Python's 4300-digit limit;
//! - the nesting limit the reference hits through Python's recursion limit;
//! - syntax errors with Python's exact message and a position counted in
//!   characters (code points) of the decoded text.
//!
//! Strings are kept as generalized UTF-8 ("WTF-8"): valid UTF-8, except that a
//! lone surrogate code point is encoded as its 3-byte form. That keeps string
//! identity exact (two different lone surrogates are different keys) while a
//! string without surrogates is plain UTF-8.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

/// Python's default `sys.get_int_max_str_digits()`: an integer literal with
/// more digits makes `int()` raise `ValueError`, which FastAPI turns into a 400.
pub const MAX_INT_DIGITS: usize = 4300;

/// The deepest nesting of arrays and objects the reference still parses.
///
/// The C scanner calls `Py_EnterRecursiveCall` once per array or object, so
/// the limit is Python's recursion limit (1000) less the stack depth at which
/// FastAPI calls `json.loads`. Measured by probing the reference (uvicorn
/// 0.54, FastAPI 0.165, CPython 3.11.7): 960 nested arrays or objects parse,
/// 961 give a `RecursionError` (400). docs/BEHAVIOR.md §4 says "about 950".
pub const MAX_DEPTH: usize = 960;

/// A string as Python holds it: any sequence of code points, including lone
/// surrogates (which `json.loads` accepts and UTF-8 cannot encode).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyStr {
    /// Generalized UTF-8: lone surrogates as 3-byte sequences `ED A0..BF xx`.
    wtf8: Box<[u8]>,
    /// Whether `wtf8` holds a lone surrogate (then it is not valid UTF-8).
    has_surrogates: bool,
}

impl PyStr {
    /// A string of valid UTF-8 text (no lone surrogates).
    pub fn new(s: &str) -> Self {
        PyStr {
            wtf8: s.as_bytes().into(),
            has_surrogates: false,
        }
    }

    /// A string from generalized UTF-8 bytes, with `has_surrogates` telling
    /// whether they hold a lone surrogate (the caller vouches for both).
    pub(crate) fn from_wtf8(bytes: Vec<u8>, has_surrogates: bool) -> Self {
        PyStr {
            wtf8: bytes.into_boxed_slice(),
            has_surrogates,
        }
    }

    /// The text, or `None` when it holds a lone surrogate: Python's
    /// `str.encode("utf-8")` raises there, and the reference answers 500.
    pub fn as_str(&self) -> Option<&str> {
        if self.has_surrogates {
            None
        } else {
            std::str::from_utf8(&self.wtf8).ok()
        }
    }

    /// The text with each lone surrogate replaced by U+FFFD (for display and
    /// storage; never what the reference would send).
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(&self.wtf8).into_owned()
    }

    /// Whether the string holds a lone surrogate.
    pub fn has_surrogates(&self) -> bool {
        self.has_surrogates
    }

    /// The generalized UTF-8 bytes.
    pub fn as_wtf8(&self) -> &[u8] {
        &self.wtf8
    }

    /// The code points of the string, lone surrogates included.
    pub fn code_points(&self) -> CodePoints<'_> {
        CodePoints {
            bytes: &self.wtf8,
            pos: 0,
        }
    }
}

impl fmt::Debug for PyStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string_lossy())?;
        if self.has_surrogates {
            f.write_str("(with lone surrogates)")?;
        }
        Ok(())
    }
}

/// Iterator over the code points of generalized UTF-8 (see [`PyStr::code_points`]).
pub struct CodePoints<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Iterator for CodePoints<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        let b = &self.bytes[self.pos..];
        let first = *b.first()?;
        let (cp, len) = match first {
            0x00..=0x7f => (u32::from(first), 1),
            0xc0..=0xdf => ((u32::from(first & 0x1f) << 6) | u32::from(b[1] & 0x3f), 2),
            0xe0..=0xef => (
                (u32::from(first & 0x0f) << 12)
                    | (u32::from(b[1] & 0x3f) << 6)
                    | u32::from(b[2] & 0x3f),
                3,
            ),
            _ => (
                (u32::from(first & 0x07) << 18)
                    | (u32::from(b[1] & 0x3f) << 12)
                    | (u32::from(b[2] & 0x3f) << 6)
                    | u32::from(b[3] & 0x3f),
                4,
            ),
        };
        self.pos += len;
        Some(cp)
    }
}

/// A Python `int` of any size, as `json.loads` or pydantic produce it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Int {
    /// Fits in an `i64`.
    Small(i64),
    /// Outside `i64`: canonical decimal, `-` sign if negative, no leading zeros.
    Big(Box<str>),
}

impl Int {
    /// The integer with the given sign and ASCII decimal digits (leading zeros
    /// allowed; `-0` is 0, as in Python).
    ///
    /// Callers pass only ASCII digits; other bytes give a wrong number
    /// (never a panic), so validate first.
    pub fn from_digits(negative: bool, digits: &str) -> Int {
        let trimmed = digits.trim_start_matches('0');
        if trimmed.is_empty() {
            return Int::Small(0);
        }
        if trimmed.len() <= 18 {
            let mut v: i64 = 0;
            for b in trimmed.bytes() {
                v = v * 10 + i64::from(b.wrapping_sub(b'0') % 10);
            }
            return Int::Small(if negative { -v } else { v });
        }
        let text = if negative {
            format!("-{trimmed}")
        } else {
            trimmed.to_owned()
        };
        match text.parse::<i64>() {
            Ok(v) => Int::Small(v),
            Err(_) => Int::Big(text.into_boxed_str()),
        }
    }

    /// Appends the decimal form, in full, as Python's `repr(int)` does.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match self {
            Int::Small(v) => {
                let mut digits = [0u8; 20];
                let mut at = digits.len();
                let mut rest = v.unsigned_abs();
                loop {
                    at -= 1;
                    digits[at] = b'0' + (rest % 10) as u8;
                    rest /= 10;
                    if rest == 0 {
                        break;
                    }
                }
                if *v < 0 {
                    out.push(b'-');
                }
                out.extend_from_slice(&digits[at..]);
            }
            Int::Big(s) => out.extend_from_slice(s.as_bytes()),
        }
    }
}

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Int::Small(v) => write!(f, "{v}"),
            Int::Big(s) => f.write_str(s),
        }
    }
}

/// A decoded JSON document, with Python's types.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null` (Python `None`).
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer literal.
    Int(Int),
    /// A literal with a fraction or exponent, or `NaN`/`Infinity`/`-Infinity`;
    /// overflowing literals such as `1e400` are infinite, as in Python.
    Float(f64),
    /// A string.
    Str(PyStr),
    /// An array.
    Array(Vec<Value>),
    /// An object, as a Python `dict`.
    Object(Object),
}

/// A JSON object as a Python `dict`: insertion order, and a repeated key keeps
/// its first position and takes its last value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Object {
    entries: Vec<(PyStr, Value)>,
    /// Key → position, built once the object is large enough to need it.
    index: Option<HashMap<PyStr, usize>>,
}

/// Objects up to this many keys are searched linearly.
const LINEAR_KEYS: usize = 16;

impl Object {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value` with `dict.__setitem__`'s semantics.
    pub fn insert(&mut self, key: PyStr, value: Value) {
        if let Some(index) = &mut self.index {
            if let Some(&i) = index.get(&key) {
                self.entries[i].1 = value;
            } else {
                index.insert(key.clone(), self.entries.len());
                self.entries.push((key, value));
            }
            return;
        }
        if let Some(slot) = self.entries.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
            return;
        }
        self.entries.push((key, value));
        if self.entries.len() > LINEAR_KEYS {
            let index = self
                .entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.clone(), i))
                .collect();
            self.index = Some(index);
        }
    }

    /// The value under an exact (case-sensitive) key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        if let Some(index) = &self.index {
            return index.get(&PyStr::new(key)).map(|&i| &self.entries[i].1);
        }
        self.entries
            .iter()
            .find(|(k, _)| &*k.wtf8 == key.as_bytes())
            .map(|(_, v)| v)
    }

    /// The entries in `dict` order.
    pub fn iter(&self) -> impl Iterator<Item = (&PyStr, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The number of distinct keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the object has no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Why a body could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// `json.JSONDecodeError`: the reference answers 422 `json_invalid` with
    /// `msg` as `ctx.error` and `pos` in `loc`.
    #[error("{msg} (char {pos})")]
    Syntax {
        /// Python's bare message, e.g. `Expecting ',' delimiter`.
        msg: &'static str,
        /// 0-based index in code points of the decoded text.
        pos: usize,
    },
    /// Any other exception inside `json.loads` (`UnicodeDecodeError`,
    /// `RecursionError`, `ValueError` for an over-long integer): the reference
    /// answers 400 `There was an error parsing the body`.
    #[error("{0}")]
    Unparseable(&'static str),
}

/// Decodes a request body as the reference's `json.loads(body_bytes)` does.
///
/// # Errors
/// [`DecodeError::Syntax`] where Python raises `JSONDecodeError`, and
/// [`DecodeError::Unparseable`] for undecodable text, nesting deeper than
/// [`MAX_DEPTH`] and integer literals longer than [`MAX_INT_DIGITS`].
pub fn decode(body: &[u8]) -> Result<Value, DecodeError> {
    let text = decode_text(body)?;
    let mut scanner = Scanner { s: &text };
    let start = skip_ws(&text, 0);
    let (value, end) = scanner
        .scan_once(start)
        .map_err(|e| e.into_decode_error(&text))?;
    let end = skip_ws(&text, end);
    if end != text.len() {
        return Err(DecodeError::Syntax {
            msg: "Extra data",
            pos: char_index(&text, end),
        });
    }
    Ok(value)
}

/// The text encodings `json.detect_encoding` chooses between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Utf8Sig,
    Utf16,
    Utf16Be,
    Utf16Le,
    Utf32,
    Utf32Be,
    Utf32Le,
}

/// Mirrors `json.detect_encoding` (CPython 3.11 `Lib/json/__init__.py`).
fn detect_encoding(b: &[u8]) -> Encoding {
    if b.starts_with(&[0xff, 0xfe, 0, 0]) || b.starts_with(&[0, 0, 0xfe, 0xff]) {
        return Encoding::Utf32;
    }
    if b.starts_with(&[0xff, 0xfe]) || b.starts_with(&[0xfe, 0xff]) {
        return Encoding::Utf16;
    }
    if b.starts_with(&[0xef, 0xbb, 0xbf]) {
        return Encoding::Utf8Sig;
    }
    if b.len() >= 4 {
        if b[0] == 0 {
            return if b[1] != 0 {
                Encoding::Utf16Be
            } else {
                Encoding::Utf32Be
            };
        }
        if b[1] == 0 {
            return if b[2] != 0 || b[3] != 0 {
                Encoding::Utf16Le
            } else {
                Encoding::Utf32Le
            };
        }
    } else if b.len() == 2 {
        if b[0] == 0 {
            return Encoding::Utf16Be;
        }
        if b[1] == 0 {
            return Encoding::Utf16Le;
        }
    }
    Encoding::Utf8
}

const UNDECODABLE: DecodeError = DecodeError::Unparseable("the body is not decodable text");

/// `bytes.decode(detect_encoding(b), "surrogatepass")`, as generalized UTF-8.
fn decode_text(body: &[u8]) -> Result<Cow<'_, [u8]>, DecodeError> {
    match detect_encoding(body) {
        Encoding::Utf8 => utf8_surrogatepass(body),
        Encoding::Utf8Sig => utf8_surrogatepass(&body[3..]),
        Encoding::Utf16 => {
            let big_endian = body[0] == 0xfe;
            utf16_surrogatepass(&body[2..], big_endian).map(Cow::Owned)
        }
        Encoding::Utf16Be => utf16_surrogatepass(body, true).map(Cow::Owned),
        Encoding::Utf16Le => utf16_surrogatepass(body, false).map(Cow::Owned),
        Encoding::Utf32 => {
            let big_endian = body[0] == 0;
            utf32_surrogatepass(&body[4..], big_endian).map(Cow::Owned)
        }
        Encoding::Utf32Be => utf32_surrogatepass(body, true).map(Cow::Owned),
        Encoding::Utf32Le => utf32_surrogatepass(body, false).map(Cow::Owned),
    }
}

/// UTF-8 that also admits encoded surrogates (`ED A0..BF 80..BF`), as
/// Python's `surrogatepass` does; everything else must be strict UTF-8.
fn utf8_surrogatepass(b: &[u8]) -> Result<Cow<'_, [u8]>, DecodeError> {
    match std::str::from_utf8(b) {
        Ok(_) => Ok(Cow::Borrowed(b)),
        Err(_) => {
            let mut rest = b;
            while !rest.is_empty() {
                match std::str::from_utf8(rest) {
                    Ok(_) => break,
                    Err(e) => {
                        let at = e.valid_up_to();
                        let tail = &rest[at..];
                        if tail.len() >= 3
                            && tail[0] == 0xed
                            && (0xa0..=0xbf).contains(&tail[1])
                            && (0x80..=0xbf).contains(&tail[2])
                        {
                            rest = &tail[3..];
                        } else {
                            return Err(UNDECODABLE);
                        }
                    }
                }
            }
            Ok(Cow::Borrowed(b))
        }
    }
}

/// Appends one code point (surrogates included) as generalized UTF-8.
fn push_code_point(out: &mut Vec<u8>, cp: u32) {
    match cp {
        0..=0x7f => out.push(cp as u8),
        0x80..=0x7ff => out.extend_from_slice(&[0xc0 | (cp >> 6) as u8, 0x80 | (cp & 0x3f) as u8]),
        0x800..=0xffff => out.extend_from_slice(&[
            0xe0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3f) as u8,
            0x80 | (cp & 0x3f) as u8,
        ]),
        _ => out.extend_from_slice(&[
            0xf0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3f) as u8,
            0x80 | ((cp >> 6) & 0x3f) as u8,
            0x80 | (cp & 0x3f) as u8,
        ]),
    }
}

fn utf16_surrogatepass(b: &[u8], big_endian: bool) -> Result<Vec<u8>, DecodeError> {
    if !b.len().is_multiple_of(2) {
        return Err(UNDECODABLE);
    }
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| {
            if big_endian {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        })
        .collect();
    let mut out = Vec::with_capacity(units.len());
    let mut i = 0;
    while i < units.len() {
        let u = u32::from(units[i]);
        if (0xd800..0xdc00).contains(&u)
            && let Some(&low) = units.get(i + 1)
            && (0xdc00..0xe000).contains(&u32::from(low))
        {
            let cp = 0x10000 + ((u - 0xd800) << 10) + (u32::from(low) - 0xdc00);
            push_code_point(&mut out, cp);
            i += 2;
            continue;
        }
        push_code_point(&mut out, u);
        i += 1;
    }
    Ok(out)
}

fn utf32_surrogatepass(b: &[u8], big_endian: bool) -> Result<Vec<u8>, DecodeError> {
    if !b.len().is_multiple_of(4) {
        return Err(UNDECODABLE);
    }
    let mut out = Vec::with_capacity(b.len() / 2);
    for c in b.chunks_exact(4) {
        let cp = if big_endian {
            u32::from_be_bytes([c[0], c[1], c[2], c[3]])
        } else {
            u32::from_le_bytes([c[0], c[1], c[2], c[3]])
        };
        if cp > 0x10ffff {
            return Err(UNDECODABLE);
        }
        push_code_point(&mut out, cp);
    }
    Ok(out)
}

/// Converts a byte offset in generalized UTF-8 to a code point index.
fn char_index(text: &[u8], byte_pos: usize) -> usize {
    text[..byte_pos.min(text.len())]
        .iter()
        .filter(|&&b| (b & 0xc0) != 0x80)
        .count()
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_ws(s: &[u8], mut idx: usize) -> usize {
    while idx < s.len() && is_ws(s[idx]) {
        idx += 1;
    }
    idx
}

/// A scanner failure, positions still in bytes.
enum ScanError {
    /// Python's `StopIteration(idx)`: becomes `Expecting value` at `idx`.
    StopIteration(usize),
    Syntax(&'static str, usize),
    Unparseable(&'static str),
}

impl ScanError {
    fn into_decode_error(self, text: &[u8]) -> DecodeError {
        match self {
            ScanError::StopIteration(pos) => DecodeError::Syntax {
                msg: "Expecting value",
                pos: char_index(text, pos),
            },
            ScanError::Syntax(msg, pos) => DecodeError::Syntax {
                msg,
                pos: char_index(text, pos),
            },
            ScanError::Unparseable(why) => DecodeError::Unparseable(why),
        }
    }
}

type Scan<T> = Result<(T, usize), ScanError>;

/// The C scanner of `Modules/_json.c` (`scan_once_unicode` and friends),
/// working on generalized UTF-8 bytes. All its checks compare ASCII
/// characters, so byte offsets give the same decisions as Python's
/// code-point offsets; offsets become code points only in errors.
struct Scanner<'a> {
    s: &'a [u8],
}

/// An array or object still open in [`Scanner::scan_once`].
enum Open {
    Array(Vec<Value>),
    /// The object so far and the key whose value is being scanned.
    Object(Object, PyStr),
}

impl Scanner<'_> {
    fn at(&self, idx: usize) -> Option<u8> {
        self.s.get(idx).copied()
    }

    fn follows(&self, idx: usize, word: &[u8]) -> bool {
        self.s.get(idx..idx + word.len()) == Some(word)
    }

    /// `scan_once_unicode`, with the recursion of `_parse_object_unicode`
    /// and `_parse_array_unicode` unrolled onto an explicit stack (so hostile
    /// nesting cannot overflow the thread's stack); the order of every check,
    /// and so every error and its position, is the C scanner's.
    fn scan_once(&mut self, start: usize) -> Scan<Value> {
        let s = self.s;
        let mut stack: Vec<Open> = Vec::new();
        let mut idx = start;
        loop {
            // Scan one value at `idx`; containers push a frame and go on
            // with their first member.
            let (mut value, mut end) = match self.at(idx) {
                Some(b'[') => {
                    self.enter(stack.len())?;
                    idx = skip_ws(s, idx + 1);
                    if self.at(idx) == Some(b']') {
                        (Value::Array(Vec::new()), idx + 1)
                    } else {
                        stack.push(Open::Array(Vec::new()));
                        continue;
                    }
                }
                Some(b'{') => {
                    self.enter(stack.len())?;
                    idx = skip_ws(s, idx + 1);
                    if self.at(idx) == Some(b'}') {
                        (Value::Object(Object::new()), idx + 1)
                    } else {
                        let (key, next) = self.object_key(idx)?;
                        idx = next;
                        stack.push(Open::Object(Object::new(), key));
                        continue;
                    }
                }
                _ => self.scan_scalar(idx)?,
            };
            // Hand the value to the open containers, closing those that end.
            loop {
                match stack.last_mut() {
                    None => return Ok((value, end)),
                    Some(Open::Array(items)) => {
                        items.push(value);
                        idx = skip_ws(s, end);
                        if self.at(idx) == Some(b']') {
                            let Some(Open::Array(items)) = stack.pop() else {
                                unreachable!("the top frame is an array")
                            };
                            value = Value::Array(items);
                            end = idx + 1;
                            continue;
                        }
                        if self.at(idx) != Some(b',') {
                            return Err(ScanError::Syntax("Expecting ',' delimiter", idx));
                        }
                        idx = skip_ws(s, idx + 1);
                        break;
                    }
                    Some(Open::Object(obj, key)) => {
                        obj.insert(std::mem::replace(key, PyStr::new("")), value);
                        idx = skip_ws(s, end);
                        if self.at(idx) == Some(b'}') {
                            let Some(Open::Object(obj, _)) = stack.pop() else {
                                unreachable!("the top frame is an object")
                            };
                            value = Value::Object(obj);
                            end = idx + 1;
                            continue;
                        }
                        if self.at(idx) != Some(b',') {
                            return Err(ScanError::Syntax("Expecting ',' delimiter", idx));
                        }
                        let (next_key, next) = self.object_key(skip_ws(s, idx + 1))?;
                        *key = next_key;
                        idx = next;
                        break;
                    }
                }
            }
        }
    }

    /// A key and its `:` at `idx`; returns the key and the index of the
    /// value (whitespace skipped).
    fn object_key(&mut self, idx: usize) -> Scan<PyStr> {
        if self.at(idx) != Some(b'"') {
            return Err(ScanError::Syntax(
                "Expecting property name enclosed in double quotes",
                idx,
            ));
        }
        let (key, next) = self.scan_string(idx + 1)?;
        let idx = skip_ws(self.s, next);
        if self.at(idx) != Some(b':') {
            return Err(ScanError::Syntax("Expecting ':' delimiter", idx));
        }
        Ok((key, skip_ws(self.s, idx + 1)))
    }

    /// Everything but arrays and objects: strings, constants, numbers.
    fn scan_scalar(&mut self, idx: usize) -> Scan<Value> {
        let Some(c) = self.at(idx) else {
            return Err(ScanError::StopIteration(idx));
        };
        match c {
            b'"' => {
                let (s, end) = self.scan_string(idx + 1)?;
                return Ok((Value::Str(s), end));
            }
            b'n' if self.follows(idx, b"null") => return Ok((Value::Null, idx + 4)),
            b't' if self.follows(idx, b"true") => return Ok((Value::Bool(true), idx + 4)),
            b'f' if self.follows(idx, b"false") => return Ok((Value::Bool(false), idx + 5)),
            b'N' if self.follows(idx, b"NaN") => return Ok((Value::Float(f64::NAN), idx + 3)),
            b'I' if self.follows(idx, b"Infinity") => {
                return Ok((Value::Float(f64::INFINITY), idx + 8));
            }
            b'-' if self.follows(idx, b"-Infinity") => {
                return Ok((Value::Float(f64::NEG_INFINITY), idx + 9));
            }
            _ => {}
        }
        self.match_number(idx)
    }

    /// `Py_EnterRecursiveCall` for a container opened inside `open` others.
    fn enter(&self, open: usize) -> Result<(), ScanError> {
        if open >= MAX_DEPTH {
            return Err(ScanError::Unparseable(
                "maximum recursion depth exceeded while decoding a JSON document",
            ));
        }
        Ok(())
    }

    /// `_match_number_unicode`.
    fn match_number(&mut self, start: usize) -> Scan<Value> {
        let s = self.s;
        let Some(NumberExtent {
            negative,
            digits: (int_start, int_end),
            is_float,
            end: idx,
        }) = number_extent(s, start)
        else {
            return Err(ScanError::StopIteration(start));
        };
        // The slice is ASCII by construction.
        let literal = std::str::from_utf8(&s[start..idx]).unwrap_or("0");
        if is_float {
            let v: f64 = literal.parse().unwrap_or(f64::NAN);
            return Ok((Value::Float(v), idx));
        }
        let digits = std::str::from_utf8(&s[int_start..int_end]).unwrap_or("0");
        if digits.len() > MAX_INT_DIGITS {
            return Err(ScanError::Unparseable(
                "Exceeds the limit (4300 digits) for integer string conversion",
            ));
        }
        Ok((Value::Int(Int::from_digits(negative, digits)), idx))
    }

    /// `scanstring_unicode`; `end` is the index just after the opening quote.
    fn scan_string(&mut self, mut end: usize) -> Scan<PyStr> {
        let s = self.s;
        let len = s.len();
        let begin = end - 1;
        let mut out: Vec<u8> = Vec::new();
        let mut has_surrogates = false;
        loop {
            let mut next = end;
            while next < len {
                let d = s[next];
                if d == b'"' || d == b'\\' {
                    break;
                }
                if d <= 0x1f {
                    return Err(ScanError::Syntax("Invalid control character at", next));
                }
                next += 1;
            }
            if next >= len {
                return Err(ScanError::Syntax("Unterminated string starting at", begin));
            }
            let chunk = &s[end..next];
            if !has_surrogates && contains_encoded_surrogate(chunk) {
                has_surrogates = true;
            }
            if out.is_empty() && s[next] == b'"' {
                // Fast path: a string without escapes.
                return Ok((PyStr::from_wtf8(chunk.to_vec(), has_surrogates), next + 1));
            }
            out.extend_from_slice(chunk);
            let c = s[next];
            next += 1;
            if c == b'"' {
                end = next;
                break;
            }
            if next == len {
                return Err(ScanError::Syntax("Unterminated string starting at", begin));
            }
            let esc = s[next];
            if esc != b'u' {
                end = next + 1;
                let decoded = match esc {
                    b'"' => b'"',
                    b'\\' => b'\\',
                    b'/' => b'/',
                    b'b' => 0x08,
                    b'f' => 0x0c,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    _ => return Err(ScanError::Syntax("Invalid \\escape", end - 2)),
                };
                out.push(decoded);
                continue;
            }
            next += 1;
            end = next + 4;
            if end >= len {
                return Err(ScanError::Syntax("Invalid \\uXXXX escape", next - 1));
            }
            let Some(mut cp) = hex4(&s[next..end]) else {
                return Err(ScanError::Syntax("Invalid \\uXXXX escape", end - 5));
            };
            if (0xd800..0xdc00).contains(&cp)
                && end + 6 < len
                && s[end] == b'\\'
                && s[end + 1] == b'u'
            {
                let low_end = end + 6;
                let Some(c2) = hex4(&s[end + 2..low_end]) else {
                    return Err(ScanError::Syntax("Invalid \\uXXXX escape", low_end - 5));
                };
                if (0xdc00..0xe000).contains(&c2) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (c2 - 0xdc00);
                    end = low_end;
                }
            }
            if (0xd800..0xe000).contains(&cp) {
                has_surrogates = true;
            }
            push_code_point(&mut out, cp);
        }
        Ok((PyStr::from_wtf8(out, has_surrogates), end))
    }
}

fn hex4(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &d in b {
        let n = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return None,
        };
        v = (v << 4) | u32::from(n);
    }
    Some(v)
}

/// Whether generalized UTF-8 bytes hold an encoded surrogate (`ED A0..BF`).
fn contains_encoded_surrogate(b: &[u8]) -> bool {
    b.windows(2).any(|w| w[0] == 0xed && w[1] >= 0xa0)
}

/// Where a number literal starting at `start` ends, as CPython's
/// `_match_number_unicode` scans it (`Modules/_json.c`): `-?(0|[1-9]\d*)`,
/// then `.\d+` and `[eE][-+]?\d+` only when whole (a dangling `1.` or `1e`
/// ends the literal before them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NumberExtent {
    /// Whether it starts with `-`.
    pub negative: bool,
    /// The integer part's digits, as `start..end` byte offsets.
    pub digits: (usize, usize),
    /// Whether it has a fraction or an exponent.
    pub is_float: bool,
    /// The byte offset just after the literal.
    pub end: usize,
}

/// The number literal at `start` in `s`, or `None` where there is none
/// (CPython raises `StopIteration` there).
pub(crate) fn number_extent(s: &[u8], start: usize) -> Option<NumberExtent> {
    let len = s.len();
    let digit = |i: usize| s.get(i).is_some_and(u8::is_ascii_digit);
    let negative = s.get(start) == Some(&b'-');
    let mut idx = start + usize::from(negative);
    let int_start = idx;
    match s.get(idx)? {
        b'1'..=b'9' => {
            idx += 1;
            while digit(idx) {
                idx += 1;
            }
        }
        b'0' => idx += 1,
        _ => return None,
    }
    let int_end = idx;
    let mut is_float = false;
    if idx + 1 < len && s[idx] == b'.' && digit(idx + 1) {
        is_float = true;
        idx += 2;
        while digit(idx) {
            idx += 1;
        }
    }
    if idx + 1 < len && (s[idx] == b'e' || s[idx] == b'E') {
        let e_start = idx;
        idx += 1;
        if idx + 1 < len && (s[idx] == b'-' || s[idx] == b'+') {
            idx += 1;
        }
        while digit(idx) {
            idx += 1;
        }
        if s[idx - 1].is_ascii_digit() {
            is_float = true;
        } else {
            idx = e_start;
        }
    }
    Some(NumberExtent {
        negative,
        digits: (int_start, int_end),
        is_float,
        end: idx,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syntax(body: &str) -> (&'static str, usize) {
        match decode(body.as_bytes()) {
            Err(DecodeError::Syntax { msg, pos }) => (msg, pos),
            other => panic!("expected a syntax error for {body:?}, got {other:?}"),
        }
    }

    fn obj(body: &[u8]) -> Object {
        match decode(body) {
            Ok(Value::Object(o)) => o,
            other => panic!("expected an object, got {other:?}"),
        }
    }

    #[test]
    fn python_messages_and_positions() {
        // Each pair checked against CPython 3.11.7 json.loads.
        let cases: &[(&str, &str, usize)] = &[
            ("\"\\uzzzz\"", "Invalid \\uXXXX escape", 2),
            ("\"\\u12", "Invalid \\uXXXX escape", 2),
            ("\"\\ud800\\uzzzz\"", "Invalid \\uXXXX escape", 8),
            ("\"\\x\"", "Invalid \\escape", 1),
            ("\"abc", "Unterminated string starting at", 0),
            ("\"a\u{1}\"", "Invalid control character at", 2),
            ("[1,]", "Expecting value", 3),
            (
                "{\"a\":1,}",
                "Expecting property name enclosed in double quotes",
                7,
            ),
            ("{", "Expecting property name enclosed in double quotes", 1),
            ("[", "Expecting value", 1),
            ("-", "Expecting value", 0),
            ("1e+", "Extra data", 1),
            ("1.", "Extra data", 1),
            ("01", "Extra data", 1),
            ("{\"a\" 1}", "Expecting ':' delimiter", 5),
            ("[1 2]", "Expecting ',' delimiter", 3),
            ("nul", "Expecting value", 0),
            ("-Inf", "Expecting value", 0),
            ("  ", "Expecting value", 2),
            ("{\"name\":\"a\"", "Expecting ',' delimiter", 11),
            ("// c\n{}", "Expecting value", 0),
            ("\"\\", "Unterminated string starting at", 0),
            ("\"\\u", "Invalid \\uXXXX escape", 2),
        ];
        for &(body, msg, pos) in cases {
            assert_eq!(syntax(body), (msg, pos), "body {body:?}");
        }
    }

    #[test]
    fn positions_count_code_points_not_bytes() {
        assert_eq!(
            syntax("{\"name\":\"éé\",}"),
            ("Expecting property name enclosed in double quotes", 13)
        );
        assert_eq!(syntax("[\"😀\" x]"), ("Expecting ',' delimiter", 5));
    }

    #[test]
    fn bom_is_stripped_and_positions_count_after_it() {
        assert!(matches!(decode(b"\xef\xbb\xbf{}"), Ok(Value::Object(_))));
        assert_eq!(
            decode(b"\xef\xbb\xbf[1,]"),
            Err(DecodeError::Syntax {
                msg: "Expecting value",
                pos: 3
            })
        );
    }

    #[test]
    fn utf16_and_utf32_are_detected() {
        let text = "{\"name\":\"é\"}";
        let le16: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let be16: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        let le32: Vec<u8> = text
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        let mut bom16 = vec![0xff, 0xfe];
        bom16.extend_from_slice(&le16);
        let mut bom32 = vec![0, 0, 0xfe, 0xff];
        bom32.extend(text.chars().flat_map(|c| (c as u32).to_be_bytes()));
        for body in [le16, be16, le32, bom16, bom32] {
            let o = obj(&body);
            assert_eq!(o.get("name"), Some(&Value::Str(PyStr::new("é"))));
        }
    }

    #[test]
    fn invalid_text_is_unparseable() {
        assert!(matches!(
            decode(b"{\"name\":\"\xff\"}"),
            Err(DecodeError::Unparseable(_))
        ));
        // Odd-length UTF-16 (detected from the null pattern).
        assert!(matches!(
            decode(b"{\0\"\0}"),
            Err(DecodeError::Unparseable(_))
        ));
    }

    #[test]
    fn encoded_surrogates_pass_as_lone_surrogates() {
        let o = obj(b"{\"name\":\"\xed\xa0\x80\"}");
        let Some(Value::Str(s)) = o.get("name") else {
            panic!("name missing")
        };
        assert!(s.has_surrogates());
        assert_eq!(s.as_str(), None);
    }

    #[test]
    fn escapes_lone_surrogates_and_pairs() {
        let o = obj(br#"{"a":"\ud83d\ude00","b":"\ud800","c":"\ud800\u0041","d":"\u00e9\n"}"#);
        assert_eq!(o.get("a"), Some(&Value::Str(PyStr::new("😀"))));
        let Some(Value::Str(b)) = o.get("b") else {
            panic!()
        };
        assert!(b.has_surrogates());
        let Some(Value::Str(c)) = o.get("c") else {
            panic!()
        };
        assert!(c.has_surrogates());
        assert_eq!(c.code_points().collect::<Vec<_>>(), vec![0xd800, 0x41]);
        assert_eq!(o.get("d"), Some(&Value::Str(PyStr::new("é\n"))));
    }

    #[test]
    fn duplicate_keys_last_value_first_position() {
        let o = obj(br#"{"size":"abc","name":1,"size":5}"#);
        let keys: Vec<String> = o.iter().map(|(k, _)| k.to_string_lossy()).collect();
        assert_eq!(keys, ["size", "name"]);
        assert_eq!(o.get("size"), Some(&Value::Int(Int::Small(5))));
        // Same with an indexed (large) object.
        let mut big = String::from("{");
        for i in 0..40 {
            big.push_str(&format!("\"k{i}\":{i},"));
        }
        big.push_str("\"k3\":\"last\"}");
        let o = obj(big.as_bytes());
        assert_eq!(o.len(), 40);
        assert_eq!(o.get("k3"), Some(&Value::Str(PyStr::new("last"))));
        assert_eq!(
            o.iter().nth(3).map(|(k, _)| k.to_string_lossy()),
            Some("k3".into())
        );
    }

    #[test]
    fn small_ints_are_written_in_full() {
        for v in [0, 7, -7, 10, -100, 123_456_789, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            Int::Small(v).write_to(&mut out);
            assert_eq!(String::from_utf8(out).unwrap(), v.to_string());
        }
    }

    #[test]
    fn constants_and_numbers() {
        assert!(matches!(decode(b"NaN"), Ok(Value::Float(f)) if f.is_nan()));
        assert_eq!(decode(b"-Infinity"), Ok(Value::Float(f64::NEG_INFINITY)));
        assert_eq!(decode(b"1e400"), Ok(Value::Float(f64::INFINITY)));
        assert_eq!(decode(b"-0"), Ok(Value::Int(Int::Small(0))));
        assert_eq!(decode(b"-0.0"), Ok(Value::Float(-0.0)));
        assert_eq!(decode(b" 1E2 "), Ok(Value::Float(100.0)));
        assert_eq!(
            decode(b"18446744073709551616"),
            Ok(Value::Int(Int::Big("18446744073709551616".into())))
        );
        assert_eq!(
            decode(b"-9223372036854775808"),
            Ok(Value::Int(Int::Small(i64::MIN)))
        );
        assert_eq!(
            decode(b"-9223372036854775809"),
            Ok(Value::Int(Int::Big("-9223372036854775809".into())))
        );
    }

    #[test]
    fn integer_digit_limit() {
        let ok = "7".repeat(MAX_INT_DIGITS);
        assert!(matches!(decode(ok.as_bytes()), Ok(Value::Int(Int::Big(_)))));
        let neg = format!("-{ok}");
        assert!(matches!(
            decode(neg.as_bytes()),
            Ok(Value::Int(Int::Big(_)))
        ));
        let too_long = format!("{{\"ignored\":{}}}", "7".repeat(MAX_INT_DIGITS + 1));
        assert!(matches!(
            decode(too_long.as_bytes()),
            Err(DecodeError::Unparseable(_))
        ));
        // Floats have no digit limit.
        let float = format!("{}.5", "7".repeat(5000));
        assert!(matches!(decode(float.as_bytes()), Ok(Value::Float(_))));
    }

    #[test]
    fn nesting_limit() {
        let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(decode(nest(MAX_DEPTH).as_bytes()).is_ok());
        assert!(matches!(
            decode(nest(MAX_DEPTH + 1).as_bytes()),
            Err(DecodeError::Unparseable(_))
        ));
        let objects = format!("{}1{}", "{\"a\":".repeat(MAX_DEPTH), "}".repeat(MAX_DEPTH));
        assert!(decode(objects.as_bytes()).is_ok());
        // An error before the limit is reached is still a syntax error.
        assert!(matches!(
            decode(format!("[x{}", "[".repeat(5000)).as_bytes()),
            Err(DecodeError::Syntax { .. })
        ));
    }

    #[test]
    fn control_characters_and_whitespace() {
        assert_eq!(
            syntax("\u{c}{}"),
            ("Expecting value", 0),
            "form feed is not JSON whitespace"
        );
        assert!(decode(b"\t\r\n {} \n").is_ok());
    }
}
