//! Running pydantic's validators ([`super::core`]) on a decoded request
//! value: every error in pydantic's order with its `loc`, or the value
//! the model holds, in `model_dump(mode="json", by_alias=True)` form.
//!
//! Mirrors pydantic-core 2.50 `src/validators/`: `model_fields.rs`
//! (fields in order, `missing` with the whole object as `input`, extra
//! keys after the fields), `list.rs` and `dict.rs` (every item's errors,
//! `too_long` as soon as the count passes `max_length`, `too_short`
//! after), `union.rs` (smart mode: the first exact match, else the best by
//! fields set and exactness; all members' errors, each under its label),
//! `tagged_union.rs`, `nullable.rs`, `literal.rs`, `enum_.rs`, and FastAPI's
//! `from_attributes=True`, under which a non-object for a model is
//! `model_attributes_type` at every depth.

use std::cmp::Ordering;

use super::core::{Choices, Core, Extra, FloatRules, IntRules, Models, Sequence, StrRules};
use super::errors::{ErrorType, Loc, Number};
use super::json::{Int, Object, PyStr, Value};
use super::lax::{self, DecimalOf, Exactness};
use super::temporal;

/// One validation error.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    /// Its type, with context.
    pub kind: ErrorType,
    /// Where, below the caller's prefix (`["name"]`, `["tags", 1]`).
    pub loc: Vec<Loc>,
    /// The offending input (`null` where FastAPI gives `None`).
    pub input: Value,
}

/// What validation knows of a match, as pydantic-core's
/// `ValidationState`: the worst exactness met, and how many model fields
/// were set.
#[derive(Clone, Copy, Debug)]
struct State {
    exactness: Exactness,
    fields_set: Option<usize>,
}

impl State {
    fn floor(&mut self, e: Exactness) {
        self.exactness = self.exactness.min(e);
    }

    fn add_fields(&mut self, n: usize) {
        self.fields_set = Some(self.fields_set.unwrap_or(0) + n);
    }
}

/// Validates `input` with `core`: the model's value, or every error.
///
/// # Errors
/// The errors, in pydantic's order, `loc`s relative to `input`.
pub fn validate(models: &Models, core: &Core, input: &Value) -> Result<Value, Vec<Error>> {
    let mut run = Run {
        models,
        path: Vec::new(),
        errors: Vec::new(),
    };
    let mut state = State {
        exactness: Exactness::Exact,
        fields_set: None,
    };
    match run.check(core, input, &mut state) {
        Some(v) if run.errors.is_empty() => Ok(v),
        _ => Err(run.errors),
    }
}

struct Run<'m> {
    models: &'m Models,
    path: Vec<Loc>,
    errors: Vec<Error>,
}

impl Run<'_> {
    fn fail(&mut self, kind: ErrorType, input: &Value) -> Option<Value> {
        self.errors.push(Error {
            kind,
            loc: self.path.clone(),
            input: input.clone(),
        });
        None
    }

    /// `Some(value)` when valid; `None` with errors pushed.
    fn check(&mut self, core: &Core, input: &Value, st: &mut State) -> Option<Value> {
        match core {
            Core::Any => Some(input.clone()),
            Core::None => match input {
                Value::Null => Some(Value::Null),
                _ => self.fail(ErrorType::NoneRequired, input),
            },
            Core::Bool => match lax::bool_value(input) {
                Ok((b, e)) => {
                    st.floor(e);
                    Some(Value::Bool(b))
                }
                Err(k) => self.fail(k, input),
            },
            Core::Int(rules) => match lax::int_value(input) {
                Ok((i, e)) => {
                    st.floor(e);
                    match check_int(&i, rules) {
                        Ok(()) => Some(Value::Int(i)),
                        Err(k) => self.fail(k, input),
                    }
                }
                Err(k) => self.fail(k, input),
            },
            Core::Float(rules) => match lax::float_value(input) {
                Ok((f, e)) => {
                    st.floor(e);
                    match check_float(f, rules) {
                        Ok(()) => Some(Value::Float(f)),
                        Err(k) => self.fail(k, input),
                    }
                }
                Err(k) => self.fail(k, input),
            },
            Core::Str(rules) => match lax::str_value(input) {
                Ok(s) => match check_str(s, rules) {
                    Ok(()) => Some(Value::Str(s.clone())),
                    Err(k) => self.fail(k, input),
                },
                Err(k) => self.fail(k, input),
            },
            Core::Decimal(rules) => {
                st.floor(Exactness::Lax);
                match lax::decimal_value(input) {
                    Ok(DecimalOf::Finite(d)) => match check_decimal(&d, rules) {
                        Ok(()) => Some(Value::Str(PyStr::new(&d.to_python_str()))),
                        Err(k) => self.fail(k, input),
                    },
                    Ok(DecimalOf::NotFinite) => self.fail(ErrorType::FiniteNumber, input),
                    Err(k) => self.fail(k, input),
                }
            }
            Core::Date | Core::DateTime | Core::Time => {
                st.floor(Exactness::Lax);
                let out = match core {
                    Core::Date => temporal::date_value(input),
                    Core::DateTime => temporal::datetime_value(input),
                    _ => temporal::time_value(input),
                };
                match out {
                    Ok(text) => Some(Value::Str(PyStr::new(&text))),
                    Err(k) => self.fail(k, input),
                }
            }
            Core::Uuid(version) => {
                st.floor(Exactness::Lax);
                match lax::uuid_value(input, *version) {
                    Ok(text) => Some(Value::Str(PyStr::new(&text))),
                    Err(k) => self.fail(k, input),
                }
            }
            Core::Email => match lax::str_value(input) {
                Ok(s) => match s.as_str().map(super::email::validate) {
                    Some(Ok(normalized)) => Some(Value::Str(PyStr::new(&normalized))),
                    Some(Err(reason)) => self.fail(ErrorType::EmailInvalid { reason }, input),
                    None => self.fail(ErrorType::StringUnicode, input),
                },
                Err(k) => self.fail(k, input),
            },
            Core::Url(rules) => match input {
                Value::Str(s) => match s.as_str().map(|t| super::urls::url_value(t, rules)) {
                    Some(Ok(url)) => {
                        st.floor(Exactness::Lax);
                        Some(Value::Str(PyStr::new(&url)))
                    }
                    Some(Err(k)) => self.fail(k, input),
                    None => self.fail(ErrorType::UrlType, input),
                },
                _ => self.fail(ErrorType::UrlType, input),
            },
            // pydantic-core `LiteralLookup::validate`: where some choice is
            // an int, an int input is read as an i64 first, and one that
            // does not fit is `int_parsing_size` (a literal and an enum
            // alike).
            Core::Literal(choices) | Core::Enum(choices)
                if matches!(input, Value::Int(Int::Big(_)))
                    && choices.values.iter().any(|v| matches!(v, Value::Int(_))) =>
            {
                self.fail(ErrorType::IntParsingSize, input)
            }
            Core::Literal(choices) => match literal_match(choices, input) {
                Some(v) => Some(v.clone()),
                None => self.fail(
                    ErrorType::LiteralError {
                        expected: choices.expected.clone(),
                    },
                    input,
                ),
            },
            Core::Enum(choices) => {
                // An `int` enum reads text as an int first: one that does
                // not fit an i64 is `int_parsing_size`, its input the int.
                if choices.sub == super::core::EnumKind::Int
                    && matches!(input, Value::Str(_))
                    && let Ok((big @ Int::Big(_), _)) = lax::int_value(input)
                {
                    return self.fail(ErrorType::IntParsingSize, &Value::Int(big));
                }
                st.floor(Exactness::Lax);
                match enum_match(choices, input) {
                    Some(v) => Some(v.clone()),
                    None => self.fail(
                        ErrorType::Enum {
                            expected: choices.expected.clone(),
                        },
                        input,
                    ),
                }
            }
            Core::List(seq) => self.list(seq, input, st),
            Core::Dict(seq) => self.dict(seq, input, st),
            Core::Model(i) => self.model(*i, input, st),
            Core::Nullable(inner) => match input {
                Value::Null => Some(Value::Null),
                _ => self.check(inner, input, st),
            },
            Core::Union(choices) => self.union(choices, input, st),
            Core::Tagged(tagged) => {
                let Value::Object(obj) = input else {
                    return self.fail(ErrorType::ModelAttributesType, input);
                };
                let discriminator = super::core::py_str_repr(&tagged.key);
                let Some(tag) = obj.get(&tagged.key) else {
                    return self.fail(ErrorType::UnionTagNotFound { discriminator }, input);
                };
                let found = match tag {
                    Value::Str(t) => t
                        .as_str()
                        .and_then(|t| tagged.choices.iter().find(|(k, _)| k == t)),
                    _ => None,
                };
                match found {
                    Some((key, choice)) => {
                        self.path.push(Loc::key(key));
                        let out = self.check(choice, input, st);
                        self.path.pop();
                        out
                    }
                    None => {
                        let expected_tags = tagged
                            .choices
                            .iter()
                            .map(|(k, _)| super::core::py_str_repr(k))
                            .collect::<Vec<_>>()
                            .join(", ");
                        let tag = match tag {
                            Value::Str(t) => t.to_string_lossy(),
                            other => super::core::python_repr(other),
                        };
                        self.fail(
                            ErrorType::UnionTagInvalid {
                                discriminator,
                                tag,
                                expected_tags,
                            },
                            input,
                        )
                    }
                }
            }
        }
    }

    fn list(&mut self, seq: &Sequence, input: &Value, st: &mut State) -> Option<Value> {
        let Value::Array(items) = input else {
            return self.fail(ErrorType::ListType, input);
        };
        let (out, ok) = self.items(
            seq,
            items.iter().map(|v| (None, v)),
            items.len(),
            "List",
            input,
            st,
        )?;
        if !ok {
            return None;
        }
        if let Some(min) = seq.min_length
            && out.len() < min
        {
            return self.fail(
                ErrorType::TooShort {
                    field_type: "List",
                    min_length: min,
                    actual_length: out.len(),
                },
                input,
            );
        }
        Some(Value::Array(out.into_iter().map(|(_, v)| v).collect()))
    }

    fn dict(&mut self, seq: &Sequence, input: &Value, st: &mut State) -> Option<Value> {
        let Value::Object(obj) = input else {
            return self.fail(ErrorType::DictType, input);
        };
        let (out, ok) = self.items(
            seq,
            obj.iter().map(|(k, v)| (Some(k), v)),
            obj.len(),
            "Dictionary",
            input,
            st,
        )?;
        if !ok {
            return None;
        }
        if let Some(min) = seq.min_length
            && out.len() < min
        {
            return self.fail(
                ErrorType::TooShort {
                    field_type: "Dictionary",
                    min_length: min,
                    actual_length: out.len(),
                },
                input,
            );
        }
        let mut o = Object::new();
        for (k, v) in out {
            if let Some(k) = k {
                o.insert(k.clone(), v);
            }
        }
        Some(Value::Object(o))
    }

    /// Validates items (list elements or dict values): `Some((values,
    /// every item valid))`, or `None` when the count passed `max_length`.
    #[allow(clippy::type_complexity)]
    fn items<'v>(
        &mut self,
        seq: &Sequence,
        items: impl Iterator<Item = (Option<&'v PyStr>, &'v Value)>,
        len: usize,
        field_type: &'static str,
        input: &Value,
        st: &mut State,
    ) -> Option<(Vec<(Option<&'v PyStr>, Value)>, bool)> {
        let before = self.errors.len();
        let mut out = Vec::with_capacity(len);
        let mut ok = true;
        for (i, (key, item)) in items.enumerate() {
            self.path.push(match key {
                Some(k) => Loc::Key(k.clone()),
                None => Loc::Index(i),
            });
            let v = self.check(&seq.item, item, st);
            self.path.pop();
            match v {
                Some(v) => out.push((key, v)),
                None => ok = false,
            }
            if let Some(max) = seq.max_length
                && i + 1 > max
            {
                self.errors.truncate(before);
                self.fail(
                    ErrorType::TooLong {
                        field_type,
                        max_length: max,
                        actual_length: Some(len),
                    },
                    input,
                );
                return None;
            }
        }
        Some((out, ok))
    }

    fn model(&mut self, index: usize, input: &Value, st: &mut State) -> Option<Value> {
        let models = self.models;
        let Some(model) = models.get(index) else {
            return self.fail(ErrorType::ModelAttributesType, input);
        };
        let Value::Object(obj) = input else {
            return self.fail(ErrorType::ModelAttributesType, input);
        };
        st.floor(Exactness::Strict);
        let mut out = Object::new();
        let mut ok = true;
        let mut set = 0;
        for field in &model.fields {
            let key = field.key.as_str().unwrap_or("");
            match obj.get(key) {
                Some(v) => {
                    self.path.push(Loc::Key(field.key.clone()));
                    let checked = self.check(&field.core, v, st);
                    self.path.pop();
                    match checked {
                        Some(v) => {
                            set += 1;
                            out.insert(field.key.clone(), v);
                        }
                        None => ok = false,
                    }
                }
                None => match &field.default {
                    Some(d) => out.insert(field.key.clone(), d.clone()),
                    None => {
                        ok = false;
                        self.path.push(Loc::Key(field.key.clone()));
                        self.fail(ErrorType::Missing, input);
                        self.path.pop();
                    }
                },
            }
        }
        if model.extra != Extra::Ignore {
            for (k, v) in obj.iter() {
                let known = model.fields.iter().any(|f| f.key == *k);
                if known {
                    continue;
                }
                match model.extra {
                    Extra::Forbid => {
                        ok = false;
                        self.path.push(Loc::Key(k.clone()));
                        self.fail(ErrorType::ExtraForbidden, v);
                        self.path.pop();
                    }
                    Extra::Allow => {
                        set += 1;
                        out.insert(k.clone(), v.clone());
                    }
                    Extra::Ignore => {}
                }
            }
        }
        st.add_fields(set);
        ok.then_some(Value::Object(out))
    }

    fn union(&mut self, choices: &[Core], input: &Value, st: &mut State) -> Option<Value> {
        let mut best: Option<(Value, Exactness, Option<usize>)> = None;
        let mut failures: Vec<Error> = Vec::new();
        let outer = std::mem::take(&mut self.errors);
        for choice in choices {
            let mut cst = State {
                exactness: Exactness::Exact,
                fields_set: None,
            };
            let label = self.models.name(choice);
            self.path.push(Loc::key(&label));
            let result = self.check(choice, input, &mut cst);
            self.path.pop();
            let errors = std::mem::take(&mut self.errors);
            match result {
                Some(v) if errors.is_empty() => {
                    if cst.exactness == Exactness::Exact && cst.fields_set.is_none() {
                        self.errors = outer;
                        return Some(v);
                    }
                    let better = best
                        .as_ref()
                        .is_none_or(|(_, e, f)| match (*f, cst.fields_set) {
                            (Some(cur), Some(new)) if cur != new => cur < new,
                            _ => *e < cst.exactness,
                        });
                    if better {
                        best = Some((v, cst.exactness, cst.fields_set));
                    }
                }
                _ => {
                    if best.is_none() {
                        failures.extend(errors);
                    }
                }
            }
        }
        self.errors = outer;
        match best {
            Some((v, e, f)) => {
                st.floor(e);
                if let Some(n) = f {
                    st.add_fields(n);
                }
                Some(v)
            }
            None => {
                self.errors.extend(failures);
                None
            }
        }
    }
}

fn cmp_int(a: &Int, b: &Int) -> Ordering {
    match (a, b) {
        (Int::Small(x), Int::Small(y)) => x.cmp(y),
        _ => {
            let (x, y) = (a.to_string(), b.to_string());
            let (nx, ny) = (x.starts_with('-'), y.starts_with('-'));
            match (nx, ny) {
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                _ => {
                    let (dx, dy) = (x.trim_start_matches('-'), y.trim_start_matches('-'));
                    let mag = dx.len().cmp(&dy.len()).then_with(|| dx.cmp(dy));
                    if nx { mag.reverse() } else { mag }
                }
            }
        }
    }
}

fn int_rem_is_zero(value: &Int, step: &Int) -> bool {
    match (value, step) {
        (Int::Small(v), Int::Small(s)) if *s != 0 => v.rem_euclid(*s) == 0,
        (_, Int::Small(0)) => false,
        _ => {
            // Long division on the decimal digits.
            let digits = value.to_string();
            let Int::Small(s) = step else { return false };
            let s = i128::from(*s).abs();
            let mut rem: i128 = 0;
            for b in digits.trim_start_matches('-').bytes() {
                rem = (rem * 10 + i128::from(b - b'0')) % s;
            }
            rem == 0
        }
    }
}

/// pydantic-core `ConstrainedIntValidator`: `multiple_of`, `le`, `lt`,
/// `ge`, `gt`, the first that fails.
pub(crate) fn check_int(i: &Int, r: &IntRules) -> Result<(), ErrorType> {
    let n = |b: &Int| Number::Int(b.clone());
    if let Some(m) = &r.multiple_of
        && !int_rem_is_zero(i, m)
    {
        return Err(ErrorType::MultipleOf { multiple_of: n(m) });
    }
    if let Some(b) = &r.le
        && cmp_int(i, b) == Ordering::Greater
    {
        return Err(ErrorType::LessThanEqual { le: n(b) });
    }
    if let Some(b) = &r.lt
        && cmp_int(i, b) != Ordering::Less
    {
        return Err(ErrorType::LessThan { lt: n(b) });
    }
    if let Some(b) = &r.ge
        && cmp_int(i, b) == Ordering::Less
    {
        return Err(ErrorType::GreaterThanEqual { ge: n(b) });
    }
    if let Some(b) = &r.gt
        && cmp_int(i, b) != Ordering::Greater
    {
        return Err(ErrorType::GreaterThan { gt: n(b) });
    }
    Ok(())
}

/// pydantic-core `ConstrainedFloatValidator` (NaN fails every bound).
pub(crate) fn check_float(f: f64, r: &FloatRules) -> Result<(), ErrorType> {
    if let Some(m) = r.multiple_of {
        let rounded = (f / m).round();
        if (f - rounded * m).abs() > 1e-9 {
            return Err(ErrorType::MultipleOf {
                multiple_of: Number::Float(m),
            });
        }
    }
    if let Some(b) = r.le
        && !matches!(f.partial_cmp(&b), Some(Ordering::Less | Ordering::Equal))
    {
        return Err(ErrorType::LessThanEqual {
            le: Number::Float(b),
        });
    }
    if let Some(b) = r.lt
        && !matches!(f.partial_cmp(&b), Some(Ordering::Less))
    {
        return Err(ErrorType::LessThan {
            lt: Number::Float(b),
        });
    }
    if let Some(b) = r.ge
        && !matches!(f.partial_cmp(&b), Some(Ordering::Greater | Ordering::Equal))
    {
        return Err(ErrorType::GreaterThanEqual {
            ge: Number::Float(b),
        });
    }
    if let Some(b) = r.gt
        && !matches!(f.partial_cmp(&b), Some(Ordering::Greater))
    {
        return Err(ErrorType::GreaterThan {
            gt: Number::Float(b),
        });
    }
    Ok(())
}

/// pydantic-core `StrConstrainedValidator`: lengths in characters, then
/// the pattern (searched).
fn check_str(s: &PyStr, r: &StrRules) -> Result<(), ErrorType> {
    if !r.constrained() {
        return Ok(());
    }
    let text = s.as_str().ok_or(ErrorType::StringUnicode)?;
    check_text(text, r)
}

/// [`check_str`] of a string known to be text.
pub(crate) fn check_text(text: &str, r: &StrRules) -> Result<(), ErrorType> {
    if r.min_length.is_some() || r.max_length.is_some() {
        let n = text.chars().count();
        if let Some(min) = r.min_length
            && n < min
        {
            return Err(ErrorType::StringTooShort { min_length: min });
        }
        if let Some(max) = r.max_length
            && n > max
        {
            return Err(ErrorType::StringTooLong { max_length: max });
        }
    }
    if let Some((written, re)) = &r.pattern
        && !re.is_match(text)
    {
        return Err(ErrorType::StringPatternMismatch {
            pattern: written.clone(),
        });
    }
    Ok(())
}

/// pydantic-core `DecimalValidator`'s checks: `multiple_of`, `le`, `lt`,
/// `ge`, `gt`.
fn check_decimal(d: &lax::Decimal, r: &super::core::DecimalRules) -> Result<(), ErrorType> {
    let show = |b: &super::core::DecimalBound| b.ctx.clone();
    if let Some(m) = &r.multiple_of {
        let ratio = divides(d, &m.value);
        if !ratio {
            return Err(ErrorType::MultipleOf {
                multiple_of: show(m),
            });
        }
    }
    if let Some(b) = &r.le
        && d.cmp_value(&b.value) == Ordering::Greater
    {
        return Err(ErrorType::LessThanEqual { le: show(b) });
    }
    if let Some(b) = &r.lt
        && d.cmp_value(&b.value) != Ordering::Less
    {
        return Err(ErrorType::LessThan { lt: show(b) });
    }
    if let Some(b) = &r.ge
        && d.cmp_value(&b.value) == Ordering::Less
    {
        return Err(ErrorType::GreaterThanEqual { ge: show(b) });
    }
    if let Some(b) = &r.gt
        && d.cmp_value(&b.value) != Ordering::Greater
    {
        return Err(ErrorType::GreaterThan { gt: show(b) });
    }
    Ok(())
}

/// Whether `d` is a multiple of `step` as pydantic-core decides it:
/// `(d / step) % 1 == 0` in Python's default decimal context, where the
/// quotient is rounded to 28 significant digits (half-even) and `% 1`
/// raises `DivisionImpossible` once its integer part needs more than 28
/// digits, which pydantic reports as `multiple_of`
/// (pydantic-core 2.50 `src/validators/decimal.rs`; measured: with
/// `multiple_of=0.25`, `1e27` passes and `2.5e27`, `1.5e300` fail).
fn divides(d: &lax::Decimal, step: &lax::Decimal) -> bool {
    const PREC: usize = 28;
    let (a, b) = (d.normalized(), step.normalized());
    if b.digits == "0" {
        return false;
    }
    if a.digits == "0" {
        return true;
    }
    let Ok(divisor) = b.digits.parse::<u128>() else {
        return false;
    };
    if divisor >= 10u128.pow(36) {
        return false;
    }
    // d / step = (A / B) * 10^(ea - eb), A and B the digit strings as
    // integers. Long division of A (then zeros) by B gives the quotient's
    // significant digits, the first at the place 10^point_of(A, B).
    let mut digits: Vec<u8> = Vec::with_capacity(PREC + 1);
    let mut rem: u128 = 0;
    let mut consumed = 0usize;
    let mut feed = a.digits.bytes().map(|c| u128::from(c - b'0'));
    while digits.len() <= PREC {
        let next = feed.next().unwrap_or(0);
        consumed += 1;
        let cur = rem * 10 + next;
        let q = (cur / divisor) as u8;
        rem = cur % divisor;
        if q != 0 || !digits.is_empty() {
            digits.push(q);
        }
    }
    let sticky = rem != 0 || a.digits.bytes().skip(consumed).any(|c| c != b'0');
    let mut adjusted = point_of(&a.digits, divisor) + (a.exponent - b.exponent);
    // Round to PREC digits, half-even.
    if digits.len() > PREC {
        let guard = digits[PREC];
        let rest = sticky;
        digits.truncate(PREC);
        let round_up = guard > 5 || (guard == 5 && (rest || digits[PREC - 1] % 2 == 1));
        if round_up {
            let mut i = PREC;
            loop {
                if i == 0 {
                    digits.insert(0, 1);
                    digits.truncate(PREC);
                    adjusted += 1;
                    break;
                }
                i -= 1;
                if digits[i] == 9 {
                    digits[i] = 0;
                } else {
                    digits[i] += 1;
                    break;
                }
            }
        }
    }
    if adjusted >= PREC as i64 {
        return false; // DivisionImpossible
    }
    if adjusted < 0 {
        return false; // 0 < |q| < 1
    }
    // Digits at places below 10^0 must be zero.
    digits
        .iter()
        .skip(usize::try_from(adjusted + 1).unwrap_or(usize::MAX))
        .all(|&x| x == 0)
}

/// The decimal exponent of the first significant digit of `A / B` (A a
/// digit string without leading zeros, B > 0): `floor(log10(A / B))`.
fn point_of(a: &str, b: u128) -> i64 {
    // Compare A with B * 10^k by lengths, then digit-wise.
    let b_text = b.to_string();
    let k = a.len() as i64 - b_text.len() as i64;
    // A / B >= 10^k  iff  A >= B * 10^k  iff  A's leading digits >= B's
    // (same lengths after padding B with k zeros).
    let padded_b: String = if k >= 0 {
        format!("{b_text}{}", "0".repeat(k as usize))
    } else {
        b_text.clone()
    };
    let a_padded: String = if k < 0 {
        format!("{a}{}", "0".repeat((-k) as usize))
    } else {
        a.to_owned()
    };
    if a_padded >= padded_b { k } else { k - 1 }
}

/// Python equality for a literal lookup: strings with strings, and
/// numbers and bools among themselves (`True == 1 == 1.0`).
fn py_eq(a: &Value, b: &Value) -> bool {
    let num = |v: &Value| match v {
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Int(Int::Small(i)) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    };
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        _ => matches!((num(a), num(b)), (Some(x), Some(y)) if x == y),
    }
}

/// pydantic-core's `LiteralLookup::validate`: the literal an input is.
fn literal_match<'c>(choices: &'c Choices, input: &Value) -> Option<&'c Value> {
    // Exact matches first (a bool literal for a bool, a str for a str),
    // then Python's equality among numbers and bools.
    choices
        .values
        .iter()
        .find(|v| std::mem::discriminant(*v) == std::mem::discriminant(input) && py_eq(v, input))
        .or_else(|| {
            choices
                .values
                .iter()
                .find(|v| !matches!(v, Value::Str(_)) && py_eq(v, input))
        })
}

/// pydantic-core's enum validators: a `str` enum takes a string, an `int`
/// enum an int in lax mode (`"1"`, `1.0`, `True`), a `float` enum a float
/// in lax mode, a plain enum a value equal to a member's.
fn enum_match<'c>(choices: &'c Choices, input: &Value) -> Option<&'c Value> {
    use super::core::EnumKind;
    match choices.sub {
        EnumKind::Str => {
            let Value::Str(s) = input else { return None };
            choices
                .values
                .iter()
                .find(|v| matches!(v, Value::Str(m) if m == s))
        }
        EnumKind::Int => {
            let (i, _) = lax::int_value(input).ok()?;
            choices
                .values
                .iter()
                .find(|v| matches!(v, Value::Int(m) if *m == i))
        }
        EnumKind::Float => {
            let (f, _) = lax::float_value(input).ok()?;
            choices
                .values
                .iter()
                .find(|v| matches!(v, Value::Float(m) if *m == f))
        }
        EnumKind::Plain => literal_match(choices, input),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::core::Options;
    use crate::reference::json;
    use crate::spec::document::Document;
    use crate::spec::schema::Schema;

    fn run(schemas: serde_json::Value, body: &str) -> Result<String, Vec<(String, String)>> {
        let doc = Document::from_value(serde_json::json!({"openapi": "3.1.0", "paths": {}, "components": {"schemas": schemas}}))
            .unwrap();
        let mut models = Models::default();
        let core = models
            .build(
                &doc,
                &Schema::read(&serde_json::json!({"$ref": "#/components/schemas/M"}), "#").unwrap(),
                Options::default(),
            )
            .unwrap();
        let input = json::decode(body.as_bytes()).unwrap();
        match validate(&models, &core, &input) {
            Ok(v) => {
                let mut out = Vec::new();
                crate::reference::render::write_value(&mut out, &v).unwrap();
                Ok(String::from_utf8(out).unwrap())
            }
            Err(es) => Err(es
                .into_iter()
                .map(|e| {
                    let loc: Vec<String> = e
                        .loc
                        .iter()
                        .map(|l| match l {
                            Loc::Key(k) => k.to_string_lossy(),
                            Loc::Index(i) => i.to_string(),
                        })
                        .collect();
                    (loc.join("."), e.kind.name().to_owned())
                })
                .collect()),
        }
    }

    fn schemas() -> serde_json::Value {
        serde_json::json!({
            "In": {"type": "object", "title": "In", "required": ["x"], "properties": {"x": {"type": "integer"}}},
            "M": {"type": "object", "title": "M", "required": ["name"], "properties": {
                "name": {"type": "string", "minLength": 2},
                "age": {"type": "integer", "default": 0, "minimum": 0},
                "inner": {"anyOf": [{"$ref": "#/components/schemas/In"}, {"type": "null"}], "default": null},
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/In"}, "default": []},
                "u": {"anyOf": [{"type": "integer"}, {"type": "string"}], "default": 0},
                "f": {"type": "number", "default": 0}}}})
    }

    #[test]
    fn decimal_multiple_of_is_decided_in_pythons_28_digit_context() {
        // Measured on pydantic 2.14.3: Decimal, multiple_of=Decimal("0.25").
        let m = serde_json::json!({"M": {"type": "object", "title": "M", "required": ["d"], "properties": {
            "d": {"anyOf": [{"type": "number", "multipleOf": 0.25}, {"type": "string"}]}}}});
        for (input, ok) in [
            ("1e27", true),
            ("\"1e27\"", true),
            ("\"2.5e27\"", false),
            ("1.5e300", false),
            ("\"-1e30\"", false),
            ("0.75", true),
            ("0.3", false),
            ("\"1E+2\"", true),
            ("1e20", true),
            ("0", true),
            // 1 + 4e-31: the quotient rounds to 4 (28 digits), a multiple.
            ("\"1.0000000000000000000000000000004\"", true),
            ("\"1.000000000000000000000004\"", false),
        ] {
            let got = run(m.clone(), &format!(r#"{{"d":{input}}}"#));
            assert_eq!(got.is_ok(), ok, "{input}: {got:?}");
            if !ok {
                assert_eq!(got.unwrap_err()[0].1, "multiple_of", "{input}");
            }
        }
    }

    #[test]
    fn ints_beyond_64_bits_against_int_choices_are_int_parsing_size() {
        // Measured on pydantic 2.14.3 (TypeAdapter(...).validate_python).
        let m = serde_json::json!({
            "C": {"type": "integer", "enum": [1, 2], "title": "C"},
            "S": {"type": "string", "enum": ["a"], "title": "S"},
            "M": {"type": "object", "title": "M", "properties": {
                "c": {"anyOf": [{"$ref": "#/components/schemas/C"}, {"type": "null"}], "default": null},
                "l": {"anyOf": [{"enum": [1, 2], "type": "integer"}, {"type": "null"}], "default": null},
                "s": {"anyOf": [{"$ref": "#/components/schemas/S"}, {"type": "null"}], "default": null},
                "b": {"anyOf": [{"type": "boolean"}, {"type": "null"}], "default": null}}}});
        let kind = |body: &str| run(m.clone(), body).unwrap_err()[0].1.clone();
        let big = "9223372036854775808";
        assert_eq!(kind(&format!(r#"{{"c":{big}}}"#)), "int_parsing_size");
        assert_eq!(kind(&format!(r#"{{"c":"{big}"}}"#)), "int_parsing_size");
        assert_eq!(kind(r#"{"c":9223372036854775807}"#), "enum");
        assert_eq!(kind(r#"{"c":1e30}"#), "enum");
        assert_eq!(kind(&format!(r#"{{"l":{big}}}"#)), "int_parsing_size");
        assert_eq!(kind(&format!(r#"{{"l":"{big}"}}"#)), "literal_error");
        assert_eq!(kind(&format!(r#"{{"s":{big}}}"#)), "enum");
        assert_eq!(kind(&format!(r#"{{"b":{big}}}"#)), "bool_type");
    }

    #[test]
    fn number_or_string_with_a_numeric_default_is_a_union_not_a_decimal() {
        // pydantic writes a Decimal default as a string ("0.00"); `float |
        // str = 1.0` shows a number.
        let m = serde_json::json!({"M": {"type": "object", "title": "M", "properties": {
            "r": {"anyOf": [{"type": "number"}, {"type": "string"}], "default": 1.0},
            "d": {"anyOf": [{"type": "number"}, {"type": "string"}], "default": "1.0"}}}});
        assert_eq!(
            run(m.clone(), r#"{"r":"abc","d":"2.50"}"#),
            Ok(r#"{"r":"abc","d":"2.50"}"#.into())
        );
        assert_eq!(run(m, r#"{"r":2}"#), Ok(r#"{"r":2.0,"d":"1.0"}"#.into()));
    }

    #[test]
    fn valid_items_come_back_as_model_dump_json() {
        assert_eq!(
            run(
                schemas(),
                r#"{"name":"ab","age":"3","u":"3","f":1,"inner":{"x":1.0,"y":2}}"#
            )
            .unwrap(),
            r#"{"name":"ab","age":3,"inner":{"x":1},"items":[],"u":"3","f":1.0}"#
        );
    }

    #[test]
    fn errors_in_pydantics_order_with_their_locs() {
        let errs = run(
            schemas(),
            r#"{"name":"a","age":-1,"inner":"x","items":["x",{"x":"y"}],"u":[]}"#,
        )
        .unwrap_err();
        let want: Vec<(String, String)> = [
            ("name", "string_too_short"),
            ("age", "greater_than_equal"),
            ("inner", "model_attributes_type"),
            ("items.0", "model_attributes_type"),
            ("items.1.x", "int_parsing"),
            ("u.int", "int_type"),
            ("u.str", "string_type"),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
        assert_eq!(errs, want);
        assert_eq!(
            run(schemas(), "{}").unwrap_err(),
            vec![("name".to_owned(), "missing".to_owned())]
        );
    }
}
