"""The exported HTML player in a real headless Chromium."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from author_studio.domain.model import (
    Audience,
    Choice,
    Scene,
    SceneKind,
    Variable,
    VariableType,
    Variant,
)
from author_studio.interop.exporter import ExportFormat, export_project
from author_studio.services.session import ProjectSession

pytestmark = pytest.mark.chromium


def _build_story(path: Path) -> ProjectSession:
    session = ProjectSession.create(path, "The Night Shift", start_title="Gate")
    gate = session.scenes.start()
    session.scenes.update(gate.id, script="Rain on the gate.\n\nA guard waves.")
    hall = session.scenes.create(Scene(key="hall", title="Hall", script="Marble."))
    vault = session.scenes.create(
        Scene(key="vault", title="Vault", script="<script>window.hacked = 1</script>")
    )
    rich = session.scenes.create(
        Scene(key="rich", title="Rich", kind=SceneKind.ENDING, script="You got rich.")
    )
    caught = session.scenes.create(
        Scene(key="caught", title="Caught", kind=SceneKind.ENDING, script="Caught.")
    )
    session.variables.create(Variable("gold", VariableType.INT, 0))
    session.choices.create(
        Choice(gate.id, hall.id, "Walk in", effects="gold += 5", position=1)
    )
    session.choices.create(
        Choice(gate.id, caught.id, "Wait", window_s=1.0, is_default=True, position=2)
    )
    session.choices.create(Choice(hall.id, vault.id, "Open the vault", position=1))
    session.choices.create(
        Choice(hall.id, caught.id, "Never shown", condition="gold > 100", position=2)
    )
    # 5 / 2 truncates to 2, so this condition holds.
    session.choices.create(
        Choice(vault.id, rich.id, "Take it", condition="gold / 2 == 2", position=1)
    )
    teens = session.audiences.create(Audience(name="Teens"))
    variant = session.variants.create(
        Variant(hall.id, teens.id, script="A hall, but cooler.", duration_s=20)
    )
    session.variants.approve(variant.id, reviewer="editor")
    session.variants.create(
        Variant(vault.id, teens.id, script="PROPOSED TEXT", duration_s=20)
    )
    return session


@pytest.fixture
def player_page(tmp_path: Path, chromium_page):
    session = _build_story(tmp_path / "night.authorstudio")
    package = tmp_path / "night.storypkg"
    export_project(session, package, ExportFormat.STORYPKG, force=True)
    session.close()
    with zipfile.ZipFile(package) as archive:
        archive.extractall(tmp_path / "pkg")
    chromium_page.open(tmp_path / "pkg" / "player" / "index.html")
    chromium_page.wait_for("document.body.dataset.scene === 'start'")
    return chromium_page


def _click(page, label: str) -> None:
    page.evaluate(
        "[...document.querySelectorAll('button.choice')]"
        f".find(b => b.textContent === {label!r}).click()"
    )


def test_player_plays_path_to_ending(player_page) -> None:
    page = player_page
    _click(page, "Walk in")
    page.wait_for("document.body.dataset.scene === 'hall'")
    assert page.evaluate("document.getElementById('scene-text').textContent") == (
        "A hall, but cooler."
    )
    labels = page.evaluate(
        "[...document.querySelectorAll('button.choice')].map(b => b.textContent)"
    )
    assert labels == ["Open the vault"]
    _click(page, "Open the vault")
    page.wait_for("document.body.dataset.scene === 'vault'")
    _click(page, "Take it")
    page.wait_for("document.body.dataset.scene === 'rich'")
    assert page.evaluate("document.body.dataset.ended") == "true"
    assert page.evaluate("storyPlayer.state.gold") == 5
    assert page.problems() == []


def test_player_timer_takes_default(player_page) -> None:
    page = player_page
    assert page.evaluate("document.getElementById('timer').hidden") is False
    page.wait_for("document.body.dataset.scene === 'caught'", timeout=5)
    history = page.evaluate("storyPlayer.history")
    assert history == [{"from": "start", "to": "caught", "choice": 2, "how": "timeout"}]
    assert page.evaluate("document.getElementById('timer').hidden") is True


def test_player_shows_script_as_text(player_page) -> None:
    page = player_page
    page.evaluate("document.getElementById('audience').value = ''")
    page.evaluate(
        "document.getElementById('audience').dispatchEvent(new Event('change'))"
    )
    _click(page, "Walk in")
    _click(page, "Open the vault")
    page.wait_for("document.body.dataset.scene === 'vault'")
    text = page.evaluate("document.getElementById('scene-text').textContent")
    assert text == "<script>window.hacked = 1</script>"
    assert page.evaluate("document.querySelectorAll('#scene-text script').length") == 0
    assert page.evaluate("typeof window.hacked") == "undefined"


def test_player_omits_proposed_variant(player_page) -> None:
    page = player_page
    html = page.evaluate("document.documentElement.outerHTML")
    assert "PROPOSED TEXT" not in html


def test_player_division_truncates_toward_zero(player_page) -> None:
    page = player_page
    value = page.evaluate(
        "storyExpressions.evaluate(storyExpressions.parseCondition('-7 / 2'), {})"
    )
    assert value == -3


def test_player_restart_resets_state(player_page) -> None:
    page = player_page
    _click(page, "Walk in")
    page.wait_for("document.body.dataset.scene === 'hall'")
    page.evaluate("document.getElementById('restart').click()")
    page.wait_for("document.body.dataset.scene === 'start'")
    assert page.evaluate("storyPlayer.state.gold") == 0
    assert page.evaluate("storyPlayer.history.length") == 0


EXPRESSIONS = [
    "1 + 2 * 3",
    "(1 + 2) * 3",
    "7 / 2",
    "-7 / 2",
    "7 / -2",
    "-(3 - 10) / 3",
    "10 - 4 - 3",
    "2 * -3",
    "gold / 2 == 2",
    "gold >= 5 and not seen",
    "seen or gold > 100",
    'name == "Ann"',
    'name != "Bob"',
    '"a\\"b" == "a\\"b"',
    "true == false",
    "not true or true",
    "1 / 0",
    "gold + true",
    'name + "x"',
    '1 == "1"',
    "1 < 2 < 3",
    "missing + 1",
    "3 +",
    "false and 1 / 0 == 1",
    "true or missing",
    "(gold)",
]


def _python_value(text: str, state: dict) -> object:
    from author_studio.domain import expressions

    try:
        return expressions.evaluate(expressions.parse_condition(text), state)
    except expressions.ExpressionError:
        return "error"


def test_player_evaluator_matches_python(player_page) -> None:
    state = {"gold": 5, "seen": False, "name": "Ann"}
    mismatches = []
    for text in EXPRESSIONS:
        script = (
            "(() => { try { return storyExpressions.evaluate("
            f"storyExpressions.parseCondition({json.dumps(text)}), "
            f"{json.dumps(state)}); }} catch (e) {{ return 'error'; }} }})()"
        )
        in_browser = player_page.evaluate(script)
        expected = _python_value(text, state)
        if in_browser != expected or type(in_browser) is not type(expected):
            mismatches.append((text, in_browser, expected))
    assert mismatches == []


def test_player_effects_match_python(player_page) -> None:
    from author_studio.domain import expressions

    state = {"gold": 5, "seen": False, "name": "Ann"}
    for effects in (
        "gold += 2; seen = true",
        'name = "Zoe"; gold -= 10',
        "gold = gold / 2",
    ):
        expected = expressions.apply_effects(expressions.parse_effects(effects), state)
        script = (
            "storyExpressions.applyEffects(storyExpressions.parseEffects("
            f"{json.dumps(effects)}), {json.dumps(state)})"
        )
        assert player_page.evaluate(script) == expected, effects


def test_player_shows_imported_twine_markup(tmp_path: Path, chromium_page) -> None:
    from author_studio.interop.importer import import_story

    data = Path(__file__).resolve().parent.parent / "data" / "twine"
    project = tmp_path / "snowman.authorstudio"
    import_story(data / "cookbook-snowman-space-exploration.twee", project)
    session = ProjectSession.open(project)
    scripts = {s.key: s.script for s in session.scenes.list()}
    export_project(session, tmp_path / "s.storypkg", ExportFormat.STORYPKG, force=True)
    session.close()
    with zipfile.ZipFile(tmp_path / "s.storypkg") as archive:
        archive.extractall(tmp_path / "pkg")
    page = chromium_page
    page.open(tmp_path / "pkg" / "player" / "index.html")
    with_script = [key for key, text in scripts.items() if "<script>" in text]
    assert with_script
    for key in with_script:
        page.evaluate(f"storyPlayer.goTo({json.dumps(key)})")
        shown = page.evaluate(
            "[...document.querySelectorAll('#scene-text p')]"
            ".map(p => p.textContent).join('|')"
        )
        paragraphs = re.split(r"\n\s*\n", scripts[key])
        expected = "|".join(p for p in paragraphs if p.strip())
        assert shown == expected, key
        assert (
            page.evaluate("document.querySelectorAll('#scene-text *:not(p)').length")
            == 0
        )
    assert page.evaluate("typeof window.setup") == "undefined"
    assert page.problems() == []


def test_player_number_keys_choose(player_page) -> None:
    page = player_page
    page.command("Input.dispatchKeyEvent", type="keyDown", key="1", text="1")
    page.command("Input.dispatchKeyEvent", type="keyUp", key="1")
    page.wait_for("document.body.dataset.scene === 'hall'")
    assert page.evaluate("storyPlayer.history[0].how") == "chosen"
