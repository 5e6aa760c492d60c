"""Politeness across machines: a per-domain budget that every worker draws on.

A domain gets at most `concurrent` requests in flight across all the processes of the run,
and its requests start at least `delay` seconds apart. A request holds a slot from `acquire`
to `release`; each slot carries a deadline (`slot_seconds` on the server's clock, renewable),
so the slot of a holder that died is free again once its deadline passes. Each decision is
one Lua script: no two holders can both take the last slot, or start within the delay.

Waiting is polling: a holder refused is told how long to wait (until the next start is
allowed, or until the earliest slot's deadline, which a release may well beat), and asks
again. There is no queue, so no order among holders that wait for the same domain.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import Enum

import redis

from distributed.connection import LUA_NOW, RunKeys
from distributed.threads import call_in_thread

# KEYS: slots, last start. ARGV: holder, concurrent, delay ms, slot ms.
# Returns {0, 0} granted, {1, ms until the earliest slot's deadline} all slots taken,
# {2, ms until the next start is allowed} too soon after the last start.
ACQUIRE = (
    LUA_NOW
    + """
local slot_ms = tonumber(ARGV[4])
local delay = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local function hold()
  redis.call('ZADD', KEYS[1], now + slot_ms, ARGV[1])
  -- The key outlives no slot, so a domain whose holders all died leaves nothing behind.
  if redis.call('PTTL', KEYS[1]) < slot_ms then
    redis.call('PEXPIRE', KEYS[1], slot_ms)
  end
end
-- Asked again (its reply was lost, say): the holder has its slot already.
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  hold()
  return {0, 0}
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local earliest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {1, tonumber(earliest[2]) - now}
end
if delay > 0 then
  local last = redis.call('GET', KEYS[2])
  if last and now < tonumber(last) + delay then
    return {2, tonumber(last) + delay - now}
  end
end
hold()
if delay > 0 then
  redis.call('SET', KEYS[2], now, 'PX', delay)
end
return {0, 0}
"""
)

# KEYS: slots. ARGV: holder, slot ms. Returns 1 if the holder still had its slot.
RENEW = (
    LUA_NOW
    + """
local deadline = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not deadline then
  return 0
end
if tonumber(deadline) <= now then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
end
return 1
"""
)

# KEYS: slots. The holders whose slots have not expired.
HOLDERS = (
    LUA_NOW
    + """
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
"""
)


class BudgetDecision(Enum):
    GRANTED = 0
    SLOTS_FULL = 1
    TOO_SOON = 2


@dataclass(frozen=True)
class BudgetAnswer:
    decision: BudgetDecision
    # 0 when granted; else how long to wait before asking again (with SLOTS_FULL, at most:
    # the earliest slot's deadline; a holder may release sooner).
    wait_seconds: float

    @property
    def granted(self) -> bool:
        return self.decision is BudgetDecision.GRANTED


@dataclass(frozen=True)
class BudgetLimits:
    # Requests in flight per domain across every process of the run.
    concurrent: int
    # Seconds between the starts of two requests to the domain.
    delay: float
    # A slot neither released nor renewed within this many seconds is taken for its
    # holder's death and freed: longer than a download may take (DOWNLOAD_TIMEOUT).
    slot_seconds: float

    def __post_init__(self) -> None:
        if self.concurrent < 1:
            raise ValueError(f"concurrent is {self.concurrent}; a domain needs 1 slot or more")
        if self.delay < 0:
            raise ValueError(f"delay is {self.delay}; it must be 0 seconds or more")
        if self.slot_seconds <= 0:
            raise ValueError(f"slot_seconds is {self.slot_seconds}; it must be more than 0")


def millis(seconds: float) -> int:
    return round(seconds * 1000)


class DomainBudget:
    """The run's per-domain budget on the shared server (module docstring)."""

    def __init__(self, client: redis.Redis, keys: RunKeys, limits: BudgetLimits) -> None:
        self.client = client
        self.keys = keys
        self.limits = limits
        self.acquire_script = client.register_script(ACQUIRE)
        self.renew_script = client.register_script(RENEW)
        self.holders_script = client.register_script(HOLDERS)

    def slot_keys(self, domain: str) -> list[str]:
        domain = domain.lower()
        return [self.keys.budget_slots(domain), self.keys.budget_last_start(domain)]

    def acquire(self, domain: str, holder: str) -> BudgetAnswer:
        """A slot for `holder` (one request in flight: a name unique in the run) to start a
        request to `domain` now, or how long to wait before asking again."""
        limits = self.limits
        arguments: list[str | int] = [
            holder,
            limits.concurrent,
            millis(limits.delay),
            millis(limits.slot_seconds),
        ]
        code, wait = self.acquire_script(self.slot_keys(domain), arguments)
        return BudgetAnswer(decision=BudgetDecision(int(code)), wait_seconds=int(wait) / 1000)

    def renew(self, domain: str, holder: str) -> bool:
        """Move the holder's deadline `slot_seconds` past now; False if it had lost the slot
        (released, or expired)."""
        slots = self.slot_keys(domain)[:1]
        return bool(self.renew_script(slots, [holder, millis(self.limits.slot_seconds)]))

    def release(self, domain: str, holder: str) -> bool:
        """The holder's request is over. Returns whether it still held its slot."""
        return bool(self.client.zrem(self.slot_keys(domain)[0], holder))

    def holders(self, domain: str) -> list[str]:
        """Who holds the domain's slots now (expired ones left out)."""
        return [str(holder) for holder in self.holders_script(self.slot_keys(domain)[:1], [])]


async def wait_for_slot(
    budget: DomainBudget, domain: str, holder: str, *, poll_seconds: float = 0.25
) -> None:
    """Ask until `holder` is granted a slot for `domain`, sleeping as long as the budget says
    between asks (at most `poll_seconds` while the slots are full: a release is not
    announced). Cancelled meanwhile, it gives back a slot granted too late to be used."""

    def give_back(answer: BudgetAnswer) -> None:
        if answer.granted:
            budget.release(domain, holder)

    while True:
        answer = await call_in_thread(lambda: budget.acquire(domain, holder), undo=give_back)
        if answer.granted:
            return
        if answer.decision is BudgetDecision.SLOTS_FULL:
            await asyncio.sleep(min(answer.wait_seconds, poll_seconds))
        else:
            await asyncio.sleep(answer.wait_seconds)
