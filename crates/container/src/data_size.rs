//! The size of a data update as WeChat counts it for `setData`'s 1 MB limit: the length of
//! its JSON text in UTF-16 units. Measured here, by walking the JS values from Rust, and
//! not by the app's `JSON.stringify`: app code shares the runtime's global scope, and a
//! replaced `JSON.stringify` or a `toJSON` put on a prototype would answer for it.
//!
//! The walk follows `JSON.stringify`'s rules for what is written (own enumerable string
//! keys; functions, symbols and `undefined` left out of objects and `null` in arrays),
//! except that `toJSON` is never called. Getters and proxies are the app's own code and
//! run as they would under `JSON.stringify`. A value met again inside itself (a cycle,
//! which `JSON.stringify` refuses) counts once. The walk stops as soon as the count passes
//! the limit it was given.

use rquickjs::{Object, Type, Value};

/// Deeper than this, values are not looked into (each level is a Rust stack frame).
const MAX_DEPTH: usize = 1000;

/// The size of glass-easel's pending changes, `[[path, value, splice?, deleteCount?], ...]`,
/// counted as the object `{"a.b[0]": value, ...}` that `setData` would have been given;
/// property values a parent passes down (`splice === true`) were counted in the parent's
/// own update and are left out. At most a little over `limit`.
pub(crate) fn changes<'js>(changes: &Value<'js>, limit: usize) -> usize {
    let mut w = Walk {
        total: 2,
        limit,
        stack: Vec::new(),
    };
    let Some(list) = changes.as_object().filter(|_| changes.is_array()) else {
        return 0;
    };
    // Every change written adds to the count; skipped ones are bounded by it too.
    let n = length(list).min(limit);
    for i in 0..n {
        if w.total > limit {
            break;
        }
        let Ok(change) = list.get::<_, Value>(i as u32) else {
            continue;
        };
        let Some(change) = change.as_object().filter(|_| change.is_array()) else {
            continue;
        };
        if change
            .get::<_, Value>(2)
            .is_ok_and(|p| p.as_bool() == Some(true))
        {
            continue;
        }
        let key = change
            .get::<_, Value>(0)
            .ok()
            .and_then(|p| p.as_object().cloned())
            .map_or(0, |path| path_len(&path));
        if i > 0 {
            w.total += 1;
        }
        w.total += key + 3;
        let value = change
            .get::<_, Value>(1)
            .unwrap_or_else(|_| Value::new_null(change.ctx().clone()));
        if !w.value(&value, 0) {
            w.total += 4;
        }
    }
    w.total
}

/// `a.b[0].c`, as a JSON key: the quotes are counted by the caller.
fn path_len(path: &Object<'_>) -> usize {
    let mut len = 0;
    for i in 0..length(path).min(4096) {
        match path.get::<_, Value>(i as u32) {
            Ok(v) if v.is_number() => {
                len += number_len(v.as_number().unwrap_or(0.0)) + 2;
            }
            Ok(v) => {
                let s = v
                    .as_string()
                    .and_then(|s| s.to_string().ok())
                    .unwrap_or_default();
                len += string_units(&s) - 2 + usize::from(i > 0);
            }
            Err(_) => {}
        }
    }
    len
}

fn length(o: &Object<'_>) -> usize {
    o.get::<_, f64>("length")
        .ok()
        .filter(|l| l.is_finite() && *l >= 0.0)
        .map_or(0, |l| l.min(u32::MAX as f64) as usize)
}

struct Walk<'js> {
    total: usize,
    limit: usize,
    /// The objects being written, for cycles.
    stack: Vec<Object<'js>>,
}

impl<'js> Walk<'js> {
    /// Adds what `v` writes; false when it writes nothing (left out of an object).
    fn value(&mut self, v: &Value<'js>, depth: usize) -> bool {
        match v.type_of() {
            Type::Uninitialized
            | Type::Undefined
            | Type::Symbol
            | Type::Function
            | Type::Constructor
            | Type::Module
            | Type::Unknown => false,
            Type::Null => {
                self.total += 4;
                true
            }
            Type::Bool => {
                self.total += if v.as_bool() == Some(true) { 4 } else { 5 };
                true
            }
            Type::Int | Type::Float => {
                self.total += number_len(v.as_number().unwrap_or(0.0));
                true
            }
            Type::BigInt => {
                self.total += v
                    .as_big_int()
                    .and_then(|b| b.clone().to_i64().ok())
                    .map_or(20, |n| n.to_string().len());
                true
            }
            Type::String => {
                let s = v
                    .as_string()
                    .and_then(|s| s.to_string().ok())
                    .unwrap_or_default();
                self.total += string_units(&s);
                true
            }
            Type::Array | Type::Object | Type::Promise | Type::Exception | Type::Proxy => {
                let Some(o) = v.as_object() else {
                    return false;
                };
                if depth >= MAX_DEPTH || self.stack.contains(o) {
                    self.total += 2;
                    return true;
                }
                self.stack.push(o.clone());
                if v.is_array() {
                    self.array(o, depth);
                } else {
                    self.object(o, depth);
                }
                self.stack.pop();
                true
            }
        }
    }

    fn array(&mut self, o: &Object<'js>, depth: usize) {
        self.total += 2;
        for i in 0..length(o) {
            if self.total > self.limit {
                return;
            }
            if i > 0 {
                self.total += 1;
            }
            let item = o.get::<_, Value>(i as u32);
            if !item.is_ok_and(|item| self.value(&item, depth + 1)) {
                self.total += 4;
            }
        }
    }

    fn object(&mut self, o: &Object<'js>, depth: usize) {
        self.total += 2;
        let keys: Vec<String> = o.keys::<String>().filter_map(Result::ok).collect();
        let mut first = true;
        for k in keys {
            if self.total > self.limit {
                return;
            }
            let Ok(item) = o.get::<_, Value>(k.as_str()) else {
                continue;
            };
            let before = self.total;
            self.total += string_units(&k) + 1 + usize::from(!first);
            if self.value(&item, depth + 1) {
                first = false;
            } else {
                self.total = before;
            }
        }
    }
}

/// A JSON string literal's length in UTF-16 units, quotes included.
fn string_units(s: &str) -> usize {
    2 + s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf16(),
        })
        .sum::<usize>()
}

/// The length of a number as JSON writes it (`null` for NaN and infinities).
fn number_len(n: f64) -> usize {
    if !n.is_finite() {
        return 4;
    }
    if n == n.trunc() && n.abs() < 1e21 {
        return format!("{n:.0}").len();
    }
    // JS writes at most 17 significant digits; Rust's shortest form is close enough.
    format!("{n}").len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_count_as_json_does() {
        assert_eq!(string_units("abc"), 5);
        assert_eq!(string_units("a\"b"), 6);
        assert_eq!(string_units("\u{1}"), 8);
        assert_eq!(string_units("数据"), 4);
        assert_eq!(string_units("😀"), 4);
    }

    #[test]
    fn numbers_count_as_json_does() {
        assert_eq!(number_len(0.0), 1);
        assert_eq!(number_len(-12.0), 3);
        assert_eq!(number_len(1.5), 3);
        assert_eq!(number_len(f64::NAN), 4);
    }
}
