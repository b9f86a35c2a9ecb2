"""MkDocs hooks: the parts of the documentation site written from the code at build time.

`<!-- schema-reference -->` becomes the scenario schema's reference, one table per section,
generated from the pydantic models' JSON Schema (so a field's type, default, bounds and
description are the code's). `{{default:KEY}}` becomes the schema's default of a dotted key,
so a number the prose quotes is the one the model runs with; `{{const:MODULE.NAME}}` does the
same for a constant of the code. `<!-- api-reference -->` becomes
the mkdocstrings directives of the public API, each at the module that defines it today.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

SCHEMA_MARKER = "<!-- schema-reference -->"
DEFAULT = re.compile(r"\{\{default:([A-Za-z0-9_.]+)\}\}")
CONSTANT = re.compile(r"\{\{const:([A-Za-z0-9_.]+)\}\}")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Fill the generated parts of a page (mkdocs calls this for every page)."""
    if SCHEMA_MARKER in markdown:
        markdown = markdown.replace(SCHEMA_MARKER, schema_reference())
    if API_MARKER in markdown:
        markdown = markdown.replace(API_MARKER, api_reference())
    markdown = CONSTANT.sub(lambda m: constant_text(m.group(1)), markdown)
    return DEFAULT.sub(lambda m: default_text(m.group(1)), markdown)


def constant_text(name: str) -> str:
    """A module constant of hubsim (`hubsim.scenario.schema.MAX_GAIN_SHARE`), as text."""
    import importlib

    module, _, attribute = name.rpartition(".")
    return _value_text(getattr(importlib.import_module(module), attribute))


def default_text(key: str) -> str:
    """The default of a dotted scenario key, as the prose shows it."""
    from hubsim.scenario import Scenario

    value: Any = Scenario(name="defaults").model_dump(mode="json")
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(f"docs: {{{{default:{key}}}}} names no scenario key ({part!r})")
        value = value[part]
    return _value_text(value)


def schema_reference() -> str:
    """Markdown tables of every section of the scenario schema, from its JSON Schema."""
    from hubsim.scenario.schema import json_schema

    schema = json_schema()
    definitions = schema.get("$defs", {})
    sections: list[tuple[str, dict[str, Any]]] = []
    _collect("", schema, definitions, sections)
    return "\n\n".join(_section(path, model, definitions) for path, model in sections)


def _collect(
    path: str, model: dict[str, Any], definitions: dict, out: list[tuple[str, dict]]
) -> None:
    """Each model of the schema with the dotted path a scenario file reaches it by."""
    out.append((path, model))
    for name, field in model.get("properties", {}).items():
        child, suffix = _nested(field, definitions)
        if child is not None:
            _collect(f"{path}.{name}{suffix}".lstrip("."), child, definitions, out)


def _nested(field: dict[str, Any], definitions: dict) -> tuple[dict | None, str]:
    """The model a field holds (directly, as list items or as mapping values), if any."""
    ref = _ref(field)
    if ref:
        return definitions[ref], ""
    if field.get("type") == "array" and _ref(field.get("items", {})):
        return definitions[_ref(field["items"])], "[]"
    values = field.get("additionalProperties")
    if isinstance(values, dict) and _ref(values):
        return definitions[_ref(values)], ".<city>"
    return None, ""


def _ref(field: dict[str, Any]) -> str | None:
    if "$ref" in field:
        return field["$ref"].rsplit("/", 1)[-1]
    for option in field.get("anyOf", []) + field.get("allOf", []):
        if "$ref" in option:
            return option["$ref"].rsplit("/", 1)[-1]
    return None


def _section(path: str, model: dict[str, Any], definitions: dict) -> str:
    title = f"`{path}`" if path else "The scenario file (top level)"
    lines = [f"### {title} {{#{_anchor(path)}}}", ""]
    if model.get("description"):
        lines += [" ".join(model["description"].split()), ""]
    lines += ["| key | type | default | description |", "| --- | --- | --- | --- |"]
    for name, field in model.get("properties", {}).items():
        child, suffix = _nested(field, definitions)
        if child is not None:
            inner = f"{path + '.' if path else ''}{name}{suffix}"
            kind, default = f"section [`{inner}`](#{_anchor(inner)})", "see the section"
        else:
            kind = _type(field)
            default = "required" if name in model.get("required", []) else _default(field)
        description = " ".join(field.get("description", "").split())
        lines.append(f"| `{name}` | {kind} | {default} | {_cell(description)} |")
    return "\n".join(lines)


def _anchor(path: str) -> str:
    """The id of a section's heading: `schema-` and its path in letters, digits and dashes."""
    return "schema-" + (re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "top-level")


def _type(field: dict[str, Any]) -> str:
    """A field's type with its bounds, in words a scenario author reads."""
    options = field.get("anyOf", [field])
    names = [_one_type(option) for option in options if option.get("type") != "null"]
    text = " or ".join(names) or "any"
    if any(option.get("type") == "null" for option in options):
        text += " or null"
    return _cell(text)


def _one_type(field: dict[str, Any]) -> str:
    if "enum" in field:
        return "one of " + ", ".join(f"`{v}`" for v in field["enum"])
    if "const" in field:
        return f"`{field['const']}`"
    kind = field.get("type", "any")
    if kind == "array":
        return f"list of {_one_type(field.get('items', {}))}"
    if kind == "object":
        values = field.get("additionalProperties")
        keys = field.get("propertyNames", {})
        key_text = _one_type(keys) if keys else "key"
        if isinstance(values, dict):
            return f"mapping of {key_text} to {_one_type(values)}"
        return "mapping"
    bounds = []
    for word, sign in (
        ("minimum", ">="),
        ("exclusiveMinimum", ">"),
        ("maximum", "<="),
        ("exclusiveMaximum", "<"),
    ):
        if word in field:
            bounds.append(f"{sign} {field[word]:g}")
    if "pattern" in field:  # as HTML, so a | in it does not split the table's cell
        pattern = html.escape(field["pattern"]).replace("|", "&#124;")
        bounds.append(f"matching <code>{pattern}</code>")
    name = {
        "number": "number",
        "integer": "whole number",
        "string": "text",
        "boolean": "true/false",
    }
    return name.get(kind, kind) + (f" ({', '.join(bounds)})" if bounds else "")


def _default(field: dict[str, Any]) -> str:
    if "default" not in field:
        return ""
    return f"`{_value_text(field['default'])}`"


def _value_text(value: Any) -> str:
    if value == "":
        return '""'
    if isinstance(value, float):
        return f"{value:g}"
    if value is None:
        return "null"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(", ", ": "))
    return str(value).lower() if isinstance(value, bool) else str(value)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|")


API_MARKER = "<!-- api-reference -->"
# The public functions of the experiments, found wherever the package defines them (so the
# reference follows the code when a module is split or moved).
EXPERIMENTS = ("compare", "run_sweep", "load_sweep", "run_tune", "run_calibration")
RULES_PACKAGE = "hubsim.engine.rules"


def api_reference() -> str:
    """mkdocstrings directives for the public API, each at the module that defines it."""
    import hubsim

    parts = ["## The library", ""]
    parts += [_directive(getattr(hubsim, name)) for name in sorted(hubsim.__all__)]
    parts += ["## Experiments", ""]
    parts += [_directive(_experiment(name)) for name in EXPERIMENTS]
    parts += ["## The engine", ""]
    from hubsim.engine.model import City, HubModel

    parts += [_directive(HubModel), _directive(City)]
    parts += ["## The pure rules", ""]
    parts += [f"::: {name}\n" for name in _modules(RULES_PACKAGE)]
    return "\n".join(parts)


def _directive(obj: Any) -> str:
    return f"::: {obj.__module__}.{obj.__qualname__}\n"


def _experiment(name: str) -> Any:
    """The function `name` where hubsim.experiments (or hubsim itself) defines it."""
    import importlib

    import hubsim

    if name in getattr(hubsim, "__all__", ()):
        return getattr(hubsim, name)
    for module_name in _modules("hubsim.experiments"):
        module = importlib.import_module(module_name)
        obj = getattr(module, name, None)
        if obj is not None and getattr(obj, "__module__", "") == module_name:
            return obj
    raise LookupError(f"docs: no module of hubsim.experiments defines {name}")


def _modules(package: str) -> list[str]:
    """Every module of a package, sorted, private ones left out."""
    import importlib
    import pkgutil

    root = importlib.import_module(package)
    return sorted(
        info.name
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}.")
        if not info.name.rsplit(".", 1)[-1].startswith("_")
    )
