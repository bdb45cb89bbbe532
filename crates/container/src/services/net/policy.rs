//! The network policy: which URLs a mini-program may reach (WeChat's per-API domain lists),
//! which addresses a connection may actually go to, and which keys a pinned host must
//! present.
//!
//! Three layers, each checked where it cannot be bypassed:
//! - the URL ([`Rules::check_url`]): before connecting and on every redirect hop;
//! - the address ([`AddressGuard`], not the grants guard of `crate::guard`): every name is
//!   resolved by our resolver, which drops private and special addresses, and the connection
//!   goes only to what it returned (reqwest's connector and our WebSocket connect alike), so
//!   DNS cannot rebind in between;
//! - the certificate ([`PinningVerifier`]): normal WebPKI verification, then the leaf's
//!   SubjectPublicKeyInfo hash against the host's pins.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use ipnet::IpNet;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use url::{Host, Url};

use super::NetKind;

/// The errMsg tail of a URL the policy refuses (WeChat's words).
pub const NOT_IN_DOMAIN_LIST: &str = "url not in domain list";
/// The errMsg tail when a name resolves to no address a connection may go to.
pub const ADDRESS_NOT_ALLOWED: &str = "address not allowed";

/// What one app's network may reach.
///
/// Deserialises from the platform's `resolve` answer for the app's domains,
/// `{"request": [...], "socket": [...], "upload": [...], "download": [...], "web_view": [...]}`
/// (hosts, optionally `host:port`; a leading `https://` or `wss://` is tolerated), with the
/// host-side settings as optional extra fields. [`NetPolicy::default`] allows nothing.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NetPolicy {
    /// `wx.request`.
    pub request: Vec<String>,
    /// `wx.connectSocket`.
    pub socket: Vec<String>,
    /// `wx.uploadFile`.
    pub upload: Vec<String>,
    /// `wx.downloadFile`.
    pub download: Vec<String>,
    /// `<web-view>` (business domains); kept for the view, not used by the network.
    pub web_view: Vec<String>,
    /// WeChat DevTools' "don't check domains": any URL (http/ws, IP literals, localhost),
    /// any address. Pins still apply.
    pub dev_mode: bool,
    /// Private ranges the host explicitly lets connections reach (e.g. a bank's intranet).
    /// They relax only the address check: the URL must still be on the kind's list.
    pub allowed_private: Vec<IpNet>,
    /// Addresses no connection goes to, whatever the rest allows (dev mode and
    /// `allowed_private` included): e.g. the server a reviewer's preview runs in, whose own
    /// public address a whitelisted name could resolve to.
    pub denied: Vec<IpNet>,
    /// Host -> base64 SHA-256 of the SubjectPublicKeyInfo ("pin-sha256"; an optional
    /// `sha256/` prefix is accepted). A pinned host must present a leaf whose key is one
    /// of these, besides a certificate valid for the platform's roots.
    pub pins: HashMap<String, Vec<String>>,
    /// Extra trust anchors (DER), on top of the platform's roots (a private CA; tests).
    #[serde(skip)]
    pub extra_roots: Vec<Vec<u8>>,
    /// Name resolution; the system resolver when `None`.
    #[serde(skip)]
    pub resolver: Option<Arc<dyn Resolver>>,
}

impl fmt::Debug for NetPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetPolicy")
            .field("request", &self.request)
            .field("socket", &self.socket)
            .field("upload", &self.upload)
            .field("download", &self.download)
            .field("web_view", &self.web_view)
            .field("dev_mode", &self.dev_mode)
            .field("allowed_private", &self.allowed_private)
            .field("denied", &self.denied)
            .field("pins", &self.pins)
            .field("extra_roots", &self.extra_roots.len())
            .field("resolver", &self.resolver)
            .finish()
    }
}

impl NetPolicy {
    /// Dev mode: everything reachable (what `AppConfig` and `Network::new` default to).
    pub fn dev() -> Self {
        Self {
            dev_mode: true,
            ..Self::default()
        }
    }

    /// Whether `u` passes the URL rules for `kind`; `Err` is the errMsg tail (without
    /// `fail `). The address check happens when connecting.
    pub fn check_url(&self, u: &Url, kind: NetKind) -> Result<(), String> {
        Rules::new(self).check_url(u, kind)
    }

    /// Whether a connection may go to `ip`: not `denied`, and public, or in
    /// `allowed_private`, or dev mode.
    pub fn allows_address(&self, ip: IpAddr) -> bool {
        Rules::new(self).address_allowed(ip)
    }

    /// The domain list of a kind of connection.
    pub fn list(&self, kind: NetKind) -> &[String] {
        match kind {
            NetKind::Request => &self.request,
            NetKind::Socket => &self.socket,
            NetKind::Upload => &self.upload,
            NetKind::Download => &self.download,
        }
    }
}

/// Why a policy cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum NetPolicyError {
    #[error("invalid pin for {host}: {pin}")]
    Pin { host: String, pin: String },
    #[error("cannot set up TLS: {0}")]
    Tls(#[from] rustls::Error),
}

/// Name resolution, injectable so tests (and hosts with their own DNS) decide what a name
/// resolves to. Whatever it answers still goes through the address check.
pub trait Resolver: Send + Sync + fmt::Debug {
    /// The addresses of `host` (a DNS name, never an IP literal).
    fn lookup(&self, host: &str) -> Lookup;
}

/// The future of [`Resolver::lookup`].
pub type Lookup = Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send>>;

/// The system resolver (`getaddrinfo`, through tokio).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn lookup(&self, host: &str) -> Lookup {
        let host = host.to_string();
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .map(|a| a.ip())
                .collect())
        })
    }
}

/// A fixed map of names to addresses; any other name does not resolve.
#[derive(Debug, Default, Clone)]
pub struct FixedResolver {
    map: HashMap<String, Vec<IpAddr>>,
}

impl FixedResolver {
    pub fn new() -> Self {
        Self::default()
    }

    /// `host` resolves to `addrs` (names compare case-insensitively).
    pub fn with(mut self, host: &str, addrs: impl IntoIterator<Item = IpAddr>) -> Self {
        self.map
            .insert(host.to_ascii_lowercase(), addrs.into_iter().collect());
        self
    }
}

impl Resolver for FixedResolver {
    fn lookup(&self, host: &str) -> Lookup {
        let r = self
            .map
            .get(&host.to_ascii_lowercase())
            .cloned()
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::NotFound, format!("no address for {host}"))
            });
        Box::pin(async move { r })
    }
}

/// One domain-list entry, normalised as the `url` crate normalises a URL's host.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    host: String,
    /// `None`: the scheme's default port (for sockets: any port, as WeChat's wss lists).
    port: Option<u16>,
}

impl Entry {
    fn parse(raw: &str) -> Option<Entry> {
        let raw = raw.trim();
        let rest = raw.split_once("://").map_or(raw, |(_, r)| r);
        let u = Url::parse(&format!("https://{rest}")).ok()?;
        match u.host()? {
            Host::Domain(d) if !is_localhost(d) => Some(Entry {
                host: d.to_string(),
                port: u.port(),
            }),
            // IP literals and localhost are never valid entries (WeChat refuses them too).
            _ => None,
        }
    }

    fn matches(&self, host: &str, u: &Url, kind: NetKind) -> bool {
        self.host == host
            && match self.port {
                None => kind == NetKind::Socket || u.port().is_none(),
                Some(p) => u.port_or_known_default() == Some(p),
            }
    }
}

/// The URL and address rules of a [`NetPolicy`], compiled.
#[derive(Debug)]
pub(super) struct Rules {
    dev: bool,
    lists: HashMap<NetKind, Vec<Entry>>,
    allowed_private: Vec<IpNet>,
    denied: Vec<IpNet>,
}

impl Rules {
    pub(super) fn new(p: &NetPolicy) -> Rules {
        let kinds = [
            NetKind::Request,
            NetKind::Socket,
            NetKind::Upload,
            NetKind::Download,
        ];
        let lists = kinds
            .into_iter()
            .map(|k| {
                let entries = p
                    .list(k)
                    .iter()
                    .filter_map(|raw| {
                        let e = Entry::parse(raw);
                        if e.is_none() {
                            tracing::warn!(entry = %raw, kind = ?k, "ignoring invalid domain entry");
                        }
                        e
                    })
                    .collect();
                (k, entries)
            })
            .collect();
        Rules {
            dev: p.dev_mode,
            lists,
            allowed_private: p.allowed_private.clone(),
            denied: p.denied.clone(),
        }
    }

    /// Whether `u` may be reached for `kind`; `Err` is the errMsg tail (without `fail `).
    pub(super) fn check_url(&self, u: &Url, kind: NetKind) -> Result<(), String> {
        if self.dev || crate::mutation::off(crate::mutation::Control::Net) {
            return Ok(());
        }
        let secure = match kind {
            NetKind::Socket => "wss",
            _ => "https",
        };
        if u.scheme() != secure {
            return Err(NOT_IN_DOMAIN_LIST.into());
        }
        // The url crate has already turned every IP spelling (`2130706433`, `0x7f.1`,
        // `[::ffff:127.0.0.1]`) into an IP host, so a Domain here is a real name.
        let Some(Host::Domain(host)) = u.host() else {
            return Err(NOT_IN_DOMAIN_LIST.into());
        };
        if is_localhost(host) {
            return Err(NOT_IN_DOMAIN_LIST.into());
        }
        let listed = self
            .lists
            .get(&kind)
            .is_some_and(|l| l.iter().any(|e| e.matches(host, u, kind)));
        if listed {
            Ok(())
        } else {
            Err(NOT_IN_DOMAIN_LIST.into())
        }
    }

    /// Whether a connection may go to `ip`.
    pub(super) fn address_allowed(&self, ip: IpAddr) -> bool {
        if crate::mutation::off(crate::mutation::Control::Net) {
            return true;
        }
        let canonical = ip.to_canonical();
        if self
            .denied
            .iter()
            .any(|n| n.contains(&ip) || n.contains(&canonical))
        {
            return false;
        }
        if self.dev || is_public(ip) {
            return true;
        }
        self.allowed_private
            .iter()
            .any(|n| n.contains(&ip) || n.contains(&canonical))
    }
}

fn is_localhost(host: &str) -> bool {
    let h = host.strip_suffix('.').unwrap_or(host);
    h.eq_ignore_ascii_case("localhost") || h.to_ascii_lowercase().ends_with(".localhost")
}

/// Ranges no connection goes to unless allowed: this network, private, CGNAT, loopback,
/// link-local, IETF assignments, documentation, benchmarking, multicast, reserved and
/// broadcast.
const BLOCKED_V4: [&str; 15] = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
];

/// The IPv6 ones: unspecified, loopback and IPv4-compatible (all in ::/96), local-use
/// NAT64, discard, Teredo, benchmarking, documentation, unique-local, link-local,
/// site-local and multicast. IPv4-mapped, NAT64 and 6to4 addresses are judged by the IPv4
/// address they carry.
const BLOCKED_V6: [&str; 12] = [
    "::/96",
    "64:ff9b:1::/48",
    "100::/64",
    "2001::/32",
    "2001:2::/48",
    "2001:db8::/32",
    "3fff::/20",
    "fc00::/7",
    "fe80::/10",
    "fec0::/10",
    "ff00::/8",
    "::ffff:0:0/96",
];

fn blocked() -> &'static [IpNet] {
    static NETS: OnceLock<Vec<IpNet>> = OnceLock::new();
    NETS.get_or_init(|| {
        BLOCKED_V4
            .iter()
            .chain(BLOCKED_V6.iter())
            .map(|s| s.parse().expect("valid range"))
            .collect()
    })
}

/// Whether `ip` is a public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    if let IpAddr::V6(v6) = ip
        && let Some(v4) = embedded_v4(v6)
    {
        return is_public(IpAddr::V4(v4));
    }
    !blocked().iter().any(|n| n.contains(&ip))
}

/// The IPv4 address an IPv4-mapped (`::ffff:a.b.c.d`), NAT64 (`64:ff9b::/96`) or 6to4
/// (`2002::/16`) address stands for.
fn embedded_v4(a: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = a.segments();
    let o = a.octets();
    if let Some(v4) = a.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    None
}

/// Resolves names through the [`Resolver`] and keeps only the addresses the rules allow;
/// the one place both reqwest and the WebSocket path get addresses from.
#[derive(Clone)]
pub(super) struct AddressGuard {
    pub(super) resolver: Arc<dyn Resolver>,
    pub(super) rules: Arc<Rules>,
}

/// Why a name gave no address to connect to.
#[derive(Debug, thiserror::Error)]
pub(super) enum AddressError {
    #[error("{ADDRESS_NOT_ALLOWED}")]
    NotAllowed,
    #[error(transparent)]
    Lookup(#[from] io::Error),
}

impl AddressGuard {
    /// The allowed addresses of `host` (a name or an IP literal as the url crate writes it).
    pub(super) async fn resolve(&self, host: &Host<&str>) -> Result<Vec<IpAddr>, AddressError> {
        let all = match host {
            Host::Domain(d) => self.resolver.lookup(d).await?,
            Host::Ipv4(ip) => vec![IpAddr::V4(*ip)],
            Host::Ipv6(ip) => vec![IpAddr::V6(*ip)],
        };
        let ok: Vec<IpAddr> = all
            .iter()
            .copied()
            .filter(|ip| self.rules.address_allowed(*ip))
            .collect();
        if ok.is_empty() {
            // The addresses go to the log only: errMsg reaches the mini-program, which
            // must not learn the intranet's names.
            tracing::warn!(%host, addrs = ?all, "refused connection to non-public address");
            return Err(AddressError::NotAllowed);
        }
        Ok(ok)
    }
}

impl reqwest::dns::Resolve for AddressGuard {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let g = self.clone();
        let name = name.as_str().to_string();
        Box::pin(async move {
            let ips = g.resolve(&Host::Domain(name.as_str())).await?;
            // Port 0: reqwest puts the URL's port in.
            let addrs: reqwest::dns::Addrs =
                Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// A leaf key that is not among the host's pins.
#[derive(Debug, thiserror::Error)]
#[error("certificate pin mismatch")]
struct PinMismatch;

/// The errMsg tail for a refused pin, found anywhere in an error's chain (rustls's own
/// wording of it is a Debug dump).
pub(super) fn pin_mismatch(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(rustls::Error::InvalidCertificate(CertificateError::Other(o))) =
            err.downcast_ref::<rustls::Error>()
            && o.0.downcast_ref::<PinMismatch>().is_some()
        {
            return Some(format!("invalid peer certificate: {PinMismatch}"));
        }
        // An io::Error's source() skips the error it wraps: step into that one instead.
        cur = match err.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

/// WebPKI verification by `inner`, then, for pinned hosts, the leaf's SPKI SHA-256.
#[derive(Debug)]
pub(super) struct PinningVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    pins: Pins,
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        let ServerName::DnsName(name) = server_name else {
            return Ok(verified);
        };
        let Some(pins) = self.pins.get(&normal_host(name.as_ref())) else {
            return Ok(verified);
        };
        let cert = webpki::EndEntityCert::try_from(end_entity)
            .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
        let spki = cert.subject_public_key_info();
        let hash: [u8; 32] = Sha256::digest(spki.as_ref()).into();
        if pins.contains(&hash) {
            Ok(verified)
        } else {
            tracing::warn!(host = %name.as_ref(), "certificate pin mismatch");
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                OtherError(Arc::new(PinMismatch)),
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn normal_host(h: &str) -> String {
    h.strip_suffix('.').unwrap_or(h).to_ascii_lowercase()
}

/// Decoded pins (host -> SPKI SHA-256s).
pub(super) type Pins = HashMap<String, Vec<[u8; 32]>>;

/// What the TLS configs are built from.
#[derive(Default)]
pub(super) struct TlsInput {
    pub(super) pins: Pins,
    /// Extra trust anchors, DER.
    pub(super) roots: Vec<Vec<u8>>,
}

/// The pins, decoded; a malformed one is an error rather than a silently unpinned host.
pub(super) fn parse_pins(pins: &HashMap<String, Vec<String>>) -> Result<Pins, NetPolicyError> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut out = HashMap::new();
    for (host, list) in pins {
        let mut hashes = Vec::with_capacity(list.len());
        for pin in list {
            let s = pin.trim();
            let s = s.strip_prefix("sha256/").unwrap_or(s);
            let hash = b64
                .decode(s)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| NetPolicyError::Pin {
                    host: host.clone(),
                    pin: pin.clone(),
                })?;
            hashes.push(hash);
        }
        out.entry(normal_host(host))
            .or_insert_with(Vec::new)
            .extend(hashes);
    }
    Ok(out)
}

/// The TLS client configs, HTTP (ALPN h2 + http/1.1) and WebSocket (http/1.1): the
/// platform verifier (as reqwest uses by default), plus extra roots, wrapped for pins.
pub(super) fn tls_configs(
    TlsInput { pins, roots }: TlsInput,
) -> Result<(rustls::ClientConfig, rustls::ClientConfig), NetPolicyError> {
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let base = if roots.is_empty() {
        rustls_platform_verifier::Verifier::new(provider.clone())?
    } else {
        rustls_platform_verifier::Verifier::new_with_extra_roots(
            roots.into_iter().map(CertificateDer::from),
            provider.clone(),
        )?
    };
    let verifier = PinningVerifier {
        inner: Arc::new(base),
        pins,
    };
    let mut http = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let mut ws = http.clone();
    http.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    ws.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((http, ws))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn special_addresses_are_not_public() {
        for a in [
            "127.0.0.1",
            "10.0.0.5",
            "172.16.3.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "::",
            "::1",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:0a00:0001::1",
        ] {
            assert!(!is_public(ip(a)), "{a}");
        }
        for a in [
            "1.1.1.1",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(ip(a)), "{a}");
        }
    }

    #[test]
    fn allowed_private_relaxes_only_its_ranges() {
        let p = NetPolicy {
            allowed_private: vec!["10.0.0.0/8".parse().unwrap()],
            ..NetPolicy::default()
        };
        let r = Rules::new(&p);
        assert!(r.address_allowed(ip("10.0.0.5")));
        assert!(r.address_allowed(ip("::ffff:10.0.0.5")));
        assert!(!r.address_allowed(ip("127.0.0.1")));
        assert!(!r.address_allowed(ip("169.254.169.254")));
        assert!(Rules::new(&NetPolicy::dev()).address_allowed(ip("127.0.0.1")));
    }

    #[test]
    fn denied_wins_over_dev_mode_and_allowed_private() {
        let p = NetPolicy {
            dev_mode: true,
            allowed_private: vec!["10.0.0.0/8".parse().unwrap()],
            denied: vec![
                "10.0.0.5/32".parse().unwrap(),
                "8.8.8.8/32".parse().unwrap(),
            ],
            ..NetPolicy::default()
        };
        let r = Rules::new(&p);
        assert!(!r.address_allowed(ip("10.0.0.5")));
        assert!(!r.address_allowed(ip("::ffff:10.0.0.5")));
        assert!(!r.address_allowed(ip("8.8.8.8")));
        assert!(r.address_allowed(ip("10.0.0.6")));
        assert!(r.address_allowed(ip("8.8.4.4")));
    }

    #[test]
    fn entries_and_ports() {
        let p: NetPolicy = serde_json::from_value(serde_json::json!({
            "request": ["api.example.com", "https://Port.Example.com:8443/", "127.0.0.1", "localhost"],
            "socket": ["ws.example.com"],
            "web_view": ["www.example.com"],
        }))
        .unwrap();
        let r = Rules::new(&p);
        let ok = |u: &str, k| r.check_url(&Url::parse(u).unwrap(), k).is_ok();
        assert!(ok("https://api.example.com/x", NetKind::Request));
        assert!(ok("https://API.example.com/x", NetKind::Request));
        assert!(!ok("https://api.example.com./x", NetKind::Request));
        assert!(ok("https://api.example.com:443/x", NetKind::Request));
        assert!(!ok("https://api.example.com:8443/x", NetKind::Request));
        assert!(!ok("https://sub.api.example.com/x", NetKind::Request));
        assert!(!ok("https://example.com/x", NetKind::Request));
        assert!(!ok("http://api.example.com/x", NetKind::Request));
        assert!(!ok("https://api.example.com/x", NetKind::Upload));
        assert!(ok("https://port.example.com:8443/", NetKind::Request));
        assert!(!ok("https://port.example.com/", NetKind::Request));
        assert!(ok("wss://ws.example.com:9000/", NetKind::Socket));
        assert!(!ok("ws://ws.example.com/", NetKind::Socket));
        assert!(!ok("https://127.0.0.1/", NetKind::Request));
        assert!(!ok("https://localhost/", NetKind::Request));
        assert_eq!(r.lists[&NetKind::Request].len(), 2);
    }

    #[test]
    fn pins_are_validated() {
        let good = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        let m = HashMap::from([(
            "Pinned.Example.com".to_string(),
            vec![format!("sha256/{good}")],
        )]);
        assert_eq!(
            parse_pins(&m).unwrap()["pinned.example.com"],
            vec![[7u8; 32]]
        );
        let bad = HashMap::from([("x".to_string(), vec!["AAAA".to_string()])]);
        assert!(matches!(parse_pins(&bad), Err(NetPolicyError::Pin { .. })));
    }
}
