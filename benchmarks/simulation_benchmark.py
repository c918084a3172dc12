"""Time the simulation engine, the exact solver and a plain Python walk.

Run from the repository root::

    python benchmarks/simulation_benchmark.py            # the full benchmark
    python benchmarks/simulation_benchmark.py --profile  # plus a cProfile table

It walks one million viewers (four personas of 250,000) through a generated
1,000-scene story with variables and conditions. It computes exact ending
probabilities of a generated 10,000-scene story without state, once without
loops and once with them. It also times a one-viewer-at-a-time Python walk on a
smaller number of viewers and extrapolates it linearly to the same viewer count.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from author_studio.simulate import simulate
from author_studio.simulate.compiled import compile_story, persona_tables
from author_studio.simulate.exact import exact_endings
from author_studio.simulate.generate import generate_story
from author_studio.simulate.naive import NaiveWalker


def monte_carlo(
    viewers_per_persona: int, scenes: int, profile: bool
) -> tuple[float, float]:
    story = generate_story(scenes, seed=1)
    print(
        f"Story: {len(story.scenes)} scenes, {len(story.choices)} choices, "
        f"{sum(1 for c in story.choices if c.condition)} conditions, "
        f"{sum(1 for c in story.choices if c.effects)} effects, "
        f"{len(story.variables)} variables, {len(story.personas)} personas"
    )
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    result = simulate(story, viewers_per_persona, seed=2026, exact=False)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    viewers = result.viewers
    print(
        f"Monte Carlo: {viewers:,} viewers in {seconds:.2f} s = "
        f"{viewers / seconds:,.0f} viewers/s, {result.steps:,} steps = "
        f"{result.steps / seconds:,.0f} steps/s"
    )
    summary = result.runtime_summary()
    print(
        f"  dropped {result.dropped_share:.3f}, coverage {result.coverage:.3f}, "
        f"runtime mean {summary['mean']:.0f} s, p90 {summary['p90']:.0f} s"
    )
    if profiler:
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(15)
        print(stream.getvalue())
    return seconds, viewers


def naive(viewers_per_persona: int, scenes: int) -> float:
    story = generate_story(scenes, seed=1)
    started = time.perf_counter()
    for index, persona in enumerate(story.personas):
        walker = NaiveWalker(story, persona, seed=index)
        for _ in range(viewers_per_persona):
            walker.walk(1000)
    seconds = time.perf_counter() - started
    viewers = viewers_per_persona * len(story.personas)
    print(
        f"Plain walk: {viewers:,} viewers one at a time in {seconds:.2f} s = "
        f"{viewers / seconds:,.0f} viewers/s"
    )
    return seconds / viewers


def exact(scenes: int, loops: bool) -> None:
    story = generate_story(scenes, seed=3, variables=False, loops=loops)
    started = time.perf_counter()
    compiled = compile_story(story)
    tables = [persona_tables(story, compiled, p) for p in story.personas]
    compiled_at = time.perf_counter()
    result = exact_endings(compiled, tables, [1] * len(tables))
    finished = time.perf_counter()
    total = (
        sum(result.endings.values()) + result.dropped + result.stuck + result.trapped
    )
    print(
        f"Exact, {scenes:,} scenes {'with' if loops else 'without'} loops: compile "
        f"{compiled_at - started:.2f} s, solve for {len(tables)} personas "
        f"{finished - compiled_at:.2f} s ({result.method}); probabilities sum to "
        f"{total:.12f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--viewers", type=int, default=250_000, help="viewers per persona"
    )
    parser.add_argument("--scenes", type=int, default=1000, help="scenes of the story")
    parser.add_argument(
        "--naive-viewers",
        type=int,
        default=500,
        help="viewers per persona of the plain walk",
    )
    parser.add_argument("--exact-scenes", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true", help="print a cProfile table")
    args = parser.parse_args()
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}"
    )
    seconds, viewers = monte_carlo(args.viewers, args.scenes, args.profile)
    per_viewer = naive(args.naive_viewers, args.scenes)
    estimate = per_viewer * viewers
    print(
        f"  extrapolated plain walk of {viewers:,} viewers: {estimate:,.0f} s "
        f"(estimate from {args.naive_viewers * 4:,} viewers); the engine is "
        f"{estimate / seconds:,.0f}x faster"
    )
    exact(args.exact_scenes, loops=False)
    exact(args.exact_scenes, loops=True)


if __name__ == "__main__":
    main()
