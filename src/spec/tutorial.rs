//! The tutorial's endpoint, described once: the OpenAPI document of
//! `documented_app.py` (the seed's app with its 201 documented), which
//! `serve` publishes at `/openapi.json` and from which every side takes
//! the tutorial's path, item and rules.

use super::body::Body;
use super::document::Document;
use super::endpoint::{Choice, choose};

/// The reference app's seed, its module-level `items` dict
/// (docs/BEHAVIOR.md §2): `(id, item as JSON text)`, in its order. The
/// server starts with it; `check --seeded` expects it.
pub const SEED: [(&str, &str); 2] = [
    ("foo", r#"{"name":"Fighters","size":6}"#),
    ("bar", r#"{"name":"Tenders","size":3}"#),
];

/// The document, byte for byte as the reference serves it.
pub const OPENAPI_JSON: &str = include_str!("tutorial.openapi.json");

/// The document, read. It is part of the binary and read by a unit test,
/// so reading it cannot fail at run time; should it ever, the result is
/// an empty document (no operations), never a panic.
pub fn document() -> Document {
    Document::parse(OPENAPI_JSON.as_bytes()).unwrap_or_else(|_| Document::empty())
}

/// The tutorial's upsert: `PUT /items/{item_id}`.
pub fn upsert(doc: &Document) -> Option<Choice<'_>> {
    choose(doc, None).ok().flatten()
}

/// The tutorial's item: the multi-`Body` wrapper
/// `Body_upsert_item_items__item_id__put {name: string?, size: integer?}`.
pub fn body(doc: &Document) -> Body {
    upsert(doc)
        .and_then(|c| Body::of(doc, c.upsert.body).ok())
        .unwrap_or_else(|| Body {
            title: "item".into(),
            fields: Vec::new(),
            schema: super::schema::Schema::any(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_reads_and_names_the_tutorials_upsert() {
        let doc = Document::parse(OPENAPI_JSON.as_bytes()).unwrap();
        let c = upsert(&doc).unwrap();
        assert_eq!(c.path, "/items/{item_id}");
        assert_eq!(c.id_param, "item_id");
        assert_eq!(
            c.response_fields,
            Some(vec!["name".to_owned(), "size".to_owned()])
        );
        assert!(body(&doc).is_tutorial());
    }
}
