"""Rate limits shared by every web process: a moving window per key, kept in Redis (in process memory when
REDIS_URL is unset). A Redis outage lets requests through: the limiter protects the service, it must not
take it down.

The window is our own Lua script rather than the `limits` library's: an API request's hit also reads the
credentials epoch (tenants.auth) in the same round trip, one Redis call per request instead of two (each
is ~6% of the cheapest route's CPU, bench/README.md), and a refusal's figures come back with it."""

import ipaddress
import logging
import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tenants.redis_client import redis_client

logger = logging.getLogger(__name__)
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_UNITS = {"s": "second", "sec": "second", "m": "minute", "min": "minute", "h": "hour", "d": "day"}


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int


@cache  # a handful of settings' rates, parsed on every request otherwise
def parse_rate(text: str) -> Rate | None:
    """`40/s`, `100/minute`, `5/hours`...; `0` means no limit."""
    text = text.strip()
    if text in ("", "0"):
        return None
    match = re.fullmatch(r"(\d+)\s*/\s*([a-z]+)", text)
    unit = match and _UNITS.get(match[2], match[2].removesuffix("s"))
    if not match or unit not in _SECONDS:
        raise ValueError(f"not a rate: {text!r} (expected like 40/s)")
    return None if int(match[1]) == 0 else Rate(int(match[1]), _SECONDS[unit])


# KEYS[1]: the window, the times of its latest hits, newest first; KEYS[2], when given: a key read in the same
# round trip. ARGV: the limit, the window's seconds. The server's clock, so every web host counts alike.
# Returns {1 when counted or 0 when refused, the seconds until a refused key may hit again, KEYS[2]'s value}.
_HIT = """
local limit, period = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('time')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local read = false
if #KEYS > 1 then read = redis.call('get', KEYS[2]) end
local oldest = redis.call('lindex', KEYS[1], limit - 1)
if oldest and tonumber(oldest) > now - period then
    return {0, math.ceil(tonumber(oldest) + period - now), read}
end
redis.call('lpush', KEYS[1], string.format('%.6f', now))
redis.call('ltrim', KEYS[1], 0, limit - 1)
redis.call('expire', KEYS[1], period)
return {1, 0, read}
"""


@cache
def _hit_script(url: str):
    return redis_client(url).register_script(_HIT)


class _Windows:
    """The same windows in this process's memory, for a service run without Redis (one process)."""

    MAX_KEYS = 100_000  # past it, a new key first drops the windows no longer holding a hit

    def __init__(self):
        self._windows: dict[str, tuple[deque[float], int]] = {}  # key: (its latest hits, its seconds)
        self._lock = threading.Lock()

    def hit(self, key: str, rate: Rate) -> int | None:
        """None when counted, else the seconds until `key` may hit again."""
        now = time.monotonic()
        with self._lock:
            hits, _ = self._windows.get(key) or self._new(now)
            if hits.maxlen != rate.amount:  # the setting changed: the latest hits still count
                hits = deque(hits, maxlen=rate.amount)
            self._windows[key] = (hits, rate.seconds)
            if len(hits) == hits.maxlen and hits[0] > now - rate.seconds:
                return math.ceil(hits[0] + rate.seconds - now)
            hits.append(now)
            return None

    def _new(self, now: float) -> tuple[deque[float], int]:
        if len(self._windows) >= self.MAX_KEYS:
            self._windows = {
                key: (hits, seconds)
                for key, (hits, seconds) in self._windows.items()
                if hits and hits[-1] > now - seconds
            }
            if len(self._windows) >= self.MAX_KEYS:  # all busy: start over rather than grow
                self._windows.clear()
        return deque(), 0


_memory = _Windows()


def window_key(scope: str, key: str) -> str:
    return f"rate:{scope}:{key}"


@dataclass(frozen=True)
class Refusal:
    limit: int
    remaining: int
    reset_seconds: int


def hit(scope: str, key: str, rate: str) -> Refusal | None:
    """Counts one request of `key` against `rate`: a Refusal when it is over the limit, else None (also
    when there is no limit, or Redis is down)."""
    return hit_and_read(scope, key, rate, None)[0]


def hit_and_read(scope: str, key: str, rate: str, read: str | None) -> tuple[Refusal | None, bytes | None]:
    """`hit`, and the value of the Redis key `read` in the same round trip (None when absent, without
    Redis, or when Redis is down). With no limit, only `read` is read."""
    limit = parse_rate(rate)
    url = settings.REDIS_URL
    if not url:
        wait = _memory.hit(window_key(scope, key), limit) if limit else None
        return _refusal(limit, wait), None
    try:
        if limit is None:
            return None, redis_client(url).get(read) if read else None
        keys = [window_key(scope, key), read] if read else [window_key(scope, key)]
        counted, wait, value = _hit_script(url)(keys=keys, args=[limit.amount, limit.seconds])
    except redis.RedisError as exc:  # fail open, loudly
        logger.warning("rate limiter unavailable, letting %s %s through: %s", scope, key, exc)
        return None, None
    return _refusal(limit, None if counted else wait), value


def _refusal(limit: Rate | None, wait: int | None) -> Refusal | None:
    if limit is None or wait is None:
        return None
    return Refusal(limit.amount, 0, max(1, wait))


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


def headers(refusal: Refusal) -> dict[str, str]:
    return {
        "Retry-After": str(refusal.reset_seconds),
        "RateLimit-Limit": str(refusal.limit),
        "RateLimit-Remaining": str(refusal.remaining),
        "RateLimit-Reset": str(refusal.reset_seconds),
    }
