"""The archive: its schema (`schema`), its writer lock (`lock`), the reads and writes the crawl,
the re-extraction and the reading room share (`reads`, `writes`), and what became of each
fetched URL (`status`). It imports nothing of the crawler's or the pipelines'."""
