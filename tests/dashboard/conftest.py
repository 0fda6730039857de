"""Fixtures for the dashboard tests: the Chromium binary (fail, never skip, when it is missing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dashboard.cdp import find_chromium

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of Debian's Chromium; its absence is a failure with the command that installs it."""
    binary = find_chromium()
    if binary is None:
        pytest.fail("Chromium is not installed: run .ci/install-browser (needs apt-get)")
    return binary
