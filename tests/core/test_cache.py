"""The cache (repat/core/cache.py): a Redis that cannot be reached is an empty cache, costs almost
nothing, is logged once, and is used again once it answers. Against a redis-server of our own on a
spare port, never the machine's shared one."""

import logging
import time

import pytest
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ResponseError

from repat.core import cache as cache_module
from repat.core.cache import ResilientRedisCache
from tests.ops.stack import RedisServer, free_port

OPTIONS = {"socket_connect_timeout": 0.2, "socket_timeout": 0.5}  # as repat/settings/base.py


def cache_at(url: str) -> ResilientRedisCache:
    return ResilientRedisCache(url, {"OPTIONS": OPTIONS, "KEY_PREFIX": "repat-cache-test"})


@pytest.fixture(autouse=True)
def no_outage_known(monkeypatch):
    """Each test starts with no Redis thought down (the record is per process)."""
    monkeypatch.setattr(cache_module, "outages", cache_module._Outages())


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis")
    try:
        yield server
    finally:
        server.stop()


def test_an_unreachable_redis_is_an_empty_cache(caplog, monkeypatch):
    cache = cache_at(f"redis://127.0.0.1:{free_port()}/0")
    tries = []
    get = RedisCacheClient.get
    monkeypatch.setattr(RedisCacheClient, "get", lambda self, *args: tries.append(args) or get(self, *args))

    with caplog.at_level(logging.WARNING, logger="repat.core.cache"):
        started = time.monotonic()
        results = [
            cache.get("regions", "default"),
            cache.set("regions", [1, 2]),
            cache.add("regions", [1, 2]),
            cache.get_many(["regions", "operations"]),
            cache.set_many({"regions": [1], "operations": [2]}),
            cache.delete("regions"),
            cache.delete_many(["regions", "operations"]),
            cache.has_key("regions"),
            cache.touch("regions"),
            cache.get_or_set("regions", [3]),
            "regions" in cache,
        ]
        for _ in range(200):
            cache.get("regions")
        seconds = time.monotonic() - started

    assert results == ["default", None, False, {}, ["regions", "operations"], False, None, False, False, [3], False]
    with pytest.raises(ValueError, match="not found"):
        cache.incr("counter")
    assert seconds < 0.5
    assert len(tries) == 1  # then Redis is left alone for RETRY_AFTER seconds
    assert [record.getMessage() for record in caplog.records] == [
        "Cache unavailable (ConnectionError); pages are served from the database until it answers."
    ]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.mark.own_servers
def test_the_cache_is_used_again_once_redis_answers(redis_server, monkeypatch, caplog):
    clock = Clock()
    monkeypatch.setattr(cache_module, "time", clock)
    cache = cache_at(redis_server.url)
    assert cache.get("regions") is None  # not started yet: a miss

    redis_server.start()
    cache.set("regions", [1, 2])
    assert cache.get("regions") is None  # left alone for RETRY_AFTER seconds

    clock.now += ResilientRedisCache.RETRY_AFTER
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="repat.core.cache"):
        cache.set("regions", [1, 2])
    assert cache.get("regions") == [1, 2]
    assert [record.getMessage() for record in caplog.records] == ["Cache available again."]


@pytest.mark.own_servers
def test_errors_other_than_an_unreachable_redis_are_raised(redis_server):
    redis_server.start()
    cache = cache_at(redis_server.url)
    cache.set("name", "not a number")

    with pytest.raises(ResponseError):
        cache.incr("name")
