"""Benchmark the project file at 500, 5,000 and 20,000 scenes.

Run: ``python benchmarks/store_benchmark.py [--sizes 500 5000 20000]``. For each
size it builds a project with about 2.5 choices a scene through the bulk services,
then prints the time to create it, the time to open it and load the whole graph,
the median and p99 latency of one scene edit (one committed transaction each), and
the file size.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from author_studio.domain import Choice, Scene, SceneKind
from author_studio.services import ProjectSession

EDITS = 300


def build(path: Path, size: int, rng: random.Random) -> None:
    session = ProjectSession.create(path, f"Benchmark {size}")
    start = session.scenes.start()
    scenes = session.scenes.create_many(
        Scene(
            key=f"s{number}",
            title=f"Scene {number}",
            kind=SceneKind.ENDING if number % 50 == 49 else SceneKind.SCENE,
            script="INT. CORRIDOR - NIGHT\nFootsteps. A door opens. " * 8,
            duration_s=rng.uniform(20, 180),
            x=(number // 40) * 300.0,
            y=(number % 40) * 150.0,
        )
        for number in range(size - 1)
    )
    ids = [start.id] + [scene.id for scene in scenes]
    choices = []
    for index, source in enumerate(ids):
        if index and scenes[index - 1].kind is SceneKind.ENDING:
            continue
        for offset in range(rng.choice((2, 3, 3))):
            target = ids[min(len(ids) - 1, index + 1 + offset + rng.randrange(4))]
            choices.append(
                Choice(
                    source,
                    target,
                    f"Option {offset + 1}",
                    window_s=10,
                    is_default=offset == 0,
                )
            )
    session.choices.create_many(choices)
    session.close()


def measure(size: int, folder: Path) -> dict[str, float]:
    rng = random.Random(size)
    path = folder / f"bench_{size}.authorstudio"
    started = time.perf_counter()
    build(path, size, rng)
    created = time.perf_counter() - started

    started = time.perf_counter()
    session = ProjectSession.open(path)
    story = session.load_story()
    loaded = time.perf_counter() - started

    latencies = []
    scene_ids = [scene.id for scene in story.scenes]
    for number in range(EDITS):
        scene_id = rng.choice(scene_ids)
        started = time.perf_counter()
        session.scenes.update(scene_id, title=f"Edited {number}")
        latencies.append(time.perf_counter() - started)
    session.close()
    latencies.sort()
    return {
        "scenes": len(story.scenes),
        "choices": len(story.choices),
        "create_s": created,
        "open_load_s": loaded,
        "edit_median_ms": statistics.median(latencies) * 1000,
        "edit_p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "file_mb": path.stat().st_size / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000, 20000])
    args = parser.parse_args()
    header = (
        f"{'scenes':>7} {'choices':>8} {'create s':>9} {'open+load s':>12} "
        f"{'edit p50 ms':>12} {'edit p99 ms':>12} {'file MB':>8}"
    )
    print(header)
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            row = measure(size, Path(folder))
            print(
                f"{row['scenes']:>7} {row['choices']:>8} {row['create_s']:>9.2f} "
                f"{row['open_load_s']:>12.2f} {row['edit_median_ms']:>12.2f} "
                f"{row['edit_p99_ms']:>12.2f} {row['file_mb']:>8.2f}"
            )


if __name__ == "__main__":
    main()
