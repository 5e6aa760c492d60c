"""The tests' Valkey server, and connecting to a shared server: what a user is told when it
cannot be used, the run's key names."""

from __future__ import annotations

import pytest
import redis

from distributed.connection import (
    RedisUnavailable,
    RunKeys,
    forget_run,
    open_redis,
    redacted,
    server_version,
)
from tests import redis_server

# The fixtures that start the server and empty it: named here, pytest serves them here too.
valkey = redis_server.valkey
redis_client = redis_server.redis_client


def test_the_server_listens_on_the_loopback_and_keeps_nothing_on_disk(
    valkey: redis_server.RunningValkey, redis_client: redis.Redis
) -> None:
    assert valkey.url.startswith("redis://127.0.0.1:")
    assert redis_client.config_get("bind")["bind"] == "127.0.0.1"
    assert redis_client.config_get("save")["save"] == ""
    assert redis_client.config_get("appendonly")["appendonly"] == "no"
    assert "valkey_version" in redis_client.info("server")


def test_a_server_started_outside_pytest_is_gone_once_stopped() -> None:
    try:
        redis_server.valkey_binary()
    except redis_server.ValkeyNotInstalled as missing:
        pytest.skip(str(missing))
    with redis_server.running_valkey() as server:
        client = open_redis(server.url)
        assert client.ping()
        client.close()
    assert server.process.poll() is not None
    assert not server.directory.exists()
    with pytest.raises(RedisUnavailable):
        open_redis(server.url)


def test_a_server_nobody_runs_is_reported_with_the_fix() -> None:
    url = f"redis://127.0.0.1:{redis_server.free_port()}/0"
    with pytest.raises(RedisUnavailable) as refused:
        open_redis(url)
    message = str(refused.value)
    assert f"cannot reach the Redis/Valkey server at {url}" in message
    assert "point ARCHIVE_REDIS_URL at the server the coordinator and the workers share" in message


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("", "ARCHIVE_REDIS_URL is empty: set it to the server"),
        ("http://127.0.0.1:6379", "is not a Redis URL"),
    ],
)
def test_a_url_that_is_no_redis_url_is_reported_with_the_fix(url: str, said: str) -> None:
    with pytest.raises(RedisUnavailable, match=said) as refused:
        open_redis(url)
    assert "redis://127.0.0.1:6379/0" in str(refused.value)


def test_a_wrong_password_is_reported_without_showing_it(
    valkey: redis_server.RunningValkey, redis_client: redis.Redis
) -> None:
    redis_client.config_set("requirepass", "right")
    try:
        wrong = valkey.url.replace("redis://", "redis://:wrong@")
        with pytest.raises(RedisUnavailable) as refused:
            open_redis(wrong)
        message = str(refused.value)
        assert "refused to let us in" in message
        assert "wrong" not in message
        right = open_redis(valkey.url.replace("redis://", "redis://:right@"))
        right.close()
    finally:
        redis_client.config_set("requirepass", "")


def test_a_password_is_never_shown() -> None:
    assert redacted("redis://user:secret@host:6380/2") == "redis://user:***@host:6380/2"
    assert redacted("redis://host:6379/0") == "redis://host:6379/0"


def test_a_server_older_than_redis_6_2_is_told_apart() -> None:
    assert server_version({"redis_version": "6.0.16"}) < (6, 2)
    assert server_version({"redis_version": "7.2.4"}) >= (6, 2)


def test_every_key_of_a_run_is_under_its_prefix() -> None:
    keys = RunKeys.under("morgue:nightly:")
    names = [value for name, value in vars(keys).items() if name != "prefix"]
    names += [keys.budget_slots("example.org"), keys.budget_last_start("example.org")]
    assert all(name.startswith("morgue:nightly:") for name in names)
    assert len(set(names)) == len(names)


def test_a_prefix_that_is_a_pattern_is_refused() -> None:
    with pytest.raises(ValueError, match=r"may hold only letters, digits and \. _ - :"):
        RunKeys.under("morgue*")


def test_forgetting_a_run_deletes_its_keys_only(redis_client: redis.Redis) -> None:
    keys = RunKeys.under("one:")
    redis_client.set(keys.run_over, "finished")
    redis_client.rpush(keys.results, "x")
    for number in range(1500):
        redis_client.set(keys.budget_slots(f"site{number}.example"), 1)
    redis_client.set("two:run:over", "finished")
    assert forget_run(redis_client, keys) == 1502
    assert redis_client.keys("*") == ["two:run:over"]
