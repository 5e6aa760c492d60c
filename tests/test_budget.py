"""The per-domain budget every worker draws on, on a real Valkey server."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis

from distributed.budget import (
    BudgetAnswer,
    BudgetDecision,
    BudgetLimits,
    DomainBudget,
    wait_for_slot,
)
from distributed.connection import RunKeys, open_redis
from tests import redis_server

# The fixtures that start the server and empty it: named here, pytest serves them here too.
valkey = redis_server.valkey
redis_client = redis_server.redis_client

KEYS = RunKeys.under("test:")
DOMAIN = "courier.example"


def budget_of(
    client: redis.Redis, concurrent: int = 2, delay: float = 0, slot_seconds: float = 5
) -> DomainBudget:
    limits = BudgetLimits(concurrent=concurrent, delay=delay, slot_seconds=slot_seconds)
    return DomainBudget(client, KEYS, limits)


def test_two_slots_and_three_holders_grant_two_until_one_is_released(
    redis_client: redis.Redis,
) -> None:
    budget = budget_of(redis_client, concurrent=2)
    assert budget.acquire(DOMAIN, "a").granted
    assert budget.acquire(DOMAIN, "b").granted
    refused = budget.acquire(DOMAIN, "c")
    assert refused.decision is BudgetDecision.SLOTS_FULL
    assert 0 < refused.wait_seconds <= 5
    assert sorted(budget.holders(DOMAIN)) == ["a", "b"]
    assert budget.release(DOMAIN, "a")
    assert budget.acquire(DOMAIN, "c").granted
    assert sorted(budget.holders(DOMAIN)) == ["b", "c"]


def test_each_domain_has_its_own_slots(redis_client: redis.Redis) -> None:
    budget = budget_of(redis_client, concurrent=1)
    assert budget.acquire(DOMAIN, "a").granted
    assert budget.acquire("other.example", "b").granted
    # Host names are not case-sensitive.
    assert not budget.acquire(DOMAIN.upper(), "c").granted


def test_a_holder_asking_again_keeps_its_one_slot(redis_client: redis.Redis) -> None:
    budget = budget_of(redis_client, concurrent=2, delay=10)
    assert budget.acquire(DOMAIN, "a").granted
    assert budget.acquire(DOMAIN, "a").granted
    assert budget.holders(DOMAIN) == ["a"]


def test_starts_are_kept_the_delay_apart(redis_client: redis.Redis) -> None:
    budget = budget_of(redis_client, concurrent=5, delay=0.15)
    assert budget.acquire(DOMAIN, "a").granted
    first = time.monotonic()
    too_soon = budget.acquire(DOMAIN, "b")
    assert too_soon.decision is BudgetDecision.TOO_SOON
    assert 0 < too_soon.wait_seconds <= 0.15
    time.sleep(too_soon.wait_seconds)
    assert budget.acquire(DOMAIN, "b").granted
    assert time.monotonic() - first >= 0.14


def test_a_dead_holders_slot_is_free_after_its_deadline(redis_client: redis.Redis) -> None:
    budget = budget_of(redis_client, concurrent=1, slot_seconds=0.15)
    assert budget.acquire(DOMAIN, "dies").granted
    refused = budget.acquire(DOMAIN, "waits")
    assert refused.decision is BudgetDecision.SLOTS_FULL
    assert refused.wait_seconds <= 0.15
    time.sleep(0.2)
    assert budget.acquire(DOMAIN, "waits").granted
    assert budget.holders(DOMAIN) == ["waits"]
    assert not budget.renew(DOMAIN, "dies")
    assert not budget.release(DOMAIN, "dies")


def test_a_renewed_slot_outlives_its_first_deadline(redis_client: redis.Redis) -> None:
    budget = budget_of(redis_client, concurrent=1, slot_seconds=0.2)
    assert budget.acquire(DOMAIN, "slow").granted
    time.sleep(0.1)
    assert budget.renew(DOMAIN, "slow")
    time.sleep(0.15)
    assert budget.holders(DOMAIN) == ["slow"]
    assert not budget.acquire(DOMAIN, "other").granted


def test_a_domain_whose_holders_died_leaves_no_key_behind(redis_client: redis.Redis) -> None:
    budget = budget_of(redis_client, concurrent=2, delay=0.05, slot_seconds=0.1)
    assert budget.acquire(DOMAIN, "a").granted
    time.sleep(0.2)
    assert redis_client.keys(f"{KEYS.prefix}*") == []


def test_limits_that_make_no_sense_are_refused() -> None:
    with pytest.raises(ValueError, match="a domain needs 1 slot or more"):
        BudgetLimits(concurrent=0, delay=0, slot_seconds=1)
    with pytest.raises(ValueError, match="0 seconds or more"):
        BudgetLimits(concurrent=1, delay=-1, slot_seconds=1)


def test_three_contending_workers_never_hold_more_than_two_slots(
    valkey: redis_server.RunningValkey,
) -> None:
    clients = [open_redis(valkey.url) for _ in range(3)]
    clients[0].flushall()
    budgets = [budget_of(client, concurrent=2, delay=0.03) for client in clients]
    # Counted from the grant to just before the release: never more than the server holds.
    in_flight: list[int] = []
    starts: list[float] = []
    current = 0

    async def fetch(budget: DomainBudget, holder: str) -> None:
        nonlocal current
        await wait_for_slot(budget, DOMAIN, holder, poll_seconds=0.01)
        starts.append(time.monotonic())
        current += 1
        in_flight.append(current)
        await asyncio.sleep(0.05)
        current -= 1
        budget.release(DOMAIN, holder)

    async def scenario() -> None:
        await asyncio.gather(
            *(
                fetch(budgets[worker], f"w{worker}-r{request}")
                for worker in range(3)
                for request in range(3)
            )
        )

    asyncio.run(scenario())
    for client in clients:
        client.close()
    assert len(starts) == 9
    assert max(in_flight) == 2
    # Nine starts at least the delay apart span eight delays. (Each start is seen here a
    # thread's hop after the server granted it, too unevenly to check each gap.)
    assert max(starts) - min(starts) >= 8 * 0.03 - 0.01


def test_a_cancelled_wait_gives_back_a_slot_granted_too_late(redis_client: redis.Redis) -> None:
    budget = budget_of(redis_client, concurrent=1)
    granted_after_cancel: list[BudgetAnswer] = []
    acquire = budget.acquire

    def slow_acquire(domain: str, holder: str) -> BudgetAnswer:
        time.sleep(0.1)  # still asking the server when the wait is cancelled
        answer = acquire(domain, holder)
        granted_after_cancel.append(answer)
        return answer

    budget.acquire = slow_acquire  # type: ignore[method-assign]

    async def scenario() -> None:
        waiting = asyncio.create_task(wait_for_slot(budget, DOMAIN, "late"))
        await asyncio.sleep(0.02)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await asyncio.sleep(0.2)

    asyncio.run(scenario())
    assert [answer.granted for answer in granted_after_cancel] == [True]
    assert budget.holders(DOMAIN) == []
