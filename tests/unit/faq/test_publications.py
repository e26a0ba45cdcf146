"""FAQ publications: the content files imported and published once, publish requests queued and
run one at a time, published content that round-trips to a catalogue."""

from __future__ import annotations

from faq.codec import catalogue_content, content_catalogue
from faq.loader import load_catalogue
from faq.publishing import sync_from_files, validate
from tests.unit.faq.conftest import CONTENT


def test_files_are_imported_once_and_published(store):
    catalogue, _ = load_catalogue(CONTENT)
    assert {e["id"] for e in store.entries()} == {f.id for f in catalogue.faqs}
    publication, content = store.live()
    assert publication.status == "live" and len(content["faqs"]) == len(catalogue.faqs)
    # a second start with unchanged files changes nothing
    assert "unchanged" in sync_from_files(store.url, CONTENT)
    assert store.live()[0].id == publication.id


def test_publish_requests_coalesce_while_queued_and_run_one_at_a_time(store):
    first = store.request_publish("editor")
    assert store.request_publish("editor2").id == first.id  # queued: not doubled
    running = store.claim_next()
    assert running.id == first.id and running.status == "running"
    second = store.request_publish("editor")
    assert second.id != first.id
    assert store.claim_next() is None  # one at a time
    store.finish(first.id, "live", "done")
    assert store.claim_next().id == second.id


def test_published_content_round_trips_to_a_catalogue(store):
    catalogue = store.draft_catalogue()
    again = content_catalogue(catalogue_content(catalogue))
    assert [f.as_dict() for f in again.faqs] == [f.as_dict() for f in catalogue.faqs]
    assert not [p for p in validate(again) if p.level == "error"]
