"""The lint, paths and simulate commands: exit codes and JSON keys."""

from __future__ import annotations

import json

import pytest

from author_studio.cli import main
from author_studio.domain.model import (
    Audience,
    Choice,
    Persona,
    Scene,
    SceneKind,
    Variable,
    VariableType,
)
from author_studio.services.session import ProjectSession


def build(path, *, broken: bool) -> None:
    session = ProjectSession.create(path, "Night crossing")
    start = session.scenes.start()
    deck = session.scenes.create(Scene(key="", title="Deck", duration_s=90))
    harbour = session.scenes.create(
        Scene(key="", title="Harbour", kind=SceneKind.ENDING, duration_s=30)
    )
    sea = session.scenes.create(
        Scene(key="", title="Open sea", kind=SceneKind.ENDING, duration_s=30)
    )
    session.variables.create(Variable("brave", VariableType.BOOL, False))
    session.choices.create(Choice(start.id, deck.id, "Go up", effects="brave = true"))
    session.choices.create(Choice(deck.id, harbour.id, "Stay"))
    session.choices.create(Choice(deck.id, sea.id, "Jump", condition="brave"))
    if broken:
        session.scenes.create(Scene(key="", title="Cabin"))
    session.close()


@pytest.fixture
def clean(tmp_path):
    path = tmp_path / "clean.authorstudio"
    build(path, broken=False)
    return path


@pytest.fixture
def broken(tmp_path):
    path = tmp_path / "broken.authorstudio"
    build(path, broken=True)
    return path


def run_json(capsys, *args: str) -> tuple[int, dict]:
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_lint_clean_exits_zero(clean, capsys) -> None:
    code, data = run_json(capsys, "lint", str(clean))
    assert code == 0
    assert data["errors"] == 0
    assert data["findings"] == []


def test_lint_errors_exit_one(broken, capsys) -> None:
    code, data = run_json(capsys, "lint", str(broken))
    assert code == 1
    assert data["errors"] == 1
    found = {f["code"] for f in data["findings"]}
    assert found == {"dead-end", "unreachable-scene"}
    finding = data["findings"][0]
    assert set(finding) >= {"code", "severity", "message", "scene_id", "choice_id"}


def test_lint_text_output(broken, capsys) -> None:
    assert main(["lint", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "error   dead-end [cabin]:" in out
    assert "1 error(s), 1 warning(s), 0 note(s)" in out


def test_lint_missing_file_exits_two(tmp_path, capsys) -> None:
    assert main(["lint", str(tmp_path / "none.authorstudio")]) == 2
    assert "none.authorstudio" in capsys.readouterr().err


def test_simulate_json_keys(clean, capsys) -> None:
    code, data = run_json(
        capsys, "simulate", str(clean), "--viewers", "2000", "--seed", "5"
    )
    assert code == 0
    assert data["viewers"] == 2000
    assert data["seed"] == 5
    assert set(data["endings"]) == {"harbour", "open_sea"}
    assert 0 <= data["dropped"] < 1
    assert data["coverage"] == 1.0
    assert set(data["runtime_seconds"]) >= {"mean", "p50", "p90"}
    assert data["runtime_seconds"]["p90"] >= data["runtime_seconds"]["p50"]
    assert "exact_endings" not in data
    assert sum(data["endings"].values()) + data["dropped"] == pytest.approx(1)


def test_simulate_is_reproducible(clean, capsys) -> None:
    _, first = run_json(capsys, "simulate", str(clean), "--viewers", "500")
    _, second = run_json(capsys, "simulate", str(clean), "--viewers", "500")
    first.pop("elapsed_s")
    second.pop("elapsed_s")
    assert first == second


def test_simulate_exact_endings_for_stateless_story(tmp_path, capsys) -> None:
    path = tmp_path / "plain.authorstudio"
    session = ProjectSession.create(path, "Plain")
    start = session.scenes.start()
    end = session.scenes.create(Scene(key="", title="End", kind=SceneKind.ENDING))
    session.choices.create(Choice(start.id, end.id, "Finish"))
    session.close()
    code, data = run_json(capsys, "simulate", str(path), "--viewers", "100")
    assert code == 0
    assert set(data["exact_endings"]) == {"end"}
    assert 0.9 < data["exact_endings"]["end"] < 1


def test_simulate_persona_filter(clean, capsys) -> None:
    session = ProjectSession.open(clean)
    audience = session.audiences.create(Audience("Adults"))
    session.personas.create(Persona("Bold", audience.id, {"x": 1.0}))
    session.personas.create(Persona("Shy", audience.id))
    session.close()
    code, data = run_json(
        capsys, "simulate", str(clean), "--viewers", "100", "--persona", "Shy"
    )
    assert code == 0
    assert [p["name"] for p in data["personas"]] == ["Shy"]
    assert main(["simulate", str(clean), "--persona", "Nobody"]) == 2
    assert "Unknown persona 'Nobody'" in capsys.readouterr().err


def test_simulate_rejects_bad_viewer_count(clean, capsys) -> None:
    assert main(["simulate", str(clean), "--viewers", "0"]) == 2


def test_paths_json(clean, capsys) -> None:
    code, data = run_json(capsys, "paths", str(clean))
    assert code == 0
    assert data["total_paths"] == "2"
    assert data["endings"]["harbour"]["shortest_s"] == 180
