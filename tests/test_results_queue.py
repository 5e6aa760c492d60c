"""The reliable result queue, on a real Valkey server: results as JSON, taken, acknowledged,
recovered after a coordinator's restart."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
import redis

from crawler.items import Article, DateCandidate, PageFailure, PageNotModified
from distributed.connection import RunKeys, open_redis
from distributed.results import (
    ResultCounts,
    ResultNotReadable,
    ResultQueue,
    ShippedCapture,
    Taken,
    result_from_json,
    result_to_json,
)
from tests import redis_server

# The fixtures that start the server and empty it: named here, pytest serves them here too.
valkey = redis_server.valkey
redis_client = redis_server.redis_client

KEYS = RunKeys.under("test:")

ARTICLE = Article(
    url="http://127.0.0.1:8000/news/2024/01/12/bakery.html",
    site="riverside_courier",
    html="<html><body><h1>Bakery «reopens»</h1>\u00a0☕</body></html>",
    fetched_at="2024-01-13T08:00:00+00:00",
    site_language="en",
    site_timezone="Europe/London",
    hint_title="Bakery reopens",
    hint_dates=[DateCandidate(raw="Fri, 12 Jan 2024 09:30:00 +0000", source="feed")],
    hint_authors=["Ana de la Cruz"],
    etag='"v1"',
    last_modified="Fri, 12 Jan 2024 10:00:00 GMT",
    capture_id="<urn:uuid:1234>",
    title="Bakery «reopens»",
    text="The bakery on Mill Street reopened.\n\nQueues formed early.",
    authors=["Ana de la Cruz", "Jo Bloggs"],
    description="After the flood",
    tags=["local", "food"],
    image="http://127.0.0.1:8000/img/bakery.jpg",
    language="en",
    language_tag="en-GB",
    sitename="Riverside Courier",
    published_candidates=[
        DateCandidate(raw="2024-01-12T09:30:00+00:00", source="json-ld"),
        DateCandidate(raw="12 January 2024", source="byline"),
    ],
    modified_candidates=[DateCandidate(raw="2024-01-12T10:00:00Z", source="meta")],
    published_at="2024-01-12T09:30:00+00:00",
    published_raw="2024-01-12T09:30:00+00:00",
    modified_at=None,
)
FAILURE = PageFailure(
    url="http://127.0.0.1:8000/gone.html",
    site=None,
    stage="fetch",
    reason="HTTP 404",
    article=False,
    lasting=True,
)
NOT_MODIFIED = PageNotModified(
    url="http://127.0.0.1:8000/news/1.html", site="courier", fetched_at="2024-01-13T08:00:00Z"
)


def failure(number: int) -> PageFailure:
    return PageFailure(url=f"http://127.0.0.1:8000/{number}.html", site="s", stage="s", reason="r")


# Results as JSON


@pytest.mark.parametrize("result", [ARTICLE, Article(url="u", site="s", html="", fetched_at="t")])
def test_an_article_comes_back_from_json_equal_to_itself(result: Article) -> None:
    back = result_from_json(result_to_json(result))
    assert back == result
    assert isinstance(back, Article)
    assert all(type(candidate) is DateCandidate for candidate in back.published_candidates)


@pytest.mark.parametrize("result", [FAILURE, NOT_MODIFIED])
def test_failures_and_unmodified_pages_come_back_from_json(
    result: PageFailure | PageNotModified,
) -> None:
    back = result_from_json(result_to_json(result))
    assert back == result
    assert type(back) is type(result)


def test_a_result_from_another_version_of_the_fields_is_not_readable() -> None:
    document = json.loads(result_to_json(FAILURE))
    document["fields"]["retry_after"] = 5
    del document["fields"]["lasting"]
    with pytest.raises(ResultNotReadable) as refused:
        result_from_json(json.dumps(document))
    assert "unknown ['retry_after'], missing ['lasting'] for PageFailure" in str(refused.value)
    assert "same version of Morgue" in str(refused.value)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"kind": "video"}, "unknown kind 'video'"),
        (
            {"fields": {**json.loads(result_to_json(FAILURE))["fields"], "lasting": "yes"}},
            "failure.lasting: expected bool, got str",
        ),
    ],
)
def test_a_result_of_the_wrong_shape_is_not_readable(change: dict[str, object], said: str) -> None:
    document = {**json.loads(result_to_json(FAILURE)), **change}
    with pytest.raises(ResultNotReadable, match=said):
        result_from_json(json.dumps(document))


def test_only_results_can_be_pushed() -> None:
    with pytest.raises(TypeError, match="push an Article, a PageFailure or a PageNotModified"):
        result_to_json(DateCandidate(raw="x", source="y"))  # type: ignore[arg-type]


# The queue


def test_results_are_taken_in_the_order_they_were_pushed(redis_client: redis.Redis) -> None:
    queue = ResultQueue(redis_client, KEYS)
    for result in (ARTICLE, FAILURE, NOT_MODIFIED):
        queue.push(result)
    taken = [queue.take(timeout=0.1) for _ in range(3)]
    assert [each.result for each in taken if each is not None] == [ARTICLE, FAILURE, NOT_MODIFIED]
    assert queue.counts() == ResultCounts(waiting=0, processing=3)


def test_an_acknowledged_result_is_gone(redis_client: redis.Redis) -> None:
    queue = ResultQueue(redis_client, KEYS)
    queue.push(FAILURE)
    queue.push(FAILURE)  # the same document twice: each acknowledgement removes one
    first, second = queue.take(timeout=0), queue.take(timeout=0)
    assert first is not None
    assert second is not None
    assert queue.acknowledge([first]) == 1
    assert queue.counts() == ResultCounts(waiting=0, processing=1)
    assert queue.acknowledge([second, second]) == 1
    assert queue.counts() == ResultCounts(waiting=0, processing=0)
    assert queue.recover() == 0


def test_a_result_taken_but_not_acknowledged_is_recovered_after_a_restart(
    valkey: redis_server.RunningValkey, redis_client: redis.Redis
) -> None:
    ResultQueue(redis_client, KEYS).push(failure(1))
    ResultQueue(redis_client, KEYS).push(failure(2))
    ResultQueue(redis_client, KEYS).push(failure(3))
    crashing = open_redis(valkey.url)
    before = ResultQueue(crashing, KEYS)
    stored, lost = before.take(timeout=0.1), before.take(timeout=0.1)
    assert stored is not None
    assert lost is not None
    before.acknowledge([stored])
    crashing.close()  # killed before its next commit

    after = ResultQueue(open_redis(valkey.url), KEYS)
    assert after.recover() == 1
    assert after.counts() == ResultCounts(waiting=2, processing=0)
    again = [after.take(timeout=0.1) for _ in range(3)]
    assert [each.result for each in again if each is not None] == [failure(2), failure(3)]
    after.client.close()


def test_take_waits_no_longer_than_its_timeout_for_nothing(redis_client: redis.Redis) -> None:
    queue = ResultQueue(redis_client, KEYS)
    started = time.monotonic()
    assert queue.take(timeout=0.1) is None
    assert 0.09 < time.monotonic() - started < 1
    assert queue.take(timeout=0) is None


def test_a_waiting_take_gets_a_result_pushed_meanwhile(
    valkey: redis_server.RunningValkey, redis_client: redis.Redis
) -> None:
    def push_soon() -> None:
        time.sleep(0.1)
        other = open_redis(valkey.url)
        ResultQueue(other, KEYS).push(NOT_MODIFIED)
        other.close()

    pusher = threading.Thread(target=push_soon)
    pusher.start()
    started = time.monotonic()
    taken = ResultQueue(redis_client, KEYS).take(timeout=2)
    pusher.join()
    assert taken is not None
    assert taken.result == NOT_MODIFIED
    assert time.monotonic() - started < 1


def test_take_refuses_a_timeout_that_would_outlast_its_socket(redis_client: redis.Redis) -> None:
    with pytest.raises(ValueError, match="take waits 0 to"):
        ResultQueue(redis_client, KEYS).take(timeout=60)


def test_an_unreadable_result_is_set_aside_not_lost(redis_client: redis.Redis) -> None:
    queue = ResultQueue(redis_client, KEYS)
    queue.push_document('{"kind": "video", "fields": {}}')
    with pytest.raises(ResultNotReadable, match="kept in test:results:unreadable"):
        queue.take(timeout=0)
    assert queue.counts() == ResultCounts(waiting=0, processing=0)
    assert redis_client.lrange(KEYS.results_unreadable, 0, -1) == [
        '{"kind": "video", "fields": {}}'
    ]
    assert redis_client.hlen(KEYS.results_documents) == 0


def test_the_lists_carry_ids_and_each_document_is_freed_once_acknowledged(
    redis_client: redis.Redis,
) -> None:
    queue = ResultQueue(redis_client, KEYS)
    queue.push(ARTICLE, [CAPTURE], fetched=True)
    (waiting,) = redis_client.lrange(KEYS.results, 0, -1)
    assert len(waiting) == 32  # an id, not the document of many kilobytes
    taken = queue.take(0)
    assert taken is not None
    assert redis_client.lrange(KEYS.results_processing, 0, -1) == [taken.id]
    assert redis_client.hget(KEYS.results_documents, taken.id) == taken.document
    assert queue.acknowledge([taken]) == 1
    assert redis_client.hlen(KEYS.results_documents) == 0
    assert queue.counts() == ResultCounts(waiting=0, processing=0)


# From the event loop


def test_take_async_leaves_the_event_loop_free_while_it_waits(
    valkey: redis_server.RunningValkey, redis_client: redis.Redis
) -> None:
    queue = ResultQueue(redis_client, KEYS)

    async def scenario() -> tuple[Taken | None, int]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        loop = asyncio.get_running_loop()
        loop.call_later(0.2, lambda: ResultQueue(redis_client, KEYS).push(FAILURE))
        taken = await queue.take_async(timeout=2)
        ticker.cancel()
        return taken, ticks

    taken, ticks = asyncio.run(scenario())
    assert taken is not None
    assert taken.result == FAILURE
    assert ticks >= 10


def test_a_cancelled_take_gives_its_result_back(
    valkey: redis_server.RunningValkey, redis_client: redis.Redis
) -> None:
    queue = ResultQueue(redis_client, KEYS)

    async def scenario() -> None:
        waiting = asyncio.create_task(queue.take_async(timeout=0.3))
        await asyncio.sleep(0.05)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        # The take, still blocked in its thread, gets this result after the cancellation.
        queue.push(FAILURE)
        await asyncio.sleep(0.2)

    asyncio.run(scenario())
    assert queue.counts() == ResultCounts(waiting=1, processing=0)
    taken = queue.take(timeout=0)
    assert taken is not None
    assert taken.result == FAILURE


CAPTURE = ShippedCapture(
    record_id="<urn:uuid:5678>",
    url="http://127.0.0.1:8000/news/2024/01/12/bakery.html",
    site="riverside_courier",
    kind="article",
    status=200,
    fetched_at="2024-01-13T08:00:00Z",
    payload_digest="sha1:AAAA",
    response=b"\x1f\x8b\x08\x00 a gzip member \x00\xff",
    request=b"\x1f\x8b\x08\x00 another \x00",
)


def test_a_result_travels_with_its_pages_as_fetched_byte_for_byte(
    redis_client: redis.Redis,
) -> None:
    queue = ResultQueue(redis_client, KEYS)
    redirect = ShippedCapture(**{**CAPTURE.__dict__, "status": 301, "record_id": "<urn:r>"})
    size = queue.push(ARTICLE, [redirect, CAPTURE], fetched=True)
    taken = queue.take(0)
    assert taken is not None
    assert size == len(taken.document.encode())
    assert taken.result == ARTICLE
    assert taken.captures == (redirect, CAPTURE)
    assert taken.fetched is True
    # A result pushed on its own carries neither.
    queue.push(FAILURE)
    alone = queue.take(0)
    assert alone is not None
    assert (alone.captures, alone.fetched) == ((), False)


def test_a_capture_whose_record_is_not_base64_is_not_readable() -> None:
    document = json.loads(result_to_json(FAILURE, [CAPTURE]))
    document["captures"][0]["response"] = "not base64!"
    with pytest.raises(ResultNotReadable, match=r"captures\[0\]: a record is not base64"):
        result_from_json(json.dumps(document))
