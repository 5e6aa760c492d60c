"""The ship stage of a distributed crawl: an item a leased request gave (an extracted article,
a failure, a 304) goes onto the results queue, for the coordinator's store stage, and only
then is the request's lease acknowledged (crawler/cluster.py). Items that were not leased (the
coordinator's discovery failures) go on to the store stage as in a crawl on one machine."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.cluster import Cluster, Shipped, cluster_for
from crawler.items import Article, PageFailure, PageNotModified


class ShipStage:
    """Pipeline stage, after extract and dates: push leased items to the coordinator."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        cluster = cluster_for(crawler)
        if cluster is None:
            raise NotConfigured("ARCHIVE_REDIS_URL is empty: items are stored here")
        return cls(cluster)

    def process_item(self, item: Any) -> Any:
        tag = self.cluster.untag(item)
        if tag is None or not isinstance(item, Article | PageFailure | PageNotModified):
            return item
        self.cluster.ship(item, tag)
        raise Shipped(item)
