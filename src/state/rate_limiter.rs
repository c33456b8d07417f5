//! The per-client rate limiter of `/api/*` (GCRA, `governor`), held in the app state. The client
//! is the socket peer, or — only when the peer is one of `TRUSTED_PROXIES` — the right-most
//! address in `X-Forwarded-For` that is not itself a trusted proxy: everything left of that was
//! written by the client and can be forged. Admin calls (`/api/cache/…`) have a bucket of their
//! own, so public traffic can never make an operator's call (or a wrong-token probe) a 429 instead
//! of its real answer. The middleware that applies it, and the headers it sends, are
//! `http::rate_limit`.
//!
//! Memory: the limiter keeps one small entry per client whose bucket is not yet full again, and
//! [`ClientLimiter::forget_idle`] (run every few seconds by the server) drops the rest, so the map
//! holds at most the clients seen in the last refill period (`burst × 60 s / rate`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use ipnet::IpNet;

use crate::config::HttpConfig;

const FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

type Keyed =
    RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock, StateInformationMiddleware>;

/// Which bucket a request draws on: each client has one of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Every `/api/*` call but the admin ones.
    Public,
    /// Admin calls (`/api/cache/…`).
    Admin,
}

impl Bucket {
    /// The bucket of a request path.
    pub fn of(path: &str) -> Self {
        if path.starts_with("/api/cache/") {
            Self::Admin
        } else {
            Self::Public
        }
    }
}

/// The per-client limiter with its quota and the proxies it trusts.
#[derive(Debug)]
pub struct ClientLimiter {
    public: Keyed,
    admin: Keyed,
    /// The bucket's capacity, as sent in `X-RateLimit-Limit`.
    limit: HeaderValue,
    burst: u32,
    /// Time to earn back one request.
    per_request: Duration,
    trusted: Vec<IpNet>,
}

/// What a check found: allowed with the bucket's state, or refused until some time from now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Allowed; `remaining` more requests may be sent at once, and the bucket is full again in
    /// `reset_secs`.
    Allowed {
        /// Requests left in the burst.
        remaining: u32,
        /// Seconds until the full burst is available again.
        reset_secs: u64,
    },
    /// Refused; the next request is allowed in `retry_after_secs` (at least 1), and the bucket
    /// is full again in `reset_secs`.
    Refused {
        /// Seconds to wait, rounded up.
        retry_after_secs: u32,
        /// Seconds until the full burst is available again, rounded up.
        reset_secs: u64,
    },
}

impl ClientLimiter {
    /// The limiter for `config`, or `None` when `RATE_LIMIT_PER_MINUTE` is 0 (off).
    pub fn from_config(config: &HttpConfig) -> Option<Arc<Self>> {
        let per_minute = NonZeroU32::new(config.rate_limit_per_minute)?;
        let burst = NonZeroU32::new(config.rate_limit_burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(per_minute).allow_burst(burst);
        Some(Arc::new(Self {
            public: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            admin: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            limit: HeaderValue::from(burst.get()),
            burst: burst.get(),
            per_request: quota.replenish_interval(),
            trusted: config.trusted_proxies.clone(),
        }))
    }

    /// Counts one request of `client` against its quota in `bucket`.
    pub fn check(&self, bucket: Bucket, client: IpAddr) -> Decision {
        let limiter = match bucket {
            Bucket::Public => &self.public,
            Bucket::Admin => &self.admin,
        };
        match limiter.check_key(&client) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let missing = self.burst.saturating_sub(remaining);
                Decision::Allowed {
                    remaining,
                    reset_secs: ceil_secs(self.per_request * missing),
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(limiter.clock().now());
                // Never 0: a client told "retry after 0 s" retries at once and is refused again.
                let secs = u32::try_from(ceil_secs(wait)).unwrap_or(u32::MAX).max(1);
                // The bucket is empty: one token comes after `wait`, the rest one interval apart.
                let full = wait + self.per_request * self.burst.saturating_sub(1);
                Decision::Refused {
                    retry_after_secs: secs,
                    reset_secs: ceil_secs(full).max(1),
                }
            }
        }
    }

    /// The client a request comes from (see the module comment for the proxy rule).
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> IpAddr {
        // No socket (in-process tests): all such requests share one bucket.
        let Some(peer) = peer else {
            return IpAddr::V4(Ipv4Addr::UNSPECIFIED);
        };
        if !self.is_trusted(peer) {
            return peer;
        }
        let mut client = peer;
        // Later header lines were appended by later hops, so walk the lines and each line's
        // entries from the right.
        for line in headers.get_all(&FORWARDED_FOR).iter().rev() {
            let Ok(line) = line.to_str() else {
                return client;
            };
            for hop in line.rsplit(',') {
                match parse_hop(hop) {
                    Some(ip) => {
                        client = ip;
                        if !self.is_trusted(ip) {
                            return ip;
                        }
                    }
                    // An unreadable entry: nothing left of it can be attributed; the last
                    // proxy we trust stands in for the client.
                    None => return client,
                }
            }
        }
        client
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// Drops clients whose bucket has refilled; keeps the map bounded.
    pub fn forget_idle(&self) {
        for limiter in [&self.public, &self.admin] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Client buckets currently tracked (public and admin).
    pub fn tracked_clients(&self) -> usize {
        self.public.len() + self.admin.len()
    }

    /// The bucket's capacity, as sent in `X-RateLimit-Limit`.
    pub fn limit(&self) -> &HeaderValue {
        &self.limit
    }
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_minute: u32, burst: u32, trusted: &str) -> Arc<ClientLimiter> {
        let config = crate::config::Config::from_lookup(|name| match name {
            "RATE_LIMIT_PER_MINUTE" => Some(per_minute.to_string()),
            "RATE_LIMIT_BURST" => Some(burst.to_string()),
            "TRUSTED_PROXIES" => Some(trusted.to_owned()),
            _ => None,
        })
        .unwrap();
        ClientLimiter::from_config(&config.http).unwrap()
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(FORWARDED_FOR, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_burst_is_allowed_then_requests_are_refused_with_a_retry_after() {
        let l = limiter(60, 3, "");
        let me = ip("203.0.113.9");
        let seen: Vec<Decision> = (0..4).map(|_| l.check(Bucket::Public, me)).collect();
        assert_eq!(
            seen[..3],
            [
                Decision::Allowed {
                    remaining: 2,
                    reset_secs: 1
                },
                Decision::Allowed {
                    remaining: 1,
                    reset_secs: 2
                },
                Decision::Allowed {
                    remaining: 0,
                    reset_secs: 3
                },
            ]
        );
        assert_eq!(
            seen[3],
            Decision::Refused {
                retry_after_secs: 1,
                reset_secs: 3
            }
        );
        // Another client has its own bucket, and so do the same client's admin calls.
        assert!(matches!(
            l.check(Bucket::Admin, me),
            Decision::Allowed { remaining: 2, .. }
        ));
        assert!(matches!(
            l.check(Bucket::Public, ip("203.0.113.10")),
            Decision::Allowed { remaining: 2, .. }
        ));
        assert_eq!(l.tracked_clients(), 3);
    }

    #[test]
    fn retry_after_is_rounded_up_to_whole_seconds() {
        // One request per 6 s: right after the burst the wait is just under 6 s.
        let l = limiter(10, 1, "");
        assert!(matches!(
            l.check(Bucket::Public, ip("198.51.100.1")),
            Decision::Allowed { .. }
        ));
        assert_eq!(
            l.check(Bucket::Public, ip("198.51.100.1")),
            Decision::Refused {
                retry_after_secs: 6,
                reset_secs: 6
            }
        );
    }

    #[test]
    fn admin_paths_draw_on_the_admin_bucket() {
        assert_eq!(Bucket::of("/api/cache/invalidate"), Bucket::Admin);
        assert_eq!(Bucket::of("/api/predict"), Bucket::Public);
        assert_eq!(Bucket::of("/api/cached"), Bucket::Public);
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let l = limiter(60, 3, "10.0.0.0/8");
        let spoof = xff(&["1.1.1.1"]);
        assert_eq!(
            l.client_ip(Some(ip("203.0.113.9")), &spoof),
            ip("203.0.113.9")
        );
        assert_eq!(l.client_ip(Some(ip("10.1.2.3")), &spoof), ip("1.1.1.1"));
    }

    #[test]
    fn forwarded_for_is_read_from_the_right_skipping_trusted_hops() {
        let l = limiter(60, 3, "10.0.0.0/8, 192.168.0.1");
        let peer = Some(ip("10.0.0.2"));
        // The client forged "6.6.6.6"; our edge appended the real address 203.0.113.7,
        // then an inner proxy appended the edge's address.
        let h = xff(&["6.6.6.6, 203.0.113.7, 192.168.0.1"]);
        assert_eq!(l.client_ip(peer, &h), ip("203.0.113.7"));
        // The same across header lines.
        let h = xff(&["6.6.6.6", "203.0.113.7:4711", "192.168.0.1"]);
        assert_eq!(l.client_ip(peer, &h), ip("203.0.113.7"));
        // Garbage right of the client: the last trusted hop stands in.
        let h = xff(&["203.0.113.7, unknown, 192.168.0.1"]);
        assert_eq!(l.client_ip(peer, &h), ip("192.168.0.1"));
        // No header: the proxy itself.
        assert_eq!(l.client_ip(peer, &HeaderMap::new()), ip("10.0.0.2"));
        // IPv4-mapped IPv6 peers are matched as IPv4.
        assert_eq!(
            l.client_ip(
                Some(ip("::ffff:10.0.0.2").to_canonical()),
                &xff(&["203.0.113.8"])
            ),
            ip("203.0.113.8")
        );
    }

    #[test]
    fn zero_per_minute_turns_the_limiter_off() {
        let config = crate::config::Config::from_lookup(|name| {
            (name == "RATE_LIMIT_PER_MINUTE").then(|| "0".to_owned())
        })
        .unwrap();
        assert!(ClientLimiter::from_config(&config.http).is_none());
    }
}
