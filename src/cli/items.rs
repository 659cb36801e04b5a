//! `put`'s request items, in xh's (and HTTPie's) syntax: what to send
//! besides the id.
//!
//! | item | what it is |
//! |---|---|
//! | `name==value` | a query parameter (`==@FILE`: the value from a file) |
//! | `field=text` | a string field of the body (`=@FILE`: the file's text) |
//! | `field:=json` | a raw JSON field (`:=@FILE`: the file's JSON) |
//! | `Header:value` | a header (`:@FILE`: the value from a file, trimmed) |
//! | `Header:` | the header left out, a default too |
//! | `Header;` | a header with an empty value |
//! | `field@FILE` | a multipart upload: refused, put sends JSON |
//!
//! The separator is the first one in the item (at one position the
//! longest: `==@` before `==` before `=`); a backslash escapes the
//! character after it when it is one of `=@:;\` (`a\=b=c` is the field
//! `a=b`). A field's key is a JSON path (xh's `nested_json`): `a[b]=c`
//! nests, `a[]=x` appends, `a[0]=x` sets an index, `\[` is a bracket.
//!
//! Parsing ([`parse`]) is pure; [`build`] assembles the body, query and
//! headers, reading the files items name through the reader it is given.

use std::fmt::Write as _;

use serde_json::{Map, Value};

/// The separators, in xh's order: at each position of an item the first
/// that matches is the item's.
const SEPARATORS: &[&str] = &["==@", "=@", ":=@", ":@", "==", ":=", "=", "@", ":"];

/// What a backslash escapes in an item's key and value.
const SPECIAL: &str = "=@:;\\";

/// What a backslash escapes in a JSON path (brackets too).
const PATH_SPECIAL: &str = "=@:;[]\\";

/// The deepest JSON path a key may name (deeper values could overflow the
/// stack when serialized).
const MAX_DEPTH: usize = 128;

/// The largest array index a JSON path may name (the array is padded with
/// nulls up to it).
const MAX_INDEX: usize = 100_000;

/// One request item, as typed and as understood.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestItem {
    /// The item as typed, for messages.
    pub text: String,
    /// What it asks for.
    pub kind: Kind,
}

/// What a request item asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `Name:value`, `Name:@FILE`, `Name;`: a header.
    Header(String, Source),
    /// `Name:`: the header is left out, a default too.
    Unset(String),
    /// `name==value`, `name==@FILE`: a query parameter.
    Query(String, Source),
    /// `key=…`, `key:=…`: a field of the body at a JSON path.
    Field(Field),
}

/// A value given in the item, or the file it is in.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// The value itself.
    Given(String),
    /// `@FILE`: the file's text.
    File(String),
}

/// A body field: where it goes and what it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The key as typed (escapes kept), for messages.
    pub key: String,
    /// The JSON path the key names (a field name first).
    pub path: Vec<Step>,
    /// The value.
    pub value: FieldValue,
}

/// A field's value.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    /// `=text`: a string.
    Text(String),
    /// `=@FILE`: the file's text, as a string.
    TextFile(String),
    /// `:=json`: raw JSON.
    Json(Value),
    /// `:=@FILE`: the file's JSON.
    JsonFile(String),
}

/// One step of a JSON path, with where it is in the key (byte offsets).
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// What the step does.
    pub action: Action,
    /// Its span in the key as typed.
    pub span: (usize, usize),
}

/// What a step of a JSON path does.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// `key`, `[key]`: an object's key.
    Key(String),
    /// `[3]`: an array's index.
    Index(usize),
    /// `[]`: the end of an array.
    Append,
}

/// What the items ask to send.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Request {
    /// The body the field items build, or `None` when there is none.
    pub body: Option<Map<String, Value>>,
    /// The query parameters, in order (not yet encoded).
    pub query: Vec<(String, String)>,
    /// The headers, in order: a value, or `None` to leave the header out.
    /// A name's first item replaces the default or `-H` of that name; a
    /// name repeated sends every value.
    pub headers: Vec<(String, Option<String>)>,
}

/// Parses one request item (clap's value parser for `put`'s items).
///
/// # Errors
/// One line naming the item and what is wrong: no separator, a file
/// upload (`@`), JSON that does not parse, a key that is not a JSON path
/// or does not start with a field name, an invalid header name or value,
/// a header a PUT cannot go without.
pub fn parse(text: &str) -> Result<RequestItem, String> {
    let kind = match split(text) {
        Some((raw_key, sep, raw_value)) => kind(text, raw_key, sep, raw_value)?,
        // `Header;` (xh: only when no separator came first).
        None if text.ends_with(';') => {
            let name = &text[..text.len() - 1];
            header_name(text, name)?;
            Kind::Header(name.to_owned(), Source::Given(String::new()))
        }
        None => {
            return Err(format!(
                "`{text}` is no request item: use field=text, field:=json, name==query, Header:value (see --help)"
            ));
        }
    };
    Ok(RequestItem {
        text: text.to_owned(),
        kind,
    })
}

/// The item's kind, from its key, separator and value (as typed).
fn kind(text: &str, raw_key: &str, sep: &str, raw_value: &str) -> Result<Kind, String> {
    let key = unescape(raw_key, SPECIAL);
    let value = unescape(raw_value, SPECIAL);
    let field = |value: FieldValue| -> Result<Kind, String> {
        Ok(Kind::Field(Field {
            key: raw_key.to_owned(),
            path: field_path(text, raw_key)?,
            value,
        }))
    };
    match sep {
        "==" => Ok(Kind::Query(key, Source::Given(value))),
        "==@" => Ok(Kind::Query(key, Source::File(value))),
        "=" => field(FieldValue::Text(value)),
        "=@" => field(FieldValue::TextFile(value)),
        ":=" => {
            let json = serde_json::from_str(&value).map_err(|e| {
                format!("`{text}`: the value after := is not JSON ({e}); use {key}=… for a string")
            })?;
            field(FieldValue::Json(json))
        }
        ":=@" => field(FieldValue::JsonFile(value)),
        ":" if value.is_empty() => {
            header_name(text, &key)?;
            if ["host", "content-length", "accept"].contains(&key.to_ascii_lowercase().as_str()) {
                let example = match key.to_ascii_lowercase().as_str() {
                    "host" => "Host:example.com",
                    "accept" => "Accept:application/json",
                    _ => "--body with the length you want",
                };
                return Err(format!(
                    "`{text}`: a PUT cannot go without its {} header; give it a value ({example})",
                    key.to_ascii_lowercase()
                ));
            }
            Ok(Kind::Unset(key))
        }
        ":" => {
            header_name(text, &key)?;
            header_value(text, &value)?;
            Ok(Kind::Header(key, Source::Given(value)))
        }
        ":@" => {
            header_name(text, &key)?;
            Ok(Kind::Header(key, Source::File(value)))
        }
        // "@": a multipart upload.
        _ => Err(format!(
            "`{text}` uploads a file as multipart form data, and put sends JSON: write {raw_key}=@{raw_value} to send the file's text as a string, or --body @{raw_value} to send the file as the body"
        )),
    }
}

/// Splits an item at its separator: the first position where one starts
/// (an escaped character never does), the longest there.
fn split(text: &str) -> Option<(&str, &'static str, &str)> {
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            chars.next();
            continue;
        }
        for sep in SEPARATORS {
            if let Some(value) = text[i..].strip_prefix(sep) {
                return Some((&text[..i], sep, value));
            }
        }
    }
    None
}

/// `text` with `\c` made `c` for each `c` in `special`; other backslashes
/// stay.
fn unescape(text: &str, special: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(next) if special.contains(next) => out.push(next),
            Some(next) => {
                out.push('\\');
                out.push(next);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn header_name(text: &str, name: &str) -> Result<(), String> {
    http::HeaderName::from_bytes(name.as_bytes())
        .map(drop)
        .map_err(|_| format!("`{text}`: `{name}` is not a valid header name"))
}

fn header_value(text: &str, value: &str) -> Result<(), String> {
    http::HeaderValue::from_str(value)
        .map(drop)
        .map_err(|_| format!("`{text}`: the value is not a valid header value (one line of text)"))
}

/// A field's JSON path, which must start with a field name.
fn field_path(text: &str, raw_key: &str) -> Result<Vec<Step>, String> {
    if raw_key.is_empty() {
        return Err(format!("`{text}`: the field name is empty (name=value)"));
    }
    let path = parse_path(raw_key).map_err(|(expected, at)| {
        let at = raw_key.get(..at).map_or(at, |s| s.chars().count()) + 1;
        format!(
            "`{text}`: the key {raw_key} is not a JSON path: expected {expected} at character {at} (escape a literal bracket as \\[ or \\])"
        )
    })?;
    if !matches!(
        path.first(),
        Some(Step {
            action: Action::Key(_),
            ..
        })
    ) {
        return Err(format!(
            "`{text}`: an upsert's body is a JSON object, so the key must start with a field name (tags[]=x)"
        ));
    }
    if path.len() > MAX_DEPTH {
        return Err(format!(
            "`{text}`: the key nests {} levels deep; at most {MAX_DEPTH}",
            path.len()
        ));
    }
    if let Some(Step {
        action: Action::Index(i),
        ..
    }) = path
        .iter()
        .find(|s| matches!(s.action, Action::Index(i) if i > MAX_INDEX))
    {
        return Err(format!(
            "`{text}`: the index [{i}] would pad the array with that many nulls; at most {MAX_INDEX}"
        ));
    }
    Ok(path)
}

/// A token of a JSON path (xh's `nested_json`).
#[derive(Debug)]
enum Token {
    Open(usize),
    Close(usize),
    Text(String, (usize, usize)),
    Number(usize, (usize, usize)),
}

/// The literal between the delimiters at `start` and `end` (exclusive):
/// a number inside brackets is an index unless escaped (`[\0]`); the
/// first literal is always a key.
fn literal(path: &str, start: Option<usize>, end: Option<usize>) -> Token {
    let start = start.map_or(0, |s| s + 1);
    let end = end.unwrap_or(path.len());
    let span = (start, end);
    let text = &path[start..end];
    if start == 0 {
        return Token::Text(unescape(text, PATH_SPECIAL), span);
    }
    match text.strip_prefix('\\') {
        Some(rest) if rest.parse::<usize>().is_ok() => Token::Text(rest.to_owned(), span),
        _ => match text.parse::<usize>() {
            Ok(n) => Token::Number(n, span),
            Err(_) => Token::Text(unescape(text, PATH_SPECIAL), span),
        },
    }
}

fn tokenize(path: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut escaped = false;
    let mut last = None;
    for (i, c) in path.char_indices() {
        match c {
            '\\' => escaped = !escaped,
            '[' | ']' if !escaped => {
                tokens.push(literal(path, last, Some(i)));
                tokens.push(if c == '[' {
                    Token::Open(i)
                } else {
                    Token::Close(i)
                });
                last = Some(i);
            }
            _ => escaped = false,
        }
    }
    tokens.push(literal(path, last, None));
    tokens.retain(|t| !matches!(t, Token::Text(_, (s, e)) if s == e));
    tokens
}

/// Parses a JSON path: a key, an index or an append, then any number of
/// bracketed ones. On error: what was expected, and the byte offset.
fn parse_path(path: &str) -> Result<Vec<Step>, (&'static str, usize)> {
    let mut steps = Vec::new();
    let mut tokens = tokenize(path).into_iter();
    match tokens.next() {
        Some(Token::Text(key, span)) => steps.push(Step {
            action: Action::Key(key),
            span,
        }),
        Some(Token::Open(start)) => steps.push(bracketed(&mut tokens, start, false)?),
        Some(Token::Number(..) | Token::Close(_)) | None => return Err(("text or '['", 0)),
    }
    while let Some(token) = tokens.next() {
        match token {
            Token::Open(start) => steps.push(bracketed(&mut tokens, start, true)?),
            Token::Close(at) | Token::Text(_, (at, _)) | Token::Number(_, (at, _)) => {
                return Err(("'['", at));
            }
        }
    }
    Ok(steps)
}

/// The step after a `[` at `start`: `[n]`, `[]`, or (not first) `[key]`.
fn bracketed(
    tokens: &mut impl Iterator<Item = Token>,
    start: usize,
    keys: bool,
) -> Result<Step, (&'static str, usize)> {
    let expected = if keys {
        "text, number or ']'"
    } else {
        "number or ']'"
    };
    let (action, after) = match tokens.next() {
        Some(Token::Close(end)) => {
            return Ok(Step {
                action: Action::Append,
                span: (start, end + 1),
            });
        }
        Some(Token::Number(n, span)) => (Action::Index(n), span.1),
        Some(Token::Text(key, span)) if keys => (Action::Key(key), span.1),
        _ => return Err((expected, start + 1)),
    };
    match tokens.next() {
        Some(Token::Close(end)) => Ok(Step {
            action,
            span: (start, end + 1),
        }),
        _ => Err(("']'", after)),
    }
}

/// Where inserting a value failed: the step, and the type found there.
#[derive(Debug, PartialEq)]
struct Conflict {
    step: usize,
    found: &'static str,
}

/// Puts `value` at `steps` below `slot` (xh's `nested_json::insert`;
/// a key that exists keeps its place).
fn insert(
    slot: Option<Value>,
    steps: &[Step],
    depth: usize,
    value: Value,
) -> Result<Value, Conflict> {
    let Some((step, rest)) = steps.split_first() else {
        return Ok(value);
    };
    match (slot, &step.action) {
        (None, Action::Key(_)) => insert(Some(Value::Object(Map::new())), steps, depth, value),
        (None, _) => insert(Some(Value::Array(Vec::new())), steps, depth, value),
        (Some(Value::Object(mut object)), Action::Key(key)) => {
            let old = object.get_mut(key).map(std::mem::take);
            let new = insert(old, rest, depth + 1, value)?;
            object.insert(key.clone(), new);
            Ok(Value::Object(object))
        }
        (Some(Value::Array(mut array)), Action::Index(_) | Action::Append) => {
            let at = match step.action {
                Action::Index(i) => i,
                _ => array.len(),
            };
            let old = array.get_mut(at).map(std::mem::take);
            let new = insert(old, rest, depth + 1, value)?;
            if at >= array.len() {
                array.resize(at + 1, Value::Null);
            }
            array[at] = new;
            Ok(Value::Array(array))
        }
        (Some(other), _) => Err(Conflict {
            step: depth,
            found: type_name(&other),
        }),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Assembles what the items ask to send, in their order: later fields
/// replace earlier ones at the same path, query parameters and headers
/// add up (see [`Request::headers`]). `read` reads a file an item names
/// (as given).
///
/// # Errors
/// One line naming the item and what is wrong: a file that cannot be
/// read (with the fix), text that is not UTF-8, JSON that does not parse,
/// an invalid header value, or a field whose path crosses a value of
/// another type (`a=1 a[b]=2`).
pub fn build(
    items: &[RequestItem],
    read: &mut dyn FnMut(&str) -> std::io::Result<Vec<u8>>,
) -> Result<Request, String> {
    let mut request = Request::default();
    let mut body: Option<Value> = None;
    for item in items {
        let text = &item.text;
        match &item.kind {
            Kind::Header(name, source) => {
                let value = match source {
                    Source::Given(v) => v.clone(),
                    Source::File(file) => {
                        let value = read_text(text, file, ":@", read)?.trim().to_owned();
                        header_value(text, &value)?;
                        value
                    }
                };
                request.headers.push((name.clone(), Some(value)));
            }
            Kind::Unset(name) => request.headers.push((name.clone(), None)),
            Kind::Query(name, source) => {
                let value = match source {
                    Source::Given(v) => v.clone(),
                    Source::File(file) => read_text(text, file, "==@", read)?,
                };
                request.query.push((name.clone(), value));
            }
            Kind::Field(field) => {
                let value = match &field.value {
                    FieldValue::Text(s) => Value::String(s.clone()),
                    FieldValue::TextFile(file) => Value::String(read_text(text, file, "=@", read)?),
                    FieldValue::Json(v) => v.clone(),
                    FieldValue::JsonFile(file) => {
                        let bytes = read(file).map_err(|e| {
                            format!(
                                "`{text}`: cannot read {file}: {}; name a readable file of JSON",
                                io_reason(&e)
                            )
                        })?;
                        serde_json::from_slice(&bytes).map_err(|e| {
                            format!("`{text}`: {file} is not JSON ({e}); use =@ for a string")
                        })?
                    }
                };
                let root = body.take().or_else(|| Some(Value::Object(Map::new())));
                body = Some(
                    insert(root, &field.path, 0, value).map_err(|c| conflict(text, field, &c))?,
                );
            }
        }
    }
    request.body = match body {
        Some(Value::Object(object)) => Some(object),
        _ => None,
    };
    Ok(request)
}

/// A file's text for `text` (an item with separator `sep`).
fn read_text(
    text: &str,
    file: &str,
    sep: &str,
    read: &mut dyn FnMut(&str) -> std::io::Result<Vec<u8>>,
) -> Result<String, String> {
    let bytes = read(file).map_err(|e| {
        // The item as typed, with its `@` escaped: the text itself.
        let (key, _, value) = split(text).unwrap_or(("", sep, file));
        let literal = format!("{key}{}\\@{value}", &sep[..sep.len() - 1]);
        format!(
            "`{text}`: cannot read {file}: {}; name a readable file, or write '{}' to send the text itself",
            io_reason(&e),
            literal.replace('\'', r"'\''")
        )
    })?;
    String::from_utf8(bytes).map_err(|_| {
        format!("`{text}`: {file} is not UTF-8 text (send binary data base64-encoded)")
    })
}

/// An I/O error in words, without `(os error N)`.
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// The message for a field whose path crosses a value of another type.
fn conflict(text: &str, field: &Field, c: &Conflict) -> String {
    let Some(step) = field.path.get(c.step) else {
        return format!("`{text}`: the path crosses {}", c.found);
    };
    let at = field.key.get(..step.span.0).unwrap_or(&field.key);
    let mut out = format!("`{text}`: {at} is {} (from an earlier item), so ", c.found);
    let _ = match &step.action {
        Action::Key(_) => write!(
            out,
            "it has no key {}",
            field.key.get(step.span.0..step.span.1).unwrap_or("")
        ),
        Action::Index(i) => write!(out, "it has no index [{i}]"),
        Action::Append => write!(out, "nothing can be appended to it"),
    };
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kind(text: &str) -> Kind {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e}")).kind
    }

    fn given(s: &str) -> Source {
        Source::Given(s.into())
    }

    fn key(k: &str, span: (usize, usize)) -> Step {
        Step {
            action: Action::Key(k.into()),
            span,
        }
    }

    fn field(k: &str, value: FieldValue) -> Kind {
        Kind::Field(Field {
            key: k.into(),
            path: vec![key(k, (0, k.len()))],
            value,
        })
    }

    #[test]
    fn each_separator_makes_its_kind() {
        for (text, want) in [
            ("q==a b", Kind::Query("q".into(), given("a b"))),
            (
                "q==@f.txt",
                Kind::Query("q".into(), Source::File("f.txt".into())),
            ),
            ("name=lamp", field("name", FieldValue::Text("lamp".into()))),
            (
                "note=@n.txt",
                field("note", FieldValue::TextFile("n.txt".into())),
            ),
            ("size:=3", field("size", FieldValue::Json(json!(3)))),
            (
                "dims:=@d.json",
                field("dims", FieldValue::JsonFile("d.json".into())),
            ),
            ("X-A:1", Kind::Header("X-A".into(), given("1"))),
            (
                "X-A:@k.txt",
                Kind::Header("X-A".into(), Source::File("k.txt".into())),
            ),
            ("X-A:", Kind::Unset("X-A".into())),
            ("X-A;", Kind::Header("X-A".into(), given(""))),
            // The first separator wins, the longest at its position.
            ("a=b==c", field("a", FieldValue::Text("b==c".into()))),
            ("a==b=c", Kind::Query("a".into(), given("b=c"))),
            (
                "url=http://x",
                field("url", FieldValue::Text("http://x".into())),
            ),
            ("X-T:a=b", Kind::Header("X-T".into(), given("a=b"))),
            ("t:=\"a:=b\"", field("t", FieldValue::Json(json!("a:=b")))),
            ("e=", field("e", FieldValue::Text(String::new()))),
            ("e==", Kind::Query("e".into(), given(""))),
            ("µ=µ", field("µ", FieldValue::Text("µ".into()))),
            // Escapes: a special character escaped is itself, others keep
            // their backslash.
            (
                r"a\==b",
                Kind::Field(Field {
                    key: r"a\=".into(),
                    path: vec![key("a=", (0, 3))],
                    value: FieldValue::Text("b".into()),
                }),
            ),
            (r"q\:x==1", Kind::Query("q:x".into(), given("1"))),
            (r"X=a\@b", field("X", FieldValue::Text("a@b".into()))),
            (r"p=\@file", field("p", FieldValue::Text("@file".into()))),
            (r"p=C:\dir", field("p", FieldValue::Text(r"C:\dir".into()))),
            (r"p=end\", field("p", FieldValue::Text(r"end\".into()))),
        ] {
            assert_eq!(kind(text), want, "{text}");
        }
    }

    #[test]
    fn escaped_keys_unescape_in_the_path() {
        let Kind::Field(f) = kind(r"f\=\:\;oo\[\\[\@]=b\:ar") else {
            panic!("a field")
        };
        assert_eq!(
            f.path.iter().map(|s| &s.action).collect::<Vec<_>>(),
            [&Action::Key(r"f=:;oo[\".into()), &Action::Key("@".into())]
        );
        assert_eq!(f.value, FieldValue::Text("b:ar".into()));
    }

    #[test]
    fn json_paths_parse_as_xh_does() {
        use Action::*;
        let actions = |p: &str| {
            parse_path(p)
                .map(|steps| steps.into_iter().map(|s| s.action).collect::<Vec<_>>())
                .map_err(|(expected, at)| format!("{expected} at {at}"))
        };
        for (path, want) in [
            ("a", vec![Key("a".into())]),
            (
                "a[b][c]",
                vec![Key("a".into()), Key("b".into()), Key("c".into())],
            ),
            ("a[]", vec![Key("a".into()), Append]),
            ("a[0][]", vec![Key("a".into()), Index(0), Append]),
            (r"a[\0]", vec![Key("a".into()), Key("0".into())]),
            (r"foo\[x\][]", vec![Key("foo[x]".into()), Append]),
            (r"foo\\[x]", vec![Key(r"foo\".into()), Key("x".into())]),
            (
                r"foo[ba\[ar][9]",
                vec![Key("foo".into()), Key("ba[ar".into()), Index(9)],
            ),
            ("5[x]", vec![Key("5".into()), Key("x".into())]),
            ("[0][x]", vec![Index(0), Key("x".into())]),
            ("[]", vec![Append]),
        ] {
            assert_eq!(actions(path), Ok(want), "{path}");
        }
        for (path, want) in [
            ("", "text or '[' at 0"),
            ("[y][5]", "number or ']' at 1"),
            ("x[y]h[z]", "'[' at 4"),
            ("x[y]h", "'[' at 4"),
            ("a[b", "']' at 3"),
            ("a[", "text, number or ']' at 2"),
            (r"foo[bar]\[baz]", "'[' at 8"),
            ("[😀", "number or ']' at 1"),
        ] {
            assert_eq!(actions(path), Err(want.to_owned()), "{path}");
        }
    }

    #[test]
    fn bad_items_say_what_is_wrong() {
        for (text, want) in [
            (
                "lamp",
                "`lamp` is no request item: use field=text, field:=json, name==query, Header:value (see --help)",
            ),
            (
                "",
                "`` is no request item: use field=text, field:=json, name==query, Header:value (see --help)",
            ),
            (
                "pic@a.png",
                "`pic@a.png` uploads a file as multipart form data, and put sends JSON: write pic=@a.png to send the file's text as a string, or --body @a.png to send the file as the body",
            ),
            (
                "n:=nope",
                "`n:=nope`: the value after := is not JSON (expected ident at line 1 column 2); use n=… for a string",
            ),
            (
                "[]=x",
                "`[]=x`: an upsert's body is a JSON object, so the key must start with a field name (tags[]=x)",
            ),
            (
                "[0]:=1",
                "`[0]:=1`: an upsert's body is a JSON object, so the key must start with a field name (tags[]=x)",
            ),
            ("=x", "`=x`: the field name is empty (name=value)"),
            (":=1", "`:=1`: the field name is empty (name=value)"),
            (
                "é[b=1",
                r"`é[b=1`: the key é[b is not a JSON path: expected ']' at character 4 (escape a literal bracket as \[ or \])",
            ),
            (
                "a[1000000]=x",
                "`a[1000000]=x`: the index [1000000] would pad the array with that many nulls; at most 100000",
            ),
            (
                "Bad Name:x",
                "`Bad Name:x`: `Bad Name` is not a valid header name",
            ),
            (
                "X\u{7f};",
                "`X\u{7f};`: `X\u{7f}` is not a valid header name",
            ),
            (
                "X-A:a\u{1}b",
                "`X-A:a\u{1}b`: the value is not a valid header value (one line of text)",
            ),
            (
                "host:",
                "`host:`: a PUT cannot go without its host header; give it a value (Host:example.com)",
            ),
            (
                "Accept:",
                "`Accept:`: a PUT cannot go without its accept header; give it a value (Accept:application/json)",
            ),
            (
                "Content-Length:",
                "`Content-Length:`: a PUT cannot go without its content-length header; give it a value (--body with the length you want)",
            ),
        ] {
            assert_eq!(parse(text), Err(want.to_owned()), "{text:?}");
        }
        let deep = format!("a{}=1", "[b]".repeat(MAX_DEPTH));
        assert_eq!(
            parse(&deep).map(drop),
            Err(format!(
                "`{deep}`: the key nests 129 levels deep; at most 128"
            ))
        );
    }

    /// A reader of the files in `files`; any other is not found.
    fn files(files: &[(&str, &[u8])]) -> impl FnMut(&str) -> std::io::Result<Vec<u8>> + use<> {
        let files: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|(n, b)| ((*n).to_owned(), b.to_vec()))
            .collect();
        move |name| {
            files
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, b)| b.clone())
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
        }
    }

    fn build_from(texts: &[&str]) -> Result<Request, String> {
        let items: Vec<RequestItem> = texts.iter().map(|t| parse(t).unwrap()).collect();
        let mut read = files(&[
            ("n.txt", b"two\nlines\n"),
            ("d.json", br#"{"w": 2, "h": [1, 2.50]}"#),
            ("key.txt", b"  s3cret \n"),
            ("q.txt", b"a b\n"),
            ("bin", b"\xff\xfe"),
            ("bad.json", b"{nope"),
            ("nl.txt", b"a\nb"),
        ]);
        build(&items, &mut read)
    }

    #[test]
    fn items_build_the_body_query_and_headers() {
        let body = |texts: &[&str]| {
            build_from(texts)
                .map(|r| r.body.map(Value::Object))
                .unwrap_or_else(|e| panic!("{texts:?}: {e}"))
        };
        for (texts, want) in [
            (
                &["name=lamp", "size:=3"][..],
                json!({"name": "lamp", "size": 3}),
            ),
            (&["a[b]=c"], json!({"a": {"b": "c"}})),
            (&["a[]=x", "a[]:=2"], json!({"a": ["x", 2]})),
            (&["a[2]=x"], json!({"a": [null, null, "x"]})),
            (
                &["a[1][k]=x", "a[0]:=true"],
                json!({"a": [true, {"k": "x"}]}),
            ),
            (
                &[
                    "shallow=value",
                    "object[key]=value",
                    "array[]:=1",
                    "array[1]:=2",
                    "array[2]:=3",
                    "wow[such][deep][3][much][power][!]=Amaze",
                ],
                json!({"shallow": "value", "object": {"key": "value"}, "array": [1, 2, 3],
                       "wow": {"such": {"deep": [null, null, null, {"much": {"power": {"!": "Amaze"}}}]}}}),
            ),
            // A later item replaces an earlier one, in its place.
            (&["a=1", "b=2", "a=3"], json!({"a": "3", "b": "2"})),
            (
                &["a[x]=1", "b=2", "a[y]=3"],
                json!({"a": {"x": "1", "y": "3"}, "b": "2"}),
            ),
            (&["note=@n.txt"], json!({"note": "two\nlines\n"})),
            (
                &["dims:=@d.json"],
                serde_json::from_str(r#"{"dims": {"w": 2, "h": [1, 2.50]}}"#).unwrap(),
            ),
            (&[r"a\=b=c", r"x\[0\]=y"], json!({"a=b": "c", "x[0]": "y"})),
            // No field items: no body.
            (&["q==1", "X-A:b"], Value::Null),
        ] {
            assert_eq!(body(texts).unwrap_or(Value::Null), want, "{texts:?}");
        }
        // Numbers keep their text.
        let r = build_from(&["n:=1.50", "big:=123456789012345678901234567890"]).unwrap();
        assert_eq!(
            serde_json::to_string(&r.body).unwrap(),
            r#"{"n":1.50,"big":123456789012345678901234567890}"#
        );
        let r = build_from(&["q==a b", "q==@q.txt", "p==", r"x\===1"]).unwrap();
        assert_eq!(
            r.query,
            [("q", "a b"), ("q", "a b\n"), ("p", ""), ("x=", "1")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        let r = build_from(&["X-A:1", "X-A:2", "Key:@key.txt", "User-Agent:", "E;"]).unwrap();
        assert_eq!(
            r.headers,
            [
                ("X-A", Some("1")),
                ("X-A", Some("2")),
                ("Key", Some("s3cret")),
                ("User-Agent", None),
                ("E", Some("")),
            ]
            .map(|(k, v)| (k.to_owned(), v.map(str::to_owned)))
        );
    }

    #[test]
    fn build_errors_name_the_item() {
        for (texts, want) in [
            (
                &["a=1", "a[b]=2"][..],
                "`a[b]=2`: a is a string (from an earlier item), so it has no key [b]",
            ),
            (
                &["a=1", "a[0]=2"],
                "`a[0]=2`: a is a string (from an earlier item), so it has no index [0]",
            ),
            (
                &["x[x][2]=5", "x[x][x]=2"],
                "`x[x][x]=2`: x[x] is an array (from an earlier item), so it has no key [x]",
            ),
            (
                &["a[b]=1", "a[]=2"],
                "`a[]=2`: a is an object (from an earlier item), so nothing can be appended to it",
            ),
            (
                &["t:=null", "t[k][j]=1"],
                "`t[k][j]=1`: t is null (from an earlier item), so it has no key [k]",
            ),
            (
                &["n=@missing.txt"],
                r"`n=@missing.txt`: cannot read missing.txt: entity not found; name a readable file, or write 'n=\@missing.txt' to send the text itself",
            ),
            (
                &["q==@missing.txt"],
                r"`q==@missing.txt`: cannot read missing.txt: entity not found; name a readable file, or write 'q==\@missing.txt' to send the text itself",
            ),
            (
                &["it's:@missing"],
                r"`it's:@missing`: cannot read missing: entity not found; name a readable file, or write 'it'\''s:\@missing' to send the text itself",
            ),
            (
                &["d:=@missing.json"],
                "`d:=@missing.json`: cannot read missing.json: entity not found; name a readable file of JSON",
            ),
            (
                &["d:=@bad.json"],
                "`d:=@bad.json`: bad.json is not JSON (key must be a string at line 1 column 2); use =@ for a string",
            ),
            (
                &["b=@bin"],
                "`b=@bin`: bin is not UTF-8 text (send binary data base64-encoded)",
            ),
            (
                &["X-A:@nl.txt"],
                "`X-A:@nl.txt`: the value is not a valid header value (one line of text)",
            ),
        ] {
            assert_eq!(build_from(texts), Err(want.to_owned()), "{texts:?}");
        }
    }
}
