"""README.md stays in step with the code: every command and option (click introspection), every
setting and every LMS_GATEWAY_* variable the code reads, and its examples give what they show.

To keep it green when adding a setting, add its row to the Configuration table; when adding an
option, add it to the command's line in the Command line block (the failure prints the line).
"""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import click
import pytest
import requests
from click.testing import CliRunner
from wsgiadapter import WSGIAdapter

from gateway import demo
from gateway.cli import main, option_variables
from gateway.config import OTHER_VARIABLES, Settings, variable_names

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
OPTION = re.compile(r"--[a-z][a-z0-9-]*")


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end > 0 else None]


def command_lines() -> dict[tuple[str, ...], str]:
    """``lms-gateway ...`` lines of the Command line block, by the command words they begin with."""
    block = section("Command line").split("```", 2)[1]
    lines = {}
    for line in block.splitlines():
        if line.startswith("lms-gateway"):
            words = []
            for word in line.split()[1:]:
                if not re.fullmatch(r"[a-z][a-z0-9-]*", word):
                    break
                words.append(word)
            lines[tuple(words)] = line.split("#", 1)[0]
    return lines


def leaf_commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from leaf_commands(command, path + (name,))
        else:
            yield path + (name,), command


def long_options(command: click.Command) -> set[str]:
    return {max(p.opts, key=len) for p in command.params if isinstance(p, click.Option)} - {"--help"}


LEAVES = dict(leaf_commands(main))


@pytest.mark.parametrize("path", sorted(LEAVES), ids=" ".join)
def test_every_command_and_option_is_in_the_readme(path):
    command = LEAVES[path]
    lines = command_lines()
    assert path in lines, f"README's Command line block has no line for `lms-gateway {' '.join(path)}`"
    documented = set(OPTION.findall(lines[path]))
    actual = long_options(command)
    assert actual - documented == set(), f"options missing from README's `lms-gateway {' '.join(path)}` line"
    assert documented - actual == set(), f"README's `lms-gateway {' '.join(path)}` line names options the command lacks"


def test_the_readme_names_no_command_that_does_not_exist():
    assert set(command_lines()) - set(LEAVES) - {()} == set()


def test_the_root_options_are_in_the_readme():
    assert long_options(main) - set(OPTION.findall(command_lines()[()])) == set()


def table_rows(text: str) -> dict[str, list[str]]:
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        for name in re.findall(r"`(LMS_GATEWAY_[A-Z0-9_]+)`", cells[0] if cells else ""):
            rows[name] = cells
    return rows


def test_every_setting_has_a_row_with_its_default():
    rows = table_rows(section("Configuration"))
    for field, variable in zip(dataclasses.fields(Settings), variable_names()):
        assert variable in rows, f"README's Configuration table has no row for {variable}"
        default = field.default
        if isinstance(default, bool):
            shown = "true" if default else "false"
        elif isinstance(default, (int, float, str)):
            shown = str(default)
        else:
            continue
        accepted = {f"`{shown}`", f"`{default:g}`" if isinstance(default, float) else f"`{shown}`"}
        if default == "":
            accepted = {"(none)"}
        assert any(a in rows[variable][1] for a in accepted), \
            f"{variable}: README's default is {rows[variable][1]}, the code's {shown}"


def test_every_variable_the_code_reads_is_in_the_readme_and_no_other():
    read = set(variable_names()) | set(option_variables(main)) | OTHER_VARIABLES
    named = set(re.findall(r"LMS_GATEWAY_[A-Z0-9_]*[A-Z0-9]", README))
    assert read - named == set(), "variables the code reads that README does not name"
    assert named - read == set(), "variables README names that the code does not read"


def test_the_attempts_submit_example_scores_what_it_shows(tmp_path, store, settings):
    def block(tag: str) -> str:
        after = README.split(f"<!-- readme-test: {tag} -->", 1)[1]
        return after.split("```json", 1)[1].split("```", 1)[0]

    demo.load(store, settings)
    attempt = tmp_path / "attempt.json"
    attempt.write_text(block("attempt"))
    result = CliRunner().invoke(main, ["--database-url", settings.database_url, "attempts", "submit", str(attempt), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json.loads(block("scored"))


def test_the_lis_recipes_read_the_demo_result(app, monkeypatch):
    """The README's two Python recipes, run as written against the in-process gateway at 127.0.0.1:8080."""
    class GatewaySession(requests.Session):
        def __init__(self):
            super().__init__()
            self.mount("http://127.0.0.1:8080", WSGIAdapter(app))

    demo.load(app.store, app.settings)
    monkeypatch.setattr(requests, "Session", GatewaySession)
    recipes = [b for b in section("Command line").split("```python")[1:]]
    assert len(recipes) == 2
    for recipe in recipes:
        printed = []
        exec(recipe.split("```", 1)[0], {"print": lambda *a: printed.append(a)})
        assert printed and printed[-1][-1] == "100", recipe
