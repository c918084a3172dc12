"""Time drafting with the bundled local model, from a cold start.

Copies the sample project ``sample_projects/night_ferry.authorstudio`` into a
temporary folder and drafts three of its canon scenes (``boarding``, ``car_deck``,
``storm_hits``) for the audience "Family Evening". Their scripts and neighbours
are longer than the prompt budget, so the neighbours get trimmed. Without the
sample project, a three-scene project is built instead. Measured:

- the cold start: starting the llama_cpp.server child until ``/v1/models``
  answers, and the first draft after it (the time a writer waits for the first
  variant after choosing the local model);
- for each of the three scenes, one request for ``--count`` variants: wall time,
  seconds per variant and completion tokens per second;
- the server's resident memory (VmRSS, and the peak VmHWM) at the end.

Every draft is stored as a proposed variant, as the app does. Needs the
``local-model`` extra. Run from the repository root:

    python benchmarks/local_model_benchmark.py [--count N] [--threads N]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from author_studio.assist.local_provider import (
    CONTEXT_TOKENS,
    LocalProvider,
)
from author_studio.assist.local_server import (
    LocalServer,
    ServerSettings,
    bundled_model_path,
    missing_local_model_parts,
)
from author_studio.assist.provider import DraftResult
from author_studio.assist.service import AssistService, DraftJob, JobState
from author_studio.assist.settings import AssistSettings
from author_studio.domain.model import (
    Audience,
    CanonFact,
    Choice,
    ContentRating,
    Pacing,
    Scene,
    SceneKind,
)
from author_studio.services.session import ProjectSession

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_projects" / "night_ferry.authorstudio"
SAMPLE_SCENES = ("boarding", "car_deck", "storm_hits")
SAMPLE_AUDIENCE = "Family Evening"

# The project built when the sample project is missing.
SCENES = [
    Scene(
        key="pier",
        title="The pier",
        kind=SceneKind.START,
        synopsis="Mara waits for the last ferry to the island.",
        script=(
            "The ferry horn sounds across the black water. MARA (30s) stands at the "
            "end of the pier with a battered suitcase.\n"
            "CAPTAIN: Last boarding for the island! Last boarding!\n"
            "Mara looks back at the town one last time.\n"
            "MARA: If I go now, I never come back."
        ),
        duration_s=75,
        canon=True,
    ),
    Scene(
        key="deck",
        title="On deck",
        synopsis="A stranger on deck knows more about Mara than he should.",
        script=(
            "Wind on the deck. A STRANGER in a yellow coat smokes by the rail.\n"
            "STRANGER: You're the one who bought the lighthouse.\n"
            "MARA: Who told you that?\n"
            "STRANGER: Nobody has to tell anybody anything out here.\n"
            "He flicks the cigarette into the sea and walks below deck."
        ),
        duration_s=90,
    ),
    Scene(
        key="lighthouse",
        title="The lighthouse",
        kind=SceneKind.ENDING,
        synopsis="Mara climbs the lighthouse and lights the lamp.",
        script=(
            "The lighthouse door sticks, then gives. Dust, salt, a spiral of iron "
            "stairs.\n"
            "Mara climbs. At the top, the great lens waits under a canvas sheet.\n"
            "She pulls the sheet away and strikes a match.\n"
            "MARA: Let them see us coming.\n"
            "The beam sweeps across the water and finds the ferry, turning back."
        ),
        duration_s=120,
    ),
]


def build_project(folder: Path) -> ProjectSession:
    """Create the three-scene project with one audience and two canon terms."""
    session = ProjectSession.create(folder / "ferry.authorstudio", "Night ferry")
    start = session.scenes.list()[0]
    first = SCENES[0]
    stored = [
        session.scenes.update(
            start.id,
            key=first.key,
            title=first.title,
            synopsis=first.synopsis,
            script=first.script,
            duration_s=first.duration_s,
            canon=first.canon,
        )
    ]
    stored += [session.scenes.create(scene) for scene in SCENES[1:]]
    session.choices.create(
        Choice(source_id=stored[0].id, target_id=stored[1].id, label="Board")
    )
    session.choices.create(
        Choice(source_id=stored[1].id, target_id=stored[2].id, label="Go ashore")
    )
    session.audiences.create(
        Audience(
            name="Family",
            pacing=Pacing.FAST,
            tone="warm, adventurous",
            rating=ContentRating.G,
            interests=["adventure", "mystery"],
        )
    )
    session.canon.create(CanonFact(term="Mara"))
    session.canon.create(CanonFact(term="ferry"))
    return session


def copy_sample(folder: Path) -> ProjectSession:
    """Copy the sample project with SQLite's backup API, which also takes what
    is still in its WAL file, and open the copy."""
    copy = folder / SAMPLE.name
    source = sqlite3.connect(f"file:{SAMPLE}?mode=ro", uri=True)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return ProjectSession.open(copy)


def draft_and_store(
    service: AssistService, key: str, audience: str, count: int
) -> tuple[DraftResult, float, tuple[str, ...]]:
    """Draft ``count`` variants of scene ``key`` through the drafting service,
    which stores them as proposed. Returns the result, the wall time and what
    the prompt builder trimmed."""
    story = service.session.load_story()
    scene_id = story.scene_by_key[key].id
    audience_id = story.audience_by_name[audience].id
    _, trimmed = service.build(scene_id, audience_id, count, story=story)
    started = time.perf_counter()
    outcome = service.draft(
        DraftJob(scene_id, audience_id, count), fresh=True, story=story
    )
    seconds = time.perf_counter() - started
    if outcome.state is not JobState.DONE:
        raise SystemExit(f"drafting {key} failed: {outcome.error}")
    return outcome.result, seconds, trimmed


def memory_kib(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--count", type=int, default=2, help="variants per request (default 2)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="server CPU threads (default: half the CPUs available, 1 to 4)",
    )
    args = parser.parse_args()
    missing = missing_local_model_parts()
    if missing:
        print(f"local model not installed, missing: {', '.join(missing)}")
        return 2

    settings = ServerSettings(
        model_path=bundled_model_path(), context_tokens=CONTEXT_TOKENS
    )
    if args.threads:
        settings = ServerSettings(
            model_path=settings.model_path,
            context_tokens=CONTEXT_TOKENS,
            threads=args.threads,
        )
    with tempfile.TemporaryDirectory() as folder:
        if SAMPLE.exists():
            session = copy_sample(Path(folder))
            keys, audience = SAMPLE_SCENES, SAMPLE_AUDIENCE
        else:
            session = build_project(Path(folder))
            keys, audience = tuple(scene.key for scene in SCENES), "Family"
        proposed_before = session.counts().variants["proposed"]
        server = LocalServer(settings)
        provider = LocalProvider(AssistSettings(provider="local"), server=server)
        service = AssistService(session, provider, provider.settings)
        try:
            print(
                f"project {session.path.name}, audience {audience!r}, threads "
                f"{settings.threads}, n_ctx {CONTEXT_TOKENS}, prompt budget "
                f"{provider.max_prompt_tokens} estimated tokens"
            )
            started = time.perf_counter()
            server.ensure_running()
            ready_s = time.perf_counter() - started
            first, first_s, _ = draft_and_store(service, keys[0], audience, 1)
            print(
                f"cold start: server ready {ready_s:.2f} s, first draft "
                f"{first_s:.2f} s, time to first draft {ready_s + first_s:.2f} s "
                f"({first.prompt_tokens} prompt + {first.completion_tokens} "
                "completion tokens)"
            )

            total_variants = 0
            total_seconds = 0.0
            for key in keys:
                result, seconds, trimmed = draft_and_store(
                    service, key, audience, args.count
                )
                variants = len(result.drafts)
                total_variants += variants
                total_seconds += seconds
                print(
                    f"{key:<11} {variants} variant(s) in {seconds:6.2f} s = "
                    f"{seconds / variants:5.2f} s per variant; "
                    f"{result.prompt_tokens} prompt + {result.completion_tokens} "
                    f"completion tokens, "
                    f"{result.completion_tokens / seconds:5.1f} completion tokens/s"
                )
                for note in trimmed:
                    print(f"{'':<11} trimmed: {note}")
            print(
                f"mean over the three scenes: {total_seconds / total_variants:.2f} s "
                "per variant"
            )

            memory = memory_kib(server.pid)
            print(
                f"server memory: VmRSS {memory['VmRSS'] / 1024:.0f} MiB, "
                f"peak VmHWM {memory['VmHWM'] / 1024:.0f} MiB"
            )
            stored = session.counts().variants["proposed"] - proposed_before
            print(f"proposed variants stored: {stored}")
            with open("/proc/loadavg") as loadavg:
                print(f"load average at the end: {loadavg.read().split()[0]}")
        finally:
            provider.close()
            session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
