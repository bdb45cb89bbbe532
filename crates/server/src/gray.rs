//! Gray release: which version of a mini-program a user gets on a host, and why.
//!
//! A release has a live (full) version and gray rules. Rules are evaluated in their order
//! (the console's priority); the first rule whose conditions all hold decides. If none does,
//! the live version is served. Each condition explains itself, so `explain` shows an operator
//! exactly why a user got what they got.
//!
//! Percentages use a stable bucket: SHA-256 of the rule's salt and the user id, reduced to
//! 0..10000. The same user always lands in the same bucket, and widening a rule from 10% to
//! 20% keeps the first 10% in it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Buckets per rule: percentages have two decimals.
pub const BUCKETS: u64 = 10_000;

/// A host app version such as `3.12.0`, compared part by part as numbers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HostVersion(Vec<u64>);

impl TryFrom<String> for HostVersion {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        HostVersion::parse(&s)
    }
}

impl From<HostVersion> for String {
    fn from(v: HostVersion) -> String {
        v.to_string()
    }
}

impl std::fmt::Display for HostVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u64::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

/// On the wire a string such as `3.12.0` (one to four numbers).
impl JsonSchema for HostVersion {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "HostVersion".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": r"^\s*[0-9]+(\.[0-9]+){0,3}\s*$",
            "description": "A host app version such as 3.12.0, compared part by part as numbers (3.12 equals 3.12.0).",
            "examples": ["3.12.0"],
        })
    }
}

impl HostVersion {
    pub fn parse(s: &str) -> Result<Self, String> {
        let parts = s
            .trim()
            .split('.')
            .map(|p| p.parse::<u64>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| format!("{s:?} is not a version like 3.12.0"))?;
        if parts.is_empty() || parts.len() > 4 {
            return Err(format!("{s:?} is not a version like 3.12.0"));
        }
        let mut parts = parts;
        // 3.12 == 3.12.0
        while parts.len() > 1 && parts.last() == Some(&0) {
            parts.pop();
        }
        Ok(Self(parts))
    }
}

/// One condition of a rule. All of a rule's conditions must hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// The user id is on the list.
    Users { ids: Vec<String> },
    /// The user's stable bucket is below `percent` (0–100, two decimals).
    Percent {
        #[schemars(range(min = 0, max = 100))]
        percent: f64,
    },
    /// The host app's version is within [min, max] (either bound optional).
    HostVersion {
        min: Option<HostVersion>,
        max: Option<HostVersion>,
    },
    /// The host's platform (`ios`, `android`, `harmony`, `windows`...) is one of these.
    Platforms { any: Vec<String> },
    /// The user carries at least one of these tags.
    Tags { any: Vec<String> },
    /// Now (Unix seconds) is within [from, until).
    Window {
        from: Option<i64>,
        until: Option<i64>,
    },
}

/// A gray rule: serve `version_code` when every condition holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Rule {
    pub id: String,
    pub version_code: u64,
    pub conditions: Vec<Condition>,
}

/// What a mini-program delivers on a host: the live version and the gray rules, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Release {
    /// Salts the percentage buckets (the app id, usually), so two apps' 10% differ.
    pub salt: String,
    /// The full release; `None` when nothing is live (only gray users get a version).
    pub live: Option<u64>,
    pub rules: Vec<Rule>,
}

/// Who asks.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    pub user_id: &'a str,
    pub host_version: Option<&'a HostVersion>,
    pub platform: &'a str,
    pub tags: &'a [String],
    /// Unix seconds.
    pub now: i64,
}

/// The answer, with the reasons.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Decision {
    pub version_code: Option<u64>,
    /// The rule that decided, or `None` for the live version.
    pub rule: Option<String>,
    /// One line per rule tried, then the outcome.
    pub trace: Vec<String>,
}

/// The user's bucket for a rule set, 0..BUCKETS, stable for (salt, user).
pub fn bucket(salt: &str, user_id: &str) -> u64 {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update([0u8]);
    h.update(user_id.as_bytes());
    let d = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&d[..8]);
    u64::from_be_bytes(first) % BUCKETS
}

impl Condition {
    /// Whether it holds, and a short explanation either way.
    fn check(&self, salt: &str, ctx: &Context<'_>) -> (bool, String) {
        match self {
            Condition::Users { ids } => {
                let ok = ids.iter().any(|u| u == ctx.user_id);
                (
                    ok,
                    format!(
                        "user {} {} the allow-list",
                        ctx.user_id,
                        if ok { "is on" } else { "is not on" }
                    ),
                )
            }
            Condition::Percent { percent } => {
                let b = bucket(salt, ctx.user_id);
                let threshold = (percent.clamp(0.0, 100.0) * 100.0).round() as u64;
                let ok = b < threshold;
                (
                    ok,
                    format!(
                        "bucket {b} of {BUCKETS} {} {percent}%",
                        if ok { "is within" } else { "is outside" }
                    ),
                )
            }
            Condition::HostVersion { min, max } => {
                let Some(v) = ctx.host_version else {
                    return (false, "the host sent no app version".into());
                };
                let ok = min.as_ref().is_none_or(|m| v >= m) && max.as_ref().is_none_or(|m| v <= m);
                let range = format!(
                    "[{}, {}]",
                    min.as_ref().map_or("any".into(), ToString::to_string),
                    max.as_ref().map_or("any".into(), ToString::to_string)
                );
                (
                    ok,
                    format!(
                        "host version {v} {} {range}",
                        if ok { "is in" } else { "is not in" }
                    ),
                )
            }
            Condition::Platforms { any } => {
                let ok = any.iter().any(|p| p.eq_ignore_ascii_case(ctx.platform));
                (
                    ok,
                    format!(
                        "platform {:?} {} {any:?}",
                        ctx.platform,
                        if ok { "is in" } else { "is not in" }
                    ),
                )
            }
            Condition::Tags { any } => {
                let hit = any.iter().find(|t| ctx.tags.contains(t));
                match hit {
                    Some(t) => (true, format!("the user has tag {t:?}")),
                    None => (false, format!("the user has none of the tags {any:?}")),
                }
            }
            Condition::Window { from, until } => {
                let ok = from.is_none_or(|f| ctx.now >= f) && until.is_none_or(|u| ctx.now < u);
                (
                    ok,
                    format!(
                        "now ({}) {} the window [{}, {})",
                        ctx.now,
                        if ok { "is in" } else { "is outside" },
                        from.map_or("-".into(), |f| f.to_string()),
                        until.map_or("-".into(), |u| u.to_string())
                    ),
                )
            }
        }
    }
}

impl Release {
    /// Which version this user gets, and why.
    pub fn resolve(&self, ctx: &Context<'_>) -> Decision {
        let mut trace = vec![];
        for rule in &self.rules {
            let mut failed = None;
            let mut held = vec![];
            for c in &rule.conditions {
                let (ok, why) = c.check(&self.salt, ctx);
                if ok {
                    held.push(why);
                } else {
                    failed = Some(why);
                    break;
                }
            }
            match failed {
                None => {
                    trace.push(format!(
                        "rule {} matches ({}): version {}",
                        rule.id,
                        if held.is_empty() {
                            "no conditions".into()
                        } else {
                            held.join("; ")
                        },
                        rule.version_code
                    ));
                    return Decision {
                        version_code: Some(rule.version_code),
                        rule: Some(rule.id.clone()),
                        trace,
                    };
                }
                Some(why) => trace.push(format!("rule {} does not match: {why}", rule.id)),
            }
        }
        match self.live {
            Some(v) => trace.push(format!("no rule matched: the live version {v}")),
            None => trace.push("no rule matched and nothing is live".into()),
        }
        Decision {
            version_code: self.live,
            rule: None,
            trace,
        }
    }
}
