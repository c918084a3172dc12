"""Parts of the play dock: the choice buttons, the variables table, the journeys
panel and the style they share."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from author_studio.domain.model import Variable, VariableType, VariableValue
from author_studio.preview.engine import Offer, OfferedChoice, format_value

logger = logging.getLogger(__name__)

PAPER = "#fbfaf6"
INK = "#1d1d1b"
MUTED = "#6f6e69"
ACCENT = "#1f6f78"
WARNING = "#b5651d"
DANGER = "#b03a2e"
SERIF = "'Liberation Serif', 'DejaVu Serif', Georgia, serif"

CHOICE_STYLE = f"""
QPushButton {{
    text-align: left; padding: 9px 14px; border-radius: 6px;
    border: 1px solid #c9c6bb; background: white; color: {INK}; font-size: 11pt;
}}
QPushButton:hover {{ border-color: {ACCENT}; background: #eef6f6; }}
QPushButton[default_choice="true"] {{ border: 2px solid {ACCENT}; }}
QPushButton:disabled {{ color: #a09e96; background: #f1efe8; border-style: dashed; }}
"""


class NoticeRelay(QObject):
    """Moves change notices into the GUI thread; a service call made in a worker
    thread publishes there."""

    received = Signal(object)


class ChoiceList(QWidget):
    """The choices on offer as numbered buttons.

    With ``show_blocked`` the choices whose condition fails are listed too,
    disabled, with the reason under them.
    """

    choice_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("choiceList")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self.setStyleSheet(CHOICE_STYLE)
        self.show_blocked = True
        self.buttons: dict[int, QPushButton] = {}
        self._offer: Offer | None = None

    def set_offer(self, offer: Offer | None, enabled: bool = True) -> None:
        while self._layout.count():
            widget = self._layout.takeAt(0).widget()
            if widget is not None:
                # Hidden and detached at once: deleteLater waits for the event loop.
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
        self.buttons.clear()
        self._offer = offer
        if offer is None:
            return
        for offered in offer.choices:
            if offered.on_offer or self.show_blocked:
                self._add(offered, enabled)

    def _add(self, offered: OfferedChoice, enabled: bool) -> None:
        choice = offered.choice
        number = f"{offered.number}" if offered.number else "–"
        text = f"{number}    {choice.label}"
        if choice.is_default:
            text += "   — default"
        button = QPushButton(text)
        button.setObjectName(f"choice_{choice.id}")
        button.setProperty("default_choice", choice.is_default and offered.on_offer)
        button.setEnabled(enabled and offered.on_offer)
        button.setToolTip(f"Leads to {offered.target.title} ({offered.target.key})")
        button.clicked.connect(
            lambda _=False, cid=choice.id: self.choice_clicked.emit(cid)
        )
        self._layout.addWidget(button)
        self.buttons[choice.id] = button
        if not offered.on_offer:
            reason = QLabel(f"Not on offer: {offered.blocked}")
            reason.setWordWrap(True)
            reason.setStyleSheet(
                f"color: {MUTED}; font-size: 9pt; margin: 0 0 4px 14px;"
            )
            self._layout.addWidget(reason)

    def add_number_keys(self, owner: QWidget) -> None:
        """Let keys 1 to 9 press the numbered choices while the focus is inside
        ``owner``. Text fields keep their digits, because Qt gives a focused
        editor the key before any shortcut."""
        for number in range(1, 10):
            shortcut = QShortcut(QKeySequence(str(number)), owner)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda n=number: self.press_number(n))

    def press_number(self, number: int) -> None:
        offered = self._offer.by_number(number) if self._offer else None
        button = self.buttons.get(offered.choice.id) if offered else None
        if button is not None and button.isEnabled():
            button.click()


class VariablesTable(QTableWidget):
    """Every story variable with its live value, editable in place.

    Columns: name, current value (an editor that fits the type), start value.
    Values that differ from the start are shown in bold.
    """

    value_edited = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.setObjectName("variablesTable")
        self.setHorizontalHeaderLabels(["Variable", "Value", "Start"])
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._variables: list[Variable] = []
        self.editors: dict[str, QWidget] = {}

    def set_variables(self, variables: list[Variable]) -> None:
        """Build one row per variable; the rows stay when the variables did not
        change, so an editor in use keeps its focus."""
        ordered = sorted(variables, key=lambda v: v.name)
        if [(v.name, v.type) for v in ordered] == [
            (v.name, v.type) for v in self._variables
        ]:
            self._variables = ordered
            return
        self._variables = ordered
        self.setRowCount(len(self._variables))
        self.editors.clear()
        for row, variable in enumerate(self._variables):
            name = QTableWidgetItem(variable.name)
            name.setToolTip(variable.description or f"{variable.type.value} variable")
            self.setItem(row, 0, name)
            editor = self._make_editor(variable)
            self.editors[variable.name] = editor
            self.setCellWidget(row, 1, editor)
            self.setItem(row, 2, QTableWidgetItem(""))

    def show_state(
        self, state: dict[str, VariableValue], start: dict[str, VariableValue]
    ) -> None:
        for row, variable in enumerate(self._variables):
            value = state.get(variable.name, variable.initial)
            editor = self.editors[variable.name]
            editor.blockSignals(True)
            if isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
                editor.setText("true" if value else "false")
            elif isinstance(editor, QSpinBox):
                editor.setValue(int(value))
            elif isinstance(editor, QLineEdit) and editor.text() != value:
                editor.setText(str(value))
            editor.blockSignals(False)
            font = editor.font()
            font.setBold(value != start.get(variable.name, variable.initial))
            editor.setFont(font)
            self.item(row, 2).setText(
                format_value(start.get(variable.name, variable.initial))
            )

    def _make_editor(self, variable: Variable) -> QWidget:
        name = variable.name
        if variable.type is VariableType.BOOL:
            box = QCheckBox()
            box.toggled.connect(lambda checked: self.value_edited.emit(name, checked))
            return box
        if variable.type is VariableType.INT:
            spin = QSpinBox()
            spin.setRange(-1_000_000_000, 1_000_000_000)
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(lambda value: self.value_edited.emit(name, value))
            return spin
        line = QLineEdit()
        line.editingFinished.connect(lambda: self.value_edited.emit(name, line.text()))
        return line


class JourneysPanel(QWidget):
    """Save the current run under a name, replay or delete saved journeys."""

    save_requested = Signal(str, bool)
    replay_requested = Signal(str)
    delete_requested = Signal(str)
    check_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("journeyName")
        self.name_edit.setPlaceholderText("Journey name, e.g. Trust path")
        self.save_button = QPushButton("Save run")
        self.save_button.setObjectName("saveJourneyButton")
        self.replace_button = QPushButton("Replace it")
        self.replace_button.setObjectName("replaceJourneyButton")
        self.replace_button.hide()
        row.addWidget(self.name_edit, 1)
        row.addWidget(self.save_button)
        row.addWidget(self.replace_button)
        layout.addLayout(row)

        self.list = QListWidget()
        self.list.setObjectName("journeyList")
        layout.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        self.replay_button = QPushButton("Replay")
        self.replay_button.setObjectName("replayJourneyButton")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("deleteJourneyButton")
        self.check_button = QPushButton("Check all")
        self.check_button.setObjectName("checkJourneysButton")
        self.check_button.setToolTip("Replay every journey on the current story")
        buttons.addWidget(self.replay_button)
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.check_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.status = QLabel("")
        self.status.setObjectName("journeyStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        layout.addWidget(self.status)

        self.save_button.clicked.connect(lambda: self._save(False))
        self.replace_button.clicked.connect(lambda: self._save(True))
        self.name_edit.returnPressed.connect(lambda: self._save(False))
        self.name_edit.textChanged.connect(lambda _: self.replace_button.hide())
        self.replay_button.clicked.connect(self._replay)
        self.list.itemDoubleClicked.connect(lambda _: self._replay())
        self.delete_button.clicked.connect(self._delete)
        self.check_button.clicked.connect(self.check_requested)

    def set_journeys(self, rows: list[tuple[str, str]]) -> None:
        """Show ``(name, description)`` rows, keeping the selection by name."""
        current = self.selected_name()
        self.list.clear()
        for name, description in rows:
            item = QListWidgetItem(f"{name}\n{description}")
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.list.addItem(item)
            if name == current:
                self.list.setCurrentItem(item)

    def mark(self, name: str, fits: bool, reason: str = "") -> None:
        """Mark the journey ``name`` as fitting the story or as broken."""
        for index in range(self.list.count()):
            item = self.list.item(index)
            if item.data(Qt.ItemDataRole.UserRole) != name:
                continue
            description = item.text().split("\n", 1)[-1]
            if fits:
                item.setText(f"✓ {name}\n{description}")
                item.setForeground(QColor(ACCENT))
                item.setToolTip("Fits the current story.")
            else:
                item.setText(f"✗ {name}\n{description}")
                item.setForeground(QColor(DANGER))
                item.setToolTip(reason)

    def selected_name(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def select(self, name: str) -> None:
        for index in range(self.list.count()):
            if self.list.item(index).data(Qt.ItemDataRole.UserRole) == name:
                self.list.setCurrentRow(index)

    def show_message(self, text: str, kind: str = "info") -> None:
        colour = {"info": INK, "ok": ACCENT, "warning": WARNING, "error": DANGER}[kind]
        self.status.setStyleSheet(f"color: {colour};")
        self.status.setText(text)

    def _save(self, replace: bool) -> None:
        self.save_requested.emit(self.name_edit.text(), replace)

    def _replay(self) -> None:
        name = self.selected_name()
        if name is None:
            self.show_message("Select a journey to replay.", "warning")
            return
        self.replay_requested.emit(name)

    def _delete(self) -> None:
        name = self.selected_name()
        if name is not None:
            self.delete_requested.emit(name)


def heading_font(point_size: int, bold: bool = True) -> QFont:
    font = QFont("Liberation Serif")
    font.setStyleHint(QFont.StyleHint.Serif)
    font.setPointSize(point_size)
    font.setBold(bold)
    return font


def make_button(text: str, name: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setToolTip(tip)
    return button
