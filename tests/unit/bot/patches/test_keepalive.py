"""bot.patches.keepalive: Rasa's calls to an endpoint (the action server) go over one kept-alive
connection, with the same headers, authentication, answers and errors as Rasa's own, and survive
the server closing its connections (a restart)."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot.patches import keepalive


async def _server(seen: list[tuple[int, str | None, str | None]], port: int = 0) -> tuple[web.AppRunner, int]:
    async def webhook(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername")
        seen.append((peer[1], request.headers.get("X-Kefu-Action-Secret"), request.headers.get("Authorization")))
        body = await request.json()
        if body.get("fail"):
            return web.json_response({"error": "no"}, status=400)
        return web.json_response({"echo": body})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, reuse_address=True)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


@pytest.fixture(params=["stock", "patched"])
async def mode(request, restored):
    if request.param == "patched":
        keepalive.install()
    yield request.param
    await keepalive.close()


async def test_calls_answer_as_rasas_own_over_one_connection(mode):
    seen: list = []
    runner, port = await _server(seen)
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"X-Kefu-Action-Secret": "s3"},
                              basic_auth={"username": "u", "password": "p"})
    try:
        answers = [await endpoint.request(json={"n": i}, method="post") for i in range(5)]
        with pytest.raises(ClientResponseError) as failed:
            await endpoint.request(json={"fail": True}, method="post")
        assert failed.value.status == 400
        assert answers == [{"echo": {"n": i}} for i in range(5)]
        assert {(secret, auth) for _port, secret, auth in seen} == {("s3", "Basic dTpw")}
        ports = {peer for peer, _secret, _auth in seen}
        assert len(ports) == (1 if mode == "patched" else 6)  # stock Rasa: a new connection per call
    finally:
        await runner.cleanup()


async def test_a_call_after_the_server_restarted_is_answered(mode):
    seen: list = []
    runner, port = await _server(seen)
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
    assert await endpoint.request(json={"n": 1}, method="post") == {"echo": {"n": 1}}
    await runner.cleanup()  # closes the kept connection, as a restarted action server does
    await asyncio.sleep(0.05)
    runner, _port = await _server(seen, port)  # on the same address
    try:
        assert await endpoint.request(json={"n": 2}, method="post") == {"echo": {"n": 2}}
    finally:
        await runner.cleanup()


def test_idle_connections_are_given_up_before_the_action_server_closes_them():
    from sanic.config import DEFAULT_CONFIG

    assert keepalive.KEEPALIVE < DEFAULT_CONFIG["KEEP_ALIVE_TIMEOUT"]
