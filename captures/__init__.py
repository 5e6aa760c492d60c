"""Every page as fetched, kept in WARC files beside the archive, and read back from them.

`writing` turns a downloaded response into WARC records (warcio builds them) appended to a
rotating file; `reading` gets one record back by its offset, checked against its digest.
`reextract` runs today's extraction over what was kept.
"""
