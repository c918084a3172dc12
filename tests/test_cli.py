"""The command line: exit codes, one-line errors and the info JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from author_studio.cli import main
from author_studio.services import ProjectSession

INFO_KEYS = {
    "title",
    "schema_version",
    "scenes",
    "choices",
    "endings",
    "variables",
    "audiences",
    "personas",
    "variants",
}


def test_new_then_info_json(tmp_path: Path, capsys) -> None:
    path = tmp_path / "pilot.authorstudio"
    assert main(["new", str(path), "--title", "Pilot"]) == 0
    capsys.readouterr()

    assert main(["info", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert set(info) == INFO_KEYS
    assert info["title"] == "Pilot"
    assert info["scenes"] == 1
    assert info["endings"] == 0
    assert info["variants"] == {"proposed": 0, "approved": 0, "rejected": 0}


def test_info_text(tmp_path: Path, capsys) -> None:
    path = tmp_path / "pilot.authorstudio"
    main(["new", str(path), "--title", "Pilot"])
    capsys.readouterr()
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Pilot  (")
    assert "1 scenes (0 endings)" in out


def test_new_refuses_existing(tmp_path: Path, capsys) -> None:
    path = tmp_path / "pilot.authorstudio"
    main(["new", str(path), "--title", "Pilot"])
    capsys.readouterr()
    assert main(["new", str(path), "--title", "Again"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert str(path) in err
    assert "choose another name" in err


def test_new_needs_suffix(tmp_path: Path, capsys) -> None:
    assert main(["new", str(tmp_path / "pilot.db"), "--title", "Pilot"]) == 2
    assert "must end in .authorstudio" in capsys.readouterr().err


def test_info_on_bad_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "notes.authorstudio"
    path.write_text("just some notes\n")
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("author-studio: error: ")
    assert str(path) in err
    assert err.count("\n") == 1


def test_usage_error_exit_code(capsys) -> None:
    assert main(["info"]) == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_version_and_help(args, capsys) -> None:
    assert main(args) == 0
    assert capsys.readouterr().out


def test_module_entry_point(tmp_path: Path) -> None:
    path = tmp_path / "pilot.authorstudio"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    created = subprocess.run(
        [sys.executable, "-m", "author_studio", "new", str(path), "--title", "Pilot"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    info = subprocess.run(
        [sys.executable, "-m", "author_studio", "info", str(path), "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert json.loads(info.stdout)["title"] == "Pilot"


def test_gui_screenshot(tmp_path: Path) -> None:
    path = tmp_path / "pilot.authorstudio"
    main(["new", str(path), "--title", "Pilot"])
    shot = tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", "author_studio", str(path), "--screenshot", str(shot)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_gui_screenshot_bad_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "broken.authorstudio"
    path.write_bytes(b"\x00" * 200)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "author_studio",
            "open",
            str(path),
            "--screenshot",
            str(tmp_path / "w.png"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert path.read_bytes() == b"\x00" * 200


@pytest.mark.parametrize(
    ("name", "words"), [("shot.txt", "ending in .png"), ("no/such/x.png", "not exist")]
)
def test_screenshot_path_checked(tmp_path: Path, capsys, name, words) -> None:
    path = tmp_path / "pilot.authorstudio"
    main(["new", str(path), "--title", "Pilot"])
    capsys.readouterr()
    assert main(["open", str(path), "--screenshot", str(tmp_path / name)]) == 2
    assert words in capsys.readouterr().err


def test_broken_pipe_is_quiet(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "pilot.authorstudio"
    main(["new", str(path), "--title", "Pilot"])
    read_end, write_end = os.pipe()
    os.close(read_end)
    stdout = os.fdopen(write_end, "w")
    monkeypatch.setattr(sys, "stdout", stdout)
    try:
        assert main(["info", str(path), "--json"]) == 0
    finally:
        stdout.close()


def test_import_into_missing_folder(tmp_path: Path, capsys) -> None:
    source = tmp_path / "tiny.twee"
    source.write_text(":: StoryTitle\nTiny\n\n:: Start\n[[Go->End]]\n\n:: End\nDone.\n")
    target = tmp_path / "missing" / "tiny.authorstudio"
    assert main(["import", str(source), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert "does not exist; create it first" in err
    assert err.count("\n") == 1
    assert not target.parent.exists()


def test_import_caps_estimated_duration(tmp_path: Path, capsys) -> None:
    source = tmp_path / "long.twee"
    words = "word " * 250_000
    source.write_text(f":: Start\n{words}\n[[End]]\n\n:: End\nDone.\n")
    target = tmp_path / "long.authorstudio"
    assert main(["import", str(source), "-o", str(target)]) == 0
    session = ProjectSession.open(target)
    start = session.scenes.start()
    session.close()
    assert start.duration_s == 24 * 3600


def test_read_only_project_for_reading_commands(tmp_path: Path, capsys) -> None:
    path = tmp_path / "pilot.authorstudio"
    main(["new", str(path), "--title", "Pilot"])
    capsys.readouterr()
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        assert main(["info", str(path), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["title"] == "Pilot"
        assert main(["lint", str(path)]) in (0, 1)
        capsys.readouterr()
        assert main(["draft", str(path), "--scene", "start", "--audience", "X"]) == 2
        assert "read-only" in capsys.readouterr().err
    finally:
        path.chmod(0o644)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pilot.authorstudio"]


def test_simulate_viewer_bound(tmp_path: Path, capsys) -> None:
    path = tmp_path / "pilot.authorstudio"
    main(["new", str(path), "--title", "Pilot"])
    capsys.readouterr()
    args = ["simulate", str(path), "--seed", "1", "--viewers"]
    assert main([*args, "1000001"]) == 2
    assert "run several seeds instead" in capsys.readouterr().err
    assert main([*args, "abc"]) == 2
    assert "'abc' is not a whole number" in capsys.readouterr().err
