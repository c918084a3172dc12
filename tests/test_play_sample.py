"""The ``play`` command on The Night Ferry sample project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from author_studio.cli import main
from author_studio.services.session import ProjectSession
from tests.conftest import DATA

SAMPLE = Path(__file__).resolve().parent.parent / "sample_projects"
# 2 reports to the purser's office, t lets its window run out (the default goes to
# the car deck), and the rest lead through the storm and the accusation of Sorley
# to the Black Water ending.
FAMILY_CHOICES = "2,t,1,2,1,1,2,1,3,2,2,1"


@pytest.fixture
def ferry(tmp_path) -> Path:
    copy = tmp_path / "night_ferry.authorstudio"
    shutil.copyfile(SAMPLE / "night_ferry.authorstudio", copy)
    return copy


def test_sample_path_output(ferry, capsys):
    code = main(
        [
            "play",
            str(ferry),
            "--audience",
            "Family Evening",
            "--choices",
            FAMILY_CHOICES,
            "--no-text",
        ]
    )

    expected = (DATA / "night_ferry_family_path.txt").read_text(encoding="utf-8")
    assert code == 0
    assert capsys.readouterr().out == expected


def test_sample_path_shows_approved_variants(ferry, capsys):
    session = ProjectSession.open(ferry)
    story = session.load_story()
    session.close()
    family = story.audience_by_name["Family Evening"]
    car_deck = story.scene_by_key["car_deck"]
    variant = story.approved_variant(car_deck.id, family.id)

    code = main(
        ["play", str(ferry), "--audience", "Family Evening", "--choices", "2,t"]
    )

    out = capsys.readouterr().out
    assert code == 0
    assert f"Variant for Family Evening (variant {variant.id})" in out
    first_line = variant.script.strip().splitlines()[0]
    assert f"    {first_line}" in out
    assert "> window ran out, default taken: 1) Go down to the car deck yourself" in out


def test_sample_choice_not_on_offer(ferry, capsys):
    code = main(["play", str(ferry), "--choices", "2,t,9", "--no-text"])

    err = capsys.readouterr().err
    assert code == 1
    assert err == (
        f"author-studio: error: {ferry}: step 3 ('The Green Volvo', --choices entry "
        "3): choice 9 is not on offer; on offer: 1) Pocket the brass key, 2) Leave "
        "everything and call the bridge.\n"
    )


def test_sample_journey_round_trip(ferry, capsys):
    saved = main(
        [
            "play",
            str(ferry),
            "--audience",
            "Family Evening",
            "--choices",
            FAMILY_CHOICES,
            "--save-journey",
            "Black Water for families",
            "--no-text",
        ]
    )
    capsys.readouterr()

    replayed = main(
        ["play", str(ferry), "--journey", "Black Water for families", "--no-text"]
    )

    expected = (DATA / "night_ferry_family_path.txt").read_text(encoding="utf-8")
    assert saved == 0
    assert replayed == 0
    assert capsys.readouterr().out == expected
