"""WeChat message XML: what is read, what is refused (before anything is expanded or opened)."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import pytest

from bot.channels.wechat_xml import MAX_XML_BYTES, XmlRefused, encrypted_reply, parse_message, text_reply

TEXT = """<xml>
  <ToUserName><![CDATA[gh_shop]]></ToUserName>
  <FromUserName><![CDATA[oUser123]]></FromUserName>
  <CreateTime>1700000000</CreateTime>
  <MsgType><![CDATA[text]]></MsgType>
  <Content><![CDATA[  运费 怎么算？\n第二行 ]]></Content>
  <MsgId>1234567890123456</MsgId>
</xml>"""


def test_fields_are_read_and_content_kept_as_sent():
    fields = parse_message(TEXT.encode())
    assert fields["FromUserName"] == "oUser123" and fields["MsgType"] == "text"
    assert fields["Content"] == "  运费 怎么算？\n第二行 "
    assert fields["MsgId"] == "1234567890123456"


def test_escaped_text_is_read():
    assert parse_message("<xml><Content>a &lt;b&gt; &amp; c</Content></xml>")["Content"] == "a <b> & c"


BOMB = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
        + ']><xml><Content>&j;</Content></xml>')


@pytest.mark.parametrize("body", [
    BOMB,
    '<!DOCTYPE xml [<!ENTITY leak SYSTEM "file:///etc/passwd">]><xml><Content>&leak;</Content></xml>',
    '<!DOCTYPE xml [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]><xml/>',
    '<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/x.dtd"><xml/>',
    '<!DOCTYPE xml><xml><Content>x</Content></xml>',
], ids=["billion-laughs", "external-entity", "parameter-entity", "external-dtd", "plain-doctype"])
def test_any_dtd_is_refused_at_once(body):
    started = time.monotonic()
    with pytest.raises(XmlRefused, match="forbidden"):
        parse_message(body.encode())
    assert time.monotonic() - started < 0.5


def test_external_entity_file_is_never_opened(tmp_path):
    import os

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)  # opening it for reading would block this test forever
    with pytest.raises(XmlRefused):
        parse_message(f'<!DOCTYPE xml [<!ENTITY e SYSTEM "file://{pipe}">]><xml><A>&e;</A></xml>'.encode())


@pytest.mark.parametrize("body, reason", [
    (b"", "empty"),
    (b"   ", "empty"),
    (b"<xml><A>", "malformed"),
    (b"not xml at all", "malformed"),
    (b"<root><A>1</A></root>", "root element"),
    (b"<xml>" + b"<A>x</A>" * (MAX_XML_BYTES // 8) + b"</xml>", "larger"),
])
def test_malformed_or_oversized_bodies_are_refused(body, reason):
    with pytest.raises(XmlRefused, match=reason):
        parse_message(body)


def test_text_reply_round_trips_even_with_cdata_terminators():
    content = "订单已发货 ]]> <b>&amp;</b>"
    reply = text_reply(to_user="oUser123", from_user="gh_shop", content=content, create_time=1700000000)
    root = ET.fromstring(reply)
    assert {c.tag: c.text for c in root} == {"ToUserName": "oUser123", "FromUserName": "gh_shop",
                                              "CreateTime": "1700000000", "MsgType": "text", "Content": content}


def test_encrypted_reply_envelope():
    root = ET.fromstring(encrypted_reply(encrypt="abc==", signature="f" * 40, timestamp="1700000000", nonce="n"))
    assert [c.tag for c in root] == ["Encrypt", "MsgSignature", "TimeStamp", "Nonce"]
    assert root.findtext("Encrypt") == "abc=="
