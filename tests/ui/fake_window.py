"""A stand-in for the main window: a canvas that records what the docks ask of it."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMainWindow


class RecordingCanvas(QObject):
    """Offers the canvas calls the docks use and records each one."""

    scene_selected = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.centered: list[int] = []
        self.highlights: list[tuple[set[int], set[int]]] = []
        self.heat: list[dict[int, float] | None] = []
        self.comparisons: list[tuple[dict, dict] | None] = []

    def center_on_scene(self, scene_id: int) -> None:
        self.centered.append(scene_id)

    def highlight(self, scene_ids: set[int], choice_ids: set[int]) -> None:
        self.highlights.append((set(scene_ids), set(choice_ids)))

    def set_heat(self, shares: dict[int, float] | None) -> None:
        self.heat.append(None if shares is None else dict(shares))

    def set_comparison(
        self, shares_a: dict[int, float] | None, shares_b: dict[int, float] | None
    ) -> None:
        self.comparisons.append(
            None if shares_a is None else (dict(shares_a), dict(shares_b))
        )


class FakeWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.canvas = RecordingCanvas()
        self.session = None
