//! The reference app's `Item` model: `name: str | None = None`,
//! `size: int | None = None` (the seed's `Body(...)` fields, docs/BEHAVIOR.md §5).

use crate::reference::json::{Int, PyStr};

/// One stored item: both fields optional, `None` rendered as `null`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Item {
    /// `name: str | None`.
    pub name: Option<PyStr>,
    /// `size: int | None` (any size).
    pub size: Option<Int>,
}

impl Item {
    /// An item from plain values.
    pub fn new(name: Option<&str>, size: Option<i64>) -> Self {
        Item {
            name: name.map(PyStr::new),
            size: size.map(Int::Small),
        }
    }
}

/// The reference app's seed, its module-level `items` dict:
/// `foo → {"name":"Fighters","size":6}`, `bar → {"name":"Tenders","size":3}`.
pub fn seed() -> Vec<(String, Item)> {
    vec![
        ("foo".into(), Item::new(Some("Fighters"), Some(6))),
        ("bar".into(), Item::new(Some("Tenders"), Some(3))),
    ]
}
