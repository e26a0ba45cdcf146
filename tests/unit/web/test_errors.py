"""web.errors: a domain package's table of errors is answered by the web app, once for every route.

A real Sanic app served on 127.0.0.1 whose routes raise and catch nothing; what a client gets back.
"""

from __future__ import annotations

import contextlib
import socket
import uuid

import aiohttp
import pytest
from sanic import Sanic

from kefu.inputs import InvalidInput
from web import errors


class ParcelMissing(LookupError):
    """A domain error with nothing but a message."""


class ParcelLost(ParcelMissing):
    """A subclass of a listed error, not listed itself."""


class ParcelHeld(Exception):
    """A domain error with further fields of its answer."""

    def __init__(self, message: str, *, holder: str) -> None:
        super().__init__(message)
        self.holder = holder

    @property
    def details(self) -> dict:
        return {"holder": self.holder}


class ParcelUnreachable(Exception):
    """Answered by a function of the error (a status and a body of its own)."""


class Unlisted(RuntimeError):
    pass


#: what a domain package would export (it imports nothing of web/)
PARCEL_ERRORS = {
    ParcelMissing: 404,
    ParcelHeld: 409,
    ParcelUnreachable: lambda error: (502, {"error": f"the courier is unreachable: {error}", "retry": True}),
}


@contextlib.asynccontextmanager
async def serving(app: Sanic):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()


def parcel_app() -> Sanic:
    Sanic.test_mode = True  # several apps in one process
    app = Sanic(f"kefu_errors_{uuid.uuid4().hex[:8]}")
    errors.install(app, PARCEL_ERRORS)

    failures = {
        "missing": ParcelMissing("parcel 7 not found"),
        "lost": ParcelLost("parcel 8 was lost"),
        "held": ParcelHeld("parcel 9 is held by customs", holder="customs"),
        "unreachable": ParcelUnreachable("timeout"),
        "invalid": InvalidInput("weight", "must be a number of grams"),
        "unlisted": Unlisted("secret internals: /srv/db password=hunter2"),
        "api": errors.not_found("parcel 10"),
    }

    @app.get("/parcels/<kind:str>")
    async def parcel(_request, kind: str):
        raise failures[kind]

    return app


@pytest.fixture
async def parcels():
    async with serving(parcel_app()) as url, aiohttp.ClientSession() as session:
        async def get(kind: str) -> tuple[int, dict]:
            async with session.get(f"{url}/parcels/{kind}") as reply:
                return reply.status, await reply.json()
        yield get


async def test_a_listed_error_is_answered_with_its_status_and_message(parcels):
    assert await parcels("missing") == (404, {"error": "parcel 7 not found"})


async def test_a_subclass_is_answered_as_its_nearest_listed_class(parcels):
    assert await parcels("lost") == (404, {"error": "parcel 8 was lost"})


async def test_the_details_of_an_error_join_its_answer(parcels):
    assert await parcels("held") == (409, {"error": "parcel 9 is held by customs", "holder": "customs"})


async def test_a_function_in_the_table_gives_status_and_body(parcels):
    assert await parcels("unreachable") == (502, {"error": "the courier is unreachable: timeout", "retry": True})


async def test_bad_input_raised_by_any_route_is_a_422_naming_the_field(parcels):
    assert await parcels("invalid") == (422, {"error": "weight: must be a number of grams", "field": "weight"})


async def test_the_web_layers_own_errors_keep_their_answers(parcels):
    assert await parcels("api") == (404, {"error": "parcel 10 not found"})


async def test_an_unlisted_error_is_a_500_without_internals(parcels, caplog):
    status, body = await parcels("unlisted")
    assert status == 500 and body == {"error": "internal error; the server log has the details"}
    assert any("unhandled error on GET /parcels/unlisted" in r.getMessage() for r in caplog.records)


def test_two_tables_answering_one_class_differently_are_refused_at_start():
    with pytest.raises(ValueError, match="ParcelMissing is answered twice"):
        errors.DomainErrors(PARCEL_ERRORS, {ParcelMissing: 410})
    errors.DomainErrors(PARCEL_ERRORS, {ParcelMissing: 404})  # the same answer twice is no conflict
    with pytest.raises(ValueError, match="not an exception class"):
        errors.DomainErrors({"ParcelMissing": 404})
