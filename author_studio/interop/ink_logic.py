"""Turn ink's compiled evaluation code back into readable ink-like source.

Compiled ink evaluates expressions on a stack between ``"ev"`` and ``"/ev"``:
``"ev", {"VAR?": "gold"}, 2, "+", "/ev", {"VAR=": "gold", "re": true}`` is
``~ gold = gold + 2``. The project has no equivalent of ink logic, so the importer
writes such lines into the scene script as text, where a writer can read them. The
rendering is for reading only: it is not guaranteed to recompile. The global
``VAR`` declarations, evaluated the same way, become project variables.
"""

from __future__ import annotations

import json
import logging

from author_studio.domain.model import Variable, VariableType
from author_studio.interop.draft import ImportReport

logger = logging.getLogger(__name__)

_BINARY = {
    "+": "+",
    "-": "-",
    "*": "*",
    "/": "/",
    "%": "mod",
    "==": "==",
    "!=": "!=",
    "<": "<",
    ">": ">",
    "<=": "<=",
    ">=": ">=",
    "&&": "and",
    "||": "or",
    "?": "?",
    "!?": "!?",
    "^": "^",
}
_BINARY_FUNCTIONS = {"MIN", "MAX", "POW", "rnd", "listInt", "range"}
_UNARY = {"!": "not ", "_": "-"}
_UNARY_FUNCTIONS = {
    "FLOOR",
    "CEILING",
    "INT",
    "FLOAT",
    "LIST_COUNT",
    "LIST_MIN",
    "LIST_MAX",
    "LIST_ALL",
    "LIST_INVERT",
    "LIST_VALUE",
    "LIST_RANDOM",
}
_NULLARY = {"visit": "visits", "turns": "TURNS()", "turn": "TURNS()", "readc": "count"}


class EvalStack:
    """A stack of rendered expressions fed with the elements of an ``ev`` block."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def pop(self) -> str:
        return self.items.pop() if self.items else "?"

    def clear(self) -> None:
        self.items.clear()

    def push(self, text: str) -> None:
        self.items.append(text)

    def feed(self, element: object) -> bool:
        """Apply one element; return False when this stack does not handle it."""
        if isinstance(element, bool):
            self.push("true" if element else "false")
        elif isinstance(element, (int, float)):
            self.push(json.dumps(element))
        elif isinstance(element, str):
            return self._command(element)
        elif isinstance(element, dict):
            return self._object(element)
        else:
            return False
        return True

    def _command(self, element: str) -> bool:
        if element in _BINARY or element in _BINARY_FUNCTIONS:
            right, left = self.pop(), self.pop()
            if element in _BINARY:
                self.push(f"({left} {_BINARY[element]} {right})")
            else:
                self.push(f"{element}({left}, {right})")
        elif element in _UNARY:
            self.push(f"{_UNARY[element]}{self.pop()}")
        elif element in _UNARY_FUNCTIONS:
            self.push(f"{element}({self.pop()})")
        elif element in _NULLARY:
            self.push(_NULLARY[element])
        elif element == "du":
            value = self.pop()
            self.push(value)
            self.push(value)
        elif element == "pop":
            self.pop()
        elif element == "seq":
            self.pop()
            self.pop()
            self.push("sequence")
        else:
            return False
        return True

    def _object(self, element: dict) -> bool:
        if "VAR?" in element:
            self.push(str(element["VAR?"]))
        elif "CNT?" in element:
            self.push(str(element["CNT?"]).lstrip(".^").replace(".^", "") or "count")
        elif "^->" in element:
            self.push(f"-> {element['^->']}")
        elif "list" in element:
            names = [name.split(".")[-1] for name in element["list"]]
            self.push("(" + ", ".join(names) + ")")
        elif "x()" in element:
            count = int(element.get("exArgs", 0))
            arguments = [self.pop() for _ in range(count)][::-1]
            self.push(f"{element['x()']}({', '.join(arguments)})")
        elif "f()" in element:
            self.push(f"{element['f()']}()")
        else:
            return False
        return True


def assignment(element: dict, value: str) -> str | None:
    """Return the ``~ name = value`` line of a ``VAR=`` or ``temp=`` element."""
    if "VAR=" in element:
        return f"~ {element['VAR=']} = {value}"
    name = element.get("temp=")
    if name is None or str(name).startswith("$"):
        return None
    return f"~ temp {name} = {value}"


def read_variables(content: list, report: ImportReport, file: str) -> list[Variable]:
    """Read the story's global ``VAR`` declarations (the ``global decl`` container)."""
    variables = []
    stack: list[object] = []
    in_str = False
    text: list[str] = []
    for element in content:
        if element == "str":
            in_str, text = True, []
        elif element == "/str":
            in_str = False
            stack.append("".join(text))
        elif in_str and isinstance(element, str) and element.startswith("^"):
            text.append(element[1:])
        elif isinstance(element, (bool, int, float)):
            stack.append(element)
        elif isinstance(element, dict) and "VAR=" in element:
            name = element["VAR="]
            value = stack.pop() if stack else None
            if isinstance(value, bool):
                variables.append(Variable(name, VariableType.BOOL, value))
            elif isinstance(value, int):
                variables.append(Variable(name, VariableType.INT, value))
            elif isinstance(value, str):
                variables.append(Variable(name, VariableType.TEXT, value))
            else:
                report.keep(
                    "global declarations",
                    f"ink variable {name!r} of type "
                    f"{type(value).__name__ if value is not None else 'list'}"
                    " has no equivalent",
                    file,
                )
        elif isinstance(element, dict):
            stack.append(None)
    return variables
