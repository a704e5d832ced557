"""Shared test set-up.

PostgreSQL and browser tests run when their server/browser is named (KZINVEST_TEST_PG,
KZINVEST_CHROMIUM or /usr/bin/chromium) and skip otherwise — except in CI, where
KZINVEST_REQUIRE_ALL=1 turns such a skip into a failure so a missing install can't hide.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


def require_or_skip(available: bool, what: str) -> None:
    if available:
        return
    if os.environ.get("KZINVEST_REQUIRE_ALL") == "1":
        pytest.fail(f"{what} is required in CI (KZINVEST_REQUIRE_ALL=1) but is not available")
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.exists():
        pytest.skip("../shared is not here (user machine)")
    return SHARED
