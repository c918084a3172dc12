"""The play dock: watch the story as a viewer of one audience would.

The dock runs a :class:`~author_studio.preview.engine.PlayEngine`. Each scene shows
its approved variant for the chosen audience, or the base script marked as such.
The choices on offer are buttons, and a bar counts down the choice window. When
the window runs out, the default choice is taken. The canvas follows the current
scene.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from author_studio.domain.errors import DomainError
from author_studio.domain.journey import Journey, StepHow
from author_studio.preview.engine import PlayEngine
from author_studio.preview.replay import journey_from_run, replay_journey
from author_studio.services.changes import ChangeNotice, Entity
from author_studio.services.session import ProjectSession
from author_studio.ui.choice_timer import ChoiceTimer
from author_studio.ui.play_stage import PlayStage
from author_studio.ui.play_widgets import (
    JourneysPanel,
    NoticeRelay,
    VariablesTable,
    make_button,
)

logger = logging.getLogger(__name__)

SPEEDS = {"1×": 1.0, "4×": 4.0, "Off": 0.0}
_STORY_ENTITIES = (
    Entity.SCENE,
    Entity.CHOICE,
    Entity.VARIABLE,
    Entity.AUDIENCE,
    Entity.VARIANT,
    Entity.PROJECT,
)


class PlayDock(QDockWidget):
    """Play mode. ``window`` supplies ``canvas`` (which may be None)."""

    scene_entered = Signal(int)

    def __init__(self, window: Any, parent: QWidget | None = None) -> None:
        super().__init__("Play", parent if parent is not None else window)
        self.setObjectName("playDock")
        self._window = window
        self.session: ProjectSession | None = None
        self.engine: PlayEngine | None = None
        self._unsubscribe = None
        self._selected_scene_id = -1
        self.timer = ChoiceTimer(self)
        self.timer.ticked.connect(self._update_timer_view)
        self.timer.ran_out.connect(self.time_out)
        self._relay = NoticeRelay(self)
        self._relay.received.connect(self._on_changed)
        self._build()
        canvas = self._canvas()
        if canvas is not None and hasattr(canvas, "scene_selected"):
            canvas.scene_selected.connect(self._on_scene_selected)
        self._show()

    # Building.

    def _build(self) -> None:
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self._build_controls())
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.stage = PlayStage()
        self.stage.choice_clicked.connect(self.choose)
        self.stage.timeout_requested.connect(self.time_out)
        splitter.addWidget(self.stage)
        splitter.addWidget(self._build_tabs())
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([800, 200])
        layout.addWidget(splitter, 1)
        self.setWidget(body)

    def _build_controls(self) -> QVBoxLayout:
        self.audience_combo = QComboBox()
        self.audience_combo.setObjectName("audienceCombo")
        self.audience_combo.setToolTip("Whose variants to show")
        self.audience_combo.currentIndexChanged.connect(self._on_audience_picked)
        self.audience_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToContents
        )

        self.start_button = make_button(
            "▶ Start", "startButton", "Play from the start scene"
        )
        self.start_button.clicked.connect(lambda: self.start())
        self.selection_button = make_button(
            "▶ From selection",
            "selectionButton",
            "Play from the scene selected on the canvas",
        )
        self.selection_button.clicked.connect(
            lambda: self.start(self._selected_scene_id)
        )
        self.back_button = make_button("◀ Back", "backButton", "Undo the last choice")
        self.back_button.clicked.connect(self.back)
        self.restart_button = make_button(
            "⟲ Restart", "restartButton", "Back to the start"
        )
        self.restart_button.clicked.connect(self.restart)

        self.pause_button = make_button("❚❚ Pause", "pauseButton", "Pause the timer")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self.set_paused)
        self.speed_combo = QComboBox()
        self.speed_combo.setObjectName("speedCombo")
        self.speed_combo.addItems(list(SPEEDS))
        self.speed_combo.setToolTip("How fast choice windows run down; Off stops them")
        self.speed_combo.currentTextChanged.connect(self.set_speed)

        # Narrow dock columns are the norm, so the combo boxes may shrink below
        # their longest entry.
        for combo in (self.audience_combo, self.speed_combo):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(6)

        top = QHBoxLayout()
        top.addWidget(QLabel("Audience"))
        top.addWidget(self.audience_combo, 1)
        top.addSpacing(12)
        top.addWidget(QLabel("Timer"))
        top.addWidget(self.speed_combo)
        top.addWidget(self.pause_button)

        moves = QHBoxLayout()
        for widget in (
            self.start_button,
            self.selection_button,
            self.back_button,
            self.restart_button,
        ):
            moves.addWidget(widget)
        moves.addStretch(1)
        self.blocked_check = QCheckBox("Show blocked")
        self.blocked_check.setObjectName("showBlockedCheck")
        self.blocked_check.setToolTip(
            "List the choices whose condition fails, greyed out, with the reason"
        )
        self.blocked_check.setChecked(True)
        self.blocked_check.toggled.connect(self.set_show_blocked)
        moves.addWidget(self.blocked_check)

        rows = QVBoxLayout()
        rows.addLayout(top)
        rows.addLayout(moves)
        return rows

    def _build_tabs(self) -> QTabWidget:
        tabs = QTabWidget()
        tabs.setObjectName("playTabs")
        self.variables_table = VariablesTable()
        self.variables_table.value_edited.connect(self.set_variable)
        self.path_list = QListWidget()
        self.path_list.setObjectName("pathList")
        self.journeys = JourneysPanel()
        self.journeys.save_requested.connect(self.save_journey)
        self.journeys.replay_requested.connect(self.replay)
        self.journeys.delete_requested.connect(self._delete_journey)
        self.journeys.check_requested.connect(self.check_journeys)
        tabs.addTab(self.variables_table, "Variables")
        tabs.addTab(self.path_list, "Path")
        tabs.addTab(self.journeys, "Journeys")
        return tabs

    # Session.

    def set_session(self, session: ProjectSession | None) -> None:
        """Show ``session``'s story, or nothing; the run restarts at its start."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.session = session
        self.engine = None
        if session is not None:
            self._unsubscribe = session.subscribe(self._relay.received.emit)
            self._fill_audiences()
            self._fill_journeys()
            self.start()
        else:
            self._show()

    def _on_changed(self, notice: ChangeNotice) -> None:
        if self.session is None:
            return
        if notice.touches(Entity.JOURNEY):
            self._fill_journeys()
        if not notice.touches(*_STORY_ENTITIES) or notice.is_only_layout():
            return
        story = self.session.load_story()
        # Checked marks on the journeys no longer hold after a story edit.
        self._fill_journeys()
        if notice.touches(Entity.AUDIENCE):
            self._fill_audiences()
        if self.engine is None:
            self.start()
            return
        try:
            kept = self.engine.rebind(story)
        except DomainError as error:
            self.engine = None
            self._show(message=str(error))
            return
        if not kept:
            self._show(
                message="The scene being played was deleted, so the run restarted."
            )
        else:
            self._show(keep_timer=True)

    # Moves.

    def start(self, scene_id: int | None = None) -> None:
        """Start a run at ``scene_id`` (the start scene when None or -1), keeping
        the audience."""
        if self.session is None:
            return
        story = self.session.load_story()
        start = scene_id if scene_id not in (None, -1) else None
        try:
            self.engine = PlayEngine(story, self._picked_audience_id(), start)
        except DomainError as error:
            self.engine = None
            self._show(message=str(error))
            return
        logger.info("Play started at %s", self.engine.scene.key)
        self._show()

    def play_from_scene(self, scene_id: int | None = None) -> None:
        """Show the dock and start a run at ``scene_id`` (the start scene when
        None); for a "Play from Here" menu entry."""
        self.show()
        self.raise_()
        self.start(scene_id)

    def choose(self, choice_id: int) -> None:
        self._move(lambda engine: engine.choose(choice_id))

    def time_out(self) -> None:
        """Let the window run out now: the default choice is taken."""
        self._move(lambda engine: engine.time_out())

    def back(self) -> None:
        if self.engine is not None and self.engine.back() is not None:
            self._show()

    def restart(self) -> None:
        if self.engine is not None:
            self.engine.restart()
            self._show()

    def set_variable(self, name: str, value: object) -> None:
        current = self.engine.state.get(name) if self.engine else None
        if self.engine is None or (current == value and type(current) is type(value)):
            return
        try:
            self.engine.set_variable(name, value)
        except DomainError as error:
            self._show(message=str(error), keep_timer=True)
            return
        self._show(keep_timer=True)

    def set_speed(self, speed: str | float) -> None:
        """Set the timer speed: a label of :data:`SPEEDS` or a factor (0 is off)."""
        factor = SPEEDS[speed] if isinstance(speed, str) else float(speed)
        label = next((k for k, v in SPEEDS.items() if v == factor), None)
        if label is not None and self.speed_combo.currentText() != label:
            self.speed_combo.blockSignals(True)
            self.speed_combo.setCurrentText(label)
            self.speed_combo.blockSignals(False)
        self.timer.set_speed(factor)
        self._update_timer_view()

    def set_paused(self, paused: bool) -> None:
        if self.pause_button.isChecked() != paused:
            self.pause_button.setChecked(paused)
        self.pause_button.setText("▶ Resume" if paused else "❚❚ Pause")
        self.timer.set_paused(paused)
        self._update_timer_view()

    def set_show_blocked(self, show: bool) -> None:
        """List the choices whose condition fails (greyed out) or hide them, as
        a viewer would not see them."""
        self.stage.choices.show_blocked = show
        if self.blocked_check.isChecked() != show:
            self.blocked_check.setChecked(show)
        self._show(keep_timer=True)

    def set_audience(self, name: str | None) -> None:
        """Pick the audience by name (None for the base script); the run keeps its
        path and shows that audience's text."""
        index = self.audience_combo.findText(name) if name else 0
        if index < 0:
            raise ValueError(f"Unknown audience {name!r}")
        self.audience_combo.setCurrentIndex(index)

    def _move(self, action) -> None:
        if self.engine is None:
            return
        try:
            action(self.engine)
        except DomainError as error:
            self._show(message=str(error), keep_timer=True)
            return
        self._show()

    # Journeys.

    def save_journey(self, name: str, replace: bool = False) -> bool:
        if self.engine is None or self.session is None:
            return False
        if self.journeys.name_edit.text() != name:
            self.journeys.name_edit.blockSignals(True)
            self.journeys.name_edit.setText(name)
            self.journeys.name_edit.blockSignals(False)
        try:
            saved = self.session.journeys.save(
                journey_from_run(self.engine, name), replace=replace
            )
        except DomainError as error:
            self.journeys.show_message(str(error), "error")
            self.journeys.replace_button.setVisible("already a journey" in str(error))
            return False
        self.journeys.replace_button.hide()
        self.journeys.select(saved.name)
        self.journeys.show_message(
            f"Saved {saved.name!r}: {saved.choice_count} choices.", "ok"
        )
        return True

    def replay(self, name: str) -> bool:
        """Replay the saved journey ``name`` on the current story; False when it
        breaks."""
        if self.session is None:
            return False
        try:
            journey = self.session.journeys.by_name(name)
        except DomainError as error:
            self.journeys.show_message(str(error), "error")
            return False
        return self.play_journey(journey)

    def play_journey(self, journey: Journey) -> bool:
        """Play ``journey`` (saved or not, such as a simulated viewer's path) on
        the current story and stay where it ends or breaks; False when it breaks."""
        if self.session is None:
            return False
        result = replay_journey(self.session.load_story(), journey)
        if result.engine is not None:
            self.engine = result.engine
            self._select_audience_quietly(self.engine.audience)
            self._show()
        notes = "".join(f"\n{note}" for note in result.notes)
        if result.broken is not None:
            self.journeys.show_message(result.broken.describe() + notes, "error")
            return False
        self.journeys.show_message(
            f"Replayed {journey.name!r}: all {result.steps_replayed} steps fit.{notes}",
            "ok",
        )
        return True

    def check_journeys(self) -> dict[str, str | None]:
        """Replay every saved journey on the current story and mark each one.

        Returns the break description by journey name, None for those that fit.
        """
        if self.session is None:
            return {}
        story = self.session.load_story()
        found: dict[str, str | None] = {}
        for journey in self.session.journeys.list():
            result = replay_journey(story, journey)
            reason = result.broken.describe() if result.broken else None
            found[journey.name] = reason
            self.journeys.mark(journey.name, reason is None, reason or "")
        broken = sum(reason is not None for reason in found.values())
        if broken:
            self.journeys.show_message(
                f"{broken} of {len(found)} journeys no longer fit the story; hover "
                "over one marked ✗ for the reason, or replay it.",
                "error",
            )
        else:
            self.journeys.show_message(
                f"All {len(found)} journeys fit the current story.", "ok"
            )
        return found

    def _delete_journey(self, name: str) -> None:
        if self.session is None:
            return
        try:
            self.session.journeys.delete(self.session.journeys.by_name(name).id)
        except DomainError as error:
            self.journeys.show_message(str(error), "error")
            return
        self.journeys.show_message(f"Deleted {name!r}.")

    def _fill_journeys(self) -> None:
        if self.session is None:
            return
        rows = []
        for journey in self.session.journeys.list():
            audience = journey.audience_name or "base script"
            rows.append(
                (
                    journey.name,
                    f"{journey.choice_count} choices from {journey.start_scene_key}"
                    f" · {audience}",
                )
            )
        self.journeys.set_journeys(rows)

    # Audiences.

    def _fill_audiences(self) -> None:
        current = self._picked_audience_id()
        self.audience_combo.blockSignals(True)
        self.audience_combo.clear()
        self.audience_combo.addItem("Base script", None)
        for audience in self.session.audiences.list() if self.session else []:
            self.audience_combo.addItem(audience.name, audience.id)
        index = self.audience_combo.findData(current)
        self.audience_combo.setCurrentIndex(max(index, 0))
        self.audience_combo.blockSignals(False)

    def _picked_audience_id(self) -> int | None:
        return self.audience_combo.currentData()

    def _select_audience_quietly(self, audience) -> None:
        index = self.audience_combo.findData(audience.id if audience else None)
        self.audience_combo.blockSignals(True)
        self.audience_combo.setCurrentIndex(max(index, 0))
        self.audience_combo.blockSignals(False)

    def _on_audience_picked(self, _index: int) -> None:
        if self.engine is None or self.session is None:
            return
        journey = journey_from_run(self.engine, "audience switch")
        audience_id = self._picked_audience_id()
        journey.audience_id = audience_id
        journey.audience_name = self.audience_combo.currentText() if audience_id else ""
        result = replay_journey(self.session.load_story(), journey)
        if result.engine is None:
            self.start()
            return
        self.engine = result.engine
        self._show(keep_timer=True)

    def _on_scene_selected(self, scene_id: int) -> None:
        self._selected_scene_id = scene_id
        self.selection_button.setEnabled(self.session is not None and scene_id != -1)

    # Showing.

    def _show(self, message: str | None = None, keep_timer: bool = False) -> None:
        engine = self.engine
        has_run = engine is not None
        for button in (self.back_button, self.restart_button):
            button.setEnabled(has_run)
        self.back_button.setEnabled(has_run and bool(engine.steps))
        self.start_button.setEnabled(self.session is not None)
        self.selection_button.setEnabled(
            self.session is not None and self._selected_scene_id != -1
        )
        if engine is None:
            title = "No story open" if self.session is None else ""
            self.stage.show_empty(title, message or "Open a project to play it.")
            self.timer.set_window(None)
            self._update_timer_view()
            return
        self.stage.show_scene(engine, message)
        self.variables_table.set_variables(engine.story.variables)
        self.variables_table.show_state(engine.state, engine.start_state)
        self._show_path()
        window_s = None if engine.finished else engine.offer().window_s
        if not keep_timer or self.timer.window_s != window_s:
            self.timer.set_window(window_s)
        self._update_timer_view()
        self._follow_on_canvas()
        self.scene_entered.emit(engine.scene.id)

    def _show_path(self) -> None:
        self.path_list.clear()
        for number, stop in enumerate(self.engine.history(), start=1):
            if stop.step is None:
                self.path_list.addItem(f"{number}. {stop.scene.title}  ← now")
            elif stop.step.how is StepHow.TIMED_OUT:
                self.path_list.addItem(
                    f"{number}. {stop.scene.title} — window ran out, default "
                    f"“{stop.step.choice.label}”"
                )
            else:
                self.path_list.addItem(
                    f"{number}. {stop.scene.title} — chose “{stop.step.choice.label}”"
                )

    def _follow_on_canvas(self) -> None:
        canvas = self._canvas()
        if canvas is None:
            return
        engine = self.engine
        last = engine.steps[-1].choice.id if engine.steps else None
        canvas.highlight({engine.scene.id}, {last} if last is not None else set())
        canvas.center_on_scene(engine.scene.id)

    def _canvas(self):
        return getattr(self._window, "canvas", None)

    # Timer.

    def _update_timer_view(self) -> None:
        self.stage.show_timer(self.engine, self.timer)

    @property
    def remaining_s(self) -> float | None:
        """Seconds left in the current choice window, or None when it waits."""
        return self.timer.remaining_s

    def hideEvent(self, event) -> None:
        self.timer.set_suspended(True)
        super().hideEvent(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.timer.set_suspended(False)
