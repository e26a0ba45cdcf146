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
        load_settings().secret_key
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
