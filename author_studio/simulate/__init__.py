"""Simulated viewers walking a story, and exact ending probabilities."""

from author_studio.simulate.engine import (
    DEFAULT_STEP_LIMIT,
    SimulationCancelledError,
    simulate,
)
from author_studio.simulate.results import Outcome, SimulationResult

__all__ = [
    "DEFAULT_STEP_LIMIT",
    "Outcome",
    "SimulationCancelledError",
    "SimulationResult",
    "simulate",
]
