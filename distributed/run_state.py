"""The run as a whole: the coordinator's "it is over", and the workers that take part.

A worker registers with a few words about itself and then beats (a heartbeat every few
seconds, on the server's clock); the coordinator counts as live the workers that beat
recently. When the coordinator closes it writes its close reason under `run_over`, which
every worker polls to know it can exit; a new coordinator clears it as it begins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import redis

from distributed.connection import LUA_NOW, RunKeys

# KEYS: workers. ARGV: worker name. Records the heartbeat at the server's time.
BEAT = (
    LUA_NOW
    + """
redis.call('ZADD', KEYS[1], now, ARGV[1])
return now
"""
)

# KEYS: workers. ARGV: within ms. The workers that beat within that long, oldest beat first.
LIVE = (
    LUA_NOW
    + """
return redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[1]), '+inf')
"""
)


@dataclass(frozen=True)
class WorkerAbout:
    """What a worker says about itself when it registers, for the coordinator's log."""

    host: str
    pid: int
    started: str


class RunState:
    def __init__(self, client: redis.Redis, keys: RunKeys) -> None:
        self.client = client
        self.keys = keys
        self.beat_script = client.register_script(BEAT)
        self.live_script = client.register_script(LIVE)

    # The coordinator's side.

    def begin(self) -> None:
        """A new run: whatever an earlier run said about being over no longer holds."""
        self.client.delete(self.keys.run_over)

    def finish(self, reason: str) -> None:
        """The run is over (`reason`: the coordinator's close reason): workers may exit."""
        self.client.set(self.keys.run_over, reason)

    def live_workers(self, within_seconds: float) -> list[str]:
        """The workers whose last heartbeat is at most `within_seconds` old."""
        found = self.live_script([self.keys.workers], [round(within_seconds * 1000)])
        return [str(name) for name in found]

    def about(self, worker: str) -> WorkerAbout | None:
        """What the worker said about itself, if it registered."""
        text = self.client.hget(self.keys.workers_about, worker)
        if text is None:
            return None
        return WorkerAbout(**json.loads(str(text)))

    # The worker's side.

    def over(self) -> str | None:
        """The coordinator's close reason once the run is over; None while it goes on."""
        reason = self.client.get(self.keys.run_over)
        return None if reason is None else str(reason)

    def register(self, worker: str, about: WorkerAbout) -> None:
        """The worker joins the run (and counts as live from now)."""
        fields = {"host": about.host, "pid": about.pid, "started": about.started}
        self.client.hset(self.keys.workers_about, worker, json.dumps(fields))
        self.heartbeat(worker)

    def heartbeat(self, worker: str) -> None:
        self.beat_script([self.keys.workers], [worker])

    def leave(self, worker: str) -> None:
        """The worker is done: no longer counted, even as recently live."""
        pipeline = self.client.pipeline(transaction=True)
        pipeline.zrem(self.keys.workers, worker)
        pipeline.hdel(self.keys.workers_about, worker)
        pipeline.execute()
