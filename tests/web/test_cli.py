"""`kzinvest serve`: the command registers, starts uvicorn, and reads tokens from flags and env."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import typer
from typer.testing import CliRunner

from kzinvest.web.cli import register

from .conftest import free_port

APP_CODE = """
import typer
from kzinvest.web.cli import register
app = typer.Typer()
@app.command()
def other():
    pass
register(app)
app()
"""


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def other():  # a second command, so `serve` is a sub-command as in the real CLI
        pass

    register(app)
    return app


def test_serve_help():
    r = CliRunner().invoke(_app(), ["serve", "--help"])
    assert r.exit_code == 0
    for opt in ("--db", "--host", "--port", "--token"):
        assert opt in r.output


def test_serve_runs_with_tokens_from_flag_and_env(tmp_path):
    port = free_port()
    env = {**os.environ, "KZINVEST_TOKENS": "env-token, other", "KZINVEST_DB": "sqlite:///nowhere/ignored.db"}
    proc = subprocess.Popen([sys.executable, "-c", APP_CODE, "serve", "--db", f"sqlite:///{tmp_path}/s.db",
                             "--port", str(port), "--token", "flag-token", "--log-level", "warning"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(base + "/api/projects").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("server did not start")
        assert httpx.get(base + "/api/projects").json() == {"items": [], "total": 0}
        assert httpx.get(base + "/").status_code == 200
        body = {"field": "jobs", "value": 1}
        for tok in ("flag-token", "env-token", "other"):
            r = httpx.patch(base + "/api/projects/1", json=body, headers={"Authorization": f"Bearer {tok}"})
            assert r.status_code == 404, tok                      # accepted token, no such project
        assert httpx.patch(base + "/api/projects/1", json=body,
                           headers={"Authorization": "Bearer nope"}).status_code == 401
        assert (tmp_path / "s.db").exists()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "write API on (3 tokens)" in out
