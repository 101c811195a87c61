"""The process's Redis client for the request path (credentials epoch, rate limits): short timeouts, so an
outage costs a request 0.2 s at most before the caller falls back."""

from functools import cache

import redis


@cache
def redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=0.2, socket_timeout=0.2)
