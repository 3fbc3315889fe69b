"""An adapter never reads more than MAX_BODY_BYTES of an answer (a 10 MB body once took the
process from 84 to 211 MB resident): the body is streamed and dropped past the cap."""
from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import respx

from chatops.integrations.chatwoot import Chatwoot
from chatops.integrations.errors import IntegrationBadResponse
from chatops.integrations.http import MAX_BODY_BYTES, make_client, request_json
from tests import chatwoot_samples as cw
from tests.fakes import FakeServer

CHUNK = 64 * 1024


def run(coro):
    return asyncio.run(coro)


class CountingStream(httpx.AsyncByteStream):
    """A chunked body of `size` bytes (no Content-Length) that counts what was pulled from it."""

    def __init__(self, size: int):
        self.size = size
        self.pulled = 0

    async def __aiter__(self):
        while self.pulled < self.size:
            chunk = b" " * min(CHUNK, self.size - self.pulled)
            self.pulled += len(chunk)
            yield chunk


def _get(url: str = "https://x.example") -> object:
    async def go():
        client = make_client(url, {}, 5)
        try:
            return await request_json(client, "Chatwoot", "GET", "/big")
        finally:
            await client.aclose()

    return run(go())


@respx.mock
def test_a_chunked_body_is_dropped_soon_after_the_cap():
    stream = CountingStream(10 * 1024 * 1024)
    respx.get("https://x.example/big").mock(return_value=httpx.Response(200, stream=stream))
    with pytest.raises(IntegrationBadResponse) as info:
        _get()
    assert info.value.message == "answer too large (over 2 MiB), not read"
    assert stream.pulled <= MAX_BODY_BYTES + CHUNK, "reading stopped right after the cap"


@pytest.mark.parametrize("padding,too_large", [(0, False), (1, True)])
@respx.mock
def test_cap_boundary(padding, too_large):
    body = b"[" + b" " * (MAX_BODY_BYTES - 2 + padding) + b"]"
    respx.get("https://x.example/big").mock(return_value=httpx.Response(200, stream=httpx.ByteStream(body)))
    if too_large:
        with pytest.raises(IntegrationBadResponse, match="answer too large"):
            _get()
    else:
        assert _get() == []


def test_a_10_mb_answer_over_loopback_is_refused_by_its_declared_length():
    big = b'{"id": 1, "pad": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    server = FakeServer(lambda call: (200, big, {}))
    try:
        with pytest.raises(IntegrationBadResponse, match="answer too large"):
            _get(server.url)
    finally:
        server.close()


def test_chatwoot_probe_with_a_huge_profile_is_a_bad_response_not_a_memory_spike():
    big = json.dumps({**cw.PROFILE, "ui_settings": {"pad": "x" * (3 * 1024 * 1024)}}).encode()
    server = FakeServer(lambda call: (200, big, {}))
    adapter = Chatwoot(base_url=server.url, token="t", account_id="7", timeout_s=5)
    try:
        with pytest.raises(IntegrationBadResponse, match="answer too large"):
            run(adapter.probe())
    finally:
        run(adapter.aclose())
        server.close()


@respx.mock
def test_an_error_status_is_judged_without_reading_its_body():
    stream = CountingStream(10 * 1024 * 1024)
    respx.get("https://x.example/big").mock(return_value=httpx.Response(503, stream=stream))
    with pytest.raises(Exception, match="server error"):
        _get()
    assert stream.pulled <= CHUNK
