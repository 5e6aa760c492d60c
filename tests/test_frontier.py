"""The shared frontier, on a real Valkey server: requests as JSON, duplicates, leases."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import pytest
import redis
from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.utils.request import request_from_dict
from twisted.python.failure import Failure

from captures.writing import CaptureKind
from distributed.connection import RunKeys, open_redis
from distributed.frontier import (
    ExpiryOutcome,
    Frontier,
    FrontierCounts,
    PushOutcome,
    RequestJson,
    RequestNotReadable,
    RequestNotSerialisable,
)
from tests import redis_server
from tests.conftest import CRAWL_ENV, REPO

# The fixtures that start the server and empty it: named here, pytest serves them here too.
valkey = redis_server.valkey
redis_client = redis_server.redis_client

KEYS = RunKeys.under("test:")


class ProbeSpider(Spider):
    name = "probe"

    def parse_article(self, response: Response) -> None:
        pass

    def article_failed(self, failure: Failure) -> None:
        pass


SPIDER = ProbeSpider()


def article(number: int, **kwargs: Any) -> Request:
    return Request(
        f"http://127.0.0.1:8000/news/{number}.html",
        SPIDER.parse_article,
        errback=SPIDER.article_failed,
        meta={"site": "courier", "lead_url": f"http://127.0.0.1:8000/news/{number}.html"},
        **kwargs,
    )


def frontier_of(client: redis.Redis) -> Frontier:
    return Frontier(client, SPIDER, KEYS)


def through_json(request: Request) -> Request:
    text = RequestJson.dumps(request.to_dict(spider=SPIDER))
    return request_from_dict(RequestJson.loads(text), spider=SPIDER)


# Requests as JSON


def test_a_request_comes_back_from_json_as_it_went() -> None:
    request = Request(
        "http://127.0.0.1:8000/news/1.html?b=2&a=1",
        SPIDER.parse_article,
        errback=SPIDER.article_failed,
        method="POST",
        headers={"If-None-Match": '"abc"', "X-Latin": b"caf\xe9"},
        body=b"\x00\xff binary",
        cookies={"session": "x"},
        meta={
            "site": "courier",
            "capture_kind": CaptureKind.ARTICLE,
            "handle_httpstatus_list": [304],
            "nested": {"depth": 2, "ratio": 0.25, "gone": None, "ok": True},
        },
        cb_kwargs={"page": 3},
        priority=1,
        dont_filter=True,
        flags=["lead"],
    )
    back = through_json(request)
    assert back.to_dict(spider=SPIDER) == request.to_dict(spider=SPIDER)
    assert back.callback == SPIDER.parse_article
    assert back.errback == SPIDER.article_failed
    assert back.meta["capture_kind"] is CaptureKind.ARTICLE
    assert back.headers[b"X-Latin"] == b"caf\xe9"
    assert back.body == b"\x00\xff binary"


@pytest.mark.parametrize(
    ("meta", "named"),
    [
        ({"pair": (1, 2)}, "meta['pair'] is a tuple"),
        ({"raw": b"bytes"}, "meta['raw'] is a bytes"),
        ({"nested": {1: "x"}}, "meta['nested'] has the key 1, a int"),
        ({"when": float("nan")}, "meta['when'] is nan"),
        ({"deep": [{"thing": object()}]}, "meta['deep'][0]['thing'] is a object"),
    ],
)
def test_meta_that_json_would_change_is_refused_naming_the_key(
    meta: dict[str, Any], named: str
) -> None:
    request = article(1)
    request.meta.update(meta)
    with pytest.raises(RequestNotSerialisable) as refused:
        RequestJson.dumps(request.to_dict(spider=SPIDER))
    assert named in str(refused.value)
    assert "use a" in str(refused.value)  # and what to do


def test_an_enum_this_process_does_not_know_is_not_readable() -> None:
    text = RequestJson.dumps(article(1).to_dict(spider=SPIDER)).replace(
        '"site":"courier"', '"site":{"__enum__":"captures.writing.NoSuchKind","value":"x"}'
    )
    with pytest.raises(RequestNotReadable, match="same version of Morgue"):
        RequestJson.loads(text)


def test_a_callback_that_is_not_a_spider_method_is_refused(redis_client: redis.Redis) -> None:
    def not_a_method(response: Response) -> None:
        pass

    request = Request("http://127.0.0.1:8000/a.html", callback=not_a_method)
    with pytest.raises(RequestNotSerialisable, match="only name a method of the spider"):
        frontier_of(redis_client).push(request)


def test_a_request_naming_a_method_this_spider_lacks_is_not_readable(
    redis_client: redis.Redis,
) -> None:
    class OtherSpider(Spider):
        name = "probe"

    frontier_of(redis_client).push(article(1))
    with pytest.raises(RequestNotReadable, match="same version of Morgue"):
        Frontier(redis_client, OtherSpider(), KEYS).lease("w1", seconds=5)


# Pushing


def test_a_request_pushed_twice_is_queued_once(redis_client: redis.Redis) -> None:
    frontier = frontier_of(redis_client)
    assert frontier.push(article(1)) is PushOutcome.QUEUED
    assert frontier.push(article(1)) is PushOutcome.DUPLICATE
    # Scrapy's fingerprint: the same page however its query is ordered.
    reordered = Request("http://127.0.0.1:8000/news/1.html?b=2&a=1", SPIDER.parse_article)
    assert frontier.push(reordered) is PushOutcome.QUEUED
    same = Request("http://127.0.0.1:8000/news/1.html?a=1&b=2", SPIDER.parse_article)
    assert frontier.push(same) is PushOutcome.DUPLICATE
    assert frontier.counts() == FrontierCounts(queued=2, leased=0)


def test_a_request_with_dont_filter_is_queued_every_time(redis_client: redis.Redis) -> None:
    frontier = frontier_of(redis_client)
    outcomes = frontier.push_many([article(1, dont_filter=True)] * 3)
    assert outcomes == [PushOutcome.QUEUED] * 3
    assert len(frontier) == 3


def test_requests_are_leased_in_the_order_they_were_pushed(redis_client: redis.Redis) -> None:
    frontier = frontier_of(redis_client)
    frontier.push_many(article(number) for number in range(5))
    leased = frontier.lease("w1", seconds=5, count=10)
    assert [lease.request.url for lease in leased] == [article(n).url for n in range(5)]
    assert [lease.attempts for lease in leased] == [1] * 5
    assert leased[0].request.callback == SPIDER.parse_article
    assert frontier.counts() == FrontierCounts(queued=0, leased=5)
    assert frontier.lease("w1", seconds=5) == []


# Leases


def test_two_clients_leasing_at_once_never_get_the_same_request(
    valkey: redis_server.RunningValkey, redis_client: redis.Redis
) -> None:
    frontier_of(redis_client).push_many(article(number) for number in range(300))
    got: dict[str, list[str]] = {"a": [], "b": []}

    def lease_all(holder: str) -> None:
        client = open_redis(valkey.url)
        frontier = frontier_of(client)
        while leased := frontier.lease(holder, seconds=30, count=3):
            got[holder].extend(lease.request.url for lease in leased)
        client.close()

    threads = [threading.Thread(target=lease_all, args=(name,)) for name in got]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert got["a"], "both clients should have leased some"
    assert got["b"], "both clients should have leased some"
    assert not set(got["a"]) & set(got["b"])
    assert sorted(got["a"] + got["b"]) == sorted(article(n).url for n in range(300))


def test_a_lease_not_renewed_comes_back_after_its_deadline(redis_client: redis.Redis) -> None:
    frontier = frontier_of(redis_client)
    frontier.push_many([article(1), article(2)])
    (first,) = frontier.lease("w1", seconds=0.1)
    assert frontier.release_expired(max_attempts=3) == []
    time.sleep(0.15)
    (released,) = frontier.release_expired(max_attempts=3)
    assert (released.id, released.outcome, released.attempts) == (
        first.id,
        ExpiryOutcome.REQUEUED,
        1,
    )
    # Back at the front, ahead of the request that never left the queue.
    again = frontier.lease("w2", seconds=5)
    assert [(lease.id, lease.request.url, lease.attempts) for lease in again] == [
        (first.id, article(1).url, 2)
    ]
    assert frontier.renew("w1", [first.id], seconds=5) == [first.id]


def test_a_renewed_lease_outlives_its_first_deadline(redis_client: redis.Redis) -> None:
    frontier = frontier_of(redis_client)
    frontier.push(article(1))
    (lease,) = frontier.lease("w1", seconds=0.2)
    time.sleep(0.1)
    assert frontier.renew("w1", [lease.id], seconds=5) == []
    # Only its holder renews it.
    assert frontier.renew("w2", [lease.id], seconds=5) == [lease.id]
    time.sleep(0.2)
    assert frontier.release_expired(max_attempts=3) == []
    assert frontier.counts() == FrontierCounts(queued=0, leased=1)


def test_a_dead_coordinators_leases_end_at_once_and_no_one_elses(
    redis_client: redis.Redis,
) -> None:
    frontier = frontier_of(redis_client)
    frontier.push_many([article(1), article(2), article(3)])
    (dead,) = frontier.lease("host:1:coordinator", seconds=60)
    (worker,) = frontier.lease("host:2:worker", seconds=60)
    (own,) = frontier.lease("host:3:coordinator", seconds=60)
    assert frontier.expire_holders(":coordinator", own="host:3:coordinator") == 1
    (released,) = frontier.release_expired(max_attempts=3)
    assert (released.id, released.outcome) == (dead.id, ExpiryOutcome.REQUEUED)
    assert frontier.counts() == FrontierCounts(queued=1, leased=2)
    assert frontier.renew("host:2:worker", [worker.id], seconds=5) == []
    assert frontier.renew("host:3:coordinator", [own.id], seconds=5) == []


def test_acknowledged_requests_never_come_back(redis_client: redis.Redis) -> None:
    frontier = frontier_of(redis_client)
    frontier.push_many([article(1), article(2)])
    leased = frontier.lease("w1", seconds=0.1, count=2)
    assert frontier.acknowledge(lease.id for lease in leased) == 2
    time.sleep(0.15)
    assert frontier.release_expired(max_attempts=3) == []
    assert frontier.lease("w1", seconds=5) == []
    assert frontier.push(article(1)) is PushOutcome.DUPLICATE
    assert frontier.counts() == FrontierCounts(queued=0, leased=0)
    assert redis_client.hlen(KEYS.frontier_requests) == 0


def test_a_request_acknowledged_while_requeued_is_not_leased_again(
    redis_client: redis.Redis,
) -> None:
    # A slow worker finishes a request after its lease expired and it went back to the queue.
    frontier = frontier_of(redis_client)
    frontier.push(article(1))
    (lease,) = frontier.lease("slow", seconds=0.05)
    time.sleep(0.1)
    frontier.release_expired(max_attempts=3)
    assert frontier.acknowledge([lease.id]) == 0
    assert frontier.lease("w2", seconds=5) == []


def test_a_request_leased_max_attempts_times_is_given_up(redis_client: redis.Redis) -> None:
    frontier = frontier_of(redis_client)
    frontier.push(article(7))
    outcomes = []
    for _ in range(2):
        assert len(frontier.lease("w1", seconds=0.05)) == 1
        time.sleep(0.08)
        (released,) = frontier.release_expired(max_attempts=2)
        outcomes.append((released.outcome, released.attempts))
    assert outcomes == [(ExpiryOutcome.REQUEUED, 1), (ExpiryOutcome.GIVEN_UP, 2)]
    assert released.request.url == article(7).url
    assert released.request.meta["site"] == "courier"
    assert frontier.counts() == FrontierCounts(queued=0, leased=0)
    assert frontier.lease("w1", seconds=5) == []
    assert frontier.push(article(7)) is PushOutcome.DUPLICATE


def test_release_expired_goes_through_more_than_one_batch(redis_client: redis.Redis) -> None:
    frontier = frontier_of(redis_client)
    frontier.push_many(article(number) for number in range(7))
    frontier.lease("w1", seconds=0.05, count=7)
    time.sleep(0.08)
    released = frontier.release_expired(max_attempts=3, batch=3)
    assert len(released) == 7
    assert frontier.counts() == FrontierCounts(queued=7, leased=0)


def test_a_worker_killed_with_sigkill_loses_nothing(
    valkey: redis_server.RunningValkey, redis_client: redis.Redis
) -> None:
    frontier = frontier_of(redis_client)
    frontier.push_many(article(number) for number in range(5))
    worker = textwrap.dedent(
        f"""
        import sys, time
        from tests.test_frontier import KEYS, SPIDER
        from distributed.connection import open_redis
        from distributed.frontier import Frontier
        frontier = Frontier(open_redis({valkey.url!r}), SPIDER, KEYS)
        leased = frontier.lease("doomed", seconds=0.3, count=3)
        print(" ".join(lease.request.url for lease in leased), flush=True)
        time.sleep(60)
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", worker], cwd=REPO, env=CRAWL_ENV, stdout=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            held = process.stdout.readline().split()
        finally:
            process.kill()
    assert held == [article(n).url for n in range(3)]
    assert frontier.counts() == FrontierCounts(queued=2, leased=3)
    time.sleep(0.35)
    released = frontier.release_expired(max_attempts=3)
    assert sorted(lease.request.url for lease in released) == sorted(held)
    everything = frontier.lease("survivor", seconds=5, count=10)
    assert sorted(lease.request.url for lease in everything) == sorted(
        article(n).url for n in range(5)
    )
