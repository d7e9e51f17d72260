"""The fetch HTTP client: retries on 429, timeouts and malformed JSON; one clear error otherwise."""

from __future__ import annotations

import time

import pytest
from werkzeug.wrappers import Response

from hotspots.data.errors import DataError
from hotspots.fetch.http import HttpClient, RateLimiter, service_url
from hotspots.progress import Cancelled


def _client(**kw) -> HttpClient:
    kw.setdefault("backoff", 0.01)
    return HttpClient(service="the test service", env_var="HOTSPOTS_TEST_API", **kw)


def test_rate_limiter_sliding_window():
    now = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s

    lim = RateLimiter(15, clock=lambda: now[0], sleep=sleep)
    stamps = []
    for _ in range(40):
        lim.wait()
        stamps.append(now[0])
    # no 16 requests inside any one second
    assert all(stamps[i + 15] - stamps[i] >= 1.0 for i in range(len(stamps) - 15))
    assert stamps[14] == 0.0 and slept  # the first 15 go at once, then it waits


def test_429_then_success_honours_retry_after(httpserver):
    calls = []

    def handler(request):
        calls.append(time.monotonic())
        if len(calls) < 3:
            return Response("slow down", status=429, headers={"Retry-After": "0.2"})
        return Response('{"ok": 1}', content_type="application/json")

    httpserver.expect_request("/x").respond_with_handler(handler)
    c = _client()
    assert c.get_json(httpserver.url_for("/x")) == {"ok": 1}
    assert len(calls) == 3 and calls[1] - calls[0] >= 0.18
    assert c.stats["retry_429"] == 2


def test_timeout_is_retried_then_reported(httpserver):
    n = {"k": 0}

    def slow(request):
        n["k"] += 1
        if n["k"] == 1:
            time.sleep(0.6)
        return Response("[1, 2]", content_type="application/json")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    # the test server answers one request at a time: back off past the slow answer
    c = _client(timeout=0.3, backoff=0.6)
    assert c.get_json(httpserver.url_for("/slow")) == [1, 2]
    assert c.stats["retry_timeout"] >= 1 and n["k"] >= 2

    def always_slow(request):
        time.sleep(0.5)
        return Response("[]")

    httpserver.expect_request("/never").respond_with_handler(always_slow)
    with pytest.raises(DataError) as err:
        _client(timeout=0.2, retries=1).get_json(httpserver.url_for("/never"))
    text = str(err.value)
    assert "did not answer after 2 tries" in text and "timed out" in text and "HOTSPOTS_TEST_API" in text


def test_malformed_json_is_retried_then_refused(httpserver):
    answers = iter(['[{"a": 1', '{"a": 2}'])
    httpserver.expect_request("/j").respond_with_handler(lambda r: Response(next(answers)))
    assert _client().get_json(httpserver.url_for("/j")) == {"a": 2}
    httpserver.expect_request("/bad").respond_with_data("<html>captive portal</html>")
    with pytest.raises(DataError, match="not JSON.*captive portal"):
        _client(retries=2).get_json(httpserver.url_for("/bad"))


def test_404_and_offline_name_the_address(httpserver):
    httpserver.expect_request("/missing").respond_with_data("nope", status=404)
    with pytest.raises(DataError, match="HTTP 404.*HOTSPOTS_TEST_API"):
        _client().get_json(httpserver.url_for("/missing"))
    with pytest.raises(DataError) as err:
        _client(retries=0).get_json("http://127.0.0.1:9/api/x")
    assert "127.0.0.1:9/api/x" in str(err.value) and "cannot reach" in str(err.value)


def test_cancel_stops_before_the_request():
    with pytest.raises(Cancelled):
        _client(cancel=lambda: True).get_json("http://127.0.0.1:9/never-sent")


def test_service_url_precedence():
    env = {"HOTSPOTS_POLICE_API": "http://mirror/api/"}
    assert service_url(None, "HOTSPOTS_POLICE_API", "https://data.police.uk/api", env) == "http://mirror/api"
    assert service_url("http://flag/api", "HOTSPOTS_POLICE_API", "x", env) == "http://flag/api"
    assert service_url(None, "HOTSPOTS_POLICE_API", "https://data.police.uk/api", {}) == "https://data.police.uk/api"
