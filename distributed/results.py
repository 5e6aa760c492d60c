"""The reliable result queue: what workers made of their pages, on its way to the archive.

A worker pushes each result (an Article, a PageFailure or a PageNotModified, as JSON) into a
hash of documents, under a new id, and the id onto the results list, in one transaction. The
coordinator takes an id with (B)LMOVE, which moves it, in one step, onto a processing list,
reads its document, and acknowledges it (LREM of the id, HDEL of the document) only once its
SQLite transaction has committed: a coordinator killed in between leaves the id on the
processing list, and `recover`, at the next start, puts it back to be stored again (the
archive's upsert makes that harmless). The lists hold ids, not documents, so a document of
some 30 KB (mostly its pages' WARC records) crosses the network twice, pushed and taken, not a
third time to name it when it is acknowledged.

Acknowledging removes each id, not the whole processing list: a BLMOVE whose reply was lost
on the way (a timeout, then a retry) leaves an id there that the coordinator never saw, and a
DEL would throw its result away unstored.

Taking blocks (up to `timeout` seconds) in a thread, with the synchronous client:
`take_async` awaits it from Scrapy's asyncio loop without blocking the loop. One client kind
for the whole package means one set of registered Lua scripts and code that runs the same in
a test, in a thread or under any Twisted reactor; redis.asyncio would tie the client to one
event loop and fit only the asyncio reactor.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
import types
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Union, get_args, get_origin, get_type_hints

import redis

from crawler.items import Article, PageFailure, PageNotModified
from distributed.connection import SOCKET_TIMEOUT, RunKeys
from distributed.threads import call_in_thread

Result = Article | PageFailure | PageNotModified

# A blocking take returns well before the client's socket would give up on the server.
MAX_TAKE_SECONDS = SOCKET_TIMEOUT / 3
SAME_VERSION = "run the same version of Morgue on the coordinator and on every worker"

# KEYS: processing, results. Every result taken but not acknowledged goes back to be taken
# first, oldest first. Returns how many.
RECOVER = """
local moved = 0
while redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT') do
  moved = moved + 1
end
return moved
"""

# KEYS: processing, destination. ARGV: id, LPUSH or RPUSH. Moves the id of a result taken for
# a task that was cancelled to the destination's head or tail. Returns 1 if it was there.
MOVE_TAKEN = """
local removed = redis.call('LREM', KEYS[1], 1, ARGV[1])
if removed > 0 then
  redis.call(ARGV[2], KEYS[2], ARGV[1])
end
return removed
"""

# KEYS: processing, documents, unreadable. ARGV: id. A result that cannot be read: its
# document (or a note that it had none) goes to the unreadable list, kept, and out of the way.
SET_ASIDE = """
local document = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('LREM', KEYS[1], 1, ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('LPUSH', KEYS[3], document or ('no document for result ' .. ARGV[1]))
return 1
"""


class ResultNotReadable(ValueError):
    """A result document that is not what result_to_json writes."""


class ResultKind(StrEnum):
    ARTICLE = "article"
    FAILURE = "failure"
    NOT_MODIFIED = "not_modified"


CLASS_OF_KIND: dict[ResultKind, type[Result]] = {
    ResultKind.ARTICLE: Article,
    ResultKind.FAILURE: PageFailure,
    ResultKind.NOT_MODIFIED: PageNotModified,
}
KIND_OF_CLASS = {kind_class: kind for kind, kind_class in CLASS_OF_KIND.items()}


@dataclass(frozen=True)
class ShippedCapture:
    """A response kept as fetched by a process without WARC files of its own (a worker): its
    WARC records, built and compressed where it was fetched (each a gzip member), which the
    coordinator appends to the archive's WARC files before it writes the captures row."""

    record_id: str
    url: str
    site: str | None
    kind: str
    status: int
    fetched_at: str
    payload_digest: str
    response: bytes
    request: bytes


@dataclass(frozen=True)
class Shipment:
    """A result with what travels beside it: the responses kept as fetched on the way to it
    (redirects first), and whether the page was fetched (for the per-site counts)."""

    result: Result
    captures: tuple[ShippedCapture, ...] = ()
    fetched: bool = False


def capture_to_json(capture: ShippedCapture) -> dict[str, Any]:
    fields = dataclasses.asdict(capture)
    for name in ("response", "request"):
        fields[name] = base64.b64encode(fields[name]).decode("ascii")
    return fields


def capture_from_json(data: Any, where: str) -> ShippedCapture:
    if type(data) is not dict:
        raise ResultNotReadable(f"{where}: expected an object, got {type(data).__name__}")
    data = dict(data)
    try:
        for name in ("response", "request"):
            data[name] = base64.b64decode(data[name], validate=True)
    except (KeyError, TypeError, ValueError) as error:
        raise ResultNotReadable(f"{where}: a record is not base64 ({error})") from error
    capture = dataclass_from_json(ShippedCapture, data, where)
    assert isinstance(capture, ShippedCapture)
    return capture


def result_to_json(
    result: Result, captures: Iterable[ShippedCapture] = (), *, fetched: bool = False
) -> str:
    """The result as a JSON document: {"kind": ..., "fields": {every field, nested values
    (DateCandidate) as objects}}, with "captures" (their records in base64) and "fetched"
    when there are any."""
    kind = KIND_OF_CLASS.get(type(result))
    if kind is None:
        raise TypeError(
            f"a {type(result).__name__} is not a result: push an Article, a PageFailure or a"
            " PageNotModified"
        )
    document: dict[str, Any] = {"kind": kind.value, "fields": dataclasses.asdict(result)}
    shipped = [capture_to_json(capture) for capture in captures]
    if shipped:
        document["captures"] = shipped
    if fetched:
        document["fetched"] = True
    return json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def result_from_json(document: str) -> Result:
    """The result result_to_json wrote, equal to the one it was given."""
    return shipment_from_json(document).result


DOCUMENT_KEYS = {"kind", "fields", "captures", "fetched"}


def shipment_from_json(document: str) -> Shipment:
    """The result result_to_json wrote, with the captures and the fetched mark beside it."""
    try:
        parsed = json.loads(document)
    except json.JSONDecodeError as error:
        raise ResultNotReadable(f"a result is not JSON: {error}") from error
    if (
        not isinstance(parsed, dict)
        or not {"kind", "fields"} <= set(parsed)
        or not set(parsed) <= DOCUMENT_KEYS
    ):
        raise ResultNotReadable(f"a result is not a kind and fields: {document[:200]!r}")
    try:
        kind = ResultKind(parsed["kind"])
    except ValueError as error:
        raise ResultNotReadable(
            f"a result of unknown kind {parsed['kind']!r} (known: "
            f"{', '.join(ResultKind)}): {SAME_VERSION}"
        ) from error
    result = dataclass_from_json(CLASS_OF_KIND[kind], parsed["fields"], kind.value)
    assert isinstance(result, Article | PageFailure | PageNotModified)
    captures = parsed.get("captures", [])
    if type(captures) is not list:
        raise ResultNotReadable(f"a result's captures are not a list: {document[:200]!r}")
    fetched = parsed.get("fetched", False)
    if type(fetched) is not bool:
        raise ResultNotReadable(f"a result's fetched mark is not true or false: {fetched!r}")
    return Shipment(
        result=result,
        captures=tuple(
            capture_from_json(capture, f"captures[{index}]")
            for index, capture in enumerate(captures)
        ),
        fetched=fetched,
    )


@functools.cache
def field_types(cls: type) -> dict[str, Any]:
    """The dataclass's fields and their types (its annotations, evaluated)."""
    hints = get_type_hints(cls)
    return {field.name: hints[field.name] for field in dataclasses.fields(cls)}


def dataclass_from_json(cls: type, data: Any, where: str) -> Any:
    if type(data) is not dict:
        raise ResultNotReadable(f"{where}: expected an object, got {type(data).__name__}")
    types_of_fields = field_types(cls)
    unknown = sorted(set(data) - set(types_of_fields))
    missing = sorted(set(types_of_fields) - set(data))
    if unknown or missing:
        raise ResultNotReadable(
            f"{where}: fields unknown {unknown}, missing {missing} for {cls.__name__}:"
            f" {SAME_VERSION}"
        )
    return cls(
        **{
            name: typed_value(hint, data[name], f"{where}.{name}")
            for name, hint in types_of_fields.items()
        }
    )


def typed_value(hint: Any, value: Any, where: str) -> Any:
    """`value`, read from JSON, checked against (and, for dataclasses, built as) `hint`."""
    origin = get_origin(hint)
    if origin in (types.UnionType, Union):
        if value is None and type(None) in get_args(hint):
            return None
        (other,) = (arg for arg in get_args(hint) if arg is not type(None))
        return typed_value(other, value, where)
    if origin is list:
        (item_hint,) = get_args(hint)
        if type(value) is not list:
            raise ResultNotReadable(f"{where}: expected a list, got {type(value).__name__}")
        return [typed_value(item_hint, item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return dataclass_from_json(hint, value, where)
    if hint in (str, bool, int, float, bytes):
        if type(value) is not hint:
            raise ResultNotReadable(
                f"{where}: expected {hint.__name__}, got {type(value).__name__}"
            )
        return value
    raise TypeError(f"{where}: no JSON reading for fields typed {hint}")


@dataclass(frozen=True)
class Taken:
    """A result taken onto the processing list: acknowledge it once it is committed."""

    id: str
    document: str
    result: Result
    captures: tuple[ShippedCapture, ...] = ()
    fetched: bool = False


@dataclass(frozen=True)
class ResultCounts:
    waiting: int
    processing: int


class ResultQueue:
    """The run's results list and the coordinator's processing list (module docstring)."""

    def __init__(self, client: redis.Redis, keys: RunKeys) -> None:
        self.client = client
        self.keys = keys
        self.recover_script = client.register_script(RECOVER)
        self.move_taken_script = client.register_script(MOVE_TAKEN)
        self.set_aside_script = client.register_script(SET_ASIDE)

    def push(
        self, result: Result, captures: Iterable[ShippedCapture] = (), *, fetched: bool = False
    ) -> int:
        """Queue the result (with its captures); returns the document's size in bytes."""
        document = result_to_json(result, captures, fetched=fetched)
        self.push_document(document)
        return len(document.encode())

    def push_document(self, document: str) -> str:
        """Queue a document as it is; returns its id."""
        result_id = uuid.uuid4().hex
        pipeline = self.client.pipeline(transaction=True)
        pipeline.hset(self.keys.results_documents, result_id, document)
        pipeline.lpush(self.keys.results, result_id)
        pipeline.execute()
        return result_id

    def take(self, timeout: float) -> Taken | None:
        """The oldest result, moved onto the processing list; waits up to `timeout` seconds
        for one (0: does not wait). None when there was none."""
        if not 0 <= timeout <= MAX_TAKE_SECONDS:
            raise ValueError(f"timeout is {timeout}; take waits 0 to {MAX_TAKE_SECONDS} seconds")
        source, processing = self.keys.results, self.keys.results_processing
        if timeout == 0:
            taken_id = self.client.lmove(source, processing, "RIGHT", "LEFT")
        else:
            # redis-py types BLMOVE's timeout as an int; the server takes seconds as a double.
            taken_id = self.client.execute_command(
                "BLMOVE", source, processing, "RIGHT", "LEFT", timeout
            )
        if taken_id is None:
            return None
        result_id = str(taken_id)
        stored = self.client.hget(self.keys.results_documents, result_id)
        document = "" if stored is None else str(stored)
        try:
            if stored is None:
                raise ResultNotReadable(f"result {result_id} has no document")
            shipment = shipment_from_json(document)
        except ResultNotReadable as error:
            keys = [processing, self.keys.results_documents, self.keys.results_unreadable]
            self.set_aside_script(keys, [result_id])
            raise ResultNotReadable(
                f"{error} (the document is kept in {self.keys.results_unreadable})"
            ) from error
        return Taken(
            id=result_id,
            document=document,
            result=shipment.result,
            captures=shipment.captures,
            fetched=shipment.fetched,
        )

    async def take_async(self, timeout: float) -> Taken | None:
        """take(), awaited from the event loop; a take whose task is cancelled gives its
        result back to be taken again."""
        return await call_in_thread(lambda: self.take(timeout), undo=self.put_back)

    def put_back(self, taken: Taken | None) -> None:
        """A result taken but not to be stored now: back to be taken first."""
        if taken is not None:
            keys = [self.keys.results_processing, self.keys.results]
            self.move_taken_script(keys, [taken.id, "RPUSH"])

    def acknowledge(self, taken: Iterable[Taken]) -> int:
        """The results are committed: off the processing list. Returns how many were on it."""
        # One transaction: an id gone with its document still kept would never be freed.
        pipeline = self.client.pipeline(transaction=True)
        for each in taken:
            pipeline.lrem(self.keys.results_processing, 1, each.id)
            pipeline.hdel(self.keys.results_documents, each.id)
        replies = pipeline.execute()
        return sum(int(removed) for removed in replies[0::2])

    def recover(self) -> int:
        """At the coordinator's start: every result taken by an earlier coordinator and never
        acknowledged goes back to be taken first. Returns how many."""
        keys = [self.keys.results_processing, self.keys.results]
        return int(self.recover_script(keys, []))

    def counts(self) -> ResultCounts:
        pipeline = self.client.pipeline(transaction=True)
        pipeline.llen(self.keys.results)
        pipeline.llen(self.keys.results_processing)
        waiting, processing = pipeline.execute()
        return ResultCounts(waiting=int(waiting), processing=int(processing))
