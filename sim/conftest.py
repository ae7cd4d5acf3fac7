"""Doctests in ``sim/`` never touch the user's market cache (``~/.cache/influsim``)."""

import pytest


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("INFLUSIM_CACHE", str(tmp_path_factory.getbasetemp() / "doctest-cache"))
