"""The README is part of the product: its commands and settings must match the code."""

from __future__ import annotations

import re
from pathlib import Path

from tap_service.cli import build_parser
from tap_service.settings import OPTIONS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
SOURCES = [
    p for package in ("lcdb", "tap_service", "obscore") for p in (ROOT / package).rglob("*.py")
]


def marked_command(marker: str) -> str:
    match = re.search(rf"<!-- {marker} -->\s*```sh\n(.+?)\n```", README, re.S)
    assert match, f"README.md has no ```sh block after <!-- {marker} -->"
    return match.group(1).strip()


def test_readme_has_one_line_start_and_test_commands() -> None:
    start = marked_command("start-command")
    test = marked_command("test-command")
    assert "\n" not in start and "\n" not in test
    assert "pip install" in start and "lcdb-tap" in start
    assert "pip install" in test and "pytest" in test


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "<!-- test-command -->" in ci


def test_every_environment_setting_is_documented() -> None:
    used = set()
    for path in [*SOURCES, *(ROOT / "tests").rglob("*.py")]:
        used |= set(re.findall(r'"(LCDB_[A-Z_]+)"', path.read_text()))
    assert used, "no settings found: the scan is broken"
    undocumented = sorted(name for name in used if f"`{name}`" not in README)
    assert undocumented == []


def test_every_db_command_is_documented() -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    db_commands = commands["db"]._subparsers._group_actions[0].choices
    assert set(db_commands) >= {"upgrade", "downgrade", "current", "start", "stop", "status", "url"}
    for name in db_commands:
        assert re.search(rf"lcdb-tap db [^|`]*\b{name}\b", README), (
            f"`lcdb-tap db {name}` is not in README.md"
        )


def settings_rows() -> dict[str, str]:
    """README's configuration table: environment variable -> its row."""
    rows = re.findall(r"^\| `(LCDB_[A-Z_]+)`(.*)$", README, re.M)
    return {name: row for name, row in rows}


def test_every_service_setting_has_its_readme_row_with_flag_and_default() -> None:
    rows = settings_rows()
    for setting in OPTIONS:
        assert setting.env in rows, f"{setting.env} has no row in README.md's settings table"
        row = rows[setting.env]
        assert f"(or `{setting.flag}`)" in row, (
            f"{setting.env}: README does not name {setting.flag}"
        )
        default = row.split("|")[1]
        if setting.shown_default is not None:
            assert setting.shown_default in default, f"{setting.env}: README default {default!r}"


def test_every_flag_in_the_settings_table_is_a_setting_of_serve() -> None:
    flags = {option.flag for option in OPTIONS} | {"--database-url"}
    documented = set(re.findall(r"\(or `(--[a-z-]+)`\)", "\n".join(settings_rows().values())))
    assert documented <= flags
    serve = build_parser().parse_args(["serve"])
    assert all(hasattr(serve, option.name) for option in OPTIONS)
