"""A blocking call to the shared server, awaited from the event loop without blocking it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")


async def call_in_thread(call: Callable[[], T], *, undo: Callable[[T], None]) -> T:
    """`call()` run in a thread of the loop's default executor, awaited.

    A thread cannot be stopped: if the awaiting task is cancelled meanwhile, the call still
    completes, and `undo` is then handed what it returned (in a thread too), so that what it
    took from the server (a result, a budget slot) is given back rather than held by no one.
    """
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(None, call)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        future.add_done_callback(lambda done: undo_when_done(loop, done, undo))
        raise


def undo_when_done(
    loop: asyncio.AbstractEventLoop, done: asyncio.Future[T], undo: Callable[[T], None]
) -> None:
    if done.cancelled() or done.exception() is not None:
        return
    if loop.is_closed():
        return
    loop.run_in_executor(None, logged(undo), done.result())


def logged(undo: Callable[[T], None]) -> Callable[[T], None]:
    """`undo`, whose failure is logged: nobody awaits it any more to be told."""

    def run(value: T) -> None:
        try:
            undo(value)
        except RedisError:
            logger.exception("Could not give back what a cancelled call took from the server")

    return run
