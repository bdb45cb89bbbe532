//! Strings that look like network hosts: a reviewer must know every server the code may talk
//! to, including hosts with no `https://` in front (`'evil.example.com'`), hosts built from
//! pieces (`'api.' + 'bank' + '.com'`), IP addresses, `//host` and the ends of hosts built at
//! run time (`region + '.bank.com'`).

use super::fold::HOLE;

/// Top-level domains that count for a bare `a.b` string. Kept to ones that are rarely the last
/// word of a property path or a data key (`item.id`, `user.name`, `rect.top`, `user.info`,
/// `item.link`, `index.js` are not hosts), so that ordinary code does not flood the report.
/// After `//` or `scheme://` any alphabetic top-level domain counts.
const TLDS: &[&str] = &[
    "com", "net", "org", "cn", "io", "co", "gov", "edu", "biz", "cc", "hk", "tw", "mo", "jp", "kr",
    "sg", "uk", "de", "fr", "ru", "us", "au", "ca", "example", "test", "invalid",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `scheme://host` (the URL pass lists these; here only when built from pieces).
    Url,
    /// `evil.example.com` on its own.
    Bare,
    /// `//host` (or `ftp://host`, `tcp://host`...).
    Slashes,
    /// An IPv4 address.
    Ip,
    /// `.bank.com`: the end of a host whose start is computed.
    Suffix,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    /// Lower case, without the port.
    pub host: String,
    pub port: Option<String>,
    pub shape: Shape,
    /// For [`Shape::Url`]: the scheme.
    pub scheme: Option<String>,
}

impl Fragment {
    /// As shown to a reviewer: `evil.example.com`, `10.0.0.8:8080`, `….bank.com`.
    pub fn display(&self) -> String {
        let host = match self.shape {
            Shape::Suffix => format!("….{}", self.host),
            _ => self.host.clone(),
        };
        let host = match &self.port {
            Some(p) => format!("{host}:{p}"),
            None => host,
        };
        match &self.scheme {
            Some(s) => format!("{s}://{host}"),
            None => host,
        }
    }

    /// Does a whitelist entry (`host` or `host:port`) cover it?
    pub fn whitelisted(&self, entry: &str) -> bool {
        let entry = entry.trim().to_ascii_lowercase();
        let (entry_host, entry_port) = match entry.rsplit_once(':') {
            Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => (h.to_string(), Some(p)),
            _ => (entry.clone(), None),
        };
        let port_ok = entry_port.is_none() || entry_port == self.port.as_deref();
        match self.shape {
            Shape::Suffix => {
                port_ok
                    && (entry_host == self.host || entry_host.ends_with(&format!(".{}", self.host)))
            }
            _ => port_ok && entry_host == self.host,
        }
    }
}

fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '-'
}

/// Every host-like run in `text` (a string, holes marked with [`HOLE`]).
pub fn fragments(text: &str) -> Vec<Fragment> {
    let mut out = vec![];
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find(is_host_char) {
        let len = rest[start..]
            .find(|c| !is_host_char(c))
            .unwrap_or(rest.len() - start);
        let run = &rest[start..start + len];
        let before = &text[..offset + start];
        let after = &rest[start + len..];
        if let Some(f) = fragment(before, run, after) {
            out.push(f);
        }
        offset += start + len;
        rest = after;
    }
    out
}

fn fragment(before: &str, run: &str, after: &str) -> Option<Fragment> {
    let (mut shape, scheme) = if let Some(b) = before.strip_suffix("://") {
        let scheme: String = b
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let scheme = scheme.to_ascii_lowercase();
        if matches!(scheme.as_str(), "http" | "https" | "ws" | "wss") {
            (Shape::Url, Some(scheme))
        } else {
            (Shape::Slashes, None)
        }
    } else if before.ends_with("//") {
        (Shape::Slashes, None)
    } else if before.ends_with('@') || before.ends_with('\\') {
        // `user@bank.com` is a mail address; `\x41.com` is an escape.
        return None;
    } else if before.trim().is_empty() || before.ends_with(HOLE) {
        // A bare host starts its string, or a piece computed at run time: `weui.io` in
        // `'Copyright © weui.io'` or `vColor.xyz` in shader source is prose or code.
        (Shape::Bare, None)
    } else {
        return None;
    };
    // A host whose last label is still to be computed (`'api.bank.' + tld`) names nothing yet.
    if run.ends_with('.') && after.starts_with(HOLE) {
        return None;
    }
    let mut host = run.trim_end_matches('.');
    if let Some(h) = host.strip_prefix('.') {
        if shape != Shape::Bare {
            return None;
        }
        shape = Shape::Suffix;
        host = h;
    }
    if host.is_empty() || host.starts_with(['.', '-']) {
        return None;
    }
    // What follows a host: the end, a path, a port, a query, a hole, or punctuation.
    let next = after.chars().next();
    let mut port = None;
    match next {
        None => {}
        Some(':') => {
            let digits: String = after[1..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            if digits.is_empty() || digits.len() > 5 {
                if shape == Shape::Bare {
                    return None;
                }
            } else {
                port = Some(digits);
            }
        }
        Some(c)
            if c == HOLE
                || c.is_whitespace()
                || matches!(
                    c,
                    '/' | '?' | '#' | '"' | '\'' | '`' | ',' | ';' | ')' | ']'
                ) => {}
        Some(_) if shape != Shape::Url && shape != Shape::Slashes => return None,
        Some(_) => {}
    }
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok =
        |l: &&str| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-');
    if !labels.iter().all(label_ok) {
        return None;
    }
    let ip = labels.len() == 4
        && labels.iter().all(|l| {
            l.len() <= 3
                && l.chars().all(|c| c.is_ascii_digit())
                && l.parse::<u16>().is_ok_and(|n| n <= 255)
        });
    if ip {
        if shape == Shape::Bare {
            shape = Shape::Ip;
        }
    } else {
        let tld = labels.last().copied().unwrap_or("");
        let alpha = tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic());
        match shape {
            Shape::Bare | Shape::Suffix => {
                // Lower case only: `Vue.Config`, `Foo.Com` are code, not hosts.
                let lower = host.chars().all(|c| !c.is_ascii_uppercase());
                if labels.len() < 2 || !lower || !TLDS.contains(&tld) {
                    return None;
                }
            }
            Shape::Url | Shape::Slashes => {
                if !(alpha && labels.len() >= 2 || host.eq_ignore_ascii_case("localhost")) {
                    return None;
                }
            }
            Shape::Ip => {}
        }
    }
    Some(Fragment {
        host: host.to_ascii_lowercase(),
        port,
        shape,
        scheme,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str) -> Vec<String> {
        fragments(text).iter().map(Fragment::display).collect()
    }

    #[test]
    fn hosts_in_strings() {
        assert_eq!(shown("evil.example.com"), ["evil.example.com"]);
        assert_eq!(shown("api.bank.com/v1/x?y=1"), ["api.bank.com"]);
        assert_eq!(shown("10.0.0.8:8080"), ["10.0.0.8:8080"]);
        assert_eq!(shown("//cdn.evil.net/x.js"), ["cdn.evil.net"]);
        assert_eq!(shown("tcp://relay.evil.org:9000"), ["relay.evil.org:9000"]);
        assert_eq!(shown("https://api.evil.com/x"), ["https://api.evil.com"]);
        assert_eq!(shown("\0.bank.com"), ["….bank.com"]);
        assert_eq!(shown("https://\0.bank.com/x"), ["….bank.com"]);
        assert_eq!(shown(" docs.example.com "), ["docs.example.com"]);
        assert_eq!(shown("\0.example.com/x, 8.8.8.8"), ["….example.com"]);
        assert_eq!(
            shown("https://\0/v1?h=\0evil.example.com"),
            ["evil.example.com"]
        );
    }

    #[test]
    fn ordinary_strings_are_not_hosts() {
        for s in [
            "index.js",
            "logo.png",
            "item.id",
            "user.name",
            "list[0].title",
            "wx.request:fail timeout",
            "a.b.c",
            "1.2.3",
            "support@bank.com",
            "Vue.Config.com",
            "api.bank.\0",
            "300.1.1.1",
            "pages/index/index",
            "scope.userLocation",
            "Copyright © 2008-2016 weui.io",
            "vColor.xyz = color.xyz;",
            "IP 地址 默认: 127.0.0.1",
            "THREE.Light: .shadowCameraTop is now .shadow.camera.top.",
            "style.top",
            "user.info",
            "item.link",
            "pos.xyz",
        ] {
            assert!(shown(s).is_empty(), "{s}: {:?}", shown(s));
        }
    }

    #[test]
    fn whitelist_entries_cover_hosts_and_suffixes() {
        let f = |t: &str| fragments(t).remove(0);
        assert!(f("api.bank.com").whitelisted("API.bank.com"));
        assert!(!f("api.bank.com").whitelisted("bank.com"));
        assert!(f("api.bank.com:8443").whitelisted("api.bank.com"));
        assert!(!f("api.bank.com:8443").whitelisted("api.bank.com:443"));
        assert!(f("\0.bank.com").whitelisted("api.bank.com"));
        assert!(!f("\0.bank.com").whitelisted("api.evil.com"));
    }
}
