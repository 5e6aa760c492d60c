"""The shared request frontier: requests wait in a queue and are leased to workers.

A lease has a deadline on the server's clock. A worker renews its leases while it works (its
heartbeat) and acknowledges each request once its result is pushed; a worker that dies (even
by kill -9) stops renewing, its leases expire, and `release_expired` puts them back at the
front of the queue, or gives a request up once it has been leased `max_attempts` times (a
page that kills whoever fetches it must not go round for ever). Each step is one Lua script,
so two processes never lease the same request and nothing is lost between two commands.

Duplicates are refused the way scrapy-redis's RFPDupeFilter refuses them: a Redis set of
request fingerprints, where SADD answers whether the fingerprint is new. The fingerprints are
Scrapy's own (the crawler's REQUEST_FINGERPRINTER, SHA1 over the method, the canonical URL and
the body), not RFPDupeFilter's home-made hash, and the SADD runs in the same script as the
push, so a request can never be marked seen without being queued.

Requests travel as JSON, through scrapy-redis's queue base (`scrapy_redis.queue.Base`, which
turns a request into a dict with Scrapy's `Request.to_dict` and back with
`request_from_dict`) and a JSON serializer of our own instead of its pickle. What is kept:
the URL, method, headers and body (byte for byte), cookies, priority, dont_filter, flags,
encoding, the request class, the callback and errback by the name of the spider method, and
`meta` and `cb_kwargs`, whose values must be JSON values (str, int, float, bool, None, lists,
dicts with str keys) or enum members (kept as their class and value, so that
CaptureKind.ARTICLE comes back as CaptureKind.ARTICLE). Anything else (a tuple, a bytes value,
an object) is refused when pushed, with RequestNotSerialisable naming the key.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import redis
from scrapy import Request, Spider
from scrapy.utils.misc import load_object
from scrapy.utils.request import (
    RequestFingerprinter,
    RequestFingerprinterProtocol,
)
from scrapy_redis.queue import Base

from distributed.connection import LUA_NOW, RunKeys

# How an enum member is written in a request's meta: {"__enum__": "module.Class", "value": v}.
ENUM_TAG = "__enum__"
SAME_VERSION = "run the same version of Morgue on the coordinator and on every worker"

# KEYS: seen, queue, requests, next_id. ARGV: fingerprint ("" to skip the filter), payload.
# Returns the new id, or nil for a duplicate.
PUSH = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
  return false
end
local id = tostring(redis.call('INCR', KEYS[4]))
redis.call('HSET', KEYS[3], id, ARGV[2])
redis.call('RPUSH', KEYS[2], id)
return id
"""

# KEYS: queue, requests, leases, holders, attempts. ARGV: holder, lease ms, how many.
# Returns {id, payload, attempts} for each request leased.
LEASE = (
    LUA_NOW
    + """
local deadline = now + tonumber(ARGV[2])
local leased = {}
for _ = 1, tonumber(ARGV[3]) do
  local id = redis.call('LPOP', KEYS[1])
  if not id then break end
  local payload = redis.call('HGET', KEYS[2], id)
  -- An id acknowledged while it waited in the queue has no payload left: skip it.
  if payload then
    local attempts = redis.call('HINCRBY', KEYS[5], id, 1)
    redis.call('ZADD', KEYS[3], deadline, id)
    redis.call('HSET', KEYS[4], id, ARGV[1])
    leased[#leased + 1] = {id, payload, attempts}
  end
end
return leased
"""
)

# KEYS: leases, holders. ARGV: holder, lease ms, id... Returns the ids the holder lost.
RENEW = (
    LUA_NOW
    + """
local deadline = now + tonumber(ARGV[2])
local lost = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  if redis.call('HGET', KEYS[2], id) == ARGV[1] and redis.call('ZSCORE', KEYS[1], id) then
    redis.call('ZADD', KEYS[1], 'XX', deadline, id)
  else
    lost[#lost + 1] = id
  end
end
return lost
"""
)

# KEYS: leases, holders, attempts, requests. ARGV: id... Returns how many were leased.
ACKNOWLEDGE = """
local leased = 0
for i = 1, #ARGV do
  leased = leased + redis.call('ZREM', KEYS[1], ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i])
  redis.call('HDEL', KEYS[3], ARGV[i])
  redis.call('HDEL', KEYS[4], ARGV[i])
end
return leased
"""

# KEYS: leases, holders, attempts, requests, queue. ARGV: max attempts, batch size.
# Returns {id, outcome, attempts, payload} for each lease past its deadline.
RELEASE_EXPIRED = (
    LUA_NOW
    + """
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local released = {}
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  local attempts = tonumber(redis.call('HGET', KEYS[3], id) or '0')
  local payload = redis.call('HGET', KEYS[4], id)
  if payload then
    if attempts >= tonumber(ARGV[1]) then
      redis.call('HDEL', KEYS[3], id)
      redis.call('HDEL', KEYS[4], id)
      released[#released + 1] = {id, 'given_up', attempts, payload}
    else
      -- To the front: a request a worker lost should not wait behind a whole sitemap.
      redis.call('LPUSH', KEYS[5], id)
      released[#released + 1] = {id, 'requeued', attempts, payload}
    end
  end
end
return released
"""
)


# KEYS: leases, holders. ARGV: a holder name suffix, the caller's own name. Puts the deadline
# of every lease whose holder's name ends with the suffix (and is not the caller) in the past,
# so that the next release_expired takes it back. Returns how many.
EXPIRE_HOLDERS = """
local suffix, own = ARGV[1], ARGV[2]
local holders = redis.call('HGETALL', KEYS[2])
local expired = 0
for i = 1, #holders, 2 do
  local id, holder = holders[i], holders[i + 1]
  if holder ~= own and string.sub(holder, -#suffix) == suffix then
    expired = expired + redis.call('ZADD', KEYS[1], 'XX', 'CH', 0, id)
  end
end
return expired
"""


class RequestNotSerialisable(ValueError):
    """A request that cannot travel to a worker as JSON (a bug in the code that made it)."""


class RequestNotReadable(ValueError):
    """A request in the frontier that this process cannot turn back into a Request."""


class PushOutcome(Enum):
    QUEUED = "queued"
    DUPLICATE = "duplicate"


class ExpiryOutcome(Enum):
    # Back at the front of the queue, for another worker.
    REQUEUED = "requeued"
    # Leased max_attempts times without being acknowledged: out of the frontier for good.
    GIVEN_UP = "given_up"


@dataclass(frozen=True)
class Lease:
    id: str
    request: Request
    # How many times the request has been leased, this lease included.
    attempts: int


@dataclass(frozen=True)
class ExpiredLease:
    id: str
    request: Request
    attempts: int
    outcome: ExpiryOutcome


@dataclass(frozen=True)
class FrontierCounts:
    queued: int
    leased: int


def to_json_value(value: Any, where: str) -> Any:
    """`value` as JSON can hold it, enum members tagged; anything JSON would change or cannot
    hold is refused, so what a worker reads is what the coordinator wrote."""
    if isinstance(value, Enum):
        kind = type(value)
        return {
            ENUM_TAG: f"{kind.__module__}.{kind.__qualname__}",
            "value": to_json_value(value.value, where),
        }
    if value is None or type(value) in (str, bool, int):
        return value
    if type(value) is float:
        if not math.isfinite(value):
            raise RequestNotSerialisable(
                f"{where} is {value}, which JSON cannot hold: use a finite number or None"
            )
        return value
    if type(value) is list:
        return [to_json_value(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if type(value) is dict:
        for key in value:
            if type(key) is not str:
                raise RequestNotSerialisable(
                    f"{where} has the key {key!r}, a {type(key).__name__}: JSON keys are"
                    " strings, so use a str key"
                )
            if key == ENUM_TAG:
                raise RequestNotSerialisable(f"{where} uses the key {ENUM_TAG!r}, reserved")
        return {key: to_json_value(item, f"{where}[{key!r}]") for key, item in value.items()}
    raise RequestNotSerialisable(
        f"{where} is a {type(value).__name__}, which cannot travel to a worker as JSON: use a"
        " str, int, float, bool, None, list, dict with str keys or an enum member"
    )


def from_json_value(value: Any, where: str) -> Any:
    """The inverse of to_json_value."""
    if type(value) is list:
        return [from_json_value(item, where) for item in value]
    if type(value) is not dict:
        return value
    if ENUM_TAG in value:
        path = value[ENUM_TAG]
        try:
            kind = load_object(path)
        except (ImportError, NameError, ValueError) as error:
            raise RequestNotReadable(
                f"{where}: no enum {path} here ({error}): {SAME_VERSION}"
            ) from error
        if not (isinstance(kind, type) and issubclass(kind, Enum)):
            raise RequestNotReadable(f"{where}: {path} is not an enum: {SAME_VERSION}")
        try:
            return kind(value["value"])
        except ValueError as error:
            raise RequestNotReadable(f"{where}: {error}: {SAME_VERSION}") from error
    return {key: from_json_value(item, f"{where}[{key!r}]") for key, item in value.items()}


class RequestJson:
    """scrapy-redis's serializer interface (dumps, loads) over `Request.to_dict`'s dicts, as
    JSON. Headers and the body are bytes there: kept byte for byte (Latin-1, base64)."""

    @staticmethod
    def dumps(fields: dict[str, Any]) -> str:
        document: dict[str, Any] = {}
        for name, value in fields.items():
            if name == "headers":
                document[name] = {
                    key.decode("latin-1"): [item.decode("latin-1") for item in items]
                    for key, items in value.items()
                }
            elif name == "body":
                document[name] = base64.b64encode(value).decode("ascii")
            else:
                document[name] = to_json_value(value, name)
        return json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))

    @staticmethod
    def loads(text: str) -> dict[str, Any]:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise RequestNotReadable(f"a request in the frontier is not JSON: {error}") from error
        if not isinstance(document, dict) or "url" not in document:
            raise RequestNotReadable(f"a request in the frontier has no URL: {text[:200]!r}")
        fields: dict[str, Any] = {}
        for name, value in document.items():
            if name == "headers":
                fields[name] = {
                    key.encode("latin-1"): [item.encode("latin-1") for item in items]
                    for key, items in value.items()
                }
            elif name == "body":
                fields[name] = base64.b64decode(value)
            else:
                fields[name] = from_json_value(value, name)
        return fields


def millis(seconds: float) -> int:
    """Seconds as whole milliseconds, at least one (a deadline of now is already past)."""
    return max(1, round(seconds * 1000))


class Frontier(Base):
    """The run's shared queue of requests, with leases (see the module's docstring).

    `spider` resolves callbacks by name: the coordinator's and the workers' spiders are the
    same class. `fingerprinter` should be the crawler's `request_fingerprinter`.
    """

    def __init__(
        self,
        client: redis.Redis,
        spider: Spider,
        keys: RunKeys,
        *,
        fingerprinter: RequestFingerprinterProtocol | None = None,
    ) -> None:
        super().__init__(client, spider, keys.frontier_queue, serializer=RequestJson)
        self.client = client
        self.keys = keys
        self.fingerprinter = fingerprinter or RequestFingerprinter()
        self.push_script = client.register_script(PUSH)
        self.lease_script = client.register_script(LEASE)
        self.renew_script = client.register_script(RENEW)
        self.acknowledge_script = client.register_script(ACKNOWLEDGE)
        self.release_script = client.register_script(RELEASE_EXPIRED)
        self.expire_holders_script = client.register_script(EXPIRE_HOLDERS)

    def fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def encode(self, request: Request) -> str:
        try:
            return str(self._encode_request(request))
        except ValueError as error:
            if isinstance(error, RequestNotSerialisable):
                raise RequestNotSerialisable(f"{request}: {error}") from error
            # Request.to_dict: the callback or errback is not a method of the spider.
            raise RequestNotSerialisable(
                f"{request}: {error}; a request handed to a worker can only name a method of"
                " the spider as its callback and errback"
            ) from error

    def decode(self, payload: str) -> Request:
        try:
            request = self._decode_request(payload)
        except RequestNotReadable:
            raise
        except (ValueError, TypeError, KeyError, ImportError, NameError) as error:
            # A callback, errback or request class this process does not have.
            raise RequestNotReadable(
                f"cannot rebuild a request from the frontier ({error}): {SAME_VERSION}"
            ) from error
        assert isinstance(request, Request)
        return request

    def push(self, request: Request) -> PushOutcome:
        """Queue the request unless its fingerprint was pushed before in this run (a request
        with dont_filter set is queued whatever its fingerprint)."""
        return self.push_many([request])[0]

    def push_many(self, requests: Iterable[Request]) -> list[PushOutcome]:
        """push() for each request, in one round trip (each push is atomic on its own)."""
        pipeline = self.client.pipeline(transaction=False)
        keys = [
            self.keys.frontier_seen,
            self.keys.frontier_queue,
            self.keys.frontier_requests,
            self.keys.frontier_next_id,
        ]
        for request in requests:
            fingerprint = "" if request.dont_filter else self.fingerprint(request)
            self.push_script(keys, [fingerprint, self.encode(request)], client=pipeline)
        return [
            PushOutcome.DUPLICATE if new_id is None else PushOutcome.QUEUED
            for new_id in pipeline.execute()
        ]

    def lease(self, holder: str, *, seconds: float, count: int = 1) -> list[Lease]:
        """Up to `count` requests from the front of the queue, leased to `holder` for
        `seconds` (an empty list when the queue is empty)."""
        keys = [
            self.keys.frontier_queue,
            self.keys.frontier_requests,
            self.keys.frontier_leases,
            self.keys.frontier_holders,
            self.keys.frontier_attempts,
        ]
        leased = self.lease_script(keys, [holder, millis(seconds), count])
        return [
            Lease(id=str(lease_id), request=self.decode(payload), attempts=int(attempts))
            for lease_id, payload, attempts in leased
        ]

    def renew(self, holder: str, lease_ids: Iterable[str], *, seconds: float) -> list[str]:
        """Push the deadlines of the holder's leases `seconds` past now. Returns the ids the
        holder no longer holds: released as expired (and maybe leased to another worker
        since), or acknowledged by someone."""
        ids = list(lease_ids)
        if not ids:
            return []
        keys = [self.keys.frontier_leases, self.keys.frontier_holders]
        lost = self.renew_script(keys, [holder, millis(seconds), *ids])
        return [str(lease_id) for lease_id in lost]

    def acknowledge(self, lease_ids: Iterable[str]) -> int:
        """The requests are done (their results pushed): out of the frontier for good; their
        fingerprints stay, so they are not queued again. Returns how many were leased."""
        ids = list(lease_ids)
        if not ids:
            return 0
        keys = [
            self.keys.frontier_leases,
            self.keys.frontier_holders,
            self.keys.frontier_attempts,
            self.keys.frontier_requests,
        ]
        return int(self.acknowledge_script(keys, ids))

    def release_expired(self, *, max_attempts: int, batch: int = 500) -> list[ExpiredLease]:
        """Every lease past its deadline: back to the front of the queue, or given up when
        the request has been leased `max_attempts` times. The caller records the given-up
        ones (as failures); were it killed first, the request is simply not archived in this
        run, and the next run tries it again."""
        if max_attempts < 1:
            raise ValueError(f"max_attempts is {max_attempts}; it must be 1 or more")
        keys = [
            self.keys.frontier_leases,
            self.keys.frontier_holders,
            self.keys.frontier_attempts,
            self.keys.frontier_requests,
            self.keys.frontier_queue,
        ]
        released: list[ExpiredLease] = []
        while True:
            found = self.release_script(keys, [max_attempts, batch])
            released.extend(
                ExpiredLease(
                    id=str(lease_id),
                    request=self.decode(payload),
                    attempts=int(attempts),
                    outcome=ExpiryOutcome(outcome),
                )
                for lease_id, outcome, attempts, payload in found
            )
            if len(found) < batch:
                return released

    def expire_holders(self, suffix: str, *, own: str) -> int:
        """End now the leases of every holder whose name ends with `suffix`, but `own`: a
        process known to be dead (the coordinator before this one) renews nothing, and its
        requests need not wait for their deadlines. release_expired then takes them back
        (an attempt counted, as for any lease that ran out). Returns how many."""
        keys = [self.keys.frontier_leases, self.keys.frontier_holders]
        return int(self.expire_holders_script(keys, [suffix, own]))

    def counts(self) -> FrontierCounts:
        pipeline = self.client.pipeline(transaction=True)
        pipeline.llen(self.keys.frontier_queue)
        pipeline.zcard(self.keys.frontier_leases)
        queued, leased = pipeline.execute()
        return FrontierCounts(queued=int(queued), leased=int(leased))

    def __len__(self) -> int:
        return int(self.client.llen(self.keys.frontier_queue))

    def clear(self) -> None:
        """Forget every request and fingerprint of the run (Base.clear knew only the queue)."""
        self.client.delete(
            self.keys.frontier_queue,
            self.keys.frontier_requests,
            self.keys.frontier_seen,
            self.keys.frontier_leases,
            self.keys.frontier_holders,
            self.keys.frontier_attempts,
            self.keys.frontier_next_id,
        )
