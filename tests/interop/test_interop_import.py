"""Import of Twee, Twine HTML and ink JSON into project files."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from author_studio.domain.model import LinkKind, SceneKind
from author_studio.interop import writer
from author_studio.interop.importer import StoryImportError, import_story, read_story
from author_studio.interop.ink import InkVersionError
from author_studio.services.session import ProjectSession
from author_studio.store.errors import ProjectExistsError

DATA = Path(__file__).resolve().parent.parent / "data" / "twine"
CORPUS = Path(
    os.environ.get(
        "AUTHOR_STUDIO_CORPUS",
        Path(__file__).resolve().parents[3] / "shared" / "corpus",
    )
)


def _corpus_sources() -> list[str]:
    """Return every importable story of the corpus, relative to its folder."""
    if not CORPUS.is_dir():
        return ["(corpus absent)"]
    sources = []
    for path in sorted((CORPUS / "twee3").iterdir()):
        if path.is_dir() or path.suffix in (".twee", ".tw"):
            sources.append(path.relative_to(CORPUS).as_posix())
    for folder in ("twee1", "twine2-html", "twine1-html"):
        sources += [
            p.relative_to(CORPUS).as_posix()
            for p in sorted((CORPUS / folder).iterdir())
        ]
    sources += sorted(
        p.relative_to(CORPUS).as_posix() for p in CORPUS.glob("ink/*/*.json")
    )
    return sources


def _open(path: Path) -> ProjectSession:
    return ProjectSession.open(path)


@pytest.mark.parametrize("source", _corpus_sources())
def test_corpus_story_imports(corpus: Path, tmp_path: Path, source: str) -> None:
    project = tmp_path / "story.authorstudio"
    report = import_story(corpus / source, project)
    session = _open(project)
    try:
        counts = session.counts()
        story = session.load_story()
    finally:
        session.close()
    assert counts.scenes == report.scenes
    assert counts.choices == report.choices
    assert counts.endings == report.endings
    assert report.scenes > 0
    assert story.start is not None
    assert all(s.title for s in story.scenes)


def _simple_counts(path: Path) -> tuple[int, int]:
    """Count passages and links of a Twee file with two plain regexes.

    Deliberately not the importer's code. Passages are the ``::`` header lines
    other than StoryTitle and StoryData. Links are the matches of the Twine 2
    editor's own pattern ``\\[\\[.*?\\]\\]``, counted once per passage and link
    text. A link whose target (after the last ``|`` or ``->``) starts with a URL
    scheme is not counted.
    """
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    chunks = re.split(r"(?m)^::", text)[1:]
    passages = 0
    link_count = 0
    for chunk in chunks:
        header = chunk.split("\n", 1)[0].strip()
        if header.startswith(("StoryTitle", "StoryData")):
            continue
        passages += 1
        seen = set()
        for match in re.findall(r"\[\[(.*?)\]\]", chunk):
            inner = match.lstrip("[").split("][")[0]
            target = re.split(r"->|\|", inner)[-1]
            if re.match(r"^\w+://", target):
                continue
            seen.add(inner)
        link_count += len(seen)
    return passages, link_count


# In these stories no special passage contains a link and no passage both links to
# and uses a macro on the same target, so each simple-regex link is one
# plain-link choice. (Elsewhere a link hidden in an HTML comment next to a
# (go-to:) of the same passage is one choice, as in the Twine story map.)
SIMPLE_COUNT_STORIES = [
    "twee3/arithmetic-of-memory.twee",
    "twee3/azure-mystery-mansion.twee",
    "twee3/chapbook-cloak-of-darkness.twee",
    "twee3/cookbook-harlowe-storylets.twee",
    "twee3/first-meeting.twee",
    "twee3/teatime-with-a-vampire.twee",
    "twee1/cookbook-sugarcane-dungeonmoving.tw",
]


@pytest.mark.parametrize("source", SIMPLE_COUNT_STORIES)
def test_counts_match_simple_regex(corpus: Path, source: str) -> None:
    passages, link_count = _simple_counts(corpus / source)
    draft, report = read_story(corpus / source)
    plain_links = [c for c in draft.choices if c.link_kind is LinkKind.LINK]
    assert report.passages == passages
    assert len(plain_links) == link_count


def test_dungeon_counts_by_hand() -> None:
    # Counted by reading the file: 10 headers, one of them StoryTitle; StoryInit and
    # UserStylesheet are special, leaving 7 scenes. East, West, South and North
    # each include "Map System" and Map System includes "Location" (5 macro
    # choices); Map System links North, East, South, West and four times Exit
    # with the same label (5 plain choices).
    draft, report = read_story(DATA / "cookbook-sugarcube-dungeonmoving.twee")
    assert report.passages == 9
    assert report.scenes == 7
    assert report.choices == 10
    assert report.macro_choices == 5
    assert {a.name for a in draft.assets} == {"UserStylesheet", "StoryInit"}


def test_storylets_counts_by_hand() -> None:
    # Counted by reading the file: Start, Matches, Send message?, Rhys Johns and
    # Joy Ewers; links Start->Matches and, from each of the two profiles, one to
    # "Send message?" and one back to Start.
    draft, report = read_story(DATA / "cookbook-harlowe-storylets.twee")
    assert report.passages == 5
    assert report.choices == 5
    by_key = {s.key: s for s in draft.scenes}
    assert by_key["start"].kind is SceneKind.START
    assert by_key["send_message"].kind is SceneKind.ENDING
    assert (by_key["start"].x, by_key["start"].y) == (199.0, 99.0)


def test_all_four_link_syntaxes(tmp_path: Path) -> None:
    draft, _ = read_story(DATA / "chapbook-links.twee")
    labels = [c.label for c in draft.choices if c.source_key == "links"]
    assert labels == [
        "Linked Passage",
        "Label with right arrow",
        "Label with left arrow",
        "Label with pipe",
    ]
    assert {c.target_key for c in draft.choices if c.source_key == "links"} == {
        "linked_passage"
    }


def test_twee1_with_bom() -> None:
    draft, report = read_story(DATA / "cookbook-sugarcane-dungeonmoving.tw")
    assert report.source_format == "Twee 1"
    assert draft.title == "Sugarcane: Moving through a 'Dungeon'"
    assert draft.scenes[0].title == "North"
    start = next(s for s in draft.scenes if s.kind is SceneKind.START)
    assert start.title == "Start"


def test_missing_ifid_is_generated(tmp_path: Path) -> None:
    source = tmp_path / "s.twee"
    source.write_text(":: Start\nHello [[Next]]\n\n:: Next\nEnd.\n", encoding="utf-8")
    draft, report = read_story(source)
    assert re.fullmatch(
        r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}",
        draft.ifid,
    )
    assert any("no IFID" in w.message for w in report.warnings)


def test_crlf_bom_and_metadata(tmp_path: Path) -> None:
    source = tmp_path / "s.twee"
    text = (
        ":: StoryData\r\n"
        '{"ifid": "D674C58C-DEFA-4F70-B7A2-27742230C0FC", "start": "Go"}\r\n'
        ':: Go [a b] {"position":"10,20","size":"200,100"}\r\nLine one\r\n[[Bad]]\r\n'
        ':: Bad {"position":"nowhere"}\r\nEnd\r\n\r\n\r\n'
    )
    source.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    draft, report = read_story(source)
    go, bad = draft.scenes
    assert go.script == "Line one\n[[Bad]]"
    assert bad.script == "End"
    assert go.tags == ["a", "b"]
    assert (go.x, go.y) == (10.0, 20.0)
    assert bad.x == bad.x
    assert [w.line for w in report.warnings] == [None, 6]
    assert "no StoryTitle" in report.warnings[0].message
    assert draft.title == "s"
    assert "nowhere" in report.warnings[1].message
    layout = next(a for a in draft.assets if a.kind == "twine_layout")
    assert '"Go": "200,100"' in layout.text


def test_missing_target_reported_with_line(tmp_path: Path) -> None:
    source = tmp_path / "s.twee"
    source.write_text(
        ':: StoryData\n{"ifid": "D674C58C-DEFA-4F70-B7A2-27742230C0FC"}\n\n'
        ":: Start\nOne\nTwo [[Nowhere]]\n",
        encoding="utf-8",
    )
    draft, report = read_story(source)
    assert draft.choices == []
    missing = [w for w in report.warnings if "Nowhere" in w.message]
    assert [w.line for w in missing] == [6]


def test_setter_links_become_effects(tmp_path: Path) -> None:
    source = tmp_path / "s.twee"
    source.write_text(
        ':: StoryData\n{"ifid": "D674C58C-DEFA-4F70-B7A2-27742230C0FC", '
        '"format": "SugarCube"}\n\n:: StoryInit\n<<set $gold to 3>>\n\n'
        ":: Start\n[[Take|Next][$gold += 2]]\n[[Odd|Next][$gold to $gold * 2]]\n"
        "[[Word|Next][$not to 1]]\n\n"
        ":: Next\nEnd\n",
        encoding="utf-8",
    )
    draft, report = read_story(source)
    assert [c.effects for c in draft.choices] == ["gold += 2", "", ""]
    assert [(v.name, v.initial) for v in draft.variables] == [("gold", 3)]
    assert len(report.kept_as_text) == 2


def test_special_passages_kept_as_assets(tmp_path: Path) -> None:
    source = tmp_path / "s.twee"
    source.write_text(
        ':: Start\nGo [[Menu]]\n\n:: Menu [widget]\n<<widget "x">><</widget>>\n\n'
        ":: Style [stylesheet]\nbody {}\n\n:: PassageHeader\nHead\n",
        encoding="utf-8",
    )
    draft, report = read_story(source)
    assert [s.title for s in draft.scenes] == ["Start"]
    assert {(a.name, a.kind) for a in draft.assets} == {
        ("Menu", "widget"),
        ("Style", "stylesheet"),
        ("PassageHeader", "special"),
    }
    assert any("special passage" in k.what for k in report.kept_as_text)


def test_folder_import_nested(tmp_path: Path) -> None:
    (tmp_path / "story" / "part").mkdir(parents=True)
    (tmp_path / "story" / "a.tw").write_text(":: Start\n[[Deep]]", encoding="utf-8")
    (tmp_path / "story" / "part" / "b.twee").write_text(
        ":: Deep\nEnd", encoding="utf-8"
    )
    draft, report = read_story(tmp_path / "story")
    assert [s.title for s in draft.scenes] == ["Start", "Deep"]
    assert report.choices == 1


def test_duplicate_passage_kept(tmp_path: Path) -> None:
    source = tmp_path / "s.twee"
    source.write_text(":: Start\nOne\n\n:: Start\nTwo\n", encoding="utf-8")
    draft, report = read_story(source)
    assert [s.script for s in draft.scenes] == ["One"]
    assert draft.assets[0].text == "Two"
    duplicate = [w for w in report.warnings if "second passage" in w.message]
    assert duplicate[0].line == 4


def test_nameless_passage_named(tmp_path: Path) -> None:
    source = tmp_path / "s.twee"
    source.write_text(":: Start\n[[Untitled passage 4]]\n\n::  [tag]\nText\n")
    draft, report = read_story(source)
    assert [s.title for s in draft.scenes] == ["Start", "Untitled passage 4"]
    assert report.warnings[-1].line == 4
    assert len(draft.choices) == 1


def test_keys_are_stable_slugs(tmp_path: Path) -> None:
    source = tmp_path / "s.twee"
    source.write_text(
        ":: Ordidébut\n[[Ordi début]]\n\n:: Ordi début\n[[!!!]]\n\n:: !!!\nx\n",
        encoding="utf-8",
    )
    draft, _ = read_story(source)
    assert [s.key for s in draft.scenes] == ["ordidebut", "ordi_debut", "passage"]
    assert [s.title for s in draft.scenes] == ["Ordidébut", "Ordi début", "!!!"]


ARCHIVE = (
    "<!DOCTYPE html>\n<html>\n"
    '<tw-storydata name="One" startnode="1" '
    'ifid="606B5476-BA53-4A70-B4F5-F6794AE67744" '
    'format="Harlowe" hidden><tw-passagedata pid="1" name="A &amp; B" tags="t1 t2" '
    'position="900,400" size="100,100">Say &quot;hi&quot; &lt;b&gt; [[Next]]'
    '</tw-passagedata><tw-passagedata pid="2" name="Next" position="bad">x'
    "</tw-passagedata></tw-storydata>\n"
    '<tw-storydata name="Two" startnode="1" '
    'ifid="1188096A-464B-4A12-9B08-822D4BB60D0E" '
    'hidden><tw-passagedata pid="1" name="Only">y</tw-passagedata></tw-storydata>'
)


def test_archive_needs_story_name(tmp_path: Path) -> None:
    source = tmp_path / "library.html"
    source.write_text(ARCHIVE, encoding="utf-8")
    with pytest.raises(StoryImportError, match=r"'One', 'Two'.*--story"):
        read_story(source)


def test_archive_story_picked_by_name(tmp_path: Path) -> None:
    source = tmp_path / "library.html"
    source.write_text(ARCHIVE, encoding="utf-8")
    draft, report = read_story(source, "One")
    first, _second = draft.scenes
    assert first.title == "A & B"
    assert first.script == 'Say "hi" <b> [[Next]]'
    assert first.kind is SceneKind.START
    assert first.tags == ["t1", "t2"]
    assert "bad" in report.warnings[0].message
    assert report.warnings[0].line == 3
    assert read_story(source, "Two")[0].scenes[0].title == "Only"


def test_twine2_html_corpus_twin(corpus: Path) -> None:
    html_draft, _ = read_story(corpus / "twine2-html/meeting-the-parents-harlowe.html")
    twee_draft, _ = read_story(corpus / "twee3/meeting-the-parents-harlowe.twee")
    assert html_draft.tag_colors["Bad-Ending"] == "red"
    assert html_draft.ifid == "7EBD7519-1515-485D-B58B-C71E2424B30B"
    assert "\r" not in "".join(s.script for s in html_draft.scenes)
    assert len(html_draft.scenes) == len(twee_draft.scenes)


def test_twine1_html(corpus: Path) -> None:
    draft, report = read_story(
        corpus / "twine1-html/cookbook-sugarcane-dungeonmoving.html"
    )
    twee_draft, _ = read_story(corpus / "twee1/cookbook-sugarcane-dungeonmoving.tw")
    assert report.source_format == "Twine 1 HTML"
    north = next(s for s in draft.scenes if s.title == "North")
    assert north.script.startswith("<<set $posy = $posy - 1>>\n<<navigate>>")
    assert len(draft.choices) == len(twee_draft.choices)


def test_ink_weave_maps_choices() -> None:
    draft, _report = read_story(DATA / "ink-basic-demo.json")
    start = next(s for s in draft.scenes if s.kind is SceneKind.START)
    assert start.script == "I looked at Monsieur Fogg"
    labels = [c.label for c in draft.choices if c.source_key == start.key]
    assert labels == [
        "... and I could contain myself no longer.",
        "... but I said nothing",
    ]
    # Nine choices in the source plus the continues out of bodies and gathers.
    assert sum(1 for c in draft.choices if c.label != "Continue") == 9
    endings = [s for s in draft.scenes if s.kind is SceneKind.ENDING]
    assert [s.script for s in endings] == ["we passed the day in silence."]


def test_ink_veiled_knots_and_variables(corpus: Path) -> None:
    draft, report = read_story(corpus / "ink/veiled/Veiled.json")
    titles = {s.title for s in draft.scenes}
    assert {"Intro_Car_Parked", "Exterior_Front", "End_Window"} <= titles
    assert len(draft.variables) == 36
    assert any("location:Exterior_Front" in s.tags for s in draft.scenes)
    assert report.kept_as_text


def test_ink_version_checked(tmp_path: Path) -> None:
    source = tmp_path / "old.json"
    source.write_text('{"inkVersion": 10, "root": [["done", null], "done", null]}')
    with pytest.raises(StoryImportError, match=r"inkVersion 10 .*19 to 21") as info:
        read_story(source)
    assert isinstance(info.value.__cause__, InkVersionError)


def test_import_refuses_existing_project(tmp_path: Path) -> None:
    project = tmp_path / "p.authorstudio"
    project.write_bytes(b"keep me")
    with pytest.raises(ProjectExistsError):
        import_story(DATA / "chapbook-links.twee", project)
    assert project.read_bytes() == b"keep me"


def test_failed_import_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    def fail(session, draft) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer, "_insert", fail)
    with pytest.raises(RuntimeError):
        import_story(DATA / "chapbook-links.twee", tmp_path / "p.authorstudio")
    assert list(tmp_path.iterdir()) == []


def test_bad_source_leaves_nothing(tmp_path: Path) -> None:
    source = tmp_path / "bad.html"
    source.write_text("<html><body>no story</body></html>", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(StoryImportError, match="no Twine story found"):
        import_story(source, out / "p.authorstudio")
    assert list(out.iterdir()) == []


def test_ink_logic_kept_as_text(corpus: Path) -> None:
    draft, _ = read_story(corpus / "ink/veiled/Veiled.json")
    by_key = {s.key: s for s in draft.scenes}
    gate = by_key["Intro_Portail.choice"]
    assert gate.script.startswith(
        "~ temp can_open_gate = (intro_checked_gate and (inventory ? crowbar))"
    )
    assert (
        "ink condition on the choice 'Inspect the gate <gate>': not can_open_gate"
        in (gate.notes)
    )
    inspect = by_key["Intro_Portail.choice.0.c-1"]
    assert inspect.script.startswith("~ intro_checked_gate = 1\n")


def test_html_link_warning_line(tmp_path: Path) -> None:
    source = tmp_path / "story.html"
    source.write_text(
        "<html>\n<body>\n"
        '<tw-storydata name="S" startnode="1" '
        'ifid="606B5476-BA53-4A70-B4F5-F6794AE67744">'
        '<tw-passagedata pid="1" name="A" position="1,1">one\n[[Nowhere]]'
        "</tw-passagedata></tw-storydata>\n</body>\n</html>\n",
        encoding="utf-8",
    )
    _, report = read_story(source)
    assert [(w.file, w.line) for w in report.warnings] == [("story.html", 4)]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.twee", b"", "no passages"),
        ("only-data.twee", b':: StoryData\n{"ifid": "x"}\n', "no passages"),
        ("binary.twee", b"\xff\xfe\x00:: A\n", "not valid UTF-8"),
        ("plain.json", b'{"title": "not ink"}', "not compiled ink"),
        ("broken.json", b'{"inkVersion": 21, "root": ', "not ink JSON or Twine 2 JSON"),
        ("page.html", b"<html><p>hello</p>", "no Twine story found"),
        ("story.ink", b"-> END", "compile it to JSON"),
        ("notes.txt", b"hello", "unknown story format"),
    ],
)
def test_bad_sources_rejected(
    tmp_path: Path, name: str, content: bytes, message
) -> None:
    source = tmp_path / name
    source.write_bytes(content)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(StoryImportError, match=message):
        import_story(source, out / "p.authorstudio")
    assert list(out.iterdir()) == []


def test_empty_folder_rejected(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(StoryImportError, match=r"no \.twee or \.tw files"):
        import_story(tmp_path / "empty", tmp_path / "p.authorstudio")


TWINE_JSON = {
    "name": "Example",
    "ifid": "D674C58C-DEFA-4F70-B7A2-27742230C0FC",
    "format": "Snowman",
    "format-version": "3.0.2",
    "start": "My Starting Passage",
    "tag-colors": {"bar": "green"},
    "zoom": 0.25,
    "style": "body { color: red; }",
    "script": "",
    "passages": [
        {
            "name": "My Starting Passage",
            "tags": ["bar"],
            "metadata": {"position": "600,400", "size": "100,200"},
            "text": "Go [[on->Next]]\r\n\r\n",
        },
        {"name": "Next", "tags": [], "text": "The end."},
    ],
}


def test_twine_json_import(tmp_path: Path) -> None:
    source = tmp_path / "story.json"
    source.write_text(json.dumps(TWINE_JSON), encoding="utf-8")
    draft, report = read_story(source)
    first, second = draft.scenes
    assert report.source_format == "Twine 2 JSON"
    assert draft.title == "Example"
    assert draft.ifid == "D674C58C-DEFA-4F70-B7A2-27742230C0FC"
    assert draft.tag_colors == {"bar": "green"}
    assert first.kind is SceneKind.START
    assert first.script == "Go [[on->Next]]"
    assert (first.x, first.y) == (600.0, 400.0)
    assert second.kind is SceneKind.ENDING
    assert [c.label for c in draft.choices] == ["on"]
    assert [(a.name, a.kind) for a in draft.assets if a.kind == "stylesheet"] == [
        ("StoryStylesheet", "stylesheet")
    ]
    assert report.warnings == []
