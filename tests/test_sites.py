from pathlib import Path

import pytest

from crawler.sites import SitesConfigError, load_sites, parse_site, parse_sites, select_sites

REPO = Path(__file__).resolve().parent.parent


def site(**table: object) -> dict[str, object]:
    return {"sites": {"courier": {"feeds": ["https://news.example.com/feed.xml"], **table}}}


def test_the_shipped_sites_file_is_valid() -> None:
    sites = load_sites(REPO / "data" / "sites.toml")
    assert len(sites) >= 3
    for loaded in sites.values():
        assert loaded.feeds or loaded.sitemaps or loaded.start_urls


def test_a_minimal_site_gets_its_domains_from_its_urls() -> None:
    sites = parse_sites(site())
    assert sites["courier"].domains == ("news.example.com",)
    assert sites["courier"].ports == {80, 443}
    assert sites["courier"].listed_hosts == {"news.example.com"}


def test_all_keys_are_read() -> None:
    loaded = parse_sites(
        site(
            domains=["Example.com"],
            sitemaps=["https://example.com/sitemap.xml.gz"],
            start_urls=["https://www.example.com/"],
            article_pattern=r"/\d{4}/",
            language="de",
            timezone="Europe/Berlin",
        )
    )["courier"]
    assert loaded.domains == ("example.com",)
    assert loaded.sitemaps == ("https://example.com/sitemap.xml.gz",)
    assert loaded.article_pattern is not None
    assert loaded.article_pattern.search("https://example.com/2024/x")
    assert (loaded.language, loaded.timezone) == ("de", "Europe/Berlin")


def test_an_unknown_key_is_named_with_a_suggestion_and_the_allowed_keys() -> None:
    with pytest.raises(SitesConfigError) as error:
        parse_sites({"sites": {"x": {"feed": ["https://a.example/rss"]}}}, source="sites.toml")
    message = str(error.value)
    assert "sites.toml: site 'x': unknown key 'feed'; did you mean 'feeds'?" in message
    assert "allowed: article_pattern, domains, feeds, language, sitemaps, start_urls" in message


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"feeds": "not a url"}, "'feeds' has 'not a url', which is not an http(s) URL"),
        ({"feeds": [1, 2]}, "'feeds' must be a list of URLs"),
        ({"feeds": []}, "needs at least one of 'feeds', 'sitemaps' or 'start_urls'"),
        ({"domains": ["https://example.com/"]}, "'domains' has 'https://example.com/'"),
        ({"domains": ["other.org"]}, "is not on the site's domains ['other.org']"),
        ({"article_pattern": "(unclosed"}, "'article_pattern' is not a valid regular expression"),
        ({"timezone": "Mars/Olympus"}, "'timezone' 'Mars/Olympus' is not a known IANA time zone"),
        ({"language": "English"}, "'language' must be an ISO 639-1 code"),
    ],
)
def test_wrong_values_are_refused_with_the_site_and_key(
    table: dict[str, object], expected: str
) -> None:
    with pytest.raises(SitesConfigError) as error:
        parse_site("courier", {"feeds": ["https://news.example.com/feed.xml"], **table})
    assert "site 'courier'" in str(error.value)
    assert expected in str(error.value)


def test_a_missing_file_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(SitesConfigError, match=r"sites file not found.*ARCHIVE_SITES"):
        load_sites(tmp_path / "nope.toml")


def test_broken_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sites.toml"
    path.write_text("[sites.x\nfeeds = 1\n")
    with pytest.raises(SitesConfigError, match=r"sites.toml: not valid TOML"):
        load_sites(path)


def test_an_unknown_top_level_key_is_refused() -> None:
    with pytest.raises(SitesConfigError, match=r"unknown top-level key 'site'"):
        parse_sites({"site": {}})


def test_an_empty_file_means_no_sites() -> None:
    assert parse_sites({}) == {}


def test_select_sites_takes_a_comma_separated_list() -> None:
    sites = parse_sites(
        {
            "sites": {
                "a": {"feeds": ["https://a.example/rss"]},
                "b": {"feeds": ["https://b.example/rss"]},
                "c": {"feeds": ["https://c.example/rss"]},
            }
        }
    )
    assert [s.name for s in select_sites(sites, "c, a")] == ["c", "a"]
    assert [s.name for s in select_sites(sites, None)] == ["a", "b", "c"]
    with pytest.raises(SitesConfigError, match=r"no site named 'd'.*known: a, b, c"):
        select_sites(sites, "a,d")
