"""The banner ``make run`` prints when ready: every staff URL (the dashboard too) and the agents'
duty status now, with how to change it (issue 22.7). A demo at night otherwise shows no live
handoff and nothing says why."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.stack.launcher import banner_lines
from kefu.settings import load_settings

UTC = dt.timezone.utc


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path / "var"))
    settings = load_settings()
    settings.create_secrets()  # as the launcher does before anything else
    return settings


def banner(settings, hours: str, utc_hour: int, minute: int = 0) -> str:
    now = dt.datetime(2026, 12, 7, utc_hour, minute, tzinfo=UTC)
    return "\n".join(banner_lines(dataclasses.replace(settings, handoff_service_hours=hours), now))


def test_the_banner_lists_the_dashboard_with_the_other_pages(settings):
    text = banner(settings, "09:00-22:00", 3)
    port = settings.web_port
    for url in ("/", "/console", "/faq", "/dashboard"):
        assert f"http://localhost:{port}{url}\n" in text, url
    assert "Dashboard                    http://localhost" in text


def test_at_night_in_beijing_it_says_off_duty_callbacks_and_how_to_get_live_handoffs(settings):
    text = banner(settings, "09:00-22:00", 15, 30)  # 23:30 in Beijing
    assert "off duty until 09:00 tomorrow (Asia/Shanghai): handoffs become callback requests" in text
    assert "for a demo at any hour: HANDOFF_SERVICE_HOURS=00:00-24:00 make run" in text


def test_before_opening_it_says_until_when_today(settings):
    text = banner(settings, "09:00-22:00", 0, 30)  # 08:30 in Beijing
    assert "off duty until 09:00 today (Asia/Shanghai)" in text


def test_in_service_hours_it_says_on_duty_until_closing(settings):
    text = banner(settings, "09:00-22:00", 3)  # 11:00 in Beijing
    assert "on duty now, until 22:00 Asia/Shanghai: handoffs go to the agent console's queue" in text
    assert "off duty" not in text and "HANDOFF_SERVICE_HOURS=00:00-24:00 make run" in text


def test_always_open_says_so(settings):
    text = banner(settings, "00:00-24:00", 15, 30)
    assert "on duty around the clock (HANDOFF_SERVICE_HOURS=00:00-24:00)" in text
    assert "callback" not in text
