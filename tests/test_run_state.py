"""The run's "it is over" flag and the workers' heartbeats, on a real Valkey server."""

from __future__ import annotations

import time

import redis

from distributed.connection import RunKeys
from distributed.run_state import RunState, WorkerAbout
from tests import redis_server

# The fixtures that start the server and empty it: named here, pytest serves them here too.
valkey = redis_server.valkey
redis_client = redis_server.redis_client

KEYS = RunKeys.under("test:")
ABOUT = WorkerAbout(host="box-2", pid=4242, started="2024-01-13T08:00:00+00:00")


def test_workers_see_the_run_over_once_the_coordinator_says_so(redis_client: redis.Redis) -> None:
    coordinator, worker = RunState(redis_client, KEYS), RunState(redis_client, KEYS)
    assert worker.over() is None
    coordinator.finish("finished")
    assert worker.over() == "finished"
    # The next run begins: the last run's end does not stop its workers.
    coordinator.begin()
    assert worker.over() is None


def test_a_worker_that_stops_beating_is_no_longer_live(redis_client: redis.Redis) -> None:
    state = RunState(redis_client, KEYS)
    state.register("quiet", ABOUT)
    time.sleep(0.15)
    state.register("busy", ABOUT)
    assert state.live_workers(within_seconds=0.1) == ["busy"]
    state.heartbeat("quiet")
    assert state.live_workers(within_seconds=0.1) == ["busy", "quiet"]
    assert state.about("busy") == ABOUT


def test_a_worker_that_leaves_is_forgotten(redis_client: redis.Redis) -> None:
    state = RunState(redis_client, KEYS)
    state.register("w1", ABOUT)
    state.leave("w1")
    assert state.live_workers(within_seconds=60) == []
    assert state.about("w1") is None
