"""`kzinvest serve`: the dashboard and REST API, in one uvicorn process or several.

Wired into the main CLI with ``kzinvest.web.cli.register(app)``.
"""
from __future__ import annotations

import os
from typing import Optional

import typer


def serve(
    db: Optional[str] = typer.Option(None, "--db", help="SQLAlchemy URL (default: $KZINVEST_DB, else sqlite:///data/kzinvest.db)"),
    host: str = typer.Option("127.0.0.1", "--host", help="interface to listen on"),
    port: int = typer.Option(8000, "--port", help="TCP port"),
    token: Optional[list[str]] = typer.Option(None, "--token", help="bearer token enabling the write API (repeatable; also $KZINVEST_TOKENS, comma-separated)"),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="server processes sharing the port (about one per CPU core; each keeps its own caches)"),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level"),
) -> None:
    """Serve the dashboard (http://HOST:PORT/) and the REST API (/api, /docs, /openapi.json)."""
    import uvicorn

    from kzinvest.registry.store import open_store, resolve_url
    from kzinvest.web.app import create_app
    from kzinvest.web.protocol import NoDelayHTTPProtocol

    tokens = list(token or []) + [t.strip() for t in os.environ.get("KZINVEST_TOKENS", "").split(",") if t.strip()]
    mode = f"write API on ({len(tokens)} token{'s' if len(tokens) != 1 else ''})" if tokens else "read-only"
    procs = f"  ·  {workers} worker processes" if workers > 1 else ""
    if workers > 1:
        # Each worker process builds its own app from the environment (app_from_env).
        store = open_store(db)          # migrate once, before the workers start
        store.close()
        os.environ["KZINVEST_DB"] = resolve_url(db)
        os.environ["KZINVEST_TOKENS"] = ",".join(tokens)
        typer.echo(f"kzinvest: http://{host}:{port}/  ·  API docs http://{host}:{port}/docs  ·  {mode}{procs}")
        uvicorn.run("kzinvest.web.app:app_from_env", factory=True, host=host, port=port,
                    workers=workers, log_level=log_level, access_log=False, http=NoDelayHTTPProtocol)
        return
    store = open_store(db)
    app = create_app(store, tokens=tokens)
    typer.echo(f"kzinvest: http://{host}:{port}/  ·  API docs http://{host}:{port}/docs  ·  {mode}")
    try:
        uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False,
                    http=NoDelayHTTPProtocol)
    finally:
        store.close()


def register(app: typer.Typer) -> None:
    """Add the `serve` command to the kzinvest Typer app."""
    app.command("serve")(serve)
