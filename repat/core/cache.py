"""Django's Redis cache, but a Redis that cannot be reached is an empty cache, not an error.

The cache only saves queries (reference lists): when Redis is down, a read is a miss and a write is
skipped, so pages are served from the database. After a connection error the cache does not try
Redis again for `RETRY_AFTER` seconds (per process), so a Redis that is down or unreachable costs a
page nothing, and at most one short connect timeout (settings: `socket_connect_timeout`) every few
seconds. The outage and the recovery are logged once each.

Entries written before an outage may be read again after it; callers keep only what may be a few
minutes stale (reference lists expire after ten minutes). Sessions are not cached (settings).
"""

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class _Outages:
    """Per process and Redis location: until when to leave Redis alone. Shared by the threads of a
    process (Django gives each thread its own cache object)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._down_until: dict[str, float] = {}

    def skipping(self, location: str) -> bool:
        return time.monotonic() < self._down_until.get(location, 0.0)

    def went_down(self, location: str, retry_after: float) -> bool:
        """Note a failure; True when Redis was thought up until now (the first failure is logged)."""
        with self._lock:
            first = location not in self._down_until
            self._down_until[location] = time.monotonic() + retry_after
            return first

    def came_back(self, location: str) -> bool:
        """Note a success; True when Redis was thought down until now."""
        if location not in self._down_until:
            return False
        with self._lock:
            return self._down_until.pop(location, None) is not None


outages = _Outages()


class ResilientRedisCache(RedisCache):
    """A read while Redis is unreachable returns the default, a write does nothing, `incr` finds no
    key (ValueError, as for a missing one); every other error is raised as usual."""

    RETRY_AFTER = 5.0  # seconds without trying Redis after a connection error

    def __init__(self, server, params):
        super().__init__(server, params)
        self._location = ",".join(self._servers)

    def _call(self, method: str, unreachable, *args, **kwargs):
        if outages.skipping(self._location):
            return unreachable()
        try:
            result = getattr(super(), method)(*args, **kwargs)
        except UNREACHABLE as error:
            if outages.went_down(self._location, self.RETRY_AFTER):
                log.warning(
                    "Cache unavailable (%s); pages are served from the database until it answers.",
                    type(error).__name__,
                )
            return unreachable()
        if outages.came_back(self._location):
            log.warning("Cache available again.")
        return result

    def add(self, key, *args, **kwargs):
        return self._call("add", lambda: False, key, *args, **kwargs)

    def get(self, key, default=None, version=None):
        return self._call("get", lambda: default, key, default, version)

    def set(self, key, *args, **kwargs):
        return self._call("set", lambda: None, key, *args, **kwargs)

    def touch(self, key, *args, **kwargs):
        return self._call("touch", lambda: False, key, *args, **kwargs)

    def delete(self, key, *args, **kwargs):
        return self._call("delete", lambda: False, key, *args, **kwargs)

    def get_many(self, keys, *args, **kwargs):
        return self._call("get_many", dict, keys, *args, **kwargs)

    def has_key(self, key, *args, **kwargs):
        return self._call("has_key", lambda: False, key, *args, **kwargs)

    def incr(self, key, delta=1, version=None):
        def missing():
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).")

        return self._call("incr", missing, key, delta, version)

    def set_many(self, data, *args, **kwargs):
        return self._call("set_many", lambda: list(data), data, *args, **kwargs)

    def delete_many(self, keys, *args, **kwargs):
        return self._call("delete_many", lambda: None, keys, *args, **kwargs)

    def clear(self):
        return self._call("clear", lambda: False)
