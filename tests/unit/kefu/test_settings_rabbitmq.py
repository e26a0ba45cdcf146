"""RABBITMQ_URL: off unless set, checked when loaded, its password never shown (issue 19 item 5)."""

from __future__ import annotations

import pytest

from kefu import logs
from kefu.settings import SettingsError, load_settings


@pytest.fixture()
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path))
    for name in ("RABBITMQ_URL", "RABBITMQ_EXCHANGE", "RABBITMQ_QUEUES"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_event_stream_is_off_unless_a_rabbitmq_url_is_set(env):
    assert load_settings().rabbitmq_url is None
    env.setenv("RABBITMQ_URL", "   ")
    assert load_settings().rabbitmq_url is None


@pytest.mark.parametrize("good", ["amqp://guest:guest@127.0.0.1:5672/", "amqps://kefu:p%40ss@mq.shop.cn:5671/kefu",
                                  "amqp://rabbitmq", "amqp://kefu:pw@rabbitmq:5672/%2F?heartbeat=30"])
def test_a_usable_rabbitmq_url_is_taken_as_written(env, good):
    env.setenv("RABBITMQ_URL", good)
    assert load_settings().rabbitmq_url == good


@pytest.mark.parametrize("bad", ["rabbitmq:5672", "http://guest:hunter2@rabbitmq:5672/", "amqp://",
                                 "amqp://guest:hunter2@rabbitmq:port/", "amqp://guest@rabbitmq:5672/",
                                 "amqp://:hunter2@rabbitmq:5672/", "redis://:hunter2@rabbitmq:6379"])
def test_an_unusable_rabbitmq_url_names_the_variable_and_the_fix_without_the_password(env, bad):
    env.setenv("RABBITMQ_URL", bad)
    with pytest.raises(SettingsError, match="RABBITMQ_URL") as error:
        load_settings()
    message = str(error.value)
    assert "hunter2" not in message and "amqp://kefu:password@rabbitmq:5672/" in message, message


def test_the_rabbitmq_password_is_a_secret_no_log_line_shows(env):
    env.setenv("RABBITMQ_URL", "amqp://kefu:s3cret%2Fpw@mq.shop.cn:5672/kefu")
    secrets = load_settings().secret_values()
    assert "s3cret%2Fpw" in secrets and "s3cret/pw" in secrets  # as written and as decoded
    line = "connecting as kefu with s3cret/pw to amqp://kefu:s3cret%2Fpw@mq.shop.cn:5672/kefu"
    cleaned = logs.clean(line, secrets)
    assert "s3cret" not in cleaned and "mq.shop.cn" in cleaned


def test_the_exchange_and_queues_are_rasas_unless_named(env):
    settings = load_settings()
    assert (settings.rabbitmq_exchange, settings.rabbitmq_queues) == ("rasa-exchange", ("rasa_core_events",))
    env.setenv("RABBITMQ_EXCHANGE", "kefu.events")
    env.setenv("RABBITMQ_QUEUES", "warehouse, bi-dashboard ,warehouse")
    settings = load_settings()
    assert (settings.rabbitmq_exchange, settings.rabbitmq_queues) == ("kefu.events", ("warehouse", "bi-dashboard"))


@pytest.mark.parametrize("variable, bad", [("RABBITMQ_EXCHANGE", "a,b"), ("RABBITMQ_EXCHANGE", "事件"),
                                           ("RABBITMQ_QUEUES", ","), ("RABBITMQ_QUEUES", "ok, not ok")])
def test_unusable_exchange_or_queue_names_name_the_variable(env, variable, bad):
    env.setenv(variable, bad)
    with pytest.raises(SettingsError, match=variable) as error:
        load_settings()
    assert "use" in str(error.value)
