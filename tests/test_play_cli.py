"""The ``play`` and ``journeys`` commands on the Harbour Night story."""

from __future__ import annotations

import json

import pytest

from author_studio.cli import main
from author_studio.services.session import ProjectSession
from tests.conftest import DATA
from tests.play_story import build_harbour_story

# What `play --audience Teens --choices 2,t,2,1 --no-text` prints for Harbour Night.
EXPECTED_BRIEF_PATH = (DATA / "harbour_path_teens.txt").read_text(encoding="utf-8")


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "harbour.authorstudio"
    build_harbour_story(path).session.close()
    return path


def test_play_prints_path(project, capsys):
    code = main(
        [
            "play",
            str(project),
            "--audience",
            "Teens",
            "--choices",
            "2,t,2,1",
            "--no-text",
        ]
    )

    assert code == 0
    assert capsys.readouterr().out == EXPECTED_BRIEF_PATH


def test_play_prints_script_text(project, capsys):
    code = main(["play", str(project), "--audience", "Teens"])

    out = capsys.readouterr().out
    assert code == 0
    assert "    MARA (17) checks her phone one last time." in out
    assert "Stopped at 'Dock' after 0 choices; runtime so far 0:25." in out


def test_play_shows_blocked_choice(project, capsys):
    code = main(["play", str(project), "--choices", "1", "--no-text"])

    out = capsys.readouterr().out
    assert code == 0
    assert (
        "      ×  Talk to the stranger → stranger  — not on offer: its condition "
        "`has_ticket` is false when has_ticket = false\n" in out
    )
    assert "      1) Stay by the rail → rail  [default, 5 s window]\n" in out


def test_choice_not_on_offer_exits_1(project, capsys):
    code = main(["play", str(project), "--choices", "1,2", "--no-text"])

    captured = capsys.readouterr()
    assert code == 1
    assert captured.err == (
        f"author-studio: error: {project}: step 2 ('On Deck', --choices entry 2): "
        "choice 2 is not on offer; on offer: 1) Stay by the rail.\n"
    )
    assert "Stopped at 'On Deck' after 1 choice;" in captured.out


def test_start_values_change_offer(project, capsys):
    code = main(
        [
            "play",
            str(project),
            "--start",
            "deck",
            "--set",
            "has_ticket=true",
            "--choices",
            "1",
            "--no-text",
        ]
    )

    assert code == 0
    assert "> chose 1) Talk to the stranger" in capsys.readouterr().out


def test_follow_defaults_reaches_ending(project, capsys):
    code = main(["play", str(project), "--follow-defaults", "--json"])

    run = json.loads(capsys.readouterr().out)
    assert code == 0
    assert run["status"] == "ended"
    assert [stop["scene"] for stop in run["stops"]] == [
        "dock",
        "deck",
        "rail",
        "ending_dawn",
    ]
    assert [stop["taken"]["how"] for stop in run["stops"][:-1]] == ["timed_out"] * 3
    assert run["runtime_s"] == 130


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--choices", "1,,2"], "--choices: entry 2 is empty"),
        (["--choices", "0"], "--choices: entry 1 is '0'"),
        (["--set", "trust"], "--set 'trust': write NAME=VALUE"),
        (["--set", "courage=1"], "the story has no variable 'courage'"),
        (["--set", "has_ticket=yes"], "--set 'has_ticket=yes': write true or false"),
        (["--audience", "Kids"], "Unknown audience 'Kids'"),
        (["--start", "pier"], "No scene with key 'pier'"),
        (["--journey", "Nope"], "No journey named 'Nope'"),
    ],
)
def test_bad_input_exits_2(project, capsys, arguments, message):
    code = main(["play", str(project), *arguments])

    assert code == 2
    assert message in capsys.readouterr().err


def test_saved_journey_replays(project, capsys):
    saved = main(
        [
            "play",
            str(project),
            "--audience",
            "Teens",
            "--choices",
            "2,t,2,1",
            "--save-journey",
            "Sea",
            "--no-text",
        ]
    )
    first = capsys.readouterr().out

    replayed = main(["play", str(project), "--journey", "Sea", "--no-text"])

    assert saved == 0
    assert replayed == 0
    assert first.endswith("Saved journey 'Sea'.\n")
    assert capsys.readouterr().out == EXPECTED_BRIEF_PATH


def test_broken_journey_exits_1(project, capsys):
    main(["play", str(project), "--choices", "2,t,1", "--save-journey", "Talk"])
    session = ProjectSession.open(project)
    talk = next(c for c in session.choices.list() if c.label == "Talk to the stranger")
    session.choices.update(talk.id, condition="trust > 0")
    session.close()
    capsys.readouterr()

    code = main(["play", str(project), "--journey", "Talk", "--no-text"])

    captured = capsys.readouterr()
    assert code == 1
    assert captured.err == (
        f"author-studio: error: {project}: journey 'Talk': Step 3 (deck → "
        "'Talk to the stranger' → stranger) breaks: the choice 'Talk to the "
        "stranger' is not on offer any more: its condition `trust > 0` is false "
        "when trust = 0.\n"
    )
    assert "Stopped at 'On Deck' after 2 choices" in captured.out


def test_save_journey_twice_needs_replace(project, capsys):
    main(["play", str(project), "--save-journey", "Short"])

    again = main(["play", str(project), "--choices", "1", "--save-journey", "Short"])
    err = capsys.readouterr().err
    replaced = main(
        ["play", str(project), "--choices", "1", "--save-journey", "Short", "--replace"]
    )
    main(["journeys", str(project), "--json"])
    listed = json.loads(capsys.readouterr().out.split("Saved journey 'Short'.\n")[-1])

    assert again == 2
    assert "already a journey named 'Short'" in err
    assert replaced == 0
    assert [(j["name"], j["choices"]) for j in listed] == [("Short", 1)]


def test_journeys_delete(project, capsys):
    main(["play", str(project), "--save-journey", "Short"])

    code = main(["journeys", str(project), "--delete", "Short"])
    main(["journeys", str(project)])

    out = capsys.readouterr().out
    assert code == 0
    assert "Deleted journey 'Short'." in out
    assert out.endswith(
        "No journeys saved; save one with "
        "'author-studio play PATH --choices … --save-journey NAME'.\n"
    )


def test_journeys_check_reports_broken(project, capsys):
    main(["play", str(project), "--choices", "2,t,1", "--save-journey", "Talk"])
    main(["play", str(project), "--choices", "1", "--save-journey", "Board"])
    session = ProjectSession.open(project)
    talk = next(c for c in session.choices.list() if c.label == "Talk to the stranger")
    session.choices.delete(talk.id)
    session.close()
    capsys.readouterr()

    code = main(["journeys", str(project), "--check", "--json"])

    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert code == 1
    assert rows["Board"]["fits"] is True
    assert rows["Board"]["break"] is None
    assert rows["Talk"]["fits"] is False
    assert rows["Talk"]["break"].startswith(
        "Step 3 (deck → 'Talk to the stranger' → stranger) breaks: the choice "
        "'Talk to the stranger' from 'deck' to 'stranger' was removed"
    )


def test_journeys_check_passes_when_all_fit(project, capsys):
    main(["play", str(project), "--choices", "1", "--save-journey", "Board"])
    capsys.readouterr()

    code = main(["journeys", str(project), "--check"])

    out = capsys.readouterr().out
    assert code == 0
    assert out.endswith("\n    fits the current story\n")
