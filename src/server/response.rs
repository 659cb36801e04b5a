//! The clock side of writing responses: the `date` header.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

/// Calls `f` with the current HTTP date, formatted once per second per thread.
pub(super) fn with_http_date(f: impl FnOnce(&str)) {
    thread_local! {
        static CACHE: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let now = SystemTime::now();
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.0 != secs {
            *cache = (secs, httpdate::fmt_http_date(now));
        }
        f(&cache.1);
    });
}
