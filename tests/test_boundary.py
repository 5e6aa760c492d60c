"""The site boundary: no request outside a site's hosts and ports, and no connection to an
address inside the local network that the user did not list.

End to end, a site on 127.0.0.1 tries every trick to make the crawler fetch from "secret"
servers (another loopback address on the same port, another port of the same address, port 80
of another address) that count their hits: each trick must leave them at 0 and the archive
with a failures row naming the host. Then the pure functions, on tiny inputs."""

from __future__ import annotations

import ipaddress
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from crawler.boundary import (
    Refused,
    address_refusal,
    as_requested,
    is_internal,
    url_refusal,
)
from crawler.sites import parse_site
from tests.conftest import CrawlRun, crawl_command, run_crawl, run_process
from tests.localsite import Reply, SiteHandler, serve_site

SECRET = b"<html><body><h1>Internal</h1><p>SECRET-SERVER-MARKER</p></body></html>"
PROSE = (
    "The harbour ferry returned to its winter timetable on Monday, and commuters who rely on "
    "the early crossing said the change came sooner than the notices at the pier had promised. "
)


def article(title: str) -> bytes:
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>By Ann Lee</p>{('<p>' + PROSE + '</p>') * 4}</article></body></html>"
    ).encode()


@dataclass
class Secrets:
    """The servers nothing may reach, and every request they were sent."""

    same_port_other_address: str  # 127.0.0.2, on the site's port
    other_port_same_address: str  # 127.0.0.1, on another port
    hits: list[str]


class SecretHandler(BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(f"{self.server.server_address[:2]} {self.path}")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(SECRET)))
        self.end_headers()
        self.wfile.write(SECRET)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@contextmanager
def secret_server(address: str, port: int, hits: list[str]) -> Iterator[str]:
    handler = type("Handler", (SecretHandler,), {"hits": hits})
    server = ThreadingHTTPServer((address, port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{address}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def tricks(secrets: Secrets) -> dict[str, Any]:
    """The site's pages: each path a trick (see the test below for what each must leave)."""
    other_address, other_port = secrets.same_port_other_address, secrets.other_port_same_address
    other_host_port = other_address.removeprefix("http://")
    site_port = other_host_port.rsplit(":", 1)[1]
    tries: dict[str, int] = {}

    def redirect(location: str) -> Any:
        return lambda handler: (302, "text/html", b"", {"Location": location})

    def busy_then(location: str) -> Any:
        """503 first; the retry is redirected (the retry middleware sets dont_filter)."""

        def reply(handler: SiteHandler) -> Reply:
            tries[handler.path] = tries.get(handler.path, 0) + 1
            if tries[handler.path] == 1:
                return 503, "text/html", b"<h1>Busy</h1>", {}
            return 302, "text/html", b"", {"Location": location}

        return reply

    def page(title: str) -> Any:
        return lambda handler: (200, "text/html; charset=utf-8", article(title), {})

    def feed(handler: SiteHandler) -> Reply:
        base = f"http://127.0.0.1:{site_port}"
        links = [
            f"{base}/news/real-story.html",
            f"{base}/news/busy-then-backslash.html",
            f"{base}/news/busy-then-backslash-port-80.html",
            f"{base}/news/to-localhost.html",
            f"{base}/news/to-other-port.html",
            f"{base}/news/to-userinfo.html",
            f"{base}/news/to-decimal-address.html",
            f"{other_address}/news/listed-elsewhere.html",
            f"http://127.0.0.1:{site_port}@{other_host_port}/news/userinfo-link.html",
        ]
        items = "".join(f"<item><title>t</title><link>{link}</link></item>" for link in links)
        body = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
        return 200, "application/rss+xml", body.replace("&", "&amp;").encode(), {}

    def sitemap_index(handler: SiteHandler) -> Reply:
        body = (
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>http://127.0.0.1:{site_port}/sitemap-news.xml</loc></sitemap>"
            f"<sitemap><loc>{other_address}/sitemap-secret.xml</loc></sitemap>"
            "</sitemapindex>"
        )
        return 200, "application/xml", body.encode(), {}

    def sitemap_news(handler: SiteHandler) -> Reply:
        body = (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{other_address}/news/from-sitemap.html</loc></url>"
            "</urlset>"
        )
        return 200, "application/xml", body.encode(), {}

    return {
        "/robots.txt": redirect(f"{other_address}/robots.txt"),
        "/feed.xml": feed,
        "/sitemap_index.xml": sitemap_index,
        "/sitemap-news.xml": sitemap_news,
        "/news/real-story.html": page("Ferry returns to its winter timetable"),
        # The reported exploit: w3lib reads the backslash as a slash, host 127.0.0.2.
        "/news/busy-then-backslash.html": busy_then(
            f"http://{other_host_port}\\.localhost/../news/secret.html"
        ),
        "/news/busy-then-backslash-port-80.html": busy_then(
            "http://127.0.0.2\\.localhost/../news/secret.html"
        ),
        "/news/to-localhost.html": redirect(f"http://localhost:{site_port}/news/real-story.html"),
        "/news/to-other-port.html": redirect(f"{other_port}/news/secret.html"),
        "/news/to-userinfo.html": redirect(
            f"http://127.0.0.1:{site_port}@{other_host_port}/news/secret.html"
        ),
        # 2130706434 is 127.0.0.2 written as one number, which the resolver accepts.
        "/news/to-decimal-address.html": redirect(
            f"http://2130706434:{site_port}/news/secret.html"
        ),
    }


@dataclass
class BoundaryCrawl:
    run: CrawlRun
    base: str
    secrets: Secrets

    def failures(self) -> list[dict[str, Any]]:
        connection = sqlite3.connect(self.run.db_path)
        connection.row_factory = sqlite3.Row
        try:
            return [dict(row) for row in connection.execute("select * from failures")]
        finally:
            connection.close()

    def failure_of(self, url: str) -> dict[str, Any]:
        found = [row for row in self.failures() if row["url"] == url]
        assert len(found) == 1, f"{url}: {found}\nall: {self.failures()}"
        return found[0]


@contextmanager
def secrets_beside(site_port: int) -> Iterator[Secrets]:
    hits: list[str] = []
    with ExitStack() as stack:
        same_port = stack.enter_context(secret_server("127.0.0.2", site_port, hits))
        other_port = stack.enter_context(secret_server("127.0.0.1", 0, hits))
        # Port 80 of another address, the reported exploit's target, where we may bind it.
        with suppress(OSError):
            stack.enter_context(secret_server("127.0.0.2", 80, hits))
        yield Secrets(same_port, other_port, hits)


@pytest.fixture(scope="module")
def boundary_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoundaryCrawl]:
    folder = tmp_path_factory.mktemp("boundary")
    faults: dict[str, Any] = {}
    with serve_site(folder, faults=faults) as (base, _):
        site_port = int(base.rsplit(":", 1)[1])
        with secrets_beside(site_port) as secrets:
            faults.update(tricks(secrets))
            sites_file = folder / "sites.toml"
            sites_file.write_text(
                "[sites.courier]\n"
                'domains = ["127.0.0.1"]\n'
                f'feeds = ["{base}/feed.xml"]\n'
                f'sitemaps = ["{base}/sitemap_index.xml"]\n'
                "article_pattern = '/news/'\n"
            )
            run = run_crawl(sites_file, folder / "archive.db", RETRY_TIMES="1")
            yield BoundaryCrawl(run, base, secrets)


def test_no_trick_reaches_a_secret_server(boundary_crawl: BoundaryCrawl) -> None:
    assert boundary_crawl.run.returncode == 0, boundary_crawl.run.log[-3000:]
    assert boundary_crawl.secrets.hits == []
    assert "Traceback" not in boundary_crawl.run.log


def test_the_site_itself_is_archived(boundary_crawl: BoundaryCrawl) -> None:
    connection = sqlite3.connect(boundary_crawl.run.db_path)
    titles = [row[0] for row in connection.execute("select title from articles")]
    connection.close()
    assert titles == ["Ferry returns to its winter timetable"]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        pytest.param(
            "/news/busy-then-backslash.html",
            "redirected to http://127.0.0.2:{port}\\.localhost/../news/secret.html, refused: the"
            " URL holds a backslash, a space or a control character, which can hide the host the"
            " request really goes to",
            id="503-then-redirect-to-a-backslash-host",
        ),
        pytest.param(
            "/news/busy-then-backslash-port-80.html",
            "redirected to http://127.0.0.2\\.localhost/../news/secret.html, refused: the URL"
            " holds a backslash, a space or a control character, which can hide the host the"
            " request really goes to",
            id="503-then-redirect-to-port-80",
        ),
        pytest.param(
            "/news/to-localhost.html",
            "redirected to http://localhost:{port}/news/real-story.html, refused: the host"
            " localhost is not among the domains of site 'courier' (127.0.0.1)",
            id="a-name-that-resolves-to-127.0.0.1",
        ),
        pytest.param(
            "/news/to-other-port.html",
            "redirected to {other_port}/news/secret.html, refused: port {secret_port} of"
            " 127.0.0.1 is not among the ports of site 'courier' (80, 443, {port}: those of its"
            " configured URLs, and 80 and 443)",
            id="another-port",
        ),
        pytest.param(
            "/news/to-userinfo.html",
            "redirected to http://127.0.0.1:{port}@127.0.0.2:{port}/news/secret.html, refused: a"
            " user name or password stands before the host 127.0.0.2; a page never needs one,"
            " and it can hide the host the request really goes to",
            id="user@host-redirect",
        ),
        pytest.param(
            "/news/to-decimal-address.html",
            "redirected to http://2130706434:{port}/news/secret.html, refused: the host"
            " 2130706434 is not among the domains of site 'courier' (127.0.0.1)",
            id="an-address-written-as-a-number",
        ),
    ],
)
def test_each_redirect_trick_leaves_a_fetch_failure_naming_the_host(
    boundary_crawl: BoundaryCrawl, path: str, reason: str
) -> None:
    port = boundary_crawl.base.rsplit(":", 1)[1]
    other_port = boundary_crawl.secrets.other_port_same_address
    row = boundary_crawl.failure_of(boundary_crawl.base + path)
    expected = reason.format(
        port=port, other_port=other_port, secret_port=other_port.rsplit(":", 1)[1]
    )
    assert (row["stage"], row["site"], row["reason"]) == ("fetch", "courier", expected)


def test_a_robots_txt_redirected_off_the_site_is_refused(boundary_crawl: BoundaryCrawl) -> None:
    row = boundary_crawl.failure_of(boundary_crawl.base + "/robots.txt")
    other = boundary_crawl.secrets.same_port_other_address
    assert row["stage"] == "fetch"
    assert row["site"] == "courier"
    assert row["reason"] == (
        f"redirected to {other}/robots.txt, refused: the host 127.0.0.2 is not among the"
        " domains of site 'courier' (127.0.0.1)"
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        pytest.param(
            "{other}/sitemap-secret.xml",
            "sitemap index lists {other}/sitemap-secret.xml, refused: the host 127.0.0.2 is not"
            " among the domains of site 'courier' (127.0.0.1)",
            id="a-sitemap-index-entry-on-another-host",
        ),
        pytest.param(
            "{other}/news/from-sitemap.html",
            "sitemap links to {other}/news/from-sitemap.html, refused: the host 127.0.0.2 is not"
            " among the domains of site 'courier' (127.0.0.1)",
            id="a-sitemap-loc-on-another-host",
        ),
        pytest.param(
            "{other}/news/listed-elsewhere.html",
            "feed links to {other}/news/listed-elsewhere.html, refused: the host 127.0.0.2 is"
            " not among the domains of site 'courier' (127.0.0.1)",
            id="a-feed-link-on-another-host",
        ),
        pytest.param(
            "{base}@127.0.0.2:{port}/news/userinfo-link.html",
            "feed links to {base}@127.0.0.2:{port}/news/userinfo-link.html, refused: a user"
            " name or password stands before the host 127.0.0.2; a page never needs one, and it"
            " can hide the host the request really goes to",
            id="a-user@host-link",
        ),
    ],
)
def test_links_off_the_site_leave_a_discovery_failure(
    boundary_crawl: BoundaryCrawl, url: str, reason: str
) -> None:
    fields = {
        "other": boundary_crawl.secrets.same_port_other_address,
        "base": boundary_crawl.base,
        "port": boundary_crawl.base.rsplit(":", 1)[1],
    }
    row = boundary_crawl.failure_of(url.format(**fields))
    assert (row["stage"], row["reason"]) == ("discover", reason.format(**fields))


# --- A name on the site's domains that resolves inside the network ---------------------------


def namespace_with_hosts_file_works() -> bool:
    """True where this process may give a child its own /etc/hosts (a mount namespace)."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--mount", "sh", "-c", "mount --bind /etc/hosts /etc/hosts"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@pytest.mark.skipif(
    not namespace_with_hosts_file_works(),
    reason="needs unshare and the right to bind-mount a hosts file (root in a mount namespace)",
)
def test_a_subdomain_that_resolves_to_a_loopback_address_is_refused_at_connection_time(
    tmp_path: Path,
) -> None:
    """www.newsroom.test (listed) and secret.newsroom.test (a subdomain, so inside the
    domains, but not listed) resolve, through a hosts file of this crawl's own, to
    127.0.0.1 and 127.0.0.2: only the listed one may be inside the network."""
    faults: dict[str, Any] = {}
    with serve_site(tmp_path, faults=faults) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        with secrets_beside(port) as secrets:
            site = f"http://www.newsroom.test:{port}"
            links = [f"{site}/news/real-story.html", f"http://secret.newsroom.test:{port}/news/x"]
            items = "".join(f"<item><title>t</title><link>{u}</link></item>" for u in links)
            feed = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
            faults["/feed.xml"] = lambda handler: (200, "application/xml", feed.encode(), {})
            faults["/news/real-story.html"] = lambda handler: (
                200,
                "text/html; charset=utf-8",
                article("Ferry returns to its winter timetable"),
                {},
            )
            hosts = tmp_path / "hosts"
            hosts.write_text(
                "127.0.0.1 localhost www.newsroom.test\n127.0.0.2 secret.newsroom.test\n"
            )
            sites_file = tmp_path / "sites.toml"
            sites_file.write_text(
                f'[sites.newsroom]\ndomains = ["newsroom.test"]\nfeeds = ["{site}/feed.xml"]\n'
            )
            db = tmp_path / "archive.db"
            crawl = " ".join(f"'{part}'" for part in crawl_command(sites_file, db))
            process = run_process(
                ["unshare", "--mount", "sh", "-c", f"mount --bind {hosts} /etc/hosts && {crawl}"]
            )
            assert process.returncode == 0, process.stderr[-3000:]
            assert secrets.hits == []
    connection = sqlite3.connect(db)
    failures = connection.execute("select url, stage, reason from failures").fetchall()
    titles = connection.execute("select title from articles").fetchall()
    connection.close()
    assert titles == [("Ferry returns to its winter timetable",)]
    reason = (
        "refused: secret.newsroom.test, at 127.0.0.2, is a loopback address; only hosts listed"
        " in a site's 'domains' or URLs may be inside the local network"
    )
    # Scrapy asks for the host's robots.txt first: refused too.
    assert sorted(failures) == [
        (f"http://secret.newsroom.test:{port}/news/x", "fetch", reason),
        (f"http://secret.newsroom.test:{port}/robots.txt", "fetch", reason),
    ]


# --- The pure functions ----------------------------------------------------------------------


SITE = parse_site(
    "courier",
    {"domains": ["news.example.com"], "feeds": ["https://news.example.com:8443/feed.xml"]},
)


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example.com/a/b.html",
        "http://www.news.example.com/a",
        "https://news.example.com:8443/feed.xml",
        "https://NEWS.example.com./a",
    ],
)
def test_urls_inside_the_site_are_allowed(url: str) -> None:
    assert url_refusal(as_requested(url), SITE) is None


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("ftp://news.example.com/a", Refused.NOT_WEB),
        ("https://example.com/a", Refused.OUTSIDE_DOMAINS),
        ("https://news.example.com.evil.org/a", Refused.OUTSIDE_DOMAINS),
        ("https://evilnews.example.com/a", Refused.OUTSIDE_DOMAINS),
        # w3lib turns the backslash into a slash: what is requested is 127.0.0.2, port 80.
        ("http://127.0.0.2\\.news.example.com/../secret", Refused.OUTSIDE_DOMAINS),
        ("https://news.example.com:22/a", Refused.PORT),
        ("https://user:pw@news.example.com/a", Refused.USERINFO),
        ("https://news.example.com@127.0.0.1/a", Refused.USERINFO),
        ("https://news.example.com\x00.evil.org/a", Refused.UNSAFE_CHARACTER),
        ("https://news.example.com:x/a", Refused.UNSAFE_CHARACTER),
    ],
)
def test_urls_outside_the_site_are_refused_with_the_kind_of_refusal(
    url: str, kind: Refused
) -> None:
    refusal = url_refusal(as_requested(url), SITE)
    assert refusal is not None
    assert refusal.kind is kind


def test_a_listed_address_inside_the_network_is_allowed_and_an_unlisted_one_is_not() -> None:
    local = parse_site(
        "local", {"domains": ["127.0.0.1", "0.0.1"], "feeds": ["http://127.0.0.1/f"]}
    )
    assert url_refusal("http://127.0.0.1/a", local) is None
    # "127.0.0.1" lists that address; another one under a listed "domain" is not listed.
    refusal = url_refusal(
        "http://127.0.0.2/a", parse_site("x", {"domains": ["0.0.2"], "feeds": ["http://a.0.0.2/f"]})
    )
    assert refusal is not None
    assert refusal.kind is Refused.INTERNAL_ADDRESS


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 around 127.0.0.1
    ],
)
def test_addresses_inside_the_network_are_internal(address: str) -> None:
    assert is_internal(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:93.184.216.34"]
)
def test_public_addresses_are_not_internal(address: str) -> None:
    assert not is_internal(ipaddress.ip_address(address))


def test_only_a_listed_host_may_resolve_inside_the_network() -> None:
    loopback = ipaddress.ip_address("127.0.0.1")
    assert address_refusal("intranet.example", loopback, frozenset({"intranet.example"})) is None
    refusal = address_refusal("sub.intranet.example", loopback, frozenset({"intranet.example"}))
    assert refusal is not None
    assert refusal.kind is Refused.INTERNAL_ADDRESS
    assert str(refusal) == (
        "sub.intranet.example, refused: sub.intranet.example, at 127.0.0.1, is a loopback"
        " address; only hosts listed in a site's 'domains' or URLs may be inside the local"
        " network"
    )
    assert address_refusal("www.example.com", ipaddress.ip_address("8.8.8.8"), frozenset()) is None
