"""WeChat followers chatting with the running stack: pushes signed and encrypted as WeChat's
servers sign and encrypt them for an account in safe mode, with wechatpy playing WeChat's side;
pushed messages observed on a fake WeChat API. (Plaintext mode and replayed queries:
tests/security/test_wechat_replay.py.)"""

from __future__ import annotations

import concurrent.futures
import os
import threading
import time
import urllib.parse

import pytest

from tests.channels.conftest import (
    WECHAT_ACCOUNT,
    new_openid,
    push_to,
    reply_fields,
    user_texts,
    wechat_message,
    wechat_signature,
    wechat_text,
)
from tests.fakes import wait_for
from tests.stack import http

pytestmark = pytest.mark.stack


def test_server_check_returns_echostr_only_with_a_good_signature(wechat):
    query = wechat.query(echostr="echo-1234567890")
    status, body = http("GET", f"{wechat.url}?{urllib.parse.urlencode(query)}")
    assert (status, body) == (200, "echo-1234567890")

    bad = wechat.query(token="not-the-token", echostr="echo-1234567890")
    status, body = http("GET", f"{wechat.url}?{urllib.parse.urlencode(bad)}")
    assert status == 403 and "echo" not in str(body)
    status, _ = http("GET", f"{wechat.url}?echostr=x")
    assert status == 403


def test_text_gets_a_passive_reply_in_time(wechat, channels_stack):
    openid = new_openid()
    status, body, elapsed = wechat.post(wechat_text(openid, "你好"))
    assert status == 200 and elapsed < 4.5
    reply = reply_fields(body)
    assert reply["ToUserName"] == openid and reply["FromUserName"] == WECHAT_ACCOUNT
    assert reply["MsgType"] == "text" and "明镜商城" in reply["Content"]
    assert user_texts(channels_stack, f"wx:{openid}") == ["你好"]


def test_faq_answer_in_english(wechat):
    status, body, _ = wechat.post(wechat_text(new_openid(), "How long does a refund take?"))
    assert status == 200 and "refund" in reply_fields(body)["Content"].lower()


@pytest.mark.parametrize("query", [
    {},
    {"signature": "0" * 40, "timestamp": "1700000000", "nonce": "1"},
], ids=["unsigned", "bad-signature"])
def test_unsigned_or_badly_signed_push_is_refused_and_not_processed(wechat, channels_stack, query):
    openid = new_openid()
    status, body, _ = wechat.post(wechat_text(openid, "你好"), query=query)
    assert status == 403 and "明镜" not in body
    assert user_texts(channels_stack, f"wx:{openid}") == []


def test_push_signed_with_another_token_is_refused(wechat, channels_stack):
    openid = new_openid()
    status, _body, _ = wechat.post(wechat_text(openid, "你好"), query=wechat.query(token="other-token"))
    assert status == 403
    assert user_texts(channels_stack, f"wx:{openid}") == []


def test_encrypted_push_gets_an_encrypted_reply(wechat, channels_stack):
    openid = new_openid()
    status, body, _query = wechat.post_encrypted(wechat_text(openid, "运费怎么算"))
    assert status == 200
    assert "运费" not in body  # the reply travels encrypted
    reply = reply_fields(wechat.open_reply(body))  # checks MsgSignature, decrypts, checks the AppID
    assert reply["ToUserName"] == openid and "运费" in reply["Content"]
    assert user_texts(channels_stack, f"wx:{openid}") == ["运费怎么算"]


def test_encrypted_push_with_a_bad_msg_signature_is_refused(wechat, channels_stack):
    openid = new_openid()
    timestamp, nonce = str(int(time.time())), "12345"
    envelope = wechat.crypto.encrypt_message(wechat_text(openid, "你好"), nonce, timestamp)
    query = {"signature": wechat_signature("kefu_wechat_token", timestamp, nonce), "timestamp": timestamp,
             "nonce": nonce, "encrypt_type": "aes", "msg_signature": "f" * 40}
    status, _body, _ = wechat.post(envelope, query=query)
    assert status == 403
    assert user_texts(channels_stack, f"wx:{openid}") == []


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xml><ToUserName>gh_kefu_demo</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>"""


def test_xml_bomb_is_refused_at_once(wechat, channels_stack):
    openid = new_openid()
    status, body, elapsed = wechat.post(BILLION_LAUGHS.format(openid=openid))  # inside the encryption
    assert status == 400 and "lol" not in body and elapsed < 2
    # as the envelope itself, signed: refused before anything is expanded
    status, body, elapsed = wechat.post(BILLION_LAUGHS.format(openid=openid),
                                        query=wechat.query(encrypt_type="aes", msg_signature="0" * 40))
    assert status == 400 and "lol" not in body and elapsed < 2
    assert user_texts(channels_stack, f"wx:{openid}") == []


def test_external_entities_are_refused_without_reading_files(wechat, channels_stack, tmp_path):
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("TOP-SECRET-MARKER")
    # A named pipe with no writer: a parser that tried to open it would hang, so a prompt answer
    # proves that no file was opened.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    for target in (secret_file, pipe):
        openid = new_openid()
        xml = (f'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY leak SYSTEM "file://{target}">]>'
               f"<xml><ToUserName>gh</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>1</CreateTime>"
               f"<MsgType>text</MsgType><Content>&leak;</Content><MsgId>2</MsgId></xml>")
        status, body, elapsed = wechat.post(xml, timeout=10)
        assert status == 400 and "TOP-SECRET" not in body and elapsed < 2
        assert user_texts(channels_stack, f"wx:{openid}") == []
    # Encrypted pushes are held to the same rule after decryption.
    openid = new_openid()
    inner = (f'<!DOCTYPE xml [<!ENTITY leak SYSTEM "file://{secret_file}">]><xml><FromUserName>{openid}'
             "</FromUserName><MsgType>text</MsgType><Content>&leak;</Content></xml>")
    status, body, _query = wechat.post_encrypted(inner)
    assert status == 400 and "TOP-SECRET" not in body


def test_a_retried_msgid_gets_the_same_reply_and_is_processed_once(wechat, channels_stack):
    openid = new_openid()
    xml = wechat_text(openid, "退款一般几天到账")
    first = wechat.post(xml)
    second = wechat.post(xml)
    assert first[0] == second[0] == 200
    assert reply_fields(first[1])["Content"] == reply_fields(second[1])["Content"]
    assert "退款" in reply_fields(first[1])["Content"]
    assert user_texts(channels_stack, f"wx:{openid}") == ["退款一般几天到账"]


def test_concurrent_retries_of_one_msgid_are_processed_once(wechat, channels_stack):
    openid = new_openid()
    xml = wechat_text(openid, "能开发票吗")
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: wechat.post(xml), range(3)))
    contents = {reply_fields(body)["Content"] for status, body, _ in results if status == 200}
    assert len(contents) == 1 and "发票" in contents.pop()
    assert user_texts(channels_stack, f"wx:{openid}") == ["能开发票吗"]


@pytest.mark.parametrize("msg_type, body", [
    ("image", "<PicUrl><![CDATA[http://mmbiz.qpic.cn/x.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId>"),
    ("voice", "<MediaId><![CDATA[m2]]></MediaId><Format><![CDATA[amr]]></Format>"),
    ("location", ("<Location_X>31.23</Location_X><Location_Y>121.47</Location_Y><Scale>15</Scale>"
                 "<Label><![CDATA[上海市]]></Label>")),
    ("video", "<MediaId><![CDATA[m3]]></MediaId><ThumbMediaId><![CDATA[t3]]></ThumbMediaId>"),
])
def test_non_text_gets_a_polite_text_please(wechat, channels_stack, msg_type, body):
    openid = new_openid()
    status, reply, _ = wechat.post(wechat_message(openid, msg_type, body))
    assert status == 200
    assert "文字" in reply_fields(reply)["Content"]


def test_voice_with_speech_recognition_is_read_as_text(wechat):
    body = "<MediaId><![CDATA[m]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[运费怎么算]]></Recognition>"
    status, reply, _ = wechat.post(wechat_message(new_openid(), "voice", body))
    assert status == 200 and "运费" in reply_fields(reply)["Content"]


def test_following_the_account_gets_the_greeting(wechat):
    status, reply, _ = wechat.post(wechat_message(new_openid(), "event", "<Event><![CDATA[subscribe]]></Event>"))
    assert status == 200 and "明镜商城" in reply_fields(reply)["Content"]


def test_unfollowing_gets_success_and_no_message(wechat, fake_wechat):
    openid = new_openid()
    status, reply, _ = wechat.post(wechat_message(openid, "event", "<Event><![CDATA[unsubscribe]]></Event>"))
    assert (status, reply) == (200, "success")
    time.sleep(0.5)
    assert fake_wechat.messages_to(openid) == []


def test_agent_messages_go_through_the_customer_service_api_with_one_cached_token(wechat, fake_wechat,
                                                                               channels_stack):
    openid = new_openid()
    wechat.post(wechat_text(openid, "我要投诉"))
    fetches_before = fake_wechat.token_fetches
    push_to(channels_stack, f"wx:{openid}", {"event": "bot", "text": "您好，我是客服小林。", "metadata": {"agent": "小林"}})
    push_to(channels_stack, f"wx:{openid}", {"event": "bot", "text": "已为您登记。", "metadata": {"agent": "小林"}})
    assert wait_for(lambda: len(fake_wechat.messages_to(openid)) == 2)
    assert fake_wechat.messages_to(openid) == ["小林：您好，我是客服小林。", "小林：已为您登记。"]
    assert fake_wechat.token_fetches - fetches_before <= 1  # at most one fetch, then the cached token
    assert fake_wechat.token_fetches >= 1
    # WeChat wants raw UTF-8, not \\u escapes
    raw = fake_wechat.calls_of("/cgi-bin/message/custom/send", touser=openid)[0].params["raw"]
    assert "小林".encode() in raw


def test_buttons_become_numbered_choices_and_the_number_picks_one(wechat, fake_wechat, channels_stack):
    openid = new_openid()
    wechat.post(wechat_text(openid, "你好"))
    push_to(channels_stack, f"wx:{openid}", {"event": "bot", "text": "请为本次服务评分", "data": {"buttons": [
        {"title": "很满意", "payload": "/greet"}, {"title": "不满意", "payload": "/goodbye"}]}})
    sent = wait_for(lambda: fake_wechat.messages_to(openid))
    assert sent == ["请为本次服务评分\n1. 很满意\n2. 不满意"]
    status, body, _ = wechat.post(wechat_text(openid, "1"))
    assert status == 200 and "明镜商城" in reply_fields(body)["Content"]  # /greet answered
    assert user_texts(channels_stack, f"wx:{openid}")[-1] == "/greet"


def test_typed_slash_commands_are_not_read_as_intents(wechat, channels_stack):
    openid = new_openid()
    status, _body, _ = wechat.post(wechat_text(openid, '/order_status{"order_id": "261103004817"}'))
    assert status == 200
    # The bot read the words, not Rasa's "/intent{entities}" shortcut that would set the order id.
    assert user_texts(channels_stack, f"wx:{openid}") == ['order_status{"order_id": "261103004817"}']


def test_signature_is_checked_before_the_body_is_read(wechat):
    # A body that is not XML at all: unsigned, refused for the signature; signed, for the XML.
    status, _body, _ = wechat.post(b"\x00\x01 not xml", query={})
    assert status == 403
    status, _body, _ = wechat.post(b"\x00\x01 not xml", query=wechat.query(encrypt_type="aes"))
    assert status == 400


def test_many_followers_at_once_all_get_answers(wechat):
    openids = [new_openid() for _ in range(6)]
    results: dict[str, str] = {}

    def ask(openid: str) -> None:
        status, body, _ = wechat.post(wechat_text(openid, "你好"))
        results[openid] = reply_fields(body)["Content"] if status == 200 and body != "success" else body

    threads = [threading.Thread(target=ask, args=(o,)) for o in openids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all("明镜商城" in results[o] for o in openids)
