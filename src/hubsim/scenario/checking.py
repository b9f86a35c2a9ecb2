"""The strict schema base of scenario and sweep files, and their one-paragraph error messages.

A validation error becomes a sentence per problem naming the key, what is wrong and the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
MAPPING = "must be a block of keys (key: value)"
NUMBER = "must be a number"
WHOLE = "must be a whole number"
FRIENDLY = {
    "greater_than_equal": "must be {ge} or more",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be {le} or less",
    "less_than": "must be less than {lt}",
    "float_parsing": NUMBER,
    "float_type": NUMBER,
    "finite_number": "must be a finite number",
    "int_parsing": WHOLE,
    "int_type": WHOLE,
    "int_from_float": WHOLE,
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text (put it in quotes)",
    "dict_type": MAPPING,
    "model_type": MAPPING,
    "model_attributes_type": MAPPING,
    "list_type": "must be a list (one '- ' line per item)",
}


class Strict(BaseModel):
    """A schema block that refuses unknown keys (a misspelt key is an error, never ignored)
    and NaN or infinity in any number (they would pass every bound and poison the run)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


def problem(key: str, detail: str) -> PydanticCustomError:
    """A validation error about `key` inside the model raising it (so messages name the key)."""
    return PydanticCustomError("hubsim_value", "{detail}", {"key": key, "detail": detail})


def key_name(loc: tuple) -> str:
    """The default way a message names a location: key 'a.b.c'."""
    return "key '" + ".".join(printable(part) for part in loc) + "'" if loc else "the file"


def printable(part: Any) -> str:
    """Text on one line: a newline or tab the user typed in a key is shown as \\n or \\t."""
    text = str(part)
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def describe_validation(
    exc: ValidationError,
    path: Path,
    data: Any,
    root: type[BaseModel],
    *,
    noun: str = "scenario",
    context: str = "",
    where: Callable[[tuple], str] = key_name,
    top_level_keys: tuple[str, ...] = (),
    most: int = 5,
) -> str:
    """One paragraph for a failed validation of `data` (read from `path`) against `root`.

    `noun` names the kind of file ("scenario", "sweep"); `where` names a location; keys that
    loading consumes before validation (such as `extends`) are offered in `top_level_keys`.
    """
    errors = _plain_errors(exc.errors(), root)
    problems = [
        _describe_error(err, data, root, noun, where, top_level_keys) for err in errors[:most]
    ]
    more = len(errors) - len(problems)
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
    at = f" {context}" if context else ""
    return f"{path}{at}: " + "; ".join(problems) + tail + "."


def _plain_errors(errors: list[dict], root: type[BaseModel]) -> list[dict]:
    """Errors with locations a user wrote: no union member tags, no '[key]' markers.

    A union reports one error per member (`literal['nobody']`, `int`, ...): those at the same
    key become one, their allowed values merged; an error about a mapping's key says so.
    """
    merged: dict[tuple, dict] = {}
    for err in errors:
        loc, about_key = _user_loc(tuple(err["loc"]), root)
        err = {**err, "loc": loc, "about_key": about_key}
        seen = merged.get((loc, about_key))
        if seen is None:
            merged[(loc, about_key)] = err
        elif seen["type"] == err["type"] == "literal_error":
            both = f"{seen['ctx']['expected']}, {err['ctx']['expected']}".replace(" or ", ", ")
            head, _, last = both.rpartition(", ")
            seen["ctx"] = {**seen["ctx"], "expected": f"{head} or {last}"}
    return list(merged.values())


def _user_loc(loc: tuple, root: type[BaseModel]) -> tuple[tuple, bool]:
    """`loc` without the parts pydantic adds: union member tags and the '[key]' of mappings."""
    node: Any = root
    kept: list = []
    about_key = False
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if part == "[key]":
            about_key = True
            continue
        node = _strip_annotated(node)
        members = [a for a in get_args(node) if a is not type(None)]
        if get_origin(node) in (Union, UnionType) and len(members) > 1:
            node = None  # `part` names the member that failed, not a key the user wrote
            continue
        if get_origin(node) in (Union, UnionType):
            node = _strip_annotated(members[0])
        kept.append(part)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(str(part))
            node = field.annotation if field else None
        elif get_origin(node) in (dict, list):
            node = get_args(node)[-1]
        else:
            node = None
    return tuple(kept), about_key


def _strip_annotated(node: Any) -> Any:
    while get_origin(node) is Annotated:
        node = get_args(node)[0]
    return node


def _describe_error(
    err: Any,
    data: Any,
    root: type[BaseModel],
    noun: str,
    where: Callable[[tuple], str],
    top_level_keys: tuple[str, ...],
) -> str:
    loc = tuple(err["loc"])
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "hubsim_value":
        return f"{_before_colon(where((*loc, ctx['key'])))}: {ctx['detail']}"
    if err.get("about_key") and loc:
        text = _friendly(kind, ctx, err["msg"], loc[-1])
        return f"{where(loc[:-1])} has the key {loc[-1]!r}, which {text}; change or remove that key"
    name = where(loc)
    if kind == "extra_forbidden":
        return f"{name} is not a {noun} key; {_extra_key_fix(loc, root, top_level_keys)}"
    if kind == "missing":
        return f"{name} is missing; add it"
    if kind == "too_short":
        return f"{name} is empty; give at least one entry"
    if kind == "too_long":
        return (
            f"{name} has {ctx.get('actual_length')} entries; give at most {ctx.get('max_length')}"
        )
    got = _lookup(data, loc)
    text = _friendly(kind, ctx, err["msg"], got)
    if not loc:  # a rule over the whole file: its text says which keys
        return text
    if got is _MISSING or isinstance(got, (dict, list)) or repr(got) in text:
        return f"{_before_colon(name)}: {text}"
    shown = got.isoformat() if hasattr(got, "isoformat") else repr(got)
    return f"{name} {text}, but it is {shown}; change the value"


def _before_colon(name: str) -> str:
    """A name that ends in a comma ("parameter 'b_w', key 'range',") loses it before a colon."""
    return name.removesuffix(",")


def _friendly(kind: str, ctx: dict, msg: str, got: Any) -> str:
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == MONTH_PATTERN:
        return "must be a month written YYYY-MM, e.g. 2016-04"
    if kind == "string_pattern_mismatch":
        return "may use only letters, digits and the signs _ . - (no spaces)"
    if kind == "string_type" and hasattr(got, "year"):
        return "must be a month written YYYY-MM, e.g. 2016-04 (without a day)"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}"
    if kind in FRIENDLY:
        return FRIENDLY[kind].format(
            **{k: f"{v:g}" if _is_number(v) else v for k, v in ctx.items()}
        )
    return msg.removeprefix("Value error, ").replace("Input should be", "must be")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _extra_key_fix(loc: tuple, root: type[BaseModel], top_level_keys: tuple[str, ...]) -> str:
    model = model_at(root, loc[:-1])
    allowed = sorted(model.model_fields) if model else []
    if not loc[:-1]:  # file-level keys that loading consumes before the schema sees them
        allowed = sorted([*allowed, *top_level_keys])
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    hint = f"did you mean '{close[0]}'? If so, correct" if close else "correct"
    level = "in '" + ".".join(map(printable, loc[:-1])) + "'" if loc[:-1] else "at the top level"
    listed = f". Keys allowed {level}: {', '.join(allowed)}" if allowed else ""
    return f"{hint} its spelling, otherwise remove it{listed}"


def model_at(root: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The schema model that describes the value at `loc` (through lists, mappings, options)."""
    node: Any = root
    for part in loc:
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(str(part))
            node = _unwrap(field.annotation) if field else None
        else:
            args = get_args(node)
            node = _unwrap(args[-1]) if args else None
    return node if isinstance(node, type) and issubclass(node, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """`X | None` -> X when X is a schema model; anything else as it is."""
    models = [a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
    return models[0] if len(models) == 1 and type(None) in get_args(annotation) else annotation


_MISSING = object()


def _lookup(data: Any, loc: tuple) -> Any:
    for part in loc:
        in_dict = isinstance(data, dict) and part in data
        in_list = isinstance(data, list) and isinstance(part, int) and part < len(data)
        if not (in_dict or in_list):
            return _MISSING
        data = data[part]
    return data
