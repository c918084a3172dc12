"""The result of a simulation run, and its JSON form."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class Outcome(enum.IntEnum):
    """The way a simulated viewer's walk ended."""

    RUNNING = 0
    ENDED = 1
    DROPPED = 2
    STUCK = 3
    STEP_LIMIT = 4


@dataclass
class PersonaRun:
    """Counts for one persona. Dicts are keyed by scene key."""

    name: str
    viewers: int
    endings: dict[str, int]
    dropped_in: dict[str, int]
    stuck_in: dict[str, int]
    step_limit: int

    @property
    def dropped(self) -> int:
        return sum(self.dropped_in.values())

    @property
    def stuck(self) -> int:
        return sum(self.stuck_in.values())

    def to_json(self) -> dict[str, Any]:
        share = 1.0 / self.viewers if self.viewers else 0.0
        return {
            "name": self.name,
            "viewers": self.viewers,
            "endings": {k: v * share for k, v in self.endings.items()},
            "dropped": self.dropped * share,
            "dropped_in": {k: v * share for k, v in self.dropped_in.items()},
            "stuck": self.stuck * share,
            "step_limit": self.step_limit * share,
        }


@dataclass
class TopPath:
    """One of the most frequent walks: its choice ids, how it ended and where."""

    count: int
    choice_ids: list[int] | None
    outcome: Outcome
    last_scene: str


@dataclass
class ExactEndings:
    """Ending probabilities of an absorbing Markov chain, per persona and over
    all personas (weighted by their viewer counts)."""

    endings: dict[str, float]
    dropped: float
    stuck: float
    trapped: float
    per_persona: dict[str, dict[str, float]]
    expected_visits: np.ndarray
    method: str

    def to_json(self) -> dict[str, Any]:
        return {
            "endings": self.endings,
            "dropped": self.dropped,
            "stuck": self.stuck,
            "trapped": self.trapped,
            "per_persona": self.per_persona,
            "method": self.method,
        }


@dataclass
class SimulationResult:
    viewers: int
    seed: int
    step_limit: int
    scene_keys: list[str]
    scene_ids: list[int]
    choice_ids: list[int]
    personas: list[PersonaRun]
    scene_visits: np.ndarray
    choice_visits: np.ndarray
    runtimes_s: np.ndarray
    outcomes: np.ndarray
    top_paths: list[TopPath]
    steps: int
    expression_errors: int
    elapsed_s: float
    exact: ExactEndings | None = None
    notes: list[str] = field(default_factory=list)

    def ending_shares(self) -> dict[str, float]:
        totals: dict[str, int] = {}
        for run in self.personas:
            for key, count in run.endings.items():
                totals[key] = totals.get(key, 0) + count
        return {key: count / self.viewers for key, count in sorted(totals.items())}

    def dropped_in(self) -> dict[str, float]:
        """Return, for each scene where viewers quit, the share of all viewers who
        quit there, largest first."""
        totals: dict[str, int] = {}
        for run in self.personas:
            for key, count in run.dropped_in.items():
                totals[key] = totals.get(key, 0) + count
        ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
        return {key: count / self.viewers for key, count in ordered}

    @property
    def dropped_share(self) -> float:
        return sum(run.dropped for run in self.personas) / max(self.viewers, 1)

    def visit_shares(self) -> dict[int, float]:
        """Return visits per viewer for each scene id, capped at 1 so that a scene
        seen twice by everyone reads as fully covered."""
        shares = np.minimum(self.scene_visits / max(self.viewers, 1), 1.0)
        return {sid: float(s) for sid, s in zip(self.scene_ids, shares, strict=True)}

    @property
    def unvisited_scenes(self) -> list[str]:
        return [
            k for k, v in zip(self.scene_keys, self.scene_visits, strict=True) if not v
        ]

    @property
    def untaken_choices(self) -> list[int]:
        return [
            c for c, v in zip(self.choice_ids, self.choice_visits, strict=True) if not v
        ]

    @property
    def coverage(self) -> float:
        return float(np.count_nonzero(self.scene_visits)) / max(len(self.scene_keys), 1)

    @property
    def choice_coverage(self) -> float:
        taken = np.count_nonzero(self.choice_visits)
        return float(taken) / max(len(self.choice_ids), 1)

    def runtime_summary(self) -> dict[str, float]:
        if not self.runtimes_s.size:
            return {"mean": 0.0, "p50": 0.0, "p90": 0.0, "max": 0.0}
        p50, p90 = np.percentile(self.runtimes_s, [50, 90])
        return {
            "mean": float(self.runtimes_s.mean()),
            "p50": float(p50),
            "p90": float(p90),
            "max": float(self.runtimes_s.max()),
        }

    def runtime_histogram(self, bins: int = 30) -> tuple[np.ndarray, np.ndarray]:
        """Return the counts and the bin edges in seconds."""
        if not self.runtimes_s.size:
            return np.zeros(bins, dtype=np.int64), np.linspace(0, 1, bins + 1)
        top = max(float(self.runtimes_s.max()), 1.0)
        return np.histogram(self.runtimes_s, bins=bins, range=(0.0, top))

    def retention(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return whole minutes and, for each, the share of viewers still watching
        and the share who have not quit (viewers who finished count as kept)."""
        minutes = np.arange(
            int(np.ceil(self.runtimes_s.max() / 60.0)) + 1
            if self.runtimes_s.size
            else 1
        )
        seconds = minutes * 60.0
        ordered = np.sort(self.runtimes_s)
        watching = 1.0 - np.searchsorted(ordered, seconds, side="right") / max(
            self.viewers, 1
        )
        watching[0] = 1.0
        quit_times = np.sort(self.runtimes_s[self.outcomes == Outcome.DROPPED])
        quit_by = np.searchsorted(quit_times, seconds, side="right")
        kept = 1.0 - quit_by / max(self.viewers, 1)
        return minutes, watching, kept

    def to_json(self) -> dict[str, Any]:
        minutes, watching, kept = self.retention()
        outcome_counts = np.bincount(self.outcomes, minlength=len(Outcome))
        result: dict[str, Any] = {
            "viewers": self.viewers,
            "seed": self.seed,
            "step_limit": self.step_limit,
            "endings": self.ending_shares(),
            "dropped": self.dropped_share,
            "dropped_in": self.dropped_in(),
            "stuck": int(outcome_counts[Outcome.STUCK]) / max(self.viewers, 1),
            "step_limit_reached": int(outcome_counts[Outcome.STEP_LIMIT])
            / max(self.viewers, 1),
            "coverage": self.coverage,
            "choice_coverage": self.choice_coverage,
            "unvisited_scenes": self.unvisited_scenes,
            "untaken_choices": self.untaken_choices,
            "runtime_seconds": self.runtime_summary(),
            "retention": {
                "minutes": minutes.tolist(),
                "watching": watching.tolist(),
                "not_quit": kept.tolist(),
            },
            "personas": [run.to_json() for run in self.personas],
            "top_paths": [
                {
                    "share": path.count / max(self.viewers, 1),
                    "choice_ids": path.choice_ids,
                    "outcome": path.outcome.name.lower(),
                    "last_scene": path.last_scene,
                }
                for path in self.top_paths
            ],
            "scene_visits": {
                k: int(v)
                for k, v in zip(self.scene_keys, self.scene_visits, strict=True)
            },
            "choice_visits": {
                str(c): int(v)
                for c, v in zip(self.choice_ids, self.choice_visits, strict=True)
            },
            "steps": self.steps,
            "expression_errors": self.expression_errors,
            "elapsed_s": self.elapsed_s,
            "notes": self.notes,
        }
        if self.exact is not None:
            result["exact_endings"] = self.exact.endings
            result["exact"] = self.exact.to_json()
        return result
