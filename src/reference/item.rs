//! The reference app's seed ([`crate::spec::tutorial::SEED`]) as the items
//! `model_dump(mode="json")` gives, and the tutorial's item.

use super::json::{self, Int, Object, PyStr, Value};

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

/// The seed, in the reference's order. Its JSON is part of the binary and
/// read by a unit test, so reading it cannot fail at run time; an item
/// that did would be left out, never a panic.
pub fn seed() -> Vec<(String, Value)> {
    crate::spec::tutorial::SEED
        .iter()
        .filter_map(|(id, text)| Some(((*id).to_owned(), json::decode(text.as_bytes()).ok()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_is_the_references_two_items() {
        assert_eq!(
            seed(),
            vec![
                ("foo".to_owned(), tutorial_item(Some("Fighters"), Some(6))),
                ("bar".to_owned(), tutorial_item(Some("Tenders"), Some(3))),
            ]
        );
    }
}
