"""Service hours (9:00-22:00 Asia/Shanghai by default) and complaint categories."""

import datetime as dt

import pytest

from handoff.complaints import categorize
from handoff.hours import ServiceHours
from kefu.settings import SettingsError

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(hour, minute=0, day=23):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize("moment, is_open", [(at(8, 59), False), (at(9, 0), True), (at(14), True),
                                             (at(21, 59), True), (at(22, 0), False), (at(3), False)])
def test_default_hours_in_shanghai(moment, is_open):
    assert ServiceHours.parse().is_open(moment) is is_open


def test_utc_times_are_judged_in_shanghai():
    # 01:30 UTC is 09:30 in Shanghai
    assert ServiceHours.parse().is_open(dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.timezone.utc))


def test_next_opening_is_this_morning_or_tomorrow_morning():
    hours = ServiceHours.parse()
    assert hours.next_opening(at(3)) == dt.datetime(2026, 11, 23, 9, 0, tzinfo=hours.zone)
    assert hours.next_opening(at(23)) == dt.datetime(2026, 11, 24, 9, 0, tzinfo=hours.zone)
    assert hours.next_opening(at(10)) == at(10)


def test_always_open_and_bad_settings():
    assert ServiceHours.parse("00:00-24:00").is_open(at(3))
    with pytest.raises(SettingsError, match="HANDOFF_SERVICE_HOURS"):
        ServiceHours.parse("22:00-09:00")
    with pytest.raises(SettingsError, match="HANDOFF_TIMEZONE"):
        ServiceHours.parse("09:00-22:00", "Mars/Olympus")


@pytest.mark.parametrize(
    "text, category",
    [
        ("快递一个星期了还没到", "delivery"), ("衣服洗一次就掉色，什么质量", "quality"), ("退款拖了两周还没到账", "refund"),
        ("客服态度太差了", "service"), ("发错货了，我买的是黑色", "wrong_item"), ("刚买就降价", "price"),
        ("my parcel is two weeks late", "delivery"), ("the headphones stopped working", "quality"),
        ("your support is rude", "service"), ("我要投诉", "other"),
    ],
)
def test_complaint_categories(text, category):
    assert categorize(text) == category
