"""Real API answers recorded by other projects, unwrapped from the formats they were recorded in.

- a VCR cassette (YAML): R vcr's ``http_interactions[]`` or vcrpy's ``interactions[]``, each with the request's
  ``uri`` and the response's status, headers and body (``body.string``, or ``body.base64_string``);
- an httptest mock (``.R``): an R ``structure(list(url = "…", status_code = 200L, …, content = charToRaw("…")))``,
  the body an R string literal;
- anything else (an httptest2 ``.json`` mock, a saved body): the body itself, answered with 200 at ``url``.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import yaml

from crawlers.social.answers import Answer

_R_STRING = r'"((?:[^"\\]|\\.)*)"'
_R_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)",
                       re.S)
_R_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def recorded_answers(path: Path, url: str = "") -> list[Answer]:
    """Every answer recorded in the file at ``path``, in the order recorded."""
    if path.suffix in (".yml", ".yaml"):
        return _cassette(yaml.safe_load(path.read_text(encoding="utf-8")))
    if path.suffix == ".R":
        return [_httptest_mock(path.read_text(encoding="utf-8"))]
    return [Answer(url, 200, path.read_bytes())]


def _cassette(cassette: dict) -> list[Answer]:
    answers = []
    for interaction in cassette.get("http_interactions") or cassette.get("interactions") or []:
        response = interaction["response"]
        status = response["status"]
        if isinstance(status, dict):  # R vcr: {status_code: 200, ...}; vcrpy: {code: 200, message: OK}
            status = status.get("status_code", status.get("code"))
        body = response.get("body") or {}
        content = body["string"] if "string" in body else base64.b64decode(body.get("base64_string", ""))
        headers = {name: value[0] if isinstance(value, list) else str(value)
                   for name, value in (response.get("headers") or {}).items()}
        answers.append(Answer(interaction["request"]["uri"], int(status), content, headers))
    return answers


def _httptest_mock(source: str) -> Answer:
    url = re.search(r"\burl = " + _R_STRING, source)
    status = re.search(r"\bstatus_code = (\d+)L?", source)
    content = re.search(r"\bcontent = charToRaw\(" + _R_STRING + r"\)", source)
    return Answer(r_string(url.group(1)), int(status.group(1)), r_string(content.group(1)).encode("utf-8"))


def r_string(literal: str) -> str:
    """The text an R string literal's inside stands for (its escapes read)."""
    def escape(match: re.Match) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:].strip("{}"), 16))
        if code[0] == "x" and len(code) > 1:
            return chr(int(code[1:], 16))
        if code[0] in "01234567":
            return chr(int(code, 8))
        return _R_SIMPLE.get(code, code)

    return _R_ESCAPE.sub(escape, literal)
