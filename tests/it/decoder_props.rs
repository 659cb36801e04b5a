//! Property tests: on valid JSON the reference decoder (CPython's
//! `json.loads` model) agrees with serde_json, and its serializer's output
//! reads back as the same value. (Where they legitimately differ, on NaN,
//! lone surrogates or duplicate keys, serde_json cannot produce the input.)

use itemctl::reference::json::{Int, Value, decode};
use itemctl::reference::render::write_value;
use proptest::prelude::*;
use serde_json::Value as Serde;

fn arb_json() -> impl Strategy<Value = Serde> {
    let leaf = prop_oneof![
        Just(Serde::Null),
        any::<bool>().prop_map(Serde::Bool),
        any::<i64>().prop_map(|i| Serde::Number(i.into())),
        any::<u64>().prop_map(|u| Serde::Number(u.into())),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Serde::Null, Serde::Number)),
        any::<String>().prop_map(Serde::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Serde::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..8)
                .prop_map(|m| Serde::Object(m.into_iter().collect())),
        ]
    })
}

/// Structural equality of a decoded value and serde_json's.
fn same(ours: &Value, theirs: &Serde) -> bool {
    match (ours, theirs) {
        (Value::Null, Serde::Null) => true,
        (Value::Bool(a), Serde::Bool(b)) => a == b,
        (Value::Int(Int::Small(a)), Serde::Number(n)) if n.is_i64() || n.is_u64() => {
            n.as_i64() == Some(*a)
                || (n.as_u64().is_some() && Some(*a as u64) == n.as_u64() && *a >= 0)
        }
        (Value::Int(Int::Big(a)), Serde::Number(n)) => {
            n.as_u64().map(|u| u.to_string()).as_deref() == Some(&**a)
        }
        (Value::Float(a), Serde::Number(n)) if n.is_f64() => n.as_f64() == Some(*a),
        (Value::Str(a), Serde::String(b)) => a.as_str() == Some(b.as_str()),
        (Value::Array(a), Serde::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Value::Object(a), Serde::Object(b)) => {
            a.len() == b.len()
                && a.iter().all(|(k, v)| {
                    k.as_str()
                        .and_then(|k| b.get(k))
                        .is_some_and(|w| same(v, w))
                })
        }
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decodes_like_serde_json(v in arb_json(), pretty in any::<bool>()) {
        let text = if pretty { serde_json::to_string_pretty(&v).unwrap() } else { serde_json::to_string(&v).unwrap() };
        let ours = decode(text.as_bytes()).expect("valid JSON decodes");
        prop_assert!(same(&ours, &v), "{text}");
    }

    #[test]
    fn serialized_values_read_back(v in arb_json()) {
        let ours = decode(serde_json::to_string(&v).unwrap().as_bytes()).unwrap();
        let mut out = Vec::new();
        write_value(&mut out, &ours).expect("finite values render");
        let back: Serde = serde_json::from_slice(&out).expect("the rendering is JSON");
        prop_assert!(same(&ours, &back), "{}", String::from_utf8_lossy(&out));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256), ct in "[ -~]{0,40}") {
        let _ = decode(&bytes);
        let app = itemctl::reference::app::App::from_document(
            &itemctl::spec::tutorial::document(),
            itemctl::reference::core::Options::default(),
        )
        .unwrap();
        for content_type in [ct.as_bytes(), b"application/json"] {
            let header = |name: &str| (name == "content-type").then_some(content_type);
            let params = ["id".to_owned()];
            let req = itemctl::reference::app::Request { params: &params, query: None, header: &header, body: &bytes };
            let _ = app.upsert(0, &req);
        }
    }
}
