"""Extraction: an article page's HTML -> the fields the archive stores. Plain functions, no
Scrapy: the pipeline stages (pipelines/extract.py, pipelines/dates.py) run them in worker
processes, and `scrapy reextract` runs them on the pages as fetched.

Where each rule lives, by the field it decides:

    run.py             the one module that runs the steps, in order (extract_article)
    page.py            the page parsed once; an element's visible text; the byline zone
    metadata.py        what the page says about itself: JSON-LD, <meta>, microdata
    site_names.py      the names the site goes by, matched loosely (never a title or author)
    titles.py          the headline
    authors.py         the authors: sources in order, and what a person's name looks like
    body/              the body: prune.py (the tree, before trafilatura), cleanup.py (its
                       lines, after), furniture.py (furniture lines in many languages),
                       standfirst.py, script_data.py (pages rendered in the browser)
    printed_dates.py   dates as pages print them, found in text
    dates.py           the published and modified dates: candidates -> ISO 8601 UTC
    text.py            text helpers every field shares (spacing, the stored form, keys)
    words.py           a language's words are data: languages/<code>.toml (bylines, body
                       cleanup, printed dates), languages/_shared.toml (agencies, platforms)
    trafilatura_adapters/
                       trafilatura's body reading, and the adapters that make it cheaper
                       without changing a byte of it
    warmup.py          runs every step once in the worker pool's fork server
"""
