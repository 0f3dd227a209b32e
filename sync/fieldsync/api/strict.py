"""JSON types exactly as the protocol declares them.

The request types are plain dataclasses shared with the client; pydantic
validates them in its lax mode, which would read ``false`` or ``"7"`` as a whole
number and ``0`` as ``false``. A client that sends such values has a bug the
server should name rather than guess at, and the OpenAPI description promises
the exact types. This app-wide dependency checks the parsed JSON body of every
route that has one against the route's body type — before the handler runs,
after FastAPI parsed (and cached) the body, so nothing is parsed twice — and
answers 422 ``invalid_body`` listing the wrong fields.

Only the shapes the types declare are checked (whole numbers, true/false, text,
lists, objects, nested protocol types); values typed ``Any`` are left to the
handlers, and missing or unknown fields to pydantic.

It also refuses a body nested deeper than :data:`MAX_DEPTH` (400
``too_deeply_nested``): no protocol body needs more than ten levels, and a value
nested hundreds of levels deep — which the JSON parser still accepts — would
exhaust the recursion of the code that stores or echoes it.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from ..errors import ApiError

MAX_ERRORS = 20
MAX_DEPTH = 32
_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _type_error(tp: Any) -> tuple[str, str] | None:
    """(error type, message) when a value of ``tp`` is expected."""
    if tp is bool:
        return "bool_type", "Input should be true or false"
    if tp is int:
        return "int_type", "Input should be a whole number"
    if tp is float:
        return "float_type", "Input should be a number"
    if tp is str or (isinstance(tp, type) and issubclass(tp, enum.Enum)):
        return "string_type", "Input should be text"
    if typing.get_origin(tp) is list:
        return "list_type", "Input should be a list"
    if typing.get_origin(tp) is dict or (isinstance(tp, type) and dataclasses.is_dataclass(tp)):
        return "dict_type", "Input should be an object"
    return None


def check(tp: Any, value: Any, loc: tuple, errors: list[dict]) -> None:
    """Append to ``errors`` where ``value`` (parsed JSON) is not exactly of type ``tp``."""
    if len(errors) >= MAX_ERRORS or tp is Any:
        return
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None and len(options) < len(typing.get_args(tp)):
            return
        for option in options:
            trial: list[dict] = []
            check(option, value, loc, trial)
            if not trial:
                return
        check(options[0], value, loc, errors)
        return
    if tp is bool:
        ok = type(value) is bool
    elif tp is int:
        ok = type(value) is int
    elif tp is float:
        ok = type(value) in (int, float)
    elif tp is str or (isinstance(tp, type) and issubclass(tp, enum.Enum)):
        ok = isinstance(value, str)  # an enum's values are checked by pydantic
    elif origin is list:
        ok = isinstance(value, list)
        (item,) = typing.get_args(tp) or (Any,)
        if ok and item is not Any:
            for i, v in enumerate(value):
                check(item, v, (*loc, i), errors)
    elif origin is dict:
        ok = isinstance(value, dict)
        args = typing.get_args(tp)
        if ok and len(args) == 2 and args[1] is not Any:
            for k, v in value.items():
                check(args[1], v, (*loc, k), errors)
    elif isinstance(tp, type) and dataclasses.is_dataclass(tp):
        ok = isinstance(value, dict)
        if ok:
            hints = _hints(tp)
            for f in dataclasses.fields(tp):
                if f.name in value:
                    check(hints[f.name], value[f.name], (*loc, f.name), errors)
    else:
        return  # a type this check does not know: pydantic alone decides
    if not ok:
        kind, message = _type_error(tp) or ("type_error", "Input has the wrong type")
        errors.append({"loc": loc, "msg": message, "type": kind, "input": None})


def nesting_exceeds(data: Any, limit: int) -> bool:
    """Whether lists/objects in ``data`` nest deeper than ``limit`` (iterative: no recursion to exhaust)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


async def strict_json_body(request: Request) -> None:
    """App-wide dependency: 422 when the JSON body's values are not exactly of the declared types."""
    route = request.scope.get("route")
    body_field = getattr(route, "body_field", None)
    if body_field is None:
        return
    tp = getattr(body_field.field_info, "annotation", None)
    if not (isinstance(tp, type) and dataclasses.is_dataclass(tp)):
        return
    try:
        data = await request.json()  # cached: FastAPI parsed it already
    except Exception:
        return  # not JSON: FastAPI has answered already
    if nesting_exceeds(data, MAX_DEPTH):
        raise ApiError(400, "too_deeply_nested", f"The JSON body is nested deeper than {MAX_DEPTH} levels.")
    errors: list[dict] = []
    check(tp, data, ("body",), errors)
    if errors:
        raise RequestValidationError(errors)
