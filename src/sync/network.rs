//! Where Kairos may connect on a host's behalf. A CalDAV server URL comes
//! from an API caller; without a guard it could point Kairos at the private
//! network it runs in (metadata services, databases, admin panels). Unless
//! private networks are allowed (a self-hosted Nextcloud on the LAN, tests),
//! the URL's host must be public, and every connection resolves its name
//! again through [`PublicOnly`], so a name cannot turn private later (DNS
//! rebinding).

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The setting that lifts the guard, for error messages.
pub const ALLOW_SETTING: &str = "KAIROS_CALDAV_ALLOW_PRIVATE_NETWORKS=true";

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        // 100.64.0.0/10, carrier-grade NAT; 0.0.0.0/8, "this network".
        || (a == 100 && (64..128).contains(&b))
        || a == 0)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // fc00::/7 unique local, fe80::/10 link local.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80)
}

pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

/// Checks a URL's host now: an address literal must be public, and a name
/// must resolve to public addresses only.
pub async fn check_public(url: &url::Url) -> Result<(), String> {
    let host = url.host_str().ok_or("the URL has no host")?;
    let port = url.port_or_known_default().unwrap_or(443);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .collect(),
    };
    match addresses.iter().find(|a| !is_public(a.ip())) {
        Some(private) => Err(format!(
            "{host} is a private or local address ({}); set {ALLOW_SETTING} to allow it",
            private.ip()
        )),
        None => Ok(()),
    }
}

/// A resolver that hands reqwest public addresses only.
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                let message = format!(
                    "{} resolves to private or local addresses only; set {ALLOW_SETTING} to allow them",
                    name.as_str()
                );
                return Err(message.into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_told_apart() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.10",
            "172.16.5.4",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().expect("ip")), "{private}");
        }
        for public in [
            "8.8.8.8",
            "17.253.144.10",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(public.parse().expect("ip")), "{public}");
        }
    }

    #[tokio::test]
    async fn urls_to_private_hosts_are_refused() {
        let url: url::Url = "http://127.0.0.1:5232/".parse().expect("url");
        let refused = check_public(&url).await.expect_err("loopback");
        assert!(refused.contains(ALLOW_SETTING), "{refused}");
        let url: url::Url = "http://localhost:5232/".parse().expect("url");
        assert!(check_public(&url).await.is_err());
        let url: url::Url = "http://[::1]:5232/".parse().expect("url");
        assert!(check_public(&url).await.is_err());
    }
}
