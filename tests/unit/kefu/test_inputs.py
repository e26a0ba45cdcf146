"""kefu.inputs: the request-target check both servers apply, and whole numbers in ASCII digits."""

from __future__ import annotations

import pytest

from kefu.inputs import query_field, url_problem, whole_number


@pytest.mark.parametrize("path, query", [
    ("/static/index.html%00.js", ""), ("/static/%00", ""), ("/a%0Ab", ""), ("/a%7f", ""), ("/a\x00b", ""),
    ("/static/%ZZ", ""), ("/static/%", ""), ("/static/%4", ""), ("/a%C0%AF", ""), ("/a%FF", ""),
    ("/a%ED%A0%80", ""),  # a UTF-16 surrogate in UTF-8: not text
    ("/static/" + "a" * 256, ""), ("/static/" + "%E4%B8%80" * 86, ""),  # longer than a file name
    ("/一", ""),  # a raw non-ASCII character in the request line
    ("/api/faqs", "category=a%00b"), ("/api/faqs", "q=%ZZ"), ("/api/faqs", "x=%FF"), ("/x", "a=\x01"),
])
def test_broken_targets_are_named(path, query):
    problem = url_problem(path, query)
    assert problem and "URL" in problem


@pytest.mark.parametrize("path, query", [
    ("/", ""), ("/static/widget/kefu-widget.js", "v=3"), ("/conversations/tg%3A123/tracker", "token=abc"),
    ("/api/inbox", "days=7&limit=50"), ("/a%20b%E4%B8%80", "q=%E8%BF%90%E8%B4%B9+%E6%80%8E%E4%B9%88"),
    ("/socket.io/", "EIO=4&transport=polling&t=P1a2b3"), ("/static/" + "a" * 255, ""),
])
def test_ordinary_targets_pass(path, query):
    assert url_problem(path, query) is None


@pytest.mark.parametrize("raw, expected", [
    ("15", 15), ("0", 0), (7, 7), ("²", None), ("１５", None), ("٣", None), ("߁", None), ("-1", None), ("1.5", None),
    (" 7", None), ("7\n", None), ("", None), (True, None), (1.0, None), (None, None), ("9" * 30, None),
])
def test_whole_numbers_are_ascii_digits(raw, expected):
    assert whole_number(raw) == expected


def test_the_bad_query_parameter_is_named():
    assert query_field("days=7&status=%00&x=1") == "status"
    assert query_field("days=7&q=%ZZ") == "q"
    assert query_field("%00=1") == "query"
    assert query_field("days=7&limit=50") is None
