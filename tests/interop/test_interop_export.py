"""Twee and Twine HTML round trips, story packages and the CLI commands."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path

import jsonschema
import pytest

from author_studio.cli import main
from author_studio.domain.model import (
    Audience,
    Choice,
    LinkKind,
    Persona,
    Scene,
    SceneKind,
    Variant,
)
from author_studio.interop import exporter, links
from author_studio.interop.exporter import ExportFormat, LintFailedError, export_project
from author_studio.interop.importer import import_story
from author_studio.services.session import ProjectSession

DATA = Path(__file__).resolve().parent.parent / "data" / "twine"
CORPUS = Path(
    os.environ.get(
        "AUTHOR_STUDIO_CORPUS",
        Path(__file__).resolve().parents[3] / "shared" / "corpus",
    )
)

TRICKY = (
    ':: StoryTitle\nTricky names\n\n:: StoryData\n{"ifid": '
    '"D674C58C-DEFA-4F70-B7A2-27742230C0FC", "format": "SugarCube", '
    '"format-version": "2.36.1", "start": "a[1]", "tag-colors": {"hot": "red"}, '
    '"zoom": 0.6}\n\n'
    ':: a\\[1\\] [hot cold] {"position":"100,200","size":"200,100"}\n'
    "Go [[on->b|c]] or [[x\\{y\\}]] & <b>bold</b> \"quoted\" 'single'\n"
    '[[Pay->b|c][$gold to 5]]\n<<goto "Last">>\n\n'
    ':: b|c {"position":"300.5,200"}\nBack: [[a[1]<-Return]]\n\n'
    ":: x\\{y\\}\nText with :: inside\n[[Last]]\n\n"
    ":: Last [end]\nThe end.\n\n"
    ":: Styles [stylesheet]\nbody { color: red; }\n\n"
    ":: StoryInit\n<<set $gold to 1>>\n"
)


def _snapshot(path: Path) -> dict:
    session = ProjectSession.open(path)
    try:
        story = session.load_story()
        info = session.info()
        assets = exporter.read_assets(session)
    finally:
        session.close()
    titles = {s.id: s.title for s in story.scenes}
    return {
        "info": (
            info.title,
            info.ifid,
            info.story_format,
            info.story_format_version,
            info.tag_colors,
        ),
        "scenes": sorted(
            (s.key, s.title, s.kind.value, s.script, tuple(s.tags), s.x, s.y)
            for s in story.scenes
        ),
        "choices": sorted(
            (
                titles[c.source_id],
                titles[c.target_id],
                c.label,
                c.effects,
                c.link_kind.value,
            )
            for c in story.choices
        ),
        "variables": sorted((v.name, v.type.value, v.initial) for v in story.variables),
        "assets": sorted((a.name, a.kind, a.text) for a in assets),
    }


def _round_trip(source: Path, tmp_path: Path, fmt: ExportFormat, suffix: str):
    first = tmp_path / "first.authorstudio"
    import_story(source, first)
    session = ProjectSession.open(first)
    out = tmp_path / f"export{suffix}"
    try:
        export_project(session, out, fmt, force=True)
    finally:
        session.close()
    second = tmp_path / "second.authorstudio"
    import_story(out, second)
    return _snapshot(first), _snapshot(second), out


@pytest.mark.parametrize(
    ("fmt", "suffix"),
    [(ExportFormat.TWEE, ".twee"), (ExportFormat.TWINE_HTML, ".html")],
)
def test_tricky_round_trip(tmp_path: Path, fmt, suffix) -> None:
    source = tmp_path / "tricky.twee"
    source.write_text(TRICKY, encoding="utf-8")
    first, second, _ = _round_trip(source, tmp_path, fmt, suffix)
    assert second["info"] == first["info"]
    assert second["choices"] == first["choices"]
    assert second["variables"] == first["variables"]
    if fmt is ExportFormat.TWEE:
        assert second["assets"] == first["assets"]
    else:
        # Twine 2 HTML has one unnamed stylesheet and one unnamed script.
        assert [a[1:] for a in second["assets"]] == [a[1:] for a in first["assets"]]
    first_scenes = [s[:3] + s[4:] for s in first["scenes"]]
    second_scenes = [s[:3] + s[4:] for s in second["scenes"]]
    assert second_scenes == first_scenes


def test_tricky_import_values(tmp_path: Path) -> None:
    source = tmp_path / "tricky.twee"
    source.write_text(TRICKY, encoding="utf-8")
    project = tmp_path / "p.authorstudio"
    import_story(source, project)
    snap = _snapshot(project)
    assert ("a[1]", "b|c", "on", "", "link") in snap["choices"]
    assert ("a[1]", "b|c", "Pay", "gold = 5", "link") in snap["choices"]
    assert ("a[1]", "Last", "Last", "", "macro") in snap["choices"]
    kinds = {s[1]: s[2] for s in snap["scenes"]}
    assert ("b|c", "a[1]", "Return", "", "link") in snap["choices"]
    assert kinds == {"a[1]": "start", "b|c": "scene", "x{y}": "scene", "Last": "ending"}
    assert snap["info"][4] == {"hot": "red"}


def test_twee_header_metadata_written(tmp_path: Path) -> None:
    source = tmp_path / "tricky.twee"
    source.write_text(TRICKY, encoding="utf-8")
    _, _, out = _round_trip(source, tmp_path, ExportFormat.TWEE, ".twee")
    text = out.read_text(encoding="utf-8")
    assert ':: a\\[1\\] [hot cold] {"position":"100,200","size":"200,100"}' in text
    assert ':: b|c {"position":"300.5,200","size":"100,100"}' in text
    assert ":: x\\{y\\} {" in text


def test_twee_text_line_starting_with_colons(tmp_path: Path) -> None:
    project = tmp_path / "p.authorstudio"
    session = ProjectSession.create(project, "Colons")
    start = session.scenes.start()
    session.scenes.update(start.id, script="Before\n:: not a header\nAfter")
    out = tmp_path / "c.twee"
    export_project(session, out, ExportFormat.TWEE, force=True)
    session.close()
    second = tmp_path / "second.authorstudio"
    import_story(out, second)
    scenes = _snapshot(second)["scenes"]
    assert [s[3] for s in scenes] == ["Before\n :: not a header\nAfter"]


def test_html_export_escapes_text(tmp_path: Path) -> None:
    source = tmp_path / "tricky.twee"
    source.write_text(TRICKY, encoding="utf-8")
    _, _, out = _round_trip(source, tmp_path, ExportFormat.TWINE_HTML, ".html")
    html = out.read_text(encoding="utf-8")
    assert "&amp; &lt;b&gt;bold&lt;/b&gt; &quot;quoted&quot; &#x27;single&#x27;" in html
    assert 'name="a[1]" tags="hot cold" position="100,200" size="200,100"' in html
    assert '<tw-tag name="hot" color="red"></tw-tag>' in html
    assert 'ifid="D674C58C-DEFA-4F70-B7A2-27742230C0FC"' in html
    assert 'format="SugarCube" format-version="2.36.1"' in html
    assert "body { color: red; }</style>" in html


@pytest.mark.parametrize(
    "source",
    [
        "twee3/meeting-the-parents-v2-translated.twee",
        "twee3/teatime-with-a-vampire.twee",
        "twee3/roads-not-taken",
        "twine2-html/meeting-the-parents-harlowe.html",
        "twine2-html/srhk-backstory-archive.html",
    ],
)
@pytest.mark.parametrize(
    ("fmt", "suffix"),
    [(ExportFormat.TWEE, ".twee"), (ExportFormat.TWINE_HTML, ".html")],
)
def test_corpus_round_trip(corpus: Path, tmp_path: Path, source, fmt, suffix) -> None:
    first, second, _ = _round_trip(corpus / source, tmp_path, fmt, suffix)
    assert second["scenes"] == first["scenes"]
    assert second["choices"] == first["choices"]
    assert second["info"] == first["info"]


def test_export_adds_links_for_new_choices(tmp_path: Path) -> None:
    project = tmp_path / "p.authorstudio"
    session = ProjectSession.create(project, "Made here")
    start = session.scenes.start()
    end = session.scenes.create(
        Scene(key="end", title="End -> there", kind=SceneKind.ENDING)
    )
    hall = session.scenes.create(Scene(key="hall", title="Hall|way"))
    session.choices.create(Choice(start.id, hall.id, "Enter"))
    session.choices.create(Choice(start.id, end.id, "Leave"))
    out = tmp_path / "made.twee"
    result = export_project(session, out, ExportFormat.TWEE, force=True)
    session.close()
    text = out.read_text(encoding="utf-8")
    assert "[[Enter->Hall|way]]" in text
    assert any("End -> there" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("label", "target", "link"),
    [
        ("Room", "Room", "[[Room]]"),
        ("Go", "Room", "[[Go->Room]]"),
        ("Go", "a|b", "[[Go->a|b]]"),
        ("Go", "a[1]", "[[a[1]<-Go]]"),
        ("Go", "a->b", None),
        ("Go", "x]]y", None),
        ("go -> on", "Room", None),
    ],
)
def test_link_for_reads_back(label, target, link) -> None:
    written = exporter._link_for(label, target)
    assert written == link
    if link is not None:
        found = links.scan_passage(written).links[0]
        assert (found.label, found.target) == (label, target)


def _story_with_audiences(path: Path) -> ProjectSession:
    session = ProjectSession.create(path, "Package story")
    start = session.scenes.start()
    end = session.scenes.create(Scene(key="end", title="End", kind=SceneKind.ENDING))
    session.choices.create(Choice(start.id, end.id, "Go", window_s=5, is_default=True))
    kids = session.audiences.create(Audience(name="Kids"))
    adults = session.audiences.create(Audience(name="Adults"))
    approved = session.variants.create(Variant(start.id, kids.id, "Kid text", 30))
    session.variants.approve(approved.id, reviewer="ed")
    session.variants.create(Variant(end.id, kids.id, "PROPOSED", 30))
    rejected = session.variants.create(Variant(end.id, adults.id, "REJECTED", 30))
    session.variants.reject(rejected.id, reviewer="ed", reason="off tone")
    session.personas.create(Persona(name="Sam", audience_id=kids.id))
    return session


def test_package_contents(tmp_path: Path) -> None:
    session = _story_with_audiences(tmp_path / "p.authorstudio")
    out = tmp_path / "story.storypkg"
    export_project(session, out, force=True)
    session.close()
    with zipfile.ZipFile(out) as archive:
        names = sorted(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        story = json.loads(archive.read("story.json"))
        schema = json.loads(archive.read("story.schema.json"))
        files = {name: archive.read(name) for name in names}
    assert names == [
        "manifest.json",
        "player/index.html",
        "story.json",
        "story.schema.json",
    ]
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(story, schema, cls=jsonschema.Draft202012Validator)
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(files[name]).hexdigest() == digest
    assert set(manifest["files"]) == set(names) - {"manifest.json"}
    assert manifest["package_format_version"] == 1
    assert manifest["ifid"] == story["ifid"]
    kids = next(a for a in story["audiences"] if a["name"] == "Kids")
    assert kids["variants"] == {"start": {"script": "Kid text", "duration_s": 30}}
    raw = b"".join(files.values())
    assert b"PROPOSED" not in raw
    assert b"REJECTED" not in raw
    assert "personas" not in story


def test_package_schema_rejects_bad_story(tmp_path: Path) -> None:
    session = _story_with_audiences(tmp_path / "p.authorstudio")
    out = tmp_path / "story.storypkg"
    export_project(session, out, force=True)
    session.close()
    with zipfile.ZipFile(out) as archive:
        story = json.loads(archive.read("story.json"))
        schema = json.loads(archive.read("story.schema.json"))
    story["choices"][0]["window_s"] = 0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(story, schema, cls=jsonschema.Draft202012Validator)


def test_package_one_audience_with_personas(tmp_path: Path) -> None:
    session = _story_with_audiences(tmp_path / "p.authorstudio")
    out = tmp_path / "story.storypkg"
    export_project(session, out, audience="Kids", personas=True, force=True)
    session.close()
    with zipfile.ZipFile(out) as archive:
        story = json.loads(archive.read("story.json"))
    assert [a["name"] for a in story["audiences"]] == ["Kids"]
    assert [p["name"] for p in story["personas"]] == ["Sam"]


def test_player_has_strict_csp(tmp_path: Path) -> None:
    session = _story_with_audiences(tmp_path / "p.authorstudio")
    out = tmp_path / "story.storypkg"
    export_project(session, out, force=True)
    session.close()
    with zipfile.ZipFile(out) as archive:
        page = archive.read("player/index.html").decode()
    assert "default-src &#x27;none&#x27;; script-src &#x27;sha256-" in page
    assert "http://" not in page.split("<script>")[0]
    assert "unsafe-inline" not in page


def test_export_rejected_on_lint_errors(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(exporter, "lint_errors", lambda story: ["dead-end: Hall"])
    session = _story_with_audiences(tmp_path / "p.authorstudio")
    out = tmp_path / "story.storypkg"
    with pytest.raises(LintFailedError) as info:
        export_project(session, out)
    session.close()
    assert info.value.findings == ["dead-end: Hall"]
    assert not out.exists()


def test_failed_export_keeps_old_file(tmp_path: Path, monkeypatch) -> None:
    session = _story_with_audiences(tmp_path / "p.authorstudio")
    out = tmp_path / "story.storypkg"
    out.write_bytes(b"old package")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("author_studio.interop.package.build_player", broken)
    with pytest.raises(OSError):
        export_project(session, out, force=True)
    session.close()
    assert out.read_bytes() == b"old package"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "p.authorstudio",
        "story.storypkg",
    ]


def test_cli_import_and_export(tmp_path: Path, capsys) -> None:
    project = tmp_path / "p.authorstudio"
    assert (
        main(
            [
                "import",
                str(DATA / "cookbook-harlowe-storylets.twee"),
                "-o",
                str(project),
            ]
        )
        == 0
    )
    assert "5 choices" in capsys.readouterr().out
    out = tmp_path / "p.twee"
    code = main(["export", str(project), "-o", str(out), "--format", "twee", "--force"])
    assert code == 0
    assert out.read_text(encoding="utf-8").startswith(
        ":: StoryTitle\nHarlowe: Storylets"
    )


def test_cli_import_json_report(tmp_path: Path, capsys) -> None:
    project = tmp_path / "p.authorstudio"
    source = DATA / "cookbook-sugarcube-dungeonmoving.twee"
    assert main(["import", str(source), "-o", str(project), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["choices"] == 10
    assert report["macro_choices"] == 5


@pytest.mark.parametrize(
    "args",
    [
        ["import", "/nonexistent.twee", "-o", "{tmp}/p.authorstudio"],
        ["import", "{data}/chapbook-links.twee", "-o", "{tmp}/p.txt"],
        ["export", "{tmp}/missing.authorstudio", "-o", "{tmp}/x.storypkg"],
    ],
)
def test_cli_usage_errors(tmp_path: Path, capsys, args) -> None:
    filled = [a.format(tmp=tmp_path, data=DATA) for a in args]
    assert main(filled) == 2
    error = capsys.readouterr().err
    assert error.startswith("author-studio: error: ")
    assert error.count("\n") == 1


def test_cli_export_lint_errors_exit_1(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(exporter, "lint_errors", lambda story: ["no-ending: none"])
    project = tmp_path / "p.authorstudio"
    ProjectSession.create(project, "Lint").close()
    out = tmp_path / "x.storypkg"
    assert main(["export", str(project), "-o", str(out)]) == 1
    assert "no-ending: none" in capsys.readouterr().err
    assert not out.exists()
    assert main(["export", str(project), "-o", str(out), "--force"]) == 0
    assert out.exists()


def test_export_runs_real_lint(tmp_path: Path, capsys) -> None:
    project = tmp_path / "p.authorstudio"
    ProjectSession.create(project, "Only a start").close()
    out = tmp_path / "x.twee"
    assert main(["export", str(project), "-o", str(out), "--format", "twee"]) == 1
    assert "no-ending" in capsys.readouterr().err
    assert not out.exists()


def test_export_clean_story_not_forced(tmp_path: Path) -> None:
    session = _story_with_audiences(tmp_path / "p.authorstudio")
    out = tmp_path / "story.storypkg"
    result = export_project(session, out)
    session.close()
    assert result.lint_errors == []
    assert out.exists()


def test_cli_export_unknown_audience(tmp_path: Path, capsys) -> None:
    project = tmp_path / "p.authorstudio"
    ProjectSession.create(project, "Aud").close()
    code = main(
        [
            "export",
            str(project),
            "-o",
            str(tmp_path / "x.storypkg"),
            "--audience",
            "Nobody",
            "--force",
        ]
    )
    assert code == 2
    assert "Nobody" in capsys.readouterr().err


def test_macro_choice_kind_survives(tmp_path: Path) -> None:
    project = tmp_path / "p.authorstudio"
    import_story(DATA / "cookbook-sugarcube-dungeonmoving.twee", project)
    session = ProjectSession.open(project)
    kinds = [c.link_kind for c in session.choices.list()]
    session.close()
    assert kinds.count(LinkKind.MACRO) == 5


def test_reserved_scene_title_renamed(tmp_path: Path) -> None:
    project = tmp_path / "p.authorstudio"
    session = ProjectSession.create(project, "Reserved", start_title="StoryData")
    out = tmp_path / "r.twee"
    export_project(session, out, ExportFormat.TWEE, force=True)
    session.close()
    text = out.read_text(encoding="utf-8")
    assert ":: StoryData (start) {" in text
    assert text.count(":: StoryData") == 2


def test_html_assets_get_positions(tmp_path: Path) -> None:
    source = tmp_path / "tricky.twee"
    source.write_text(TRICKY, encoding="utf-8")
    _, _, out = _round_trip(source, tmp_path, ExportFormat.TWINE_HTML, ".html")
    html = out.read_text(encoding="utf-8")
    assert 'name="StoryInit" tags="" position="0,450"' in html
    assert 'position=""' not in html


def test_twee_export_for_one_audience(tmp_path: Path) -> None:
    session = _story_with_audiences(tmp_path / "p.authorstudio")
    out = tmp_path / "kids.twee"
    export_project(session, out, ExportFormat.TWEE, audience="Kids", force=True)
    session.close()
    text = out.read_text(encoding="utf-8")
    assert "Kid text\n\n[[Go->End]]" in text
    assert "PROPOSED" not in text
