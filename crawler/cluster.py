"""The Scrapy side of a crawl spread over several machines (README, "A distributed crawl").

With ARCHIVE_REDIS_URL set, every process of the run (the coordinator, which holds the
archive, and each worker, `-a role=worker`) has one `Cluster`, made by `cluster_for(crawler)`:

- it leases article requests from the shared frontier (distributed/frontier.py), at most
  CONCURRENT_REQUESTS at a time, and hands them to its own Scrapy engine; its heartbeat renews
  the leases it holds, so that only the leases of a process that died run out;
- the spider tags each item a leased request gives (an article, a failure, a 304) with its
  lease; the ship stage (pipelines/ship.py) pushes the item, with the WARC records made of
  its responses, onto the results queue, and only then acknowledges the lease;
- on the coordinator, it pushes the spider's article requests into the frontier, drains the
  results queue into the store stage (the archive's only writer) and acknowledges each result
  once its transaction has committed; it puts expired leases back (or gives them up, as
  failures rows, after ARCHIVE_LEASE_ATTEMPTS), and ends the run once discovery is done, the
  frontier is empty and every result is committed: then it clears the frontier for the next
  run and raises the run-over flag;
- a worker ends (reason `finished`, exit status 0) when it sees that flag, or after
  ARCHIVE_WORKER_IDLE_SECONDS without a lease.

`SharedBudget` is the downloader middleware that holds each domain's politeness (its
CONCURRENT_REQUESTS_PER_DOMAIN and DOWNLOAD_DELAY) across all the processes of the run.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from time import monotonic, perf_counter, thread_time
from typing import TYPE_CHECKING, Any, Protocol, Self
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

import redis
from redis.exceptions import RedisError
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from archive.writes import utc_now
from crawler.items import Article, PageFailure, PageNotModified
from crawler.middlewares import request_refused
from distributed.budget import BudgetLimits, DomainBudget, wait_for_slot
from distributed.connection import RunKeys, open_redis, redacted
from distributed.frontier import ExpiryOutcome, Frontier, RequestNotReadable
from distributed.results import ResultNotReadable, ResultQueue, ShippedCapture, Taken
from distributed.run_state import RunState, WorkerAbout

if TYPE_CHECKING:
    from pipelines.store import StoreStage

logger = logging.getLogger(__name__)

# Set by the crawl command from `-a role=...`.
ROLE_SETTING = "MORGUE_ROLE"
# How often a process looks for requests to lease (and the coordinator for results).
TICK_SECONDS = 0.1
# How often a worker asks whether the run is over, and the coordinator puts expired leases
# back.
POLL_SECONDS = 0.5
# Results the coordinator stores per tick at most, so that downloads go on meanwhile.
DRAIN_PER_TICK = 500
# Article requests the coordinator keeps queued in the frontier ahead of the workers, per
# download slot of one process; the rest wait in the spider, as in a crawl on one machine.
FRONTIER_AHEAD_PER_DOWNLOAD = 16
# A budget slot outlives the longest download by this much before it counts as abandoned.
SLOT_MARGIN_SECONDS = 30.0


class Role(StrEnum):
    COORDINATOR = "coordinator"
    WORKER = "worker"


class ClusterSettingError(ValueError):
    """A distributed-crawl setting or argument Morgue cannot use; the message says the fix."""


def role_of(value: str | None) -> Role:
    """`-a role=` read: coordinator (also when not given) or worker."""
    try:
        return Role(value or Role.COORDINATOR)
    except ValueError:
        raise ClusterSettingError(
            f"-a role={value} is not a role: use -a role=worker for a worker; the coordinator "
            "(the crawl that holds the archive) takes no role argument"
        ) from None


def check_cluster_settings(settings: BaseSettings) -> None:
    """The distributed crawl's numeric settings, read once before the crawl starts."""
    checks = (
        ("ARCHIVE_LEASE_SECONDS", settings.getfloat, 0.0, "a number of seconds over 0"),
        ("ARCHIVE_LEASE_ATTEMPTS", settings.getint, 1, "a whole number of 1 or more"),
        ("ARCHIVE_WORKER_IDLE_SECONDS", settings.getfloat, 0.0, "a number of seconds over 0"),
    )
    for name, read, least, wanted in checks:
        try:
            value = read(name)
        except ValueError:
            value = None
        if value is None or value < least or (least == 0.0 and value == 0):
            raise ClusterSettingError(
                f"the setting {name} must be {wanted}, not {settings.get(name)!r} (README, "
                "'Settings')"
            )
    RunKeys.under(settings.get("ARCHIVE_REDIS_PREFIX"))


class Shipped(DropItem):
    """Not an error: the item went to the results queue, for the coordinator to store."""

    shipped = True

    def __init__(self, item: Any) -> None:
        super().__init__(f"shipped to the coordinator: {item}", log_level="DEBUG")


@dataclass
class LeaseTag:
    """What an item from a leased request carries to the results queue besides itself."""

    lease_id: str
    captures: list[ShippedCapture] = field(default_factory=list)
    fetched: bool = False


class HandsOverArticles(Protocol):
    """What the cluster needs of the coordinator's spider."""

    waiting: dict[str, Any]

    def hand_over(self) -> Iterable[Request]: ...


class Cluster:
    """One process's part in a distributed crawl (the module's docstring)."""

    def __init__(self, crawler: Crawler, client: redis.Redis, keys: RunKeys, role: Role) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.client = client
        self.keys = keys
        self.role = role
        # Unique in the run even for containers that share a host name and a pid; the role
        # last (Frontier.expire_holders picks an earlier coordinator's leases by it).
        self.name = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}:{role}"
        self.results = ResultQueue(client, keys)
        self.run = RunState(client, keys)
        self.frontier: Frontier | None = None
        self.lease_seconds = settings.getfloat("ARCHIVE_LEASE_SECONDS")
        self.max_attempts = settings.getint("ARCHIVE_LEASE_ATTEMPTS")
        self.idle_seconds = settings.getfloat("ARCHIVE_WORKER_IDLE_SECONDS")
        self.capacity = max(1, settings.getint("CONCURRENT_REQUESTS"))
        self.frontier_ahead = FRONTIER_AHEAD_PER_DOWNLOAD * self.capacity
        # Leases held here and not yet acknowledged.
        self.in_flight: set[str] = set()
        # The lease of each item a leased request gave, by the item's id while it is in
        # the pipelines.
        self.tags: dict[int, LeaseTag] = {}
        # The coordinator's store stage, and the results it stored but has not committed.
        self.store: StoreStage | None = None
        self.uncommitted: list[Taken] = []
        self.loop: task.LoopingCall | None = None
        self.beat: task.LoopingCall | None = None
        self.last_busy = monotonic()
        self.last_poll = 0.0
        self.saw_run = False
        self.closing = False
        # Since when the server has not answered (None while it does).
        self.failing_since: float | None = None

    @property
    def coordinator(self) -> bool:
        return self.role is Role.COORDINATOR

    # Start and end

    def spider_opened(self, spider: Spider) -> None:
        self.frontier = Frontier(
            self.client, spider, self.keys, fingerprinter=self.crawler.request_fingerprinter
        )
        if self.coordinator:
            self.begin_run()
        else:
            about = WorkerAbout(host=socket.gethostname(), pid=os.getpid(), started=utc_now())
            self.run.register(self.name, about)
            self.saw_run = self.run.over() is None
            logger.info("Worker %s joined the run on %s", self.name, redacted(self.client_url()))
        self.last_busy = monotonic()
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(TICK_SECONDS, now=False).addErrback(self.loop_failed)
        self.beat = task.LoopingCall(self.heartbeat)
        self.beat.start(self.lease_seconds / 3, now=False).addErrback(self.loop_failed)

    def begin_run(self) -> None:
        """A coordinator starts: it goes on with what a killed coordinator left (results it
        had taken go back to be stored; the frontier and its leases stay), or begins anew."""
        assert self.frontier is not None
        if self.run.over() is None:
            recovered = self.results.recover()
            # One coordinator per run: an earlier one's leases are a dead process's.
            ended = self.frontier.expire_holders(f":{Role.COORDINATOR}", own=self.name)
            counts = self.frontier.counts()
            self.stat("cluster/results_recovered", recovered)
            self.stat("cluster/leases_of_earlier_coordinator", ended)
            if recovered or counts.queued or counts.leased:
                logger.info(
                    "Going on with the run an earlier coordinator left: %d requests queued, "
                    "%d leased (%d of them by that coordinator: queued again), %d results "
                    "taken back to be stored",
                    counts.queued,
                    counts.leased,
                    ended,
                    recovered,
                )
        self.run.begin()
        self.stat("cluster/workers_live_at_start", len(self.run.live_workers(30)))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.closing = True
        for loop in (self.loop, self.beat):
            if loop is not None and loop.running:
                loop.stop()
        if not self.coordinator:
            try:
                self.run.leave(self.name)
            except RedisError as error:
                logger.warning("Could not say goodbye to the run: %s", error)

    def engine_stopped(self) -> None:
        self.client.close()

    def loop_failed(self, failure: Any) -> None:
        logger.error("The distributed crawl's loop stopped: %s", failure.getTraceback())
        self.stop("cluster_error")

    def stop(self, reason: str) -> None:
        if self.closing:
            return
        self.closing = True
        engine = self.crawler.engine
        assert engine is not None
        deferred_from_coro(engine.close_spider_async(reason=reason))

    def client_url(self) -> str:
        return str(self.crawler.settings.get("ARCHIVE_REDIS_URL"))

    # The loop

    def tick(self) -> None:
        if self.closing:
            return
        try:
            self.feed()
            if self.coordinator:
                self.hand_over()
                self.drain()
                if monotonic() - self.last_poll >= POLL_SECONDS:
                    self.last_poll = monotonic()
                    self.release_expired()
                self.end_if_done()
            elif monotonic() - self.last_poll >= POLL_SECONDS:
                self.last_poll = monotonic()
                self.end_if_over()
        except RedisError as error:
            self.server_trouble(error)
        else:
            if self.failing_since is not None:
                logger.info("The Redis server answers again")
                self.failing_since = None

    def server_trouble(self, error: RedisError) -> None:
        """The server did not answer: say so once, and try again on the next tick; after
        ARCHIVE_WORKER_IDLE_SECONDS without an answer, give up (reason redis_unavailable)."""
        self.stat("cluster/redis_errors")
        now = monotonic()
        if self.failing_since is None:
            self.failing_since = now
            logger.error(
                "The Redis server at %s did not answer (%s); trying again for %g s "
                "(ARCHIVE_WORKER_IDLE_SECONDS)",
                redacted(self.client_url()),
                error,
                self.idle_seconds,
            )
        elif now - self.failing_since >= self.idle_seconds:
            logger.error(
                "The Redis server at %s has not answered for %g s: stopping",
                redacted(self.client_url()),
                now - self.failing_since,
            )
            self.stop("redis_unavailable")

    def heartbeat(self) -> None:
        if self.closing or self.frontier is None:
            return
        try:
            lost = self.frontier.renew(self.name, self.in_flight, seconds=self.lease_seconds)
            for lease_id in lost:
                logger.warning("Lease %s ran out before its page was done", lease_id)
                self.in_flight.discard(lease_id)
                self.stat("cluster/leases_lost")
            if not self.coordinator:
                self.run.heartbeat(self.name)
        except RedisError as error:
            self.server_trouble(error)

    def feed(self) -> None:
        """Lease requests from the frontier while fewer than CONCURRENT_REQUESTS are here."""
        room = self.capacity - len(self.in_flight)
        if room <= 0 or self.frontier is None:
            return
        try:
            leases = self.frontier.lease(self.name, seconds=self.lease_seconds, count=room)
        except RequestNotReadable as error:
            # Its lease runs out, and after ARCHIVE_LEASE_ATTEMPTS it is a failures row.
            logger.error("A request in the frontier cannot be read here: %s", error)
            self.stat("cluster/requests_not_readable")
            return
        engine = self.crawler.engine
        assert engine is not None
        for lease in leases:
            request = lease.request.replace(dont_filter=True)
            request.meta["lease_id"] = lease.id
            self.in_flight.add(lease.id)
            self.stat("cluster/leased")
            if lease.attempts > 1:
                self.stat("cluster/leased_again")
            engine.crawl(request)
        if leases:
            self.last_busy = monotonic()
            self.saw_run = True

    # Items from leased requests

    def tag(self, item: Any, request: Request | None, *, fetched: bool) -> None:
        """Mark an item a leased request gave (called by the spider)."""
        if request is None or "lease_id" not in request.meta:
            return
        captures = list(request.meta.get("shipped_captures", ()))
        self.tags[id(item)] = LeaseTag(request.meta["lease_id"], captures, fetched)

    def untag(self, item: Any) -> LeaseTag | None:
        return self.tags.pop(id(item), None)

    def ship(self, item: Article | PageFailure | PageNotModified, tag: LeaseTag) -> None:
        """Push the item onto the results queue, then acknowledge its lease."""
        if isinstance(item, Article):
            item.html = ""  # the WARC record holds the page
        size = self.results.push(item, tag.captures, fetched=tag.fetched)
        self.stat(f"cluster/shipped/{type(item).__name__.lower()}")
        self.stat("cluster/shipped_bytes", size)
        self.done(tag.lease_id)

    def done(self, lease_id: str) -> None:
        """The lease's result is on the results queue (or there is none to send)."""
        assert self.frontier is not None
        self.frontier.acknowledge([lease_id])
        self.in_flight.discard(lease_id)
        self.last_busy = monotonic()

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        """An article a later stage rejected: its failure is the lease's result."""
        if isinstance(exception, Shipped):
            return
        tag = self.untag(item)
        if tag is None or not isinstance(item, Article):
            return
        stage = getattr(exception, "stage", "pipeline")
        lasting = getattr(exception, "lasting", False)
        failure = PageFailure(item.url, item.site, stage, str(exception), lasting=lasting)
        self.ship(failure, tag)

    def item_error(self, item: Any, failure: Any) -> None:
        tag = self.untag(item)
        if tag is None or not isinstance(item, Article):
            return
        error = failure.value
        reason = f"internal error: {type(error).__name__}: {error}"
        self.ship(PageFailure(item.url, item.site, "pipeline", reason), tag)

    def request_refused(self, failure: PageFailure, request: Request) -> None:
        """A worker's refused request that was not leased (robots.txt, say): a result of its
        own. A leased request's refusal is its result: the spider's errback ships it."""
        if not self.coordinator and "lease_id" not in request.meta:
            self.results.push(failure)
            self.stat("cluster/shipped/pagefailure")

    # The coordinator's side

    def frontier_room(self) -> int:
        """How many more article requests the coordinator may push now."""
        assert self.frontier is not None
        return max(0, self.frontier_ahead - len(self.frontier))

    def push(self, requests: Iterable[Request]) -> None:
        assert self.frontier is not None
        batch = list(requests)
        if batch:
            outcomes = self.frontier.push_many(batch)
            self.stat("cluster/pushed", len(batch))
            self.stat("cluster/pushed_duplicates", sum(o.value == "duplicate" for o in outcomes))

    def hand_over(self) -> None:
        spider: HandsOverArticles | None = self.crawler.spider  # type: ignore[assignment]
        if spider is not None and spider.waiting:
            for _ in spider.hand_over():
                pass  # the spider pushes them into the frontier

    def drain(self) -> None:
        """Store the results waiting on the queue; each is acknowledged once committed."""
        store = self.store
        if store is None or store.unwritable is not None:
            return
        started, started_cpu = perf_counter(), thread_time()
        try:
            for _ in range(DRAIN_PER_TICK):
                try:
                    taken = self.results.take(0)
                except ResultNotReadable as error:
                    logger.error("A result could not be read, and is kept aside: %s", error)
                    self.stat("cluster/results_not_readable")
                    continue
                if taken is None:
                    return
                self.uncommitted.append(taken)
                store.store_shipment(taken)
                self.stat("cluster/stored")
        finally:
            # The store's share of the coordinator's time (commits are added by the store):
            # how many articles a second one archive can take (make bench-distributed).
            self.store_seconds(perf_counter() - started, thread_time() - started_cpu)

    def store_seconds(self, seconds: float, cpu_seconds: float) -> None:
        """Add to the time (and the CPU time of this thread) spent storing results."""
        stats = self.crawler.stats
        if stats is not None:
            for key, value in (
                ("cluster/store_seconds", seconds),
                ("cluster/store_cpu_seconds", cpu_seconds),
            ):
                stats.set_value(key, round(stats.get_value(key, 0.0) + value, 6))

    def committed(self) -> None:
        """The store committed: its results are off the processing list (called by it)."""
        if self.uncommitted:
            taken, self.uncommitted = self.uncommitted, []
            try:
                self.results.acknowledge(taken)
            except RedisError as error:
                # Taken back and stored again by the next coordinator: the upsert is idempotent.
                self.server_trouble(error)

    def release_expired(self) -> None:
        """Leases past their deadline: back to the queue, or given up as failures rows."""
        assert self.frontier is not None
        for expired in self.frontier.release_expired(max_attempts=self.max_attempts):
            request = expired.request
            if expired.outcome is ExpiryOutcome.REQUEUED:
                self.stat("cluster/leases_expired")
                logger.info("Lease of %s ran out: queued again", request.url)
                continue
            self.stat("cluster/leases_given_up")
            reason = (
                f"given up after {expired.attempts} leases ran out (the limit is the "
                "ARCHIVE_LEASE_ATTEMPTS setting): each process that took the page stopped "
                "answering before it was done"
            )
            failure = PageFailure(
                request.meta.get("lead_url", request.url),
                request.meta.get("site"),
                "fetch",
                reason,
            )
            if self.store is not None:
                self.store.process_item(failure)

    def end_if_done(self) -> None:
        """The run is over once discovery is done, no request is queued or leased and every
        result is committed."""
        assert self.frontier is not None
        engine = self.crawler.engine
        spider: HandsOverArticles | None = self.crawler.spider  # type: ignore[assignment]
        if engine is None or spider is None or spider.waiting or self.in_flight:
            return
        if not engine.spider_is_idle():
            return
        counts = self.frontier.counts()
        if counts.queued or counts.leased:
            return
        results = self.results.counts()
        if results.waiting:
            return
        if results.processing or self.uncommitted:
            if self.store is not None:
                self.store.flush()
            return
        self.frontier.clear()
        self.run.finish("finished")
        logger.info("The run is over: every article found was fetched and stored")
        self.stop("finished")

    # The worker's side

    def end_if_over(self) -> None:
        reason = self.run.over()
        if reason is None:
            self.saw_run = True
        elif self.saw_run and not self.in_flight:
            logger.info("The coordinator says the run is over (%s): leaving", reason)
            self.stat("cluster/exit/run_over")
            self.stop("finished")
            return
        if not self.in_flight and monotonic() - self.last_busy >= self.idle_seconds:
            logger.info(
                "Nothing to do for %g s (ARCHIVE_WORKER_IDLE_SECONDS): leaving", self.idle_seconds
            )
            self.stat("cluster/exit/idle")
            self.stop("finished")

    def stat(self, key: str, by: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, by)


_clusters: WeakKeyDictionary[Crawler, Cluster | None] = WeakKeyDictionary()


def cluster_for(crawler: Crawler) -> Cluster | None:
    """The process's part in a distributed crawl; None when ARCHIVE_REDIS_URL is empty."""
    if crawler not in _clusters:
        settings = crawler.settings
        url = settings.get("ARCHIVE_REDIS_URL")
        cluster = None
        if url:
            role = role_of(settings.get(ROLE_SETTING))
            client = open_redis(url, client_name=f"morgue-{role}-{os.getpid()}")
            keys = RunKeys.under(settings.get("ARCHIVE_REDIS_PREFIX"))
            cluster = Cluster(crawler, client, keys, role)
            connect = crawler.signals.connect
            connect(cluster.spider_opened, signal=signals.spider_opened)
            connect(cluster.spider_closed, signal=signals.spider_closed)
            connect(cluster.engine_stopped, signal=signals.engine_stopped)
            connect(cluster.item_dropped, signal=signals.item_dropped)
            connect(cluster.item_error, signal=signals.item_error)
            connect(cluster.request_refused, signal=request_refused)
        _clusters[crawler] = cluster
    return _clusters[crawler]


class SharedBudget:
    """Downloader middleware: each domain's politeness held across every process of a
    distributed crawl. A request waits for one of the domain's CONCURRENT_REQUESTS_PER_DOMAIN
    slots, its start at least DOWNLOAD_DELAY after the domain's last one (whoever sent it),
    and gives the slot back when its response or error comes."""

    def __init__(self, budget: DomainBudget, holder: str) -> None:
        self.budget = budget
        self.holder = holder
        self.waiting = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        cluster = cluster_for(crawler)
        if cluster is None:
            raise NotConfigured("ARCHIVE_REDIS_URL is empty: politeness is this process's own")
        settings = crawler.settings
        limits = BudgetLimits(
            concurrent=max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")),
            delay=max(0.0, settings.getfloat("DOWNLOAD_DELAY")),
            slot_seconds=settings.getfloat("DOWNLOAD_TIMEOUT") + SLOT_MARGIN_SECONDS,
        )
        return cls(DomainBudget(cluster.client, cluster.keys, limits), cluster.name)

    def slot_holder(self, request: Request) -> str:
        return f"{self.holder}:{id(request)}"

    async def process_request(self, request: Request) -> None:
        domain = urlsplit(request.url).hostname or ""
        request.meta["budget_domain"] = domain
        await wait_for_slot(self.budget, domain, self.slot_holder(request))

    def process_response(self, request: Request, response: Response) -> Response:
        self.release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.release(request)

    def release(self, request: Request) -> None:
        domain = request.meta.pop("budget_domain", None)
        if domain is not None:
            try:
                self.budget.release(domain, self.slot_holder(request))
            except RedisError as error:
                # The slot's deadline frees it anyway.
                logger.warning("Could not give back %s's budget slot: %s", domain, error)
