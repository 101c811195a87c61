"""Rate limits shared by every web process: a moving window per key, kept in Redis by `limits`' atomic
Lua scripts (in process memory when REDIS_URL is unset). A Redis outage lets requests through: the
limiter protects the service, it must not take it down."""

import ipaddress
import logging
import math
import re
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

logger = logging.getLogger(__name__)
_UNITS = {"s": "second", "sec": "second", "m": "minute", "min": "minute", "h": "hour", "d": "day"}


@cache  # a handful of settings' rates, parsed on every request otherwise
def parse_rate(text: str) -> RateLimitItem | None:
    """`40/s`, `100/minute`...; `0` means no limit."""
    text = text.strip()
    if text in ("", "0"):
        return None
    match = re.fullmatch(r"(\d+)\s*/\s*([a-z]+)", text)
    if not match:
        raise ValueError(f"not a rate: {text!r} (expected like 40/s)")
    amount, unit = match.groups()
    return None if int(amount) == 0 else parse(f"{amount}/{_UNITS.get(unit, unit)}")


@cache
def _limiter(url: str) -> MovingWindowRateLimiter:
    if url:
        storage = storage_from_string(url, socket_connect_timeout=0.2, socket_timeout=0.2)
    else:
        storage = storage_from_string("memory://")
    return MovingWindowRateLimiter(storage)


def client_address(request) -> str:
    """The address a per-IP limit counts: the socket's peer, or, when that peer is one of our proxies
    (FORWARDED_ALLOW_IPS), the address the proxy appended last to X-Forwarded-For, the one that connected
    to it. Entries left of it are whatever the client sent and prove nothing. (django-ipware reads the
    forwarded headers first and judges a chain by its contents; trust here starts from who connected.)"""
    peer = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and _is_proxy(peer):
        return forwarded.rsplit(",", 1)[-1].strip() or peer
    return peer


def _is_proxy(address: str) -> bool:
    trusted = proxy_networks(tuple(settings.FORWARDED_ALLOW_IPS))
    if trusted is None:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


@cache
def proxy_networks(
    allowed: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] | None:
    """FORWARDED_ALLOW_IPS parsed; None when every peer is a proxy (`*`). Checked at start (api.apps)."""
    if "*" in allowed:
        return None
    try:
        return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in allowed if entry.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"FORWARDED_ALLOW_IPS: {exc}") from exc


@dataclass(frozen=True)
class Refusal:
    limit: int
    remaining: int
    reset_seconds: int


def hit(scope: str, key: str, rate: str) -> Refusal | None:
    """Counts one request of `key` against `rate`: a Refusal when it is over the limit, else None (also
    when there is no limit, or Redis is down). Only a refused request reads the window's figures for its
    headers: that is a second Redis round trip, which every allowed request would pay for nothing."""
    item = parse_rate(rate)
    if item is None:
        return None
    limiter = _limiter(settings.REDIS_URL)
    try:
        if limiter.hit(item, scope, key):
            return None
        stats = limiter.get_window_stats(item, scope, key)
    except Exception as exc:  # any storage failure: fail open, loudly
        logger.warning("rate limiter unavailable, letting %s %s through: %s", scope, key, exc)
        return None
    return Refusal(item.amount, stats.remaining, max(1, math.ceil(stats.reset_time - time.time())))


def headers(refusal: Refusal) -> dict[str, str]:
    return {
        "Retry-After": str(refusal.reset_seconds),
        "RateLimit-Limit": str(refusal.limit),
        "RateLimit-Remaining": str(refusal.remaining),
        "RateLimit-Reset": str(refusal.reset_seconds),
    }
