"""JSON a page's scripts assign: ``window.DATA = {...};``, ``let result=[...]`` and
``window.DATA.doctor_list_props = JSON.parse("…")``, where the JSON text is itself a JavaScript string literal
(slashes and angle brackets written ``\\u002F``, ``\\u003C``) and so is decoded twice: the string first
(``js_string``), then the JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

# One escape sequence of a JS string literal, or a bare double quote (legal inside a '…' literal).
JS_ESCAPE = re.compile(r'\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|\r\n|[\s\S])|"')
JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "/": "/", "b": "\\b", "f": "\\f", "n": "\\n", "r": "\\r", "t": "\\t",
                "v": "\\u000b", "0": "\\u0000", "'": "'", "\n": "", "\r": "", "\r\n": "", "\u2028": "", "\u2029": ""}
# `name =` (not `==`), the name not the tail of a longer one: `window.DATA` is not `xwindow.DATA` nor the start of
# `window.DATA.doctor_list_props`.
ASSIGNMENT = r"(?<![\w$.]){name}\s*=(?!=)\s*"
ANY_NAME = r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*"


def js_string(text: str, start: int) -> tuple[str, int]:
    """The value of the JavaScript string literal opening at ``text[start]`` and the index after it."""
    quote = text[start]
    if quote not in "\"'":
        raise ValueError("no string literal here")
    i = start + 1
    while True:
        end = text.find(quote, i)
        if end < 0:
            raise ValueError("unterminated string literal")
        backslashes = len(text[i:end]) - len(text[i:end].rstrip("\\"))
        if backslashes % 2 == 0:
            break
        i = end + 1
    body = text[start + 1: end]

    def to_json(match: re.Match) -> str:
        escape = match.group(1)
        if escape is None:  # a bare " inside a '…' literal
            return '\\"'
        if escape[0] == "x":
            return "\\u00" + escape[1:]
        if escape.startswith("u{"):
            return json.dumps(chr(int(escape[2:-1], 16)))[1:-1]
        if escape[0] == "u":
            return "\\" + escape
        return JSON_ESCAPES.get(escape, escape)  # \q is just q in JavaScript

    return json.loads('"' + JS_ESCAPE.sub(to_json, body) + '"', strict=False), end + 1


def assignments(text: str, name: str | None = None) -> Iterator[tuple[str, object]]:
    """(name, value) of each JSON object or array the text assigns (to ``name`` only, when given), in order.
    Object literals that are not JSON (unquoted keys, functions) are skipped."""
    pattern = re.compile(ASSIGNMENT.format(name=re.escape(name) if name else f"({ANY_NAME})"))
    for match in pattern.finditer(text):
        i = match.end()
        try:
            if text.startswith("JSON.parse(", i):
                j = i + len("JSON.parse(")
                while j < len(text) and text[j].isspace():
                    j += 1
                value = json.loads(js_string(text, j)[0])
            elif text.startswith(("{", "["), i):
                value = json.JSONDecoder().raw_decode(text, i)[0]
            else:
                continue
        except ValueError:
            continue
        if isinstance(value, (dict, list)):
            yield (name or match.group(1)), value


def assigned(text: str, name: str, kind: type = dict):
    """The first ``kind`` (an object, or a list) the text assigns to ``name``, or None."""
    return next((value for _, value in assignments(text, name) if isinstance(value, kind)), None)
