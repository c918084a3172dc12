"""Drafting jobs end to end: provider, storage, cache, usage and batches."""

from __future__ import annotations

import logging
import threading

from sqlmodel import select

from author_studio.assist.offline import OfflineDrafter
from author_studio.assist.openai_provider import OpenAIProvider
from author_studio.assist.service import AssistService, DraftJob, JobState
from author_studio.assist.settings import ModelPrice
from author_studio.domain.model import VariantOrigin, VariantStatus
from author_studio.store.tables import AssistRequestRow, DraftCacheRow
from tests.assist.fake_openai_server import FakeOpenAIServer, Reply


def _ids(project):
    story = project.load_story()
    return (
        story.scene_by_key["bridge"].id,
        story.audience_by_name["Teens"].id,
        story.audience_by_name["Family"].id,
    )


def _rows(project, row_type):
    with project.file.read() as db:
        return list(db.exec(select(row_type)).all())


def test_draft_stores_proposed_with_provenance(project, server, settings):
    bridge, teens, _family = _ids(project)
    service = AssistService(project, OpenAIProvider(settings), settings)
    outcome = service.draft(DraftJob(bridge, teens, 2))

    assert outcome.state is JobState.DONE
    assert len(outcome.variant_ids) == 2
    variant = project.variants.get(outcome.variant_ids[0])
    assert variant.status is VariantStatus.PROPOSED
    assert variant.origin is VariantOrigin.AI
    assert variant.provenance.provider == "openai"
    assert variant.provenance.model == "test-model"
    assert variant.provenance.prompt_hash == outcome.prompt_hash
    assert variant.provenance.prompt_tokens > 0
    assert variant.provenance.completion_tokens > 0
    assert variant.provenance.latency_ms >= 0
    assert variant.created_at is not None
    assert variant.canon_kept == ["Lantern Guild", "Mara"]
    requests = _rows(project, AssistRequestRow)
    assert [r.status for r in requests] == ["done"]
    assert len(_rows(project, DraftCacheRow)) == 1
    assert project.audit_log()[0].action == "drafted"


def test_cache_hit_costs_no_request(project, server, settings):
    bridge, teens, _family = _ids(project)
    service = AssistService(project, OpenAIProvider(settings), settings)
    first = service.draft(DraftJob(bridge, teens, 2))
    again = service.draft(DraftJob(bridge, teens, 2))

    assert len(server.chat_requests()) == 1
    assert again.cached
    assert again.variant_ids == first.variant_ids
    cached_rows = [r for r in _rows(project, AssistRequestRow) if r.cached]
    assert len(cached_rows) == 1
    assert cached_rows[0].prompt_tokens == 0


def test_cache_restores_deleted_variants(project, server, settings):
    bridge, teens, _family = _ids(project)
    service = AssistService(project, OpenAIProvider(settings), settings)
    first = service.draft(DraftJob(bridge, teens, 1))
    project.variants.delete(first.variant_ids[0])
    again = service.draft(DraftJob(bridge, teens, 1))

    assert len(server.chat_requests()) == 1
    assert again.cached
    assert len(project.variants.list()) == 1
    restored = project.variants.get(again.variant_ids[0])
    assert restored.provenance.prompt_tokens == 0


def test_fresh_drafts_ask_again(project, server, settings):
    bridge, teens, _family = _ids(project)
    service = AssistService(project, OpenAIProvider(settings), settings)
    first = service.draft(DraftJob(bridge, teens, 2))
    fresh = service.draft(DraftJob(bridge, teens, 2), fresh=True)

    assert len(server.chat_requests()) == 2
    assert not fresh.cached
    assert set(fresh.variant_ids).isdisjoint(first.variant_ids)
    assert len(_rows(project, DraftCacheRow)) == 1


def test_failure_stores_nothing(project, server, settings):
    bridge, teens, _family = _ids(project)
    server.queue(Reply("malformed"))
    service = AssistService(project, OpenAIProvider(settings), settings)
    outcome = service.draft(DraftJob(bridge, teens, 2))

    assert outcome.state is JobState.FAILED
    assert "not valid JSON" in outcome.error
    assert project.variants.list() == []
    assert _rows(project, DraftCacheRow) == []
    failed = _rows(project, AssistRequestRow)
    assert [r.status for r in failed] == ["failed"]
    assert "not valid JSON" in failed[0].error


def test_key_reaches_no_file_or_log(project, server, settings, caplog):
    caplog.set_level(logging.DEBUG)
    bridge, teens, _family = _ids(project)
    server.queue(Reply("server_error"), Reply("malformed"))
    provider = OpenAIProvider(settings)
    service = AssistService(project, provider, settings)
    service.draft(DraftJob(bridge, teens, 1))
    service.draft(DraftJob(bridge, teens, 1))
    provider.test_connection()
    path = project.path
    project.close()

    key = settings.api_key.encode()
    for candidate in path.parent.iterdir():
        if candidate.is_file():
            assert key not in candidate.read_bytes(), candidate.name
    assert settings.api_key not in caplog.text
    assert server.chat_requests()[0].headers["authorization"].endswith(settings.api_key)


def test_offline_drafts_labelled(project):
    bridge, _teens, family = _ids(project)
    service = AssistService(project, OfflineDrafter())
    outcome = service.draft(DraftJob(bridge, family, 1))

    variant = project.variants.get(outcome.variant_ids[0])
    assert variant.provenance.provider == "offline"
    assert variant.summary.startswith("Rule-based draft")
    assert "damn" not in variant.script
    assert "darn" in variant.script


def test_batch_of_canon_scenes_within_limit(project, settings):
    _bridge, teens, family = _ids(project)
    start = project.scenes.by_key("start")
    project.scenes.update(start.id, canon=True)
    with FakeOpenAIServer(api_key=settings.api_key, latency_s=0.2) as slow:
        provider = OpenAIProvider(settings.replace(base_url=slow.url, max_in_flight=2))
        service = AssistService(project, provider, settings)
        jobs = service.canon_jobs([teens, family], count=1)
        updates = []
        lock = threading.Lock()

        def collect(update):
            with lock:
                updates.append(update)

        outcomes = service.draft_batch(jobs, on_update=collect)

        assert [j.label for j in jobs] == [
            "start for Teens",
            "start for Family",
            "bridge for Teens",
            "bridge for Family",
        ]
        assert [o.state for o in outcomes] == [JobState.DONE] * 4
        assert slow.max_in_flight == 2
    for index in range(4):
        states = [u.state for u in updates if u.index == index]
        assert states[0] is JobState.QUEUED
        assert JobState.RUNNING in states
        assert states[-1] is JobState.DONE
    assert len(project.variants.list()) == 4


def test_batch_cancel_stores_nothing(project, server, settings):
    bridge, teens, family = _ids(project)
    server.queue(Reply("stall", stall_s=5), Reply("stall", stall_s=5))
    service = AssistService(project, OpenAIProvider(settings), settings)
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    jobs = [DraftJob(bridge, teens, 1), DraftJob(bridge, family, 1)]
    outcomes = service.draft_batch(jobs, cancel_event=cancel)

    assert [o.state for o in outcomes] == [JobState.CANCELLED] * 2
    assert project.variants.list() == []


def test_usage_and_cost(project, server, settings):
    bridge, teens, _family = _ids(project)
    priced = settings.replace(prices={"test-model": ModelPrice(1.0, 2.0)})
    service = AssistService(project, OpenAIProvider(priced), priced)
    outcome = service.draft(DraftJob(bridge, teens, 1))
    service.draft(DraftJob(bridge, teens, 1))

    usage = service.usage()
    line = usage.lines[0]
    assert line.requests == 2
    assert line.cached == 1
    assert line.prompt_tokens == outcome.result.prompt_tokens
    expected = (line.prompt_tokens * 1.0 + line.completion_tokens * 2.0) / 1e6
    assert usage.total_cost_usd == expected
    unpriced = AssistService(project, OpenAIProvider(settings), settings).usage()
    assert unpriced.total_cost_usd is None


def test_usage_counts_beyond_one(project, server, settings):
    bridge, teens, _family = _ids(project)
    service = AssistService(project, OpenAIProvider(settings), settings)
    for _ in range(3):
        service.draft(DraftJob(bridge, teens, 1))

    line = service.usage().lines[0]
    assert line.requests == 3
    assert line.cached == 2
    assert line.failed == 0


def test_cache_hit_on_reviewed_drafts_says_so(project, server, settings):
    from author_studio.assist.service import final_update

    bridge, teens, _family = _ids(project)
    service = AssistService(project, OpenAIProvider(settings), settings)
    first = service.draft(DraftJob(bridge, teens, 1))
    project.variants.reject(first.variant_ids[0], "ed", "flat")
    again = service.draft(DraftJob(bridge, teens, 1))
    message = final_update(0, again).message
    assert message == (
        "1 variant(s) from the cache, already reviewed; ask for fresh drafts to get "
        "new ones"
    )
