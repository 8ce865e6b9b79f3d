"""The NPI Registry in the sandbox: API v2.1 and the provider-view page.

- ``GET api/?version=2.1&number=NPI``: ``{"result_count", "results"}`` (``result_count: 0`` for an unknown
  NPI, ``{"Errors": [...]}`` for a malformed one or no criteria);
- ``GET api/?version=2.1&first_name=&last_name=&state=&use_first_name_alias=True``: search by name
  (case-insensitive; with the alias flag a nickname finds the full first name and the other way round);
- ``GET provider-view/NPI``: the registry's page for an NPI.
Broken: the same data under other names (``{"count", "providers"}``).
"""

from __future__ import annotations

import re

from reputation.normalize import nickname_variants
from reputation.sandbox.sites import Reply, Request, e, html, json_reply, not_found
from reputation.sandbox.world import World

LIMIT_MAX = 200


def handle(world: World, request: Request) -> Reply:
    query = request.query
    if request.path == "api/":
        number = query.get("number", "").strip()
        first, last, state = (query.get(k, "").strip() for k in ("first_name", "last_name", "state"))
        if not (number or first or last):
            return json_reply({"Errors": [{"description": "No valid search criteria provided",
                                           "field": "generic", "number": "04"}]})
        if number and not re.fullmatch(r"\d{10}", number):
            return json_reply({"Errors": [{"description": "Field number requires number of 10 digits",
                                           "field": "number", "number": "02"}]})
        try:
            limit = int(query.get("limit") or 10)
            skip = int(query.get("skip") or 0)
        except ValueError:
            return json_reply({"Errors": [{"description": "limit and skip must be numbers", "field": "limit",
                                           "number": "05"}]})
        if not 1 <= limit <= LIMIT_MAX:
            return json_reply({"Errors": [{"description": f"Field limit must be between 1 and {LIMIT_MAX}",
                                           "field": "limit", "number": "05"}]})
        if number:
            result = world.nppes_result(number)
            results = [result] if result else []
        else:
            alias = query.get("use_first_name_alias", "").lower() == "true"
            results = [world.nppes_result(p.npi) for p in world.physicians
                       if _name_matches(p.first_name, first, alias) and _name_matches(p.last_name, last, False)
                       and (not state or any(l.state == state.upper() for l in p.locations))]
            results = results[skip: skip + limit]
        if request.broken:
            return json_reply({"count": len(results), "providers": results})
        return json_reply({"result_count": len(results), "results": results})
    match = re.fullmatch(r"provider-view/(\d{10})", request.path)
    if match and world.nppes_result(match.group(1)):
        result = world.nppes_result(match.group(1))
        name = f"{result['basic']['first_name']} {result['basic']['last_name']}"
        return html(f"<html><head><title>NPI {e(result['number'])} | NPPES</title></head>"
                    f"<body><h1>{e(name)}</h1></body></html>")
    return not_found()


def _name_matches(value: str, wanted: str, alias: bool) -> bool:
    """The registry's name criteria: case-insensitive, a trailing ``*`` is a prefix wildcard."""
    if not wanted:
        return True
    value, wanted = value.lower(), wanted.lower()
    if wanted.endswith("*"):
        return value.startswith(wanted[:-1])
    if value == wanted:
        return True
    return alias and value in {v.lower() for v in nickname_variants(wanted)}
