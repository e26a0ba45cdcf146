"""The handoff queue on a real database (SQLite and PostgreSQL): store and service together."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from handoff.hours import ServiceHours
from handoff.service import HandoffService, InvalidMessage, NotHolder
from handoff.states import InvalidTransition, Status
from handoff.store import HandoffConflict, HandoffNotFound, HandoffStore, Hold
from kefu.events import record_events

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class Clock:
    """A clock the test sets; starts at 10:00 in Shanghai (service hours)."""

    def __init__(self, moment: dt.datetime | None = None) -> None:
        self.moment = moment or dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)

    def __call__(self) -> dt.datetime:
        return self.moment.astimezone(dt.timezone.utc)

    def advance(self, **delta) -> None:
        self.moment += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(database_url, clock) -> HandoffService:
    return HandoffService(HandoffStore(database_url), hours=ServiceHours.parse(), clock=clock)


def ask(service, sender, reason="customer_request", **kwargs):
    return service.request(sender_id=sender, channel="rest", reason=reason, language="zh-Hans", **kwargs)


def say(database_url, sender, role, text, at: dt.datetime, **extra):
    event = {"sender_id": sender, "event": "user" if role == "customer" else "bot", "text": text,
             "timestamp": at.timestamp(), **extra}
    record_events(database_url, [event])


def test_request_in_service_hours_queues_with_position_and_wait(service):
    first = ask(service, "alice")
    assert first.created and first.handoff.status == "waiting" and first.position == 1
    assert first.wait_minutes >= 1 and first.callback_at is None
    second = ask(service, "bob")
    assert second.position == 2 and second.wait_minutes >= first.wait_minutes


def test_complaints_jump_the_queue(service):
    ask(service, "alice", "customer_request")
    ask(service, "bob", "low_confidence")
    complaint = ask(service, "carol", "complaint", trigger_text="你们服务太差了")
    assert complaint.position == 1
    assert complaint.handoff.priority > service.store.get(ask(service, "alice").handoff.id).priority
    queue = service.store.list(["waiting"])
    assert [h.sender_id for h in queue] == ["carol", "alice", "bob"]
    assert [h.reason for h in queue] == ["complaint", "customer_request", "low_confidence"]


def test_asking_twice_keeps_the_place(service):
    first = ask(service, "alice")
    again = ask(service, "alice", "complaint")
    assert not again.created and again.handoff.id == first.handoff.id
    assert len(service.store.list(["waiting"])) == 1


def test_outside_hours_takes_a_callback_request(database_url):
    clock = Clock(dt.datetime(2026, 11, 23, 23, 30, tzinfo=SHANGHAI))
    service = HandoffService(HandoffStore(database_url), hours=ServiceHours.parse(), clock=clock)
    outcome = ask(service, "night-owl")
    assert outcome.is_callback and outcome.handoff.status == "callback" and outcome.position is None
    assert outcome.callback_at == dt.datetime(2026, 11, 24, 9, 0, tzinfo=service.hours.zone)
    assert service.store.list(["waiting"]) == []
    # asking again next morning joins the queue, keeping the same record
    clock.moment = dt.datetime(2026, 11, 24, 9, 5, tzinfo=SHANGHAI)
    morning = ask(service, "night-owl")
    assert morning.handoff.id == outcome.handoff.id and morning.handoff.status == "waiting"
    assert [(t.from_status, t.to_status) for t in service.store.transitions(outcome.handoff.id)] == [
        ("bot", "callback"), ("callback", "waiting")]


def test_every_transition_is_stored_with_its_actor(service, clock):
    handoff = ask(service, "alice").handoff
    clock.advance(minutes=2)
    service.claim(handoff.id, "agent")
    clock.advance(minutes=5)
    service.resolve(handoff.id, "agent")
    rows = service.store.transitions(handoff.id)
    assert [(r.from_status, r.to_status, r.actor) for r in rows] == [
        ("bot", "waiting", "bot"), ("waiting", "active", "agent:agent"), ("active", "resolved", "agent:agent")]
    final = service.store.get(handoff.id)
    assert final.status == "resolved" and final.claimed_by == "agent" and final.ended_at is not None


def test_two_agents_claiming_at_once_one_wins(service):
    handoff = ask(service, "alice").handoff
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def claim(agent):
        barrier.wait()
        try:
            results[agent] = service.claim(handoff.id, agent).claimed_by
        except HandoffConflict as conflict:
            results[agent] = conflict
        except Exception as error:  # noqa: BLE001 - shown by the assertion below
            results[agent] = repr(error)

    threads = [threading.Thread(target=claim, args=(name,)) for name in ("lin", "wang")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [agent for agent, result in results.items() if result == agent]
    losers = [result for result in results.values() if isinstance(result, HandoffConflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert service.store.get(handoff.id).claimed_by == winners[0]
    assert len([t for t in service.store.transitions(handoff.id) if t.to_status == "active"]) == 1


def test_claiming_own_conversation_again_is_fine_anothers_is_a_conflict(service):
    handoff = ask(service, "alice").handoff
    service.claim(handoff.id, "lin")
    assert service.claim(handoff.id, "lin").claimed_by == "lin"
    with pytest.raises(HandoffConflict, match="held by 'lin'"):
        service.claim(handoff.id, "wang")


def test_writing_and_resolving_need_the_conversation_in_hand(service):
    handoff = ask(service, "alice").handoff
    with pytest.raises(NotHolder, match="claim it"):
        service.check_can_write(handoff.id, "lin", "您好")
    service.claim(handoff.id, "lin")
    with pytest.raises(NotHolder, match="held by 'lin'"):
        service.resolve(handoff.id, "wang")
    assert service.check_can_write(handoff.id, "lin", "  您好  ")[1] == "您好"
    for bad in ("", "   ", None, 42, "长" * 2001):
        with pytest.raises(InvalidMessage):
            service.check_can_write(handoff.id, "lin", bad)
    service.resolve(handoff.id, "lin")
    with pytest.raises(NotHolder, match="resolved: the conversation is back with the bot"):
        service.check_can_write(handoff.id, "lin", "还在吗")


def test_resolved_cannot_be_claimed_again(service):
    handoff = ask(service, "alice").handoff
    service.claim(handoff.id, "lin")
    service.resolve(handoff.id, "lin")
    with pytest.raises(HandoffConflict):
        service.claim(handoff.id, "wang")
    with pytest.raises(InvalidTransition, match="'resolved' → 'active'"):
        service.store.transition(handoff.id, Status.ACTIVE, actor="x", at=service.now())
    with pytest.raises(HandoffNotFound):
        service.claim(99999, "lin")


def test_release_puts_it_back_in_the_queue(service):
    handoff = ask(service, "alice").handoff
    service.claim(handoff.id, "lin")
    released = service.release(handoff.id, "lin")
    assert released.status == "waiting" and released.claimed_by is None


def test_wait_estimate_follows_recent_handling_times(service, clock):
    for index in range(3):
        handoff = ask(service, f"past-{index}").handoff
        service.claim(handoff.id, "lin")
        clock.advance(minutes=10)
        service.resolve(handoff.id, "lin")
    # one agent at ten minutes a conversation: the third in line waits about half an hour
    assert service.estimate_wait(3) == 30
    assert service.estimate_wait(1000) == 120


def test_transcript_is_the_conversation_from_its_session_start(service, database_url, clock):
    start = clock()
    record_events(database_url, [{"sender_id": "alice", "event": "session_started",
                                  "timestamp": (start - dt.timedelta(minutes=5)).timestamp()}])
    say(database_url, "alice", "customer", "我的快递到哪了", start - dt.timedelta(minutes=4))
    say(database_url, "alice", "bot", "请提供订单号", start - dt.timedelta(minutes=4))
    say(database_url, "alice", "customer", "EXTERNAL: EXTERNAL_x", start, parse_data={"intent": {"name": "EXTERNAL_x"}})
    handoff = ask(service, "alice").handoff
    say(database_url, "alice", "customer", "还在吗", start + dt.timedelta(minutes=1))
    say(database_url, "alice", "bot", "您好，我是小林", start + dt.timedelta(minutes=2), metadata={"agent": "小林"})
    say(database_url, "bob", "customer", "别人的消息", start + dt.timedelta(minutes=2))
    lines = [(line.role, line.text) for line in service.transcript(service.store.get(handoff.id))]
    assert lines == [("customer", "我的快递到哪了"), ("bot", "请提供订单号"), ("customer", "还在吗"),
                     ("agent", "您好，我是小林")]


def test_the_queue_lists_the_same_transcripts_as_each_handoff_alone(service, database_url, clock, monkeypatch):
    """The queue list reads every handoff's transcript in one batch: the lines of each must be what
    the handoff alone shows (its own session, its own end, nobody else's messages)."""
    from handoff import transcripts

    start = clock()
    record_events(database_url, [{"sender_id": "carol", "event": "session_started",
                                  "timestamp": (start - dt.timedelta(hours=2)).timestamp()}])
    say(database_url, "carol", "customer", "昨天的问题", start - dt.timedelta(hours=1, minutes=50))
    first = ask(service, "carol").handoff
    service.claim(first.id, "小林")
    say(database_url, "carol", "bot", "好的，已处理", start + dt.timedelta(minutes=1), metadata={"agent": "小林"})
    clock.advance(minutes=2)
    service.resolve(first.id, "小林")
    clock.advance(hours=1)
    record_events(database_url, [{"sender_id": "carol", "event": "session_started",
                                  "timestamp": clock().timestamp()}])
    say(database_url, "carol", "customer", "新的问题：发票", clock() + dt.timedelta(seconds=5))
    clock.advance(minutes=1)
    second = ask(service, "carol").handoff
    say(database_url, "dave", "customer", "没有会话开始的对话", clock() - dt.timedelta(hours=1))
    say(database_url, "dave", "customer", "太久以前的消息", clock() - dt.timedelta(hours=7))
    third = ask(service, "dave").handoff
    say(database_url, "erin", "customer", "EXTERNAL: EXTERNAL_x", clock(), parse_data={"intent": {"name": "EXTERNAL_x"}})
    fourth = ask(service, "erin").handoff
    for number in range(6):
        say(database_url, "erin", "customer", f"第{number}条", clock() + dt.timedelta(seconds=number + 1))
    handoffs = [service.store.get(h.id) for h in (first, second, third, fourth)]
    alone = {h.id: [(line.role, line.text) for line in service.transcripts.of(h)] for h in handoffs}
    assert alone[first.id] == [("customer", "昨天的问题"), ("agent", "好的，已处理")]
    assert alone[second.id] == [("customer", "新的问题：发票")]
    assert alone[third.id] == [("customer", "没有会话开始的对话")]
    assert len(alone[fourth.id]) == 6
    batch = service.transcripts.of_each(handoffs)
    assert {key: [(line.role, line.text) for line in lines] for key, lines in batch.items()} == alone
    monkeypatch.setattr(transcripts, "BATCH", 3)  # more handoffs than a batch holds
    assert {key: [(line.role, line.text) for line in lines]
            for key, lines in service.transcripts.of_each(handoffs).items()} == alone
    assert [(line.role, line.text) for line in service.transcripts.of_each(handoffs[3:], limit=2)[fourth.id]] == \
        [(line.role, line.text) for line in service.transcripts.of(handoffs[3], limit=2)]


def test_complaint_opens_a_ticket_with_category_and_transcript(service, clock):
    transcript = [{"role": "customer", "text": "快递十天了还没到，太差了", "ts": clock().isoformat()}]
    outcome = ask(service, "alice", "complaint", trigger_text="快递十天了还没到，太差了", transcript=transcript)
    handoff = outcome.handoff
    ticket = service.tickets.of_handoff(handoff.id)
    assert outcome.ticket_id == ticket.id
    assert ticket.category == "delivery" and ticket.status == "open" and ticket.summary == "快递十天了还没到，太差了"
    assert ticket.transcript == transcript
    assert service.tickets.of_handoff(ask(service, "bob", "customer_request").handoff.id) is None
    service.claim(handoff.id, "lin")
    service.resolve(handoff.id, "lin")
    assert service.tickets.of_handoff(handoff.id).status == "handled"
    followed = service.follow_up(ticket.id, "lin", "已补发，客户确认收到")
    assert followed.status == "followed_up" and "已补发" in followed.note


def test_rating_goes_to_the_latest_resolved_handoff(service):
    handoff = ask(service, "alice").handoff
    assert service.record_rating("alice", 5) is None  # nothing resolved yet
    service.claim(handoff.id, "lin")
    service.resolve(handoff.id, "lin")
    assert service.record_rating("alice", 4).id == handoff.id
    assert service.store.get(handoff.id).rating == 4
    assert service.record_rating("alice", 5) is None  # rated already
    with pytest.raises(ValueError):
        service.record_rating("alice", 6)


def test_quiet_waiting_customers_are_abandoned(service, clock, database_url):
    quiet = ask(service, "quiet").handoff
    chatty = ask(service, "chatty").handoff
    clock.advance(minutes=100)
    say(database_url, "chatty", "customer", "还要等多久", clock())
    clock.advance(minutes=30)
    abandoned = service.abandon_stale(quiet_for=dt.timedelta(minutes=120))
    assert [h.id for h in abandoned] == [quiet.id]
    assert service.store.get(quiet.id).status == "abandoned"
    assert service.store.get(chatty.id).status == "waiting"
    assert not service.store.hold_of("quiet").by_human  # the bot answers the quiet customer again
    assert service.store.hold_of("chatty").by_human


def test_the_record_says_who_holds_a_conversation(service, database_url):
    store = service.store
    assert store.hold_of("alice") == Hold(None, False)  # never handed over: the bot's
    handoff = ask(service, "alice").handoff
    assert store.hold_of("alice").by_human  # waiting: the bot is silent
    service.claim(handoff.id, "lin")
    assert store.hold_of("alice") == Hold("active", False)
    service.release(handoff.id, "lin")
    assert store.hold_of("alice").by_human  # back in the queue, still with the humans
    service.claim(handoff.id, "lin")
    service.resolve(handoff.id, "lin")
    assert not store.hold_of("alice").by_human
    assert not store.hold_of("bob").by_human  # another conversation is not affected


def test_a_callback_request_is_held_once_an_agent_claims_it(database_url):
    clock = Clock(dt.datetime(2026, 11, 23, 23, 30, tzinfo=SHANGHAI))
    service = HandoffService(HandoffStore(database_url), hours=ServiceHours.parse(), clock=clock)
    handoff = ask(service, "night-owl").handoff
    assert service.store.hold_of("night-owl") == Hold("callback", False)
    assert not service.store.hold_of("night-owl").by_human  # nobody is coming yet: the bot helps
    service.claim(handoff.id, "lin")
    assert service.store.hold_of("night-owl").by_human


def test_the_rating_question_is_owed_until_it_reached_the_bot(service, clock):
    store = service.store
    handoff = ask(service, "alice").handoff
    service.claim(handoff.id, "lin")
    service.resolve(handoff.id, "lin")

    def owed() -> list[int]:
        return [h.id for h in store.ratings_to_request(since=clock() - dt.timedelta(days=1), now=clock())]

    assert owed() == [handoff.id]
    assert store.start_rating_request(handoff.id, clock())
    assert not store.start_rating_request(handoff.id, clock())  # one sender at a time
    assert owed() == []  # being sent: the upkeep leaves it alone
    store.finish_rating_request(handoff.id, None)  # the Rasa server could not be reached
    assert owed() == [handoff.id]
    assert store.start_rating_request(handoff.id, clock())
    clock.advance(minutes=2)  # a sender that died: its lease runs out
    assert owed() == [handoff.id] and store.start_rating_request(handoff.id, clock())
    store.finish_rating_request(handoff.id, clock())
    assert owed() == [] and not store.start_rating_request(handoff.id, clock())
    assert store.get(handoff.id).rating_requested_at is not None


def test_no_rating_question_while_the_conversation_is_held_again(service, clock):
    first = ask(service, "alice").handoff
    service.claim(first.id, "lin")
    service.resolve(first.id, "lin")
    ask(service, "alice")  # asks for a human again before the question went out
    assert service.store.ratings_to_request(since=clock() - dt.timedelta(days=1), now=clock()) == []
    abandoned = ask(service, "bob").handoff
    clock.advance(hours=3)
    service.abandon_stale(quiet_for=dt.timedelta(hours=2))
    assert abandoned.id not in [h.id for h in service.store.ratings_to_request(since=clock() - dt.timedelta(days=1),
                                                                                now=clock())]
