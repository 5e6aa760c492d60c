"""A crawl spread over several machines that share one Redis or Valkey server.

The coordinator (the `scrapy crawl news` that holds the SQLite archive) discovers articles and
pushes their requests into a shared frontier; workers lease requests from it, fetch and extract
them, and push the results back, which the coordinator alone writes to the archive. This
package holds the pieces they share, each atomic on the server and safe against a process
killed at any moment: the connection and the run's key names (`connection`), the request
frontier with leases that expire (`frontier`), the reliable result queue (`results`), the
per-domain politeness budget all workers draw on (`budget`) and the run's "it is over" flag
and worker heartbeats (`run_state`). It imports nothing of `crawler/` but its item classes.
"""
