//! `rich-text` with an HTML string: parsed here, in the container, with html5ever (through
//! `scraper`), into WeChat's node array, so that the view never parses HTML at all. The view
//! still sanitises the nodes with its allow-list (`docs/view.md`); this only changes where
//! the parsing happens.

use scraper::{Html, Node};
use serde_json::{Map, Value, json};

/// Parsing limits: a hostile string cannot make the node tree deep or huge.
const MAX_DEPTH: usize = 64;
const MAX_NODES: usize = 20_000;

/// `"<p class=a>hi</p>"` → `[{"name": "p", "attrs": {"class": "a"}, "children": [{"type": "text", "text": "hi"}]}]`.
pub fn to_nodes(html: &str) -> Value {
    let doc = Html::parse_fragment(html);
    let mut budget = MAX_NODES;
    // A fragment parses into <html> holding the content.
    let root = doc.root_element();
    Value::Array(children(*root, 0, &mut budget))
}

fn children(node: ego_tree::NodeRef<'_, Node>, depth: usize, budget: &mut usize) -> Vec<Value> {
    let mut out = Vec::new();
    if depth > MAX_DEPTH {
        return out;
    }
    for child in node.children() {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        match child.value() {
            Node::Text(t) => out.push(json!({"type": "text", "text": &**t})),
            Node::Element(e) => {
                let attrs: Map<String, Value> = e
                    .attrs()
                    .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                    .collect();
                out.push(json!({
                    "name": e.name(),
                    "attrs": attrs,
                    "children": children(child, depth + 1, budget),
                }));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_text_and_attributes() {
        let v = to_nodes(r#"<p class="a">Hi <b>there</b></p><img src=x onerror="y">"#);
        assert_eq!(
            v,
            json!([
                {"name": "p", "attrs": {"class": "a"}, "children": [
                    {"type": "text", "text": "Hi "},
                    {"name": "b", "attrs": {}, "children": [{"type": "text", "text": "there"}]}
                ]},
                // Kept as data: dropping handlers is the view's allow-list's job.
                {"name": "img", "attrs": {"src": "x", "onerror": "y"}, "children": []}
            ])
        );
    }

    #[test]
    fn deep_nesting_is_cut() {
        let html = "<div>".repeat(500);
        let mut depth = 0;
        let mut v = &to_nodes(&html)[0];
        while let Some(c) = v["children"].get(0) {
            depth += 1;
            v = c;
        }
        assert!(depth <= MAX_DEPTH + 1, "{depth}");
    }
}
