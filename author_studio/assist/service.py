"""Drafting jobs: build the request, ask the provider, store proposed variants.

One :class:`AssistService` serves one open project and one provider. A draft
either stores all of its variants, its cache entry, its ``assist_request`` row
and an audit line in one transaction, or, when the provider fails, stores only
the ``assist_request`` row saying why. Nothing a provider returns is approved
here: every variant starts as ``proposed``.

The cache is the ``draft_cache`` table keyed by prompt hash. A request whose hash
is cached costs no provider call; its variants are the ones already stored for
that hash when they still exist, or are stored again from the cache. Asking for
fresh drafts skips the lookup and replaces the cache entry.

Every method may be called from worker threads; writes go through the session's
write lock.
"""

from __future__ import annotations

import enum
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, select

from author_studio.assist import prompts
from author_studio.assist.provider import (
    Draft,
    DraftCancelledError,
    DraftProgress,
    DraftProvider,
    DraftRequest,
    DraftResult,
    ProviderError,
)
from author_studio.assist.settings import AssistSettings
from author_studio.assist.usage import (
    UsageSummary,
    project_usage,
)
from author_studio.domain.errors import DomainError
from author_studio.domain.model import (
    Provenance,
    Variant,
    VariantOrigin,
    VariantStatus,
)
from author_studio.domain.story import Story
from author_studio.services.session import ProjectSession
from author_studio.services.variants import write_audit
from author_studio.store.tables import AssistRequestRow, DraftCacheRow, VariantRow

logger = logging.getLogger(__name__)

# Progress updates from a streaming request are sent at most this often, so a
# fast stream does not flood the GUI thread with signals.
PROGRESS_INTERVAL_S = 0.1


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class DraftJob:
    """One drafting request to run: ``count`` variants of a scene for an audience."""

    scene_id: int
    audience_id: int
    count: int = 2
    instruction: str = ""
    label: str = ""


@dataclass(frozen=True)
class JobUpdate:
    """A change of one job of a batch, for a progress view."""

    index: int
    job: DraftJob
    state: JobState
    message: str = ""
    variant_ids: tuple[int, ...] = ()
    cached: bool = False


@dataclass(frozen=True)
class DraftOutcome:
    """The result of one job: the stored variant ids, or the error."""

    job: DraftJob
    state: JobState
    variant_ids: tuple[int, ...] = ()
    prompt_hash: str = ""
    cached: bool = False
    result: DraftResult | None = None
    error: str = ""
    note: str = ""


@dataclass(frozen=True)
class Fetched:
    """The drafts :meth:`AssistService.fetch` got for one job, not yet stored.

    ``request`` is None when no request could be built. ``cached_ids`` are the
    variants already stored for a cached request.
    """

    job: DraftJob
    request: DraftRequest | None
    state: JobState
    result: DraftResult | None = None
    error: str = ""
    cached: bool = False
    cached_ids: tuple[int, ...] = ()


UpdateCallback = Callable[[JobUpdate], None]


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _drafts_to_json(result: DraftResult) -> str:
    return json.dumps(
        {
            "drafts": [
                {
                    "script": d.script,
                    "duration_s": d.duration_s,
                    "summary": d.summary,
                    "canon_kept": list(d.canon_kept),
                }
                for d in result.drafts
            ],
            "prompt_tokens": result.prompt_tokens,
            "completion_tokens": result.completion_tokens,
            "latency_ms": result.latency_ms,
        },
        ensure_ascii=False,
    )


def _drafts_from_json(text: str, provider: str, model: str) -> DraftResult:
    data = json.loads(text)
    drafts = tuple(
        Draft(d["script"], d["duration_s"], d["summary"], tuple(d["canon_kept"]))
        for d in data["drafts"]
    )
    return DraftResult(
        drafts=drafts,
        provider=provider,
        model=model,
        prompt_tokens=data.get("prompt_tokens", 0),
        completion_tokens=data.get("completion_tokens", 0),
        latency_ms=data.get("latency_ms", 0),
        raw=text,
        attempts=0,
        cached=True,
    )


@dataclass
class _Throttle:
    """Let through the first event of each stage, then one per interval."""

    last: float = 0.0
    stage: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ready(self, stage: str) -> bool:
        with self.lock:
            now = time.monotonic()
            if stage == self.stage and now - self.last < PROGRESS_INTERVAL_S:
                return False
            self.stage = stage
            self.last = now
            return True


class AssistService:
    """Draft variants of one project's scenes with one provider."""

    def __init__(
        self,
        session: ProjectSession,
        provider: DraftProvider,
        settings: AssistSettings | None = None,
    ) -> None:
        self.session = session
        self.provider = provider
        self.settings = settings or AssistSettings()

    # Requests

    def build(
        self,
        scene_id: int,
        audience_id: int,
        count: int,
        instruction: str = "",
        story: Story | None = None,
    ) -> tuple[DraftRequest, tuple[str, ...]]:
        """Build the request for one job; raises DomainError on bad input."""
        story = story or self.session.load_story()
        context = prompts.build_context(story, scene_id, audience_id, instruction)
        return prompts.build_request(context, self.provider, count)

    def preview(
        self, scene_id: int, audience_id: int, count: int, instruction: str = ""
    ) -> prompts.PromptPreview:
        story = self.session.load_story()
        context = prompts.build_context(story, scene_id, audience_id, instruction)
        return prompts.preview(context, self.provider, count)

    def canon_jobs(
        self, audience_ids: Sequence[int], count: int = 2, instruction: str = ""
    ) -> list[DraftJob]:
        """Return one job per canon scene with a script and per audience."""
        story = self.session.load_story()
        jobs = []
        for scene in sorted(story.scenes, key=lambda s: s.id or 0):
            if not scene.canon or not scene.script.strip():
                continue
            for audience_id in audience_ids:
                audience = story.audience_by_id[audience_id]
                jobs.append(
                    DraftJob(
                        scene.id,
                        audience_id,
                        count,
                        instruction,
                        f"{scene.key} for {audience.name}",
                    )
                )
        return jobs

    def fetch(
        self,
        job: DraftJob,
        *,
        fresh: bool = False,
        cancel_event: threading.Event | None = None,
        progress: Callable[[DraftProgress], None] | None = None,
        story: Story | None = None,
    ) -> Fetched:
        """Get the drafts of one job from the cache or the provider; writes nothing.

        Provider failures are returned in the Fetched state. Raises only
        DomainError, for input that cannot make a request at all (a missing
        scene, an empty script, a count out of range).
        """
        request, notes = self.build(
            job.scene_id, job.audience_id, job.count, job.instruction, story
        )
        for note in notes:
            logger.info("%s: trimmed to fit the prompt budget: %s", request.label, note)

        if not fresh:
            cached = self._from_cache(job, request)
            if cached is not None:
                return cached

        try:
            result = self.provider.draft(request, cancel_event, progress)
        except DraftCancelledError as error:
            return Fetched(job, request, JobState.CANCELLED, error=str(error))
        except ProviderError as error:
            logger.warning("Drafting %s failed: %s", request.label, error)
            return Fetched(job, request, JobState.FAILED, error=str(error))
        if cancel_event is not None and cancel_event.is_set():
            return Fetched(
                job,
                request,
                JobState.CANCELLED,
                result,
                error="Cancelled after the response arrived; nothing was stored.",
            )
        return Fetched(job, request, JobState.DONE, result)

    def store(self, fetched: Fetched) -> DraftOutcome:
        """Write what :meth:`fetch` got: the variants, the cache entry, the
        request log row and an audit line, or only the log row on failure."""
        job, request, result = fetched.job, fetched.request, fetched.result
        if request is None:
            return DraftOutcome(job, fetched.state, error=fetched.error)
        digest = request.prompt_hash

        if fetched.state is not JobState.DONE:
            self._log_request(request, fetched.state.value, error=fetched.error)
            return DraftOutcome(
                job, fetched.state, prompt_hash=digest, error=fetched.error
            )
        if fetched.cached and fetched.cached_ids:
            self._log_request(request, "done", cached=True)
            statuses = {self.session.variants.get(i).status for i in fetched.cached_ids}
            note = ""
            if VariantStatus.PROPOSED not in statuses:
                note = "already reviewed; ask for fresh drafts to get new ones"
            return DraftOutcome(
                job, JobState.DONE, fetched.cached_ids, digest, True, result, note=note
            )
        try:
            ids = self._store(job, request, result, cached=fetched.cached)
        except DomainError as error:
            logger.warning("Storing the drafts of %s failed: %s", request.label, error)
            self._log_request(request, "failed", result=result, error=str(error))
            return DraftOutcome(
                job,
                JobState.FAILED,
                prompt_hash=digest,
                result=result,
                error=str(error),
            )
        return DraftOutcome(job, JobState.DONE, ids, digest, fetched.cached, result)

    def draft(
        self,
        job: DraftJob,
        *,
        fresh: bool = False,
        cancel_event: threading.Event | None = None,
        progress: Callable[[DraftProgress], None] | None = None,
        story: Story | None = None,
    ) -> DraftOutcome:
        """Fetch and store one job; failures are returned, not raised."""
        fetched = self.fetch(
            job, fresh=fresh, cancel_event=cancel_event, progress=progress, story=story
        )
        return self.store(fetched)

    def fetch_batch(
        self,
        jobs: Sequence[DraftJob],
        *,
        fresh: bool = False,
        cancel_event: threading.Event | None = None,
        on_update: UpdateCallback | None = None,
        on_fetched: Callable[[int, Fetched], None] | None = None,
    ) -> list[Fetched]:
        """Fetch ``jobs`` with at most ``provider.max_in_flight`` at once.

        TODO: batches go out as individual chat requests; OpenAI's Batch API
        (half the price, results within 24 hours) is not used yet.

        Both callbacks run in worker threads. ``on_update`` gets ``queued`` for
        every job, then ``running`` and progress messages; ``on_fetched`` gets
        each job's index and result as soon as it is ready, so the caller can
        store it in the thread it chooses. Returns the results in job order.
        """
        cancel = cancel_event or threading.Event()
        notify = on_update or (lambda _update: None)
        fetched_callback = on_fetched or (lambda _index, _fetched: None)
        story = self.session.load_story()
        for index, job in enumerate(jobs):
            notify(JobUpdate(index, job, JobState.QUEUED))

        def run(index: int, job: DraftJob) -> Fetched:
            if cancel.is_set():
                fetched = Fetched(job, None, JobState.CANCELLED, error="Cancelled.")
                fetched_callback(index, fetched)
                return fetched
            notify(JobUpdate(index, job, JobState.RUNNING))
            throttle = _Throttle()

            def report(event: DraftProgress) -> None:
                if event.stage == "waiting" or throttle.ready(event.stage):
                    notify(JobUpdate(index, job, JobState.RUNNING, _describe(event)))

            try:
                fetched = self.fetch(
                    job, fresh=fresh, cancel_event=cancel, progress=report, story=story
                )
            except DomainError as error:
                fetched = Fetched(job, None, JobState.FAILED, error=str(error))
            except Exception as error:
                logger.exception("Drafting job %d failed unexpectedly", index)
                fetched = Fetched(job, None, JobState.FAILED, error=str(error))
            fetched_callback(index, fetched)
            return fetched

        workers = max(1, min(self.provider.max_in_flight, len(jobs) or 1))
        with ThreadPoolExecutor(workers, thread_name_prefix="draft") as pool:
            futures = [pool.submit(run, i, job) for i, job in enumerate(jobs)]
            return [future.result() for future in futures]

    def draft_batch(
        self,
        jobs: Sequence[DraftJob],
        *,
        fresh: bool = False,
        cancel_event: threading.Event | None = None,
        on_update: UpdateCallback | None = None,
    ) -> list[DraftOutcome]:
        """Fetch and store ``jobs`` within the in-flight limit, storing from the
        worker threads; ``on_update`` also gets each job's final state."""
        notify = on_update or (lambda _update: None)
        outcomes: list[DraftOutcome | None] = [None] * len(jobs)

        def store(index: int, fetched: Fetched) -> None:
            outcome = self.store(fetched)
            outcomes[index] = outcome
            notify(final_update(index, outcome))

        self.fetch_batch(
            jobs,
            fresh=fresh,
            cancel_event=cancel_event,
            on_update=on_update,
            on_fetched=store,
        )
        return [outcome for outcome in outcomes if outcome is not None]

    # Storage

    def _from_cache(self, job: DraftJob, request: DraftRequest) -> Fetched | None:
        with self.session.file.read() as db:
            row = db.get(DraftCacheRow, request.prompt_hash)
            if row is None:
                return None
            existing = db.exec(
                select(VariantRow.id)
                .where(
                    VariantRow.prompt_hash == request.prompt_hash,
                    VariantRow.scene_id == job.scene_id,
                    VariantRow.audience_id == job.audience_id,
                )
                .order_by(col(VariantRow.id))
            ).all()
            response, provider, model = row.response, row.provider, row.model
        try:
            result = _drafts_from_json(response, provider, model)
        except (ValueError, KeyError, TypeError) as error:
            logger.warning(
                "Ignoring an unreadable cache entry %s: %s", request.prompt_hash, error
            )
            return None

        logger.info("%s: found in the cache", request.label)
        return Fetched(
            job, request, JobState.DONE, result, cached=True, cached_ids=tuple(existing)
        )

    def _store(
        self,
        job: DraftJob,
        request: DraftRequest,
        result: DraftResult,
        cached: bool = False,
    ) -> tuple[int, ...]:
        ids = []
        with self.session.write() as (db, _changes):
            for draft in result.drafts:
                variant = self.session.variants.create(
                    Variant(
                        scene_id=job.scene_id,
                        audience_id=job.audience_id,
                        script=draft.script,
                        duration_s=draft.duration_s,
                        origin=VariantOrigin.AI,
                        summary=draft.summary,
                        canon_kept=list(draft.canon_kept),
                        provenance=Provenance(
                            provider=result.provider,
                            model=result.model,
                            prompt_hash=request.prompt_hash,
                            prompt_tokens=0 if cached else result.prompt_tokens,
                            completion_tokens=0 if cached else result.completion_tokens,
                            latency_ms=result.latency_ms,
                        ),
                    )
                )
                ids.append(variant.id)
            if not cached:
                row = db.get(DraftCacheRow, request.prompt_hash) or DraftCacheRow(
                    prompt_hash=request.prompt_hash,
                    provider=result.provider,
                    model=result.model,
                    response="",
                    created_at=_now(),
                )
                row.response = _drafts_to_json(result)
                row.created_at = _now()
                db.add(row)
            self._log_request(request, "done", result=result, cached=cached, db=db)
            write_audit(
                db,
                self.session.actor,
                "drafted",
                f"{request.label} with {result.provider}/{result.model or '-'}",
                f"variants {', '.join(str(i) for i in ids)}"
                + (" (from cache)" if cached else ""),
            )
        logger.info(
            "%s: stored %d proposed variant(s) %s", request.label, len(ids), ids
        )
        return tuple(ids)

    def _log_request(
        self,
        request: DraftRequest,
        status: str,
        *,
        result: DraftResult | None = None,
        cached: bool = False,
        error: str = "",
        db=None,
    ) -> None:
        row = AssistRequestRow(
            at=_now(),
            provider=self.provider.name,
            model=self.provider.model,
            prompt_hash=request.prompt_hash,
            status=status,
            cached=cached,
            prompt_tokens=0 if cached or result is None else result.prompt_tokens,
            completion_tokens=0
            if cached or result is None
            else result.completion_tokens,
            latency_ms=0 if result is None else result.latency_ms,
            error=error[:1000],
        )
        if db is not None:
            db.add(row)
            return
        with self.session.write() as (inner, _changes):
            inner.add(row)

    # Usage

    def usage(self) -> UsageSummary:
        return project_usage(self.session, self.settings)


def final_update(index: int, outcome: DraftOutcome) -> JobUpdate:
    """Return the progress update that reports a stored outcome."""
    return JobUpdate(
        index,
        outcome.job,
        outcome.state,
        outcome.error or _done_message(outcome),
        outcome.variant_ids,
        outcome.cached,
    )


def _describe(event: DraftProgress) -> str:
    if event.stage == "waiting":
        return f"waiting {event.wait_s:.1f} s before retry (attempt {event.attempt})"
    if event.stage == "streaming":
        return f"receiving: {event.characters} characters"
    if event.stage == "sending":
        return "sending" if event.attempt == 1 else f"sending, attempt {event.attempt}"
    return event.stage


def _done_message(outcome: DraftOutcome) -> str:
    count = len(outcome.variant_ids)
    source = "from the cache" if outcome.cached else "drafted"
    message = f"{count} variant(s) {source}"
    return f"{message}, {outcome.note}" if outcome.note else message
