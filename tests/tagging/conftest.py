"""Shared fixtures for the tagging tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.tagging import Tagger
from pipeline.tagging.rules import DEFAULT_RULES_PATH


@pytest.fixture(scope="session")
def tagger() -> Tagger:
    """The packaged tagger (rules and model), loaded once."""
    return Tagger.load()


@pytest.fixture
def rules_data() -> dict:
    """The packaged rules as plain data, to break in a test."""
    return yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def write_rules(tmp_path: Path):
    """Write rules data (or raw text) to a YAML file and return its path."""

    def write(data: dict | str, name: str = "rules.yaml") -> Path:
        path = tmp_path / name
        text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write
