"""Build the standalone HTML player of a story package.

The page inlines ``player/player.js``, ``player/player.css`` and the story JSON.
Its Content-Security-Policy allows nothing but that one script and that one
stylesheet, each named by its SHA-256 hash, so the page loads nothing from the
network and runs no other code. The story JSON sits in a
``<script type="application/json">`` block, which browsers never execute. Every
``<`` in it is written as ``\\u003c``, so story text cannot close the block.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from importlib import resources
from typing import Any

_TEMPLATE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Author Studio">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<header>
  <h1 id="story-title"></h1>
  <span id="audience-field"><label for="audience">Audience</label>
  <select id="audience"></select></span>
  <button type="button" id="restart" class="quiet">Restart</button>
</header>
<main aria-live="polite">
  <h2 id="scene-title"></h2>
  <div id="scene-text"></div>
  <div id="timer" hidden>
    <div class="timer-track"><div id="timer-fill"></div></div>
    <span id="timer-label"></span>
  </div>
  <ol id="choices"></ol>
  <div id="ending" hidden>
    <p>The End</p>
    <button type="button" id="ending-restart" class="quiet">Play again</button>
  </div>
</main>
<script type="application/json" id="story-data">{data}</script>
<script>{js}</script>
</body>
</html>
"""


def _asset(name: str) -> str:
    return (
        resources.files("author_studio.interop")
        .joinpath("player", name)
        .read_text(encoding="utf-8")
    )


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(js: str, css: str) -> str:
    return (
        f"default-src 'none'; script-src {_hash(js)}; style-src {_hash(css)}; "
        "img-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"
    )


def build_player(document: dict[str, Any]) -> str:
    """Return the player page for one ``story.json`` object."""
    js = _asset("player.js")
    css = _asset("player.css")
    data = json.dumps(document, ensure_ascii=False).replace("<", "\\u003c")
    language = "en"
    if document.get("audiences"):
        language = document["audiences"][0].get("language") or "en"
    return _TEMPLATE.format(
        lang=html.escape(language),
        csp=html.escape(content_security_policy(js, css)),
        title=html.escape(document.get("title", "")),
        css=css,
        js=js,
        data=data,
    )
