"""The README and the docs show what works: every `hubsim` command they show parses and its
inputs validate, every figure and file they name exists, and the README quotes no timing.

Heavy commands are not run: a `run` or `compare` is checked by validating its scenarios with
the options shown, a sweep, tuning or calibration file by loading it.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import inspect
import pkgutil
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

import hubsim
from hubsim import cli

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").rglob("*.md"))]
SETUP = [
    "python -m venv .venv && .venv/bin/pip install -q -e . && "
    ".venv/bin/python -m hubsim run scenarios/baseline.yaml",
    "python -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest",
]
FENCE = re.compile(r"^```([a-z]*)\n(.*?)^```$", re.M | re.S)
SHELL_LANGUAGES = ("", "bash", "sh", "console", "shell")
# A command in a shell block; in running text only `python -m hubsim ...` is one (`hubsim run`
# there names the command, as a word would).
IN_BLOCK = re.compile(r"(?:^|\s)(?:\S*python\S* -m hubsim|\S*/bin/hubsim|hubsim) (\S.*)$")
IN_TEXT = re.compile(r"(?:^|\s)\S*python\S* -m hubsim (\S.*)$")


def shown_commands() -> list[tuple[str, str]]:
    """(page, command line after `hubsim`) for every hubsim command in a shell block or an
    inline code span of the README and the docs. A bare `--set ...` span is shown as an
    option of the baseline's `validate`."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        blocks = [
            line
            for language, body in FENCE.findall(text)
            if language in SHELL_LANGUAGES
            for line in body.splitlines()
        ]
        spans = re.findall(r"`([^`\n]+)`", FENCE.sub("", text))
        lines = [(line, IN_BLOCK) for line in blocks] + [(span, IN_TEXT) for span in spans]
        name = page.relative_to(ROOT).as_posix()
        for line, pattern in lines:
            for part in line.split("&&"):
                match = pattern.search(part.strip())
                if match and not match.group(1).startswith("..."):
                    found.append((name, match.group(1)))
        found += [
            (name, f"validate scenarios/baseline.yaml {span}")
            for span in spans
            if span.startswith("--set ") and "=" in span and "KEY" not in span
        ]
    return found


def is_synopsis(words: list[str]) -> bool:
    """A usage line (`run FILE [--seed INT] ...`) rather than a command to type."""
    return any(w.startswith("[") or re.fullmatch(r"[A-Z][A-Z_]+(\.\.\.)?", w) for w in words)


class _Parsed(Exception):
    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.parser = parser


def command_parser(monkeypatch: pytest.MonkeyPatch) -> argparse.ArgumentParser:
    """The parser `hubsim.cli.main` builds, caught before it parses (whatever builds it)."""

    def catch(self, *_args, **_kwargs):
        raise _Parsed(self)

    with monkeypatch.context() as patch:
        patch.setattr(argparse.ArgumentParser, "parse_args", catch)
        with pytest.raises(_Parsed) as caught:
            cli.main(["schema"])
    return caught.value.parser


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


# Where the experiments' loaders live today; `defined` searches the package when one moves.
HOMES = (
    "hubsim.experiments",
    "hubsim.experiments.tune.file",
    "hubsim.experiments.calibrate.file",
)


def defined(name: str):
    """A public function of hubsim.experiments, wherever a module of it defines it."""
    for home in HOMES:
        with contextlib.suppress(ImportError):
            obj = getattr(importlib.import_module(home), name, None)
            if callable(obj):
                return obj
    package = importlib.import_module("hubsim.experiments")
    for info in pkgutil.walk_packages(package.__path__, prefix="hubsim.experiments."):
        module = importlib.import_module(info.name)
        obj = getattr(module, name, None)
        if obj is not None and getattr(obj, "__module__", "") == info.name:
            return obj
    raise LookupError(name)


# Each command once, with the first page that shows it.
COMMANDS = sorted({command: page for page, command in reversed(shown_commands())}.items())
COMMANDS = [(page, command) for command, page in COMMANDS]


def test_the_pages_show_every_command() -> None:
    shown = {shlex.split(command, comments=True)[0] for _page, command in COMMANDS}
    assert shown >= {
        "run",
        "validate",
        "schema",
        "compare",
        "sweep",
        "explore",
        "tune",
        "calibrate",
    }
    assert "dashboard" in shown


@pytest.mark.parametrize(("page", "command"), COMMANDS, ids=[f"{p}:{c}" for p, c in COMMANDS])
def test_a_shown_command_parses_and_its_inputs_validate(
    page: str, command: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    parser = command_parser(monkeypatch)
    words = shlex.split(command, comments=True)
    commands = subcommands(parser)
    assert words[0] in commands, f"{page}: `{command}`: no command {words[0]!r}"
    if is_synopsis(words):
        options = set(commands[words[0]]._option_string_actions)
        for word in words[1:]:
            option = word.strip("[]").split("=")[0].rstrip(".")
            if option.startswith("--"):
                assert option in options, f"{page}: `{command}`: {words[0]} has no {option}"
        return
    try:
        args = parser.parse_args(words)
    except SystemExit:
        pytest.fail(f"{page}: `{command}` does not parse: {capsys.readouterr().err}")
    with monkeypatch.context():
        check_inputs(page, command, words[0], args, capsys)


def check_inputs(page: str, command: str, name: str, args, capsys) -> None:
    """Validate what a parsed command would read, without running it."""
    where = f"{page}: `{command}`"
    if name in ("run", "validate", "dashboard"):
        sets = list(getattr(args, "set", None) or [])
        for key in ("months", "scale", "seed", "replications"):
            if getattr(args, key, None) is not None:
                sets.append(f"{key}={getattr(args, key)}")
        argv = ["validate", args.scenario, *[f"--set={s}" for s in sets]]
        assert cli.main(argv) == 0, f"{where}: {capsys.readouterr().err}"
    elif name == "compare":
        for path in args.inputs:
            assert cli.main(["validate", path]) == 0, f"{where}: {capsys.readouterr().err}"
    elif name in ("sweep", "tune", "calibrate", "explore"):
        loader = {"sweep": "load_sweep", "tune": "load_tuning", "calibrate": "load_calibration",
                  "explore": "load_explore"}  # fmt: skip
        path = next(v for v in vars(args).values() if isinstance(v, str) and v.endswith(".yaml"))
        defined(loader[name])(path)


def test_the_synopsis_check_catches_an_option_a_command_lacks(monkeypatch) -> None:
    """The negative control of the synopsis lines' check: an invented option is refused."""
    parser = command_parser(monkeypatch)
    options = set(subcommands(parser)["run"]._option_string_actions)
    assert "--replications" in options and "--replicates" not in options


def test_a_wrong_selector_fails_validation(capsys) -> None:
    """The check above would catch the selector example issue 23 found broken."""
    broken = "programmes[city=chengdu,instrument=rent].amount=800"
    assert cli.main(["validate", "scenarios/baseline.yaml", "--set", broken]) == 2
    assert "chengdu" in capsys.readouterr().err


def test_the_readme_opens_with_the_two_set_up_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.startswith("```\n" + "\n".join(SETUP) + "\n```\n")
    opening = text.split("# hubsim")[0]
    assert "slow" in opening and "default test" in opening  # it says which tests it runs
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "-m 'not slow'" in pyproject
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/python -m pytest -m slow" in ci


TIMING = re.compile(r"(?<!\d)\d{1,3}(?:[.,]\d+)?\s?(?:ms|s|sec|seconds?|min|minutes?|hours?|h)\b")


def test_the_readme_and_the_docs_quote_no_timing() -> None:
    """Timings live in benchmarks/README.md, beside the machine and script that gave them; the
    performance page includes them from there."""
    for page in PAGES:
        if page.name != "performance.md":
            assert TIMING.findall(page.read_text(encoding="utf-8")) == [], page.name
    assert TIMING.findall("the baseline took about 9 s here") != []  # the pattern catches one


def test_every_figure_shown_exists() -> None:
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
        for image in images:
            assert (page.parent / image).is_file(), f"{page.name} shows a missing {image}"
    assert re.findall(r"docs/[\w-]+\.png", README.read_text())  # the README shows one


FILE = re.compile(r"^[\w.-]+(?:/[\w.-]+)+\.(?:py|csv|yaml|md|png|toml|cff)$")
SEARCHED = ("", "src/hubsim", "src/hubsim/data")


def test_every_repository_file_named_exists() -> None:
    for page in PAGES:
        for name in re.findall(r"`([^`\n]+)`", page.read_text(encoding="utf-8")):
            if not FILE.match(name) or name.startswith(("results/", ".venv/")):
                continue
            places = [ROOT / base / name for base in SEARCHED] + [page.parent / name]
            assert any(p.exists() for p in places), f"{page.name} names a missing {name}"


def python_snippets() -> list[str]:
    return [
        body for page in PAGES for lang, body in FENCE.findall(page.read_text()) if lang == "python"
    ]


def test_python_snippets_call_with_keywords_the_functions_take() -> None:
    functions = {"run": hubsim.run, "run_sweep": defined("run_sweep")}
    checked = 0
    for code in python_snippets():
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", None))
                if name in functions:
                    accepted = inspect.signature(functions[name]).parameters
                    for keyword in node.keywords:
                        assert keyword.arg in accepted, f"{name}() takes no {keyword.arg}"
                    checked += 1
    assert checked >= 2


def test_the_from_python_snippet_writes_figures_under_an_ignored_folder() -> None:
    code = "\n".join(python_snippets())
    paths = re.findall(r"\.plot\(\"([^\"]+)\"\)", code)
    assert paths, "the README shows result.plot(...) with a folder"
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    for path in paths:
        assert path.startswith("results/") and "/results/*" in ignored, path
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("no git checkout to ask")
    for path in paths:
        done = subprocess.run(
            ["git", "check-ignore", "-q", path + "talent.png"], cwd=ROOT, check=False
        )
        assert done.returncode == 0, f"{path} is not ignored by git"


def test_nothing_points_outside_the_repository() -> None:
    """No citation of the design document or the data notes beside the repository."""
    pattern = re.compile(r"DESIGN (?:s\.|§)\d|data/README\.md|\.\./shared")
    folders = ("src", "tools", "tests", "docs", "scenarios", "benchmarks")
    files = [README] + [
        p
        for folder in folders
        for p in (ROOT / folder).rglob("*")
        if p.suffix in (".py", ".md", ".yaml") and p != Path(__file__)
    ]
    offenders = [str(p.relative_to(ROOT)) for p in files if pattern.search(p.read_text())]
    assert offenders == []


def _flat_in_the_site(text: str) -> list[str]:
    """Lines the site's Markdown (Python-Markdown) would not nest: a list item, or a paragraph
    after a blank line, indented by one to three spaces. It needs four to belong to the item
    above; with fewer, the item ends, and a numbered list runs on as one paragraph."""
    found, fenced, blank = [], False, True
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif (
            not fenced
            and re.match(r" {1,3}\S", line)
            and (blank or re.match(r" {1,3}(?:[-*+]|\d+\.) ", line))
        ):
            found.append(f"{number}: {line.strip()[:60]}")
        blank = not line.strip()
    return found


def test_nested_lists_are_indented_as_the_site_renders_them() -> None:
    offenders = {
        str(page.relative_to(ROOT)): found
        for page in PAGES
        if (found := _flat_in_the_site(page.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "indent a nested list or a list item's paragraph by four spaces"


def test_the_indent_check_catches_a_list_nested_by_two_spaces() -> None:
    two = "- inputs vary by one of\n  - `uniform`: the drawn value;\n  - `factor`: times it\n"
    three = "1. **First.** Text\n   more text\n\n   A second paragraph.\n2. **Second.**\n"
    assert len(_flat_in_the_site(two)) == 2
    assert _flat_in_the_site(three) == ["4: A second paragraph."]
    four = "1. **First.** Text\n    more text\n\n    A second paragraph.\n\n2. **Second.**\n"
    assert _flat_in_the_site(four) == []
