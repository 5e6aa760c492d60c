"""The shared server: a checked client from ARCHIVE_REDIS_URL, and the run's key names.

Every key a run uses is named in one place, `RunKeys`, built from a prefix (`morgue:` unless
told otherwise), so that two runs can share a server under two prefixes and a run can be
forgotten by deleting what lies under its prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.exceptions import AuthenticationError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

DEFAULT_PREFIX = "morgue:"
# Longer than any blocking call the package makes (results.MAX_TAKE_SECONDS), so that a
# blocking BLMOVE returns before its socket gives up; short enough that a server gone
# silent is noticed within the minute.
SOCKET_TIMEOUT = 30.0
CONNECT_TIMEOUT = 5.0
# BLMOVE and LMOVE came in Redis 6.2; every Valkey has them (it reports redis_version 7.2.4).
MINIMUM_SERVER = (6, 2)
EXAMPLE_URL = "redis://127.0.0.1:6379/0"
# A prefix is used in SCAN patterns too, where * ? [ ] would match other keys.
PREFIX_PATTERN = re.compile(r"[A-Za-z0-9_.:-]+")
# The start of every Lua script that deals in time: `now` is the server's clock in
# milliseconds, so that deadlines and delays mean the same to every machine, whatever their
# own clocks say.
LUA_NOW = """
local server_time = redis.call('TIME')
local now = tonumber(server_time[1]) * 1000 + math.floor(tonumber(server_time[2]) / 1000)
"""


class RedisUnavailable(Exception):
    """The shared server cannot be used: not reachable, refused us, or too old."""


def redacted(url: str) -> str:
    """The URL without its password, fit for a log line or an error message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def server_version(info: dict[str, object]) -> tuple[int, int]:
    """The Redis protocol version a server says it speaks, as (major, minor)."""
    numbers = str(info.get("redis_version", "0.0")).split(".")
    return int(numbers[0]), int(numbers[1]) if len(numbers) > 1 else 0


def open_redis(url: str, *, client_name: str | None = None) -> redis.Redis:
    """A client for the shared server at `url`, checked with a PING and a version check.

    Replies are decoded as UTF-8 text: everything the package stores is JSON or a name.
    """
    if not url:
        raise RedisUnavailable(
            "ARCHIVE_REDIS_URL is empty: set it to the server the coordinator and the workers"
            f" share, e.g. -s ARCHIVE_REDIS_URL={EXAMPLE_URL}"
        )
    shown = redacted(url)
    try:
        client = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=CONNECT_TIMEOUT,
            health_check_interval=15,
            client_name=client_name,
        )
    except ValueError as error:
        raise RedisUnavailable(
            f"ARCHIVE_REDIS_URL {shown!r} is not a Redis URL ({error}): write"
            f" redis://host:port/db, e.g. {EXAMPLE_URL} (rediss:// for TLS,"
            " unix:///path/to/socket for a local socket)"
        ) from error
    try:
        client.ping()
        info = client.info("server")
    except AuthenticationError as error:
        client.close()
        raise RedisUnavailable(
            f"the server at {shown} refused to let us in ({error}): put its user and password"
            " in ARCHIVE_REDIS_URL, as redis://user:password@host:port/db"
        ) from error
    except (RedisConnectionError, RedisTimeoutError) as error:
        client.close()
        raise RedisUnavailable(
            f"cannot reach the Redis/Valkey server at {shown} ({error}): start it (e.g."
            " `valkey-server --port 6379`), or point ARCHIVE_REDIS_URL at the server the"
            " coordinator and the workers share"
        ) from error
    except ResponseError as error:
        client.close()
        raise RedisUnavailable(
            f"the server at {shown} answered with an error ({error}): check the database"
            " number and the user's permissions in ARCHIVE_REDIS_URL"
        ) from error
    version = server_version(info)
    if version < MINIMUM_SERVER:
        client.close()
        raise RedisUnavailable(
            f"the server at {shown} speaks Redis {info.get('redis_version')}; a distributed"
            " crawl needs Redis 6.2 or later (for BLMOVE), or any Valkey: upgrade it"
        )
    return client


@dataclass(frozen=True)
class RunKeys:
    """The names of every key one run uses on the shared server (README: the data layout)."""

    prefix: str
    # Requests: the ids waiting, in order; each id's request as JSON; the fingerprints
    # pushed so far; the ids leased, scored by their deadline (server time, ms); who holds
    # each lease; how many times each id was leased; the counter ids are drawn from.
    frontier_queue: str
    frontier_requests: str
    frontier_seen: str
    frontier_leases: str
    frontier_holders: str
    frontier_attempts: str
    frontier_next_id: str
    # Results: pushed by workers; taken by the coordinator into `processing` until it has
    # committed them; documents that could not be read, kept aside for a person.
    results: str
    results_processing: str
    results_documents: str
    results_unreadable: str
    # The run: "it is over" (the coordinator's close reason), live workers scored by their
    # last heartbeat (server time, ms), and what each worker said about itself.
    run_over: str
    workers: str
    workers_about: str

    @classmethod
    def under(cls, prefix: str = DEFAULT_PREFIX) -> RunKeys:
        if not PREFIX_PATTERN.fullmatch(prefix):
            raise ValueError(
                f"key prefix {prefix!r} may hold only letters, digits and . _ - : (it is also"
                f" a SCAN pattern), e.g. {DEFAULT_PREFIX!r}"
            )
        return cls(
            prefix=prefix,
            frontier_queue=f"{prefix}frontier:queue",
            frontier_requests=f"{prefix}frontier:requests",
            frontier_seen=f"{prefix}frontier:seen",
            frontier_leases=f"{prefix}frontier:leases",
            frontier_holders=f"{prefix}frontier:holders",
            frontier_attempts=f"{prefix}frontier:attempts",
            frontier_next_id=f"{prefix}frontier:next_id",
            results=f"{prefix}results",
            results_processing=f"{prefix}results:processing",
            results_documents=f"{prefix}results:documents",
            results_unreadable=f"{prefix}results:unreadable",
            run_over=f"{prefix}run:over",
            workers=f"{prefix}workers",
            workers_about=f"{prefix}workers:about",
        )

    def budget_slots(self, domain: str) -> str:
        """The domain's requests in flight, scored by their deadline (server time, ms)."""
        return f"{self.prefix}budget:{domain}:slots"

    def budget_last_start(self, domain: str) -> str:
        """When the domain's last request was let start (server time, ms)."""
        return f"{self.prefix}budget:{domain}:last_start"


def forget_run(client: redis.Redis, keys: RunKeys) -> int:
    """Delete every key under the run's prefix (a prefix that begins another run's prefix
    takes that run's keys too). Returns how many keys were deleted."""
    deleted = 0
    batch: list[str] = []
    for key in client.scan_iter(match=f"{keys.prefix}*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            deleted += int(client.unlink(*batch))
            batch.clear()
    if batch:
        deleted += int(client.unlink(*batch))
    return deleted
