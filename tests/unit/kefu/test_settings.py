"""Settings: strict on/off values, whole numbers, the master key's length, derived sub-keys."""

from __future__ import annotations

import pytest

from kefu import keys
from kefu.settings import SettingsError, load_settings


@pytest.fixture()
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path))
    for name in ("KEFU_DEMO_SHOP", "KEFU_VERIFICATION_MINUTES", "KEFU_SECRET_KEY", "WECHAT_REQUIRE_ENCRYPTION",
                 "WECHAT_ENCODING_AES_KEY", "KEFU_CUSTOMER_TOKEN_SECRET", "KEFU_MAX_REQUEST_BYTES",
                 "KEFU_STAFF_RECHECK_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("value, expected", [("1", True), ("on", True), ("YES", True), ("true", True),
                                             ("0", False), ("off", False), ("No", False), ("false", False)])
def test_on_off_words(env, value, expected):
    env.setenv("KEFU_DEMO_SHOP", value)
    assert load_settings().demo_shop is expected


@pytest.mark.parametrize("value", ["disabled", "2", "nope", "ja"])
def test_an_on_off_setting_that_is_neither_is_an_error_naming_the_variable(env, value):
    env.setenv("KEFU_DEMO_SHOP", value)
    with pytest.raises(SettingsError, match="KEFU_DEMO_SHOP"):
        load_settings()


def test_the_demo_shop_is_off_unless_asked_for(env):
    assert load_settings().demo_shop is False


@pytest.mark.parametrize("value", ["0", "-5", "１５", "²", "15.5", "99999"])
def test_verification_minutes_must_be_a_plain_whole_number_in_range(env, value):
    env.setenv("KEFU_VERIFICATION_MINUTES", value)
    with pytest.raises(SettingsError, match="KEFU_VERIFICATION_MINUTES"):
        load_settings()


def test_a_short_master_key_is_refused_with_the_fix(env):
    env.setenv("KEFU_SECRET_KEY", "too-short")
    with pytest.raises(SettingsError, match="at least 32") as error:
        _ = load_settings().secret_key
    assert "token_urlsafe" in str(error.value)


def test_sub_keys_differ_per_purpose_and_from_the_master(env):
    master = "m" * 40
    env.setenv("KEFU_SECRET_KEY", master)
    settings = load_settings()
    derived = {purpose: settings.key(purpose) for purpose in keys.PURPOSES}
    assert len(set(derived.values())) == len(keys.PURPOSES)
    assert all(len(key) == 32 and master.encode() not in key for key in derived.values())
    assert settings.action_secret == keys.derive_text(master, keys.ACTION_SERVER)
    with pytest.raises(ValueError):
        keys.derive_key(master, "something-else")


def test_wechat_encryption_is_required_by_default_once_a_key_is_set(env):
    assert load_settings().wechat_require_encryption is False
    env.setenv("WECHAT_ENCODING_AES_KEY", "k" * 43)
    assert load_settings().wechat_require_encryption is True
    env.setenv("WECHAT_REQUIRE_ENCRYPTION", "off")
    assert load_settings().wechat_require_encryption is False


def test_staff_accounts_are_rechecked_at_least_once_a_minute(env):
    assert load_settings().staff_recheck_seconds == 60
    env.setenv("KEFU_STAFF_RECHECK_SECONDS", "5")
    assert load_settings().staff_recheck_seconds == 5
    for value in ("0", "61", "3600", "soon"):
        env.setenv("KEFU_STAFF_RECHECK_SECONDS", value)
        with pytest.raises(SettingsError, match="KEFU_STAFF_RECHECK_SECONDS"):
            load_settings()


# -- every setting read in one place, validated when loaded (issue 17) ---------------------------
#: (variable, attribute, the default, a good value, what it becomes, bad values)
SETTINGS = [
    ("LOG_LEVEL", "log_level", "INFO", "debug", "DEBUG", ["verbose", "10", "INFO2"]),
    ("KEFU_FAQ_RETRAIN", "faq_retrain", True, "off", False, ["2", "disabled", "nein"]),
    ("HANDOFF_SERVICE_HOURS", "handoff_service_hours", "09:00-22:00", "00:00-24:00", "00:00-24:00",
     ["9-22", "22:00-09:00", "09:00-25:00", "０９:00-22:00"]),
    ("HANDOFF_TIMEZONE", "handoff_timezone", "Asia/Shanghai", "Europe/Berlin", "Europe/Berlin",
     ["Mars/Olympus", "../etc/passwd", "UTC+8"]),
    ("HANDOFF_ABANDON_AFTER_MINUTES", "handoff_abandon_after_minutes", 120, "45", 45, ["0", "-5", "１５", "2.5", "soon"]),
    ("ANALYTICS_TIMEZONE", "analytics_timezone", "Asia/Shanghai", "America/New_York", "America/New_York",
     ["Beijing", "GMT+8"]),
    ("ANALYTICS_INTERVAL", "analytics_interval", 5.0, "0.5", 0.5, ["-1", "fast", "1e3", "nan", "７", "99999"]),
    ("TICKET_LOCK_LIFETIME", "ticket_lock_lifetime", None, "30", 30, ["0", "-1", "20s", "99999"]),
    ("BOT_REPLICAS", "bot_replicas", 1, "3", 3, ["0", "two", "٣"]),
    ("KEFU_BOT_URLS", "configured_bot_urls", (), "http://rasa1:5005/, http://rasa2:5005",
     ("http://rasa1:5005", "http://rasa2:5005"), ["rasa1:5005", "ftp://rasa1", "http://rasa1:5005/?token=x", ",",
                                                 "http://:5005", "http://rasa1:port"]),
]
NEW_VARIABLES = [row[0] for row in SETTINGS] + ["DATABASE_URL", "DEMO_AGENT_PASSWORD", "DEMO_EDITOR_PASSWORD",
                                                "BOT_API_TOKEN", "KEFU_ACTION_SECRET", "BOT_PORT"]


@pytest.fixture()
def clean(env):
    for name in NEW_VARIABLES:
        env.delenv(name, raising=False)
    return env


@pytest.mark.parametrize("variable, attribute, default, good, parsed, bad", SETTINGS, ids=[r[0] for r in SETTINGS])
def test_each_setting_has_its_default_takes_a_good_value_and_names_itself_when_bad(
        clean, variable, attribute, default, good, parsed, bad):
    assert getattr(load_settings(), attribute) == default
    clean.setenv(variable, good)
    assert getattr(load_settings(), attribute) == parsed
    for value in bad:
        clean.setenv(variable, value)
        with pytest.raises(SettingsError, match=variable) as error:
            load_settings()
        assert "use" in str(error.value) or "list" in str(error.value), error.value  # ... and the fix


@pytest.mark.parametrize("variable, good, bad", [
    ("REDIS_URL", "redis://:secret@redis:6379/0", ["redis:6379", "http://redis:6379", "redis://"]),
    ("TELEGRAM_API_URL", "http://127.0.0.1:9000/bot", ["api.telegram.org/bot", "ftp://x/bot"]),
    ("WECHAT_API_URL", "https://api.weixin.qq.com", ["weixin", "https://"]),
])
def test_service_urls_are_checked_and_the_error_hides_a_password(clean, variable, good, bad):
    clean.setenv(variable, good)
    load_settings()
    for value in bad + ["redis://:hunter2@host:port"]:
        clean.setenv(variable, value)
        with pytest.raises(SettingsError, match=variable) as error:
            load_settings()
        assert "hunter2" not in str(error.value) and "use one such as" in str(error.value)


def test_the_analytics_day_follows_the_handoff_zone_unless_it_has_its_own(clean):
    clean.setenv("HANDOFF_TIMEZONE", "Asia/Tokyo")
    assert load_settings().analytics_timezone == "Asia/Tokyo"
    clean.setenv("ANALYTICS_TIMEZONE", "Asia/Hong_Kong")
    assert load_settings().analytics_timezone == "Asia/Hong_Kong"


def test_the_bot_servers_are_the_configured_ones_else_the_replicas_on_this_host(clean):
    assert load_settings().bot_urls == ("http://127.0.0.1:5005",)
    clean.setenv("BOT_PORT", "6000")
    clean.setenv("BOT_REPLICAS", "3")
    settings = load_settings()
    assert settings.bot_urls == ("http://127.0.0.1:6000", "http://127.0.0.1:6001", "http://127.0.0.1:6002")
    assert settings.bot_url == "http://127.0.0.1:6000"
    clean.setenv("KEFU_BOT_URLS", "http://rasa1:5005,http://rasa2:5005,http://rasa1:5005")
    assert load_settings().bot_urls == ("http://rasa1:5005", "http://rasa2:5005")  # each once


@pytest.mark.parametrize("given, expected", [
    ("postgres://kefu:pw@db:5432/kefu", "postgresql://kefu:pw@db:5432/kefu"),
    ("postgresql+psycopg2://kefu@db/kefu", "postgresql+psycopg2://kefu@db/kefu"),
])
def test_database_urls_are_given_as_sqlalchemy_takes_them(clean, given, expected):
    clean.setenv("DATABASE_URL", given)
    assert load_settings().database_url == expected


def test_an_unusable_database_url_names_the_variable_and_the_form(clean):
    clean.setenv("DATABASE_URL", "mysql://db/kefu")
    with pytest.raises(SettingsError, match="DATABASE_URL.*postgresql://"):
        load_settings()


def test_secrets_come_from_the_environment_else_from_var(clean, tmp_path):
    settings = load_settings()
    assert settings.demo_password("agent") is None and settings.demo_password("editor") is None
    with pytest.raises(SettingsError, match="BOT_API_TOKEN"):
        _ = settings.bot_api_token
    settings.create_secrets()  # what the launcher does
    generated = (tmp_path / "bot_api_token").read_text().strip()
    assert settings.bot_api_token == generated and (tmp_path / "bot_api_token").stat().st_mode & 0o077 == 0
    assert generated in settings.secret_values()  # never shown in a log line
    clean.setenv("BOT_API_TOKEN", "from-the-environment")
    clean.setenv("DEMO_AGENT_PASSWORD", "agent-pass")
    clean.setenv("KEFU_ACTION_SECRET", "action-secret-value")
    settings = load_settings()
    assert settings.bot_api_token == "from-the-environment" and settings.demo_password("agent") == "agent-pass"
    assert settings.action_secret == "action-secret-value"
    assert {"from-the-environment", "agent-pass", "action-secret-value"} <= set(settings.secret_values())
    assert "from-the-environment" not in repr(settings) and "agent-pass" not in repr(settings)


def test_a_process_loads_its_settings_once(clean):
    from kefu.settings import current

    first = current()
    clean.setenv("LOG_LEVEL", "ERROR")
    assert current() is first and first.log_level == "INFO"  # read at start, not at each use
    current.cache_clear()
    assert current().log_level == "ERROR"


def test_defaults_fill_only_what_the_environment_leaves_unset(clean):
    import os

    from kefu.settings import set_defaults

    clean.setenv("KEFU_DEMO_SHOP", "off")
    clean.setenv("LOG_LEVEL", " ")
    set_defaults({"KEFU_DEMO_SHOP": "1", "LOG_LEVEL": "WARNING"})
    assert os.environ["KEFU_DEMO_SHOP"] == "off" and os.environ["LOG_LEVEL"] == "WARNING"


def test_a_process_with_a_bad_setting_stops_at_start_naming_it(tmp_path):
    """The web app reads ANALYTICS_INTERVAL only in a background task: it is refused at start."""
    import subprocess
    import sys

    from kefu.settings import ROOT

    env = {"PATH": "/usr/bin:/bin", "KEFU_VAR_DIR": str(tmp_path), "KEFU_SECRET_KEY": "k" * 40,
           "BOT_API_TOKEN": "token", "ANALYTICS_INTERVAL": "often"}
    result = subprocess.run([sys.executable, "-m", "web"], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False, timeout=120)
    assert result.returncode == 2
    assert "ANALYTICS_INTERVAL='often'" in result.stderr and "number of seconds" in result.stderr
    assert "Traceback" not in result.stderr
