//! The reference app's seed, its module-level `items` dict:
//! `foo → {"name":"Fighters","size":6}`, `bar → {"name":"Tenders","size":3}`
//! (docs/BEHAVIOR.md §2), as the items `model_dump(mode="json")` gives.

use super::json::{Int, Object, PyStr, Value};

/// The tutorial's item `{"name": name, "size": size}`.
pub fn tutorial_item(name: Option<&str>, size: Option<i64>) -> Value {
    let mut obj = Object::new();
    obj.insert(
        PyStr::new("name"),
        name.map_or(Value::Null, |n| Value::Str(PyStr::new(n))),
    );
    obj.insert(
        PyStr::new("size"),
        size.map_or(Value::Null, |s| Value::Int(Int::Small(s))),
    );
    Value::Object(obj)
}

/// The seed, in the reference's order.
pub fn seed() -> Vec<(String, Value)> {
    vec![
        ("foo".into(), tutorial_item(Some("Fighters"), Some(6))),
        ("bar".into(), tutorial_item(Some("Tenders"), Some(3))),
    ]
}
