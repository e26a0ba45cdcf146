"""Shared fixtures: databases (SQLite and PostgreSQL), the trained model, a running stack."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The known third-party warnings ignored by message from the start (pyproject.toml's filters only
# apply from collection on, and Sanic's import would put "every DeprecationWarning once" first).
from kefu import known_warnings
from tests.databases import create_postgres_database, drop_postgres_database, migrated_sqlite
from tests.stack import ROOT, Stack, make_stack

known_warnings.install()

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")



@pytest.fixture(autouse=True)
def fresh_settings():
    """Each test reads the settings of its own environment: the process-wide settings
    (``kefu.settings.current``, loaded once per process) are forgotten before and after it."""
    from kefu import settings

    forget = getattr(getattr(settings, "current", None), "cache_clear", lambda: None)
    forget()
    yield
    forget()


POSTGRES_ADMIN_URL = os.environ.get("KEFU_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def _postgres_available() -> bool:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL, future=True, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - whatever the driver raises, there is no server to test against
        return False


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """Admin URL of the PostgreSQL server (tests needing it are skipped, visibly, without one)."""
    if not _postgres_available():
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}")
    return POSTGRES_ADMIN_URL


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path: Path) -> str:
    """A migrated, empty app database: once on SQLite, once on PostgreSQL (tests/databases.py)."""
    if request.param == "sqlite":
        yield migrated_sqlite(tmp_path / "app.db")
    else:
        admin = request.getfixturevalue("postgres_server")
        url = create_postgres_database(admin, migrated=True)
        yield url
        drop_postgres_database(admin, url)


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model for the current training data (trained now if ``make test`` has not)."""
    from bot.stack.training import ensure_model

    return ensure_model(ROOT)


@pytest.fixture(scope="session")
def stack(tmp_path_factory, trained_model) -> Stack:
    """The whole Kefu stack on SQLite, started once per test session like ``make run``.

    Agents are on duty round the clock here (``HANDOFF_SERVICE_HOURS``), so conversation tests
    do not depend on the time of day; service hours are tested with a clock the test sets.
    """
    running = make_stack(tmp_path_factory.mktemp("stack"), env={"HANDOFF_SERVICE_HOURS": "00:00-24:00"})
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def faq_stack(tmp_path_factory, trained_model) -> Stack:
    """A stack of its own for FAQ publishing: publishing changes what the bot answers, and the
    background retrain swaps its model (tests/conversations/test_faq_publish.py, the editor's
    browser test)."""
    running = make_stack(tmp_path_factory.mktemp("faqstack"), env={"HANDOFF_SERVICE_HOURS": "00:00-24:00"})
    running.start()
    yield running
    running.stop()


# -- Telegram and WeChat against local fakes of their APIs (tests/channels, tests/security) --------
@pytest.fixture(scope="session")
def fake_telegram():
    from tests.channels.conftest import TELEGRAM_TOKEN
    from tests.fakes import FakeTelegramApi

    fake = FakeTelegramApi(TELEGRAM_TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def fake_wechat():
    from tests.channels.conftest import WECHAT_APP_ID, WECHAT_APP_SECRET
    from tests.fakes import FakeWeChatApi

    fake = FakeWeChatApi(WECHAT_APP_ID, WECHAT_APP_SECRET).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def channels_stack(tmp_path_factory, trained_model, fake_telegram, fake_wechat) -> Stack:
    """The whole stack with Telegram (webhook mode) and WeChat in safe mode (an EncodingAESKey:
    plaintext pushes refused, as WECHAT_REQUIRE_ENCRYPTION defaults to) enabled."""
    from tests.channels import conftest as sides

    running = make_stack(tmp_path_factory.mktemp("channels-stack"), env={
        "TELEGRAM_TOKEN": sides.TELEGRAM_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": sides.TELEGRAM_SECRET,
        "TELEGRAM_API_URL": fake_telegram.base_url,
        "WECHAT_TOKEN": sides.WECHAT_TOKEN,
        "WECHAT_APP_ID": sides.WECHAT_APP_ID,
        "WECHAT_APP_SECRET": sides.WECHAT_APP_SECRET,
        "WECHAT_ENCODING_AES_KEY": sides.WECHAT_AES_KEY,
        "WECHAT_API_URL": fake_wechat.base_url,
    })
    running.start()
    yield running
    running.stop()


@pytest.fixture
def telegram(channels_stack):
    from tests.channels.conftest import TelegramSide

    return TelegramSide(channels_stack)


@pytest.fixture
def wechat(channels_stack):
    from tests.channels.conftest import WeChatSide

    return WeChatSide(channels_stack)


def pytest_terminal_summary(terminalreporter):
    """Prints the held-out NLU figures when the NLU evaluation ran."""
    from tests.nlu.reports import REGIONS, REPORTS, wrong_faq

    REPORT = REPORTS.get("shop")
    if REPORT:
        terminalreporter.section("NLU on the held-out set (tests/nlu/heldout.yml)")
        terminalreporter.write_line(
            f"{REPORT['messages']} messages: intent {REPORT['intent_accuracy']:.1%}, "
            f"intent + FAQ key {REPORT['accuracy']:.1%}, FAQ key {REPORT['faq_key_accuracy']:.1%}, "
            f"fallback {REPORT['fallback_rate']:.1%} (details: results/nlu-heldout.json)"
        )
        if REPORT.get("no_intent"):
            fillers = REPORT["no_intent"]
            terminalreporter.write_line(
                f"{fillers['messages']} messages without an intent (这个呢, and?): fallback {fillers['fallback_rate']:.1%}, "
                f"taken as {fillers['taken_as'] or 'nothing else'}"
            )
        for name, (title, path) in REGIONS.items():
            region = REPORTS.get(name)
            if region:
                polite = region["polite"]
                terminalreporter.write_line(
                    f"{title} (tests/nlu/{path.name}): {region['messages']} messages: "
                    f"intent {region['intent_accuracy']:.1%}, FAQ key {region['faq_key_accuracy']:.1%}, "
                    f"fallback {region['fallback_rate']:.1%}; polite messages taken for a complaint: "
                    f"{len(polite['taken_for_complaint'])} of {polite['messages']}"
                )
        unanswered = REPORTS.get("unanswered")
        if unanswered:
            wrong = wrong_faq(REPORTS)
            answers = sum(REPORTS[name]["faq_answers"] for name in wrong)
            terminalreporter.write_line(
                f"Wrong FAQ answers (another FAQ's, or one where no FAQ fits): {sum(wrong.values())} of {answers} "
                f"FAQ answers ({', '.join(f'{name} {count}' for name, count in wrong.items())}); "
                f"questions no FAQ answers (tests/nlu/heldout_unanswered.yml) declined: "
                f"{unanswered['per_label']['out_of_scope']['correct']} of {unanswered['messages']}"
            )
    products = REPORTS.get("products")
    if products:
        terminalreporter.section("Product facts on the held-out set (tests/nlu/heldout_products.yml)")
        terminalreporter.write_line(
            f"{products['questions']} questions: fact accuracy {products['fact_accuracy']:.1%}, invented facts "
            f"{products['invented']}, unknown facts said to be unknown {products['unknown_honesty']:.1%} "
            "(details: results/nlu-heldout-products.json)")
        for lang, f in products["per_language"].items():
            terminalreporter.write_line(
                f"  {lang}: {f['questions']} questions: fact accuracy {f['fact_accuracy']:.1%}, invented {f['invented']}, "
                f"unknown said to be unknown {f['unknown_honesty']:.1%}")
