"""The distributed crawl's settings and roles, read before anything starts (the crawl's own
behaviour is in tests/test_distributed.py)."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from crawler import settings as defaults
from crawler.cluster import ClusterSettingError, Role, check_cluster_settings, role_of
from crawler.commands.crawl import worker_status, worker_summary
from crawler.outcome import ExitStatus


def project_settings(**changes: object) -> Settings:
    settings = Settings()
    settings.setmodule(defaults)
    settings.update(changes)
    return settings


def test_no_role_is_the_coordinator_and_worker_is_a_worker() -> None:
    assert role_of(None) is Role.COORDINATOR
    assert role_of("coordinator") is Role.COORDINATOR
    assert role_of("worker") is Role.WORKER


def test_an_unknown_role_says_which_ones_there_are() -> None:
    with pytest.raises(ClusterSettingError, match="-a role=boss is not a role: use -a role=worker"):
        role_of("boss")


def test_the_shipped_settings_are_usable() -> None:
    check_cluster_settings(project_settings())


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("ARCHIVE_LEASE_SECONDS", "0", "ARCHIVE_LEASE_SECONDS must be a number of seconds over 0"),
        ("ARCHIVE_LEASE_SECONDS", "soon", "not 'soon'"),
        ("ARCHIVE_LEASE_ATTEMPTS", "0", "ARCHIVE_LEASE_ATTEMPTS must be a whole number of 1"),
        ("ARCHIVE_WORKER_IDLE_SECONDS", "-5", "ARCHIVE_WORKER_IDLE_SECONDS must be a number"),
        ("ARCHIVE_REDIS_PREFIX", "morgue*", "may hold only letters, digits and . _ - :"),
    ],
)
def test_a_setting_the_crawl_cannot_use_stops_it_naming_the_setting(
    name: str, value: str, said: str
) -> None:
    with pytest.raises((ClusterSettingError, ValueError), match=said.replace("*", r"\*")):
        check_cluster_settings(project_settings(**{name: value}))


def test_a_worker_exits_0_when_the_run_is_over_and_5_when_stopped() -> None:
    assert worker_status("finished") is ExitStatus.OK
    assert worker_status("shutdown") is ExitStatus.INTERRUPTED
    assert worker_status("cluster_error") is ExitStatus.FAILED


def test_a_workers_summary_says_what_it_did_and_where_it_sent_it() -> None:
    stats = {
        "finish_reason": "finished",
        "elapsed_time_seconds": 12.4,
        "cluster/leased": 40,
        "cluster/shipped/article": 37,
        "cluster/shipped/pagefailure": 3,
    }
    assert worker_summary(stats, "redis://:***@10.0.0.5:6379/0") == (
        "Morgue worker: finished after 12 s: leased 40 pages, sent 40 results to the "
        "coordinator through redis://:***@10.0.0.5:6379/0"
    )
