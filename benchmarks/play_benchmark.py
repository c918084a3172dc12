"""Benchmark play mode on generated stories of 1,000 and 10,000 scenes.

Run from the repository root: ``PYTHONPATH=. python benchmarks/play_benchmark.py
[--sizes 1000 10000] [--runs 200]``.
For each size it builds an in-memory story with conditions and effects
(:func:`author_studio.simulate.generate.generate_story`) and prints:

- the time to start a play engine (which evaluates the first offer),
- the median and p99 time of one move (take a choice, then evaluate the next
  offer), over ``--runs`` random play-throughs,
- the time to replay one of those play-throughs as a journey,
- the set-up time of the path sampler (it compiles the story once) and the
  sampled viewer paths per second for the first persona, with reasons.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from author_studio.preview.engine import PlayEngine
from author_studio.preview.replay import journey_from_run, replay_journey
from author_studio.preview.sampler import PathSampler
from author_studio.simulate.generate import generate_story


def play_randomly(story, rng: random.Random, move_times: list[float]) -> PlayEngine:
    engine = PlayEngine(story)
    for _ in range(200):
        offered = engine.offer().on_offer
        if engine.finished or not offered:
            break
        choice = rng.choice(offered).choice
        started = time.perf_counter()
        engine.choose(choice.id)
        engine.offer()
        move_times.append(time.perf_counter() - started)
    return engine


def bench(size: int, runs: int) -> None:
    story = generate_story(size, seed=1)
    rng = random.Random(7)

    started = time.perf_counter()
    PlayEngine(story).offer()
    start_ms = (time.perf_counter() - started) * 1000

    moves: list[float] = []
    engines = [play_randomly(story, rng, moves) for _ in range(runs)]
    moves_us = sorted(m * 1e6 for m in moves)
    p99 = moves_us[min(len(moves_us) - 1, int(len(moves_us) * 0.99))]

    longest = max(engines, key=lambda e: len(e.steps))
    journey = journey_from_run(longest, "benchmark")
    started = time.perf_counter()
    result = replay_journey(story, journey)
    replay_ms = (time.perf_counter() - started) * 1000
    assert result.complete

    persona = story.personas[0]
    started = time.perf_counter()
    sampler = PathSampler(story, persona, 0)
    setup_ms = (time.perf_counter() - started) * 1000
    count = 2000
    started = time.perf_counter()
    for seed in range(count):
        sampler.reseed(seed)
        sampler.sample()
    paths_per_s = count / (time.perf_counter() - started)

    print(
        f"{size:>6} scenes: start {start_ms:.2f} ms; move median "
        f"{statistics.median(moves_us):.0f} µs, p99 {p99:.0f} µs over {len(moves)} "
        f"moves; replay of {len(journey.steps)} steps {replay_ms:.1f} ms; "
        f"sampler set-up {setup_ms:.0f} ms, then {paths_per_s:.0f} sampled paths/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    for size in args.sizes:
        bench(size, args.runs)


if __name__ == "__main__":
    main()
