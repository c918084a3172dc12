"""Benchmark: many drafting requests against a loopback OpenAI-compatible server.

The server (the one the tests use) adds a fixed latency to every chat request,
so with N requests, L seconds of latency and F requests in flight the ideal wall
time is N / F × L. The script prints the measured wall time and its ratio to
that ideal. By default every request goes the whole way: prompt building,
provider call, answer validation and storing the variants in a project file.

    python benchmarks/assist_benchmark.py [--requests 200] [--latency 0.3]
        [--in-flight 8] [--provider-only] [--stream]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from author_studio.assist import prompts
from author_studio.assist.openai_provider import OpenAIProvider
from author_studio.assist.service import AssistService, DraftJob, JobState
from author_studio.assist.settings import AssistSettings
from author_studio.domain.model import (
    Audience,
    CanonFact,
    ContentRating,
    Pacing,
    Scene,
)
from author_studio.services.session import ProjectSession
from tests.assist.fake_openai_server import FakeOpenAIServer

SCRIPT = (
    "(Rain on the window.)\n"
    "MARA: I waited three hours. I called the Lantern Guild twice.\n"
    "JONAS: I'm sorry. I couldn't get away.\n"
    "Mara crosses to the window and pulls the curtain shut."
)


def build_project(path: Path, requests: int) -> tuple[ProjectSession, list[DraftJob]]:
    """Create scenes × audiences that give exactly ``requests`` jobs."""
    session = ProjectSession.create(path, "Benchmark")
    audiences = []
    for index in range(10):
        audiences.append(
            session.audiences.create(
                Audience(
                    name=f"Audience {index}",
                    pacing=list(Pacing)[index % 3],
                    rating=list(ContentRating)[index % 4],
                )
            )
        )
    session.canon.create(CanonFact(term="Lantern Guild"))
    scenes = []
    for index in range(-(-requests // len(audiences))):
        scenes.append(
            session.scenes.create(
                Scene(
                    key=f"s{index}", title=f"Scene {index}", script=SCRIPT, canon=True
                )
            )
        )
    jobs = [
        DraftJob(scene.id, audience.id, 1) for scene in scenes for audience in audiences
    ][:requests]
    return session, jobs


def run_service(args, settings: AssistSettings) -> tuple[float, list[float], int]:
    with tempfile.TemporaryDirectory() as folder:
        session, jobs = build_project(
            Path(folder) / "bench.authorstudio", args.requests
        )
        service = AssistService(session, OpenAIProvider(settings), settings)
        started = time.perf_counter()
        outcomes = service.draft_batch(jobs, fresh=True)
        wall = time.perf_counter() - started
        failed = sum(1 for o in outcomes if o.state is not JobState.DONE)
        latencies = [o.result.latency_ms / 1000 for o in outcomes if o.result]
        stored = len(session.variants.list())
        session.close()
    if stored != args.requests - failed:
        raise SystemExit(f"stored {stored} variants for {args.requests} requests")
    return wall, latencies, failed


def run_provider(args, settings: AssistSettings) -> tuple[float, list[float], int]:
    provider = OpenAIProvider(settings)
    scene = Scene(key="s", title="Scene", script=SCRIPT, id=1)
    audience = Audience(name="A", id=1)
    context = prompts.DraftContext(scene=scene, audience=audience)
    request, _ = prompts.build_request(context, provider, 1)
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()

    def one(_index: int) -> None:
        nonlocal failures
        try:
            result = provider.draft(request)
        except Exception:
            with lock:
                failures += 1
            return
        with lock:
            latencies.append(result.latency_ms / 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(args.in_flight) as pool:
        list(pool.map(one, range(args.requests)))
    return time.perf_counter() - started, latencies, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.3, help="seconds added")
    parser.add_argument("--in-flight", type=int, default=8)
    parser.add_argument(
        "--provider-only",
        action="store_true",
        help="call the provider directly: no project file, no storing",
    )
    parser.add_argument("--stream", action="store_true", help="stream the answers")
    args = parser.parse_args()

    with FakeOpenAIServer(latency_s=args.latency, record_bodies=False) as server:
        settings = AssistSettings(
            provider="openai",
            base_url=server.url,
            model="bench-model",
            timeout_s=30,
            max_in_flight=args.in_flight,
            stream=args.stream,
        )
        runner = run_provider if args.provider_only else run_service
        wall, latencies, failed = runner(args, settings)
        seen = len(server.chat_requests())
        peak = server.max_in_flight

    ideal = args.requests / args.in_flight * args.latency
    mode = "provider only" if args.provider_only else "full service (stores variants)"
    print(f"mode: {mode}{', streaming' if args.stream else ''}")
    print(
        f"requests: {args.requests}, added latency: {args.latency:g} s, "
        f"in flight: {args.in_flight} (server saw {seen} requests, peak {peak} "
        "at once)"
    )
    print(f"failed: {failed}")
    print(f"wall time: {wall:.2f} s")
    print(
        f"ideal: {ideal:.2f} s "
        f"({args.requests} / {args.in_flight} × {args.latency:g} s)"
    )
    print(f"ratio to ideal: {wall / ideal:.3f}")
    if latencies:
        ordered = sorted(latencies)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        print(
            f"per-request latency: median {statistics.median(ordered):.3f} s, "
            f"p95 {p95:.3f} s, max {ordered[-1]:.3f} s"
        )
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
