//! `app.json` `resolveAlias`: path prefixes that `require`/`import` and `usingComponents`
//! may start with, as WeChat maps them. `{"~/*": "/*", "@utils/*": "utils/*"}` turns
//! `~/api/request` into `/api/request` and `@utils/x` into `/utils/x`; the longest matching
//! key wins, and targets are from the mini-program root whether or not they start with `/`.

use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aliases {
    /// (key prefix, target prefix), longest key first. A key without `*` matches exactly.
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    key: String,
    target: String,
    prefix: bool,
}

impl Aliases {
    /// From `app.json`'s `resolveAlias` object; entries that are not strings are ignored
    /// (the project loader reports them).
    pub fn from_value(v: Option<&Value>) -> Self {
        let mut rules: Vec<Rule> = v
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, t)| {
                let t = t.as_str()?;
                Some(match (k.strip_suffix('*'), t.strip_suffix('*')) {
                    (Some(k), Some(t)) => Rule {
                        key: k.to_string(),
                        target: t.trim_start_matches('/').to_string(),
                        prefix: true,
                    },
                    _ => Rule {
                        key: k.clone(),
                        target: t.trim_start_matches('/').to_string(),
                        prefix: false,
                    },
                })
            })
            .filter(|r| !r.key.is_empty())
            .collect();
        rules.sort_by(|a, b| b.key.len().cmp(&a.key.len()).then(a.key.cmp(&b.key)));
        Self { rules }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The root-relative path `spec` stands for (with a leading `/`), if an alias matches.
    pub fn apply(&self, spec: &str) -> Option<String> {
        self.rules.iter().find_map(|r| {
            if r.prefix {
                spec.strip_prefix(&r.key)
                    .map(|rest| format!("/{}{rest}", r.target))
            } else {
                (spec == r.key).then(|| format!("/{}", r.target))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn longest_key_wins_and_targets_are_from_the_root() {
        let a = Aliases::from_value(Some(&json!({
            "~/*": "/*",
            "~/origin/*": "origin/*",
            "@utils/*": "utils/*",
            "subBUtils/*": "subpackageB/utils/*",
            "config": "/config/index",
        })));
        assert_eq!(a.apply("~/api/request").as_deref(), Some("/api/request"));
        assert_eq!(a.apply("~/origin/a").as_deref(), Some("/origin/a"));
        assert_eq!(a.apply("@utils/x.js").as_deref(), Some("/utils/x.js"));
        assert_eq!(
            a.apply("subBUtils/y").as_deref(),
            Some("/subpackageB/utils/y")
        );
        assert_eq!(a.apply("config").as_deref(), Some("/config/index"));
        assert_eq!(a.apply("config/x"), None);
        assert_eq!(a.apply("./x"), None);
        assert!(Aliases::from_value(None).is_empty());
    }
}
