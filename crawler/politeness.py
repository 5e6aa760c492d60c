"""Holding CONCURRENT_REQUESTS_PER_DOMAIN whatever DOWNLOAD_DELAY says.

Scrapy's downloader keeps one slot per host. A slot lets a request go when fewer than its
concurrency are in `slot.transferring`, and `Downloader._process_queue` loops: pop a queued
request, start its download, check again. Since Scrapy 2.14 (scrapy/scrapy@b86f003, "Refactor
more Deferred functions") the download is a coroutine started with `_schedule_coro()`, which
under the asyncio reactor (Scrapy's default, and Morgue's) is `loop.create_task()`: the task
only runs on the event loop's next turn, and the request joins `slot.transferring` in its
first line (`Downloader._download`). So while the loop runs nothing it started is counted yet,
and it starts every request in the queue: with a limit of 2 a test site saw 9 to 16 requests
at once, bounded only by CONCURRENT_REQUESTS (all the engine lets into the downloader).

A DOWNLOAD_DELAY (or AutoThrottle's) hides this: with a delay the loop starts one request and
the next waits for a timer, by which time the first task has run. With a delay of 0, as our
benchmarks and tests set and as users may, the site gets everything at once.

`PoliteDownloader` (installed with the DOWNLOADER setting) counts a request as transferring
from the moment it leaves the queue, as Scrapy up to 2.13 did (its download started
synchronously). Nothing else changes: when the download ends, Scrapy's `_download` removes
the request from `slot.transferring` and processes the queue again, as before.
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro


class PoliteDownloader(Downloader):
    """Scrapy's downloader with the per-slot concurrency held when no delay spaces requests."""

    def _process_queue(self, slot: Slot) -> None:
        # Scrapy 2.19's Downloader._process_queue, with one line added (marked below).
        # tests/test_politeness.py checks that it is still Scrapy's code but for that line.
        if slot.latercall:
            # block processing until slot.latercall is called
            return

        # Delay queue processing if a download_delay is configured
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return

        # Process enqueued requests if there are free slots to transfer for this slot
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            # Morgue: counted now, not when the scheduled task gets to run, so that the loop
            # condition above sees it. `_download` adds it again (a set: no change) and
            # removes it when the download ends, whatever the outcome.
            slot.transferring.add(request)
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            # prevent burst if inter-request delays were configured
            if delay:
                self._process_queue(slot)
                break
