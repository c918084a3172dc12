"""Time Twine imports: the largest corpus story and a generated 10,000-passage Twee.

Run from the repository root:

    python benchmarks/interop_benchmark.py [--corpus PATH] [--passages N]

Each import reads the source, builds the draft and writes a new project file. The
figures are wall-clock seconds of the best of ``--repeat`` runs. Scene and choice
counts are printed beside them, so a run can be checked.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from author_studio.interop.exporter import ExportFormat, export_project
from author_studio.interop.importer import import_story, read_story
from author_studio.services.session import ProjectSession

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
LARGEST = "twee3/meeting-the-parents-v2-translated.twee"


def generate_twee(path: Path, passages: int, seed: int = 7) -> None:
    """Write a Twee 3 story of ``passages`` passages, each linking to up to three
    later ones, with positions, tags and a few setter links."""
    rng = random.Random(seed)
    chunks = [
        ":: StoryTitle\nGenerated",
        ':: StoryData\n{"ifid": "8A7E3C1D-2B4F-4E6A-9C0D-1F2E3A4B5C6D", '
        '"format": "SugarCube", "format-version": "2.36.1", "start": "P0"}',
    ]
    for index in range(passages):
        links = []
        for _ in range(rng.randint(1, 3)):
            target = min(passages - 1, index + rng.randint(1, 50))
            if target != index:
                links.append(f"[[Go to {target}|P{target}][$steps += 1]]")
        if index >= passages - 20:
            links = []
        words = " ".join(
            rng.choice(("rain", "door", "night", "a", "the")) for _ in range(60)
        )
        header = (
            f':: P{index} [t{index % 7}] {{"position":"{index % 100 * 150},'
            f'{index // 100 * 120}","size":"100,100"}}'
        )
        chunks.append(header + "\n" + words + "\n\n" + "\n".join(links))
    path.write_text("\n\n".join(chunks) + "\n", encoding="utf-8")


def best_of(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def bench_import(source: Path, folder: Path, repeat: int):
    """Return parse seconds, parse-and-write seconds, the report and a project."""
    read_time = best_of(repeat, lambda: read_story(source))
    folder.mkdir()
    counter = iter(range(10**6))
    report = None
    project = None

    def full() -> None:
        nonlocal report, project
        project = folder / f"p{next(counter)}.authorstudio"
        report = import_story(source, project)

    return read_time, best_of(repeat, full), report, project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{platform.processor() or 'unknown CPU'}"
    )
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        sources = []
        if (args.corpus / LARGEST).exists():
            sources.append(("largest corpus story", args.corpus / LARGEST))
        else:
            print(f"corpus story {args.corpus / LARGEST} not found; skipped")
        generated = folder / "generated.twee"
        generate_twee(generated, args.passages)
        sources.append((f"generated {args.passages} passages", generated))
        for number, (label, source) in enumerate(sources):
            size = source.stat().st_size / 1e6
            read_time, full_time, report, project = bench_import(
                source, folder / str(number), args.repeat
            )
            print(
                f"{label}: {size:.2f} MB, {report.scenes} scenes, {report.choices} "
                f"choices; parse {read_time:.3f} s, parse and write project "
                f"{full_time:.3f} s (best of {args.repeat})"
            )
        session = ProjectSession.open(project)
        for fmt, suffix in (
            (ExportFormat.TWEE, ".twee"),
            (ExportFormat.STORYPKG, ".zip"),
        ):
            out = folder / f"out{suffix}"
            seconds = best_of(
                args.repeat,
                lambda out=out, fmt=fmt: export_project(session, out, fmt, force=True),
            )
            print(f"export of the generated story as {fmt.value}: {seconds:.3f} s")
        session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
