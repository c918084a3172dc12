"""Measure the plot graph canvas on generated projects of 1,000 to 10,000 scenes.

For each size the script writes a project (about 2.5 choices per scene, mostly to
nearby later scenes, with some jumps back), opens it in the main window offscreen
and prints: the time from open to the first rendered frame, the median time of a
frame while panning at 100 % zoom, the median time of a frame per zoom step from
100 % down to the whole graph and back, the time of one frame of the whole graph,
and the time of a whole-graph auto-layout (layout, undo command, file write and
canvas update). A frame is ``viewport().grab()``, which paints the visible items
into an image the way the screen would.

Each figure is printed twice: wall-clock time and the process's CPU time. On a
machine whose cores other jobs share, the CPU time is the better estimate of
what an idle machine would show; the script prints the load average first.

Run from the repository root:

    QT_QPA_PLATFORM=offscreen python benchmarks/canvas_benchmark.py [--sizes 1000 5000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from author_studio.services.session import ProjectSession
from author_studio.store.tables import ChoiceRow, SceneRow

PAN_STEPS = 30
CHOICES_PER_SCENE = 2.5


def generate(path: Path, count: int, seed: int = 1) -> None:
    """Write a project of ``count`` scenes in one transaction."""
    rng = random.Random(seed)
    session = ProjectSession.create(path, f"Generated {count}")
    start = session.scenes.start()
    with session.write() as (db, _changes):
        rows = []
        for index in range(1, count):
            column, row = divmod(index, 12)
            kind = "ending" if index % 97 == 0 or index == count - 1 else "scene"
            rows.append(
                SceneRow(
                    key=f"scene_{index}",
                    title=f"Scene {index}: the {rng.choice(WORDS)} {rng.choice(WORDS)}",
                    kind=kind,
                    synopsis="Generated scene.",
                    duration_s=float(rng.randint(30, 180)),
                    tags=[rng.choice(["night", "storm", "talk", "chase"])],
                    x=column * 420.0 + rng.uniform(-20, 20),
                    y=row * 160.0 + rng.uniform(-10, 10),
                )
            )
        db.add_all(rows)
        db.flush()
        ids = [start.id] + [row.id for row in rows]
        choices = []
        total = round(count * CHOICES_PER_SCENE)
        for number in range(total):
            index = number % count
            if rng.random() < 0.9:
                target = min(count - 1, index + rng.randint(1, 24))
            else:
                target = rng.randrange(count)
            choices.append(
                ChoiceRow(
                    source_id=ids[index],
                    target_id=ids[target],
                    label=f"Choice {number}",
                    condition="trust > 1" if number % 5 == 0 else "",
                    is_default=number < count,
                    position=number // count + 1,
                )
            )
        db.add_all(choices)
    session.close()


WORDS = ["harbour", "storm", "ferry", "light", "captain", "cabin", "deck", "signal"]


class Clock:
    """Wall-clock and CPU time of one step, in seconds."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def stop(self) -> tuple[float, float]:
        return (time.perf_counter() - self.wall, time.process_time() - self.cpu)


def frame(view) -> tuple[float, float]:
    clock = Clock()
    view.viewport().grab()
    return clock.stop()


def medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return (
        statistics.median(wall for wall, _cpu in samples),
        statistics.median(cpu for _wall, cpu in samples),
    )


def measure(count: int, folder: Path) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from author_studio.ui.app import make_application
    from author_studio.ui.main_window import MainWindow

    app = make_application()
    path = folder / f"generated_{count}.authorstudio"
    generate(path, count)

    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    clock = Clock()
    window.open_project(path)
    window.canvas.viewport().grab()
    first_paint = clock.stop()

    view = window.canvas
    view.actual_size()
    view.centerOn(view.graph.graph_rect().center())
    app.processEvents()
    frame(view)
    pan = []
    for step in range(PAN_STEPS):
        bar = view.horizontalScrollBar() if step % 2 == 0 else view.verticalScrollBar()
        bar.setValue(bar.value() + 60)
        pan.append(frame(view))

    zoom = []
    while view.zoom > 0.04:
        view.zoom_out()
        zoom.append(frame(view))
    while view.zoom < 1.0:
        view.zoom_in()
        zoom.append(frame(view))

    view.fit_all()
    whole = frame(view)

    clock = Clock()
    window.edit.auto_layout(False)
    QApplication.processEvents()
    layout = clock.stop()

    result = {
        "scenes": len(view.graph.cards),
        "choices": len(view.graph.arrows),
        "first_paint_s": first_paint,
        "pan_median_ms": [value * 1000 for value in medians(pan)],
        "zoom_median_ms": [value * 1000 for value in medians(zoom)],
        "zoom_max_ms": [
            max(wall for wall, _ in zoom) * 1000,
            max(c for _, c in zoom) * 1000,
        ],
        "whole_graph_frame_ms": [value * 1000 for value in whole],
        "auto_layout_s": layout,
    }
    window.close()
    app.processEvents()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1000, 5000, 10000],
        help="scene counts of the generated projects",
    )
    args = parser.parse_args()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} cores; each cell is wall / CPU")
    columns = [
        ("open+paint s", "first_paint_s", "{:.2f}"),
        ("pan ms", "pan_median_ms", "{:.1f}"),
        ("zoom ms", "zoom_median_ms", "{:.1f}"),
        ("zoom max ms", "zoom_max_ms", "{:.1f}"),
        ("whole ms", "whole_graph_frame_ms", "{:.1f}"),
        ("layout s", "auto_layout_s", "{:.2f}"),
    ]
    with tempfile.TemporaryDirectory(prefix="canvas-benchmark-") as folder:
        print(
            f"{'scenes':>7} {'choices':>8}"
            + "".join(f" {n:>14}" for n, _, _ in columns)
        )
        for count in args.sizes:
            r = measure(count, Path(folder))
            cells = [
                " / ".join(fmt.format(value) for value in r[key])
                for _name, key, fmt in columns
            ]
            print(
                f"{r['scenes']:>7} {r['choices']:>8}"
                + "".join(f" {cell:>14}" for cell in cells),
                flush=True,
            )


if __name__ == "__main__":
    main()
