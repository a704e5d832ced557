"""The `kzinvest` command line (Typer). Extraction lives here; the registry and the web
server add their own commands through their `register(app)` hooks."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Investment projects in Kazakhstan, extracted from the news.",
                  no_args_is_help=True, add_completion=False)
err = Console(stderr=True)


@app.command()
def extract(
    paths: list[str] = typer.Argument(..., help="Files or folders: .txt, .html/.htm, .json, .jsonl."),
    jsonl: bool = typer.Option(False, "--jsonl", help="One JSON record per line (the SPEC.md contract)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write to this file instead of stdout."),
    indicators: bool = typer.Option(True, "--indicators/--no-indicators",
                                    help="Also emit aggregate statistics as kind=indicator."),
    min_confidence: float = typer.Option(0.0, "--min-confidence", min=0.0, max=1.0,
                                         help="Leave out projects whose calibrated confidence is below this "
                                              "(0.8: about nine in ten kept records are real projects)."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes (records keep the input order)."),
) -> None:
    """Extract investment project records from news articles."""
    from kzinvest.sources.errors import InputError

    failed = 0
    records = []
    stream = open(out, "w", encoding="utf-8") if out else sys.stdout
    try:
        for item, found in _extracted(paths, jobs):
            if isinstance(item, InputError):
                failed += 1
                err.print(f"[red]error[/red] {item}", highlight=False, soft_wrap=True)
                continue
            if isinstance(found, str):   # one bad article must not stop the batch
                failed += 1
                err.print(f"[red]error[/red] {item.source}: extraction failed: {found}",
                          highlight=False, soft_wrap=True)    # one line, however long
                continue
            found = [r for r in found if (indicators or r.kind == "project") and
                     (r.kind != "project" or r.confidence >= min_confidence)]
            if jsonl:
                for r in found:
                    stream.write(json.dumps(r.to_json(), ensure_ascii=False) + "\n")
            else:
                records.extend(found)    # the table needs them all; JSON Lines stream
        if not jsonl:
            _print_table(records, out and stream)
    finally:
        if out:
            stream.close()
    raise typer.Exit(1 if failed else 0)


def _extract_one(doc):
    from kzinvest.pipeline import extract_document
    try:
        return extract_document(doc)
    except Exception as exc:  # reported by the caller, with the article's name
        return f"{type(exc).__name__}: {exc}"


def _extract_path(path: str) -> list:
    """In a worker: the file's documents extracted. Only what the parent prints travels back
    (the records, and the source to name in an error), not the documents' texts."""
    from types import SimpleNamespace
    from kzinvest.sources.errors import InputError
    from kzinvest.sources.files import iter_documents
    return [(item, None) if isinstance(item, InputError) else
            (SimpleNamespace(source=item.source), _extract_one(item))
            for item in iter_documents([path])]


def _load_models() -> None:
    """Before forking workers: load everything a document may need (NER, gazetteers, the
    money grammar, rate tables, the models), so the workers share it instead of each building
    it, and freeze it out of the garbage collector, whose passes in every worker would
    otherwise write to, and so copy, the pages they share (1000 real pages on 2 workers:
    12.1-12.8 s before, 9.4-11.3 s after)."""
    import gc
    from kzinvest.pipeline import extract_text
    extract_text("Астана, 1 марта 2024. ТОО «Альфа» (Турция) построит завод в Семее за 5 млрд "
                 "тенге ($10 млн, 2 млн евро) и создаст 500 рабочих мест.")
    gc.freeze()


def _extracted(paths: list[str], jobs: int):
    """(document or input error, records or an error message), in input order. With jobs > 1
    each file is read, decoded, cleaned and extracted in a worker process; models are loaded
    once in the parent before the workers fork (_load_models), so they share that memory."""
    from kzinvest.sources.errors import InputError
    from kzinvest.sources.files import iter_documents, list_files
    if jobs == 1:
        for item in iter_documents(paths):
            yield item, (None if isinstance(item, InputError) else _extract_one(item))
        return
    import multiprocessing as mp
    _load_models()
    with mp.get_context("fork").Pool(jobs) as pool:
        for results in pool.imap(_extract_path, list_files(paths), chunksize=4):
            yield from results


@app.command()
def train(
    out: Path = typer.Option(None, "--out", help="Folder for the model files (default: the package's data/models)."),
    folds: int = typer.Option(5, "--folds", help="k of the k-fold cross-validation by article."),
    texts: Optional[Path] = typer.Option(None, "--texts", help="Folder of the real-page texts "
                                         "(default: tests/real/texts or KZINVEST_REAL_TEXTS)."),
) -> None:
    """Train the extractor's decisions on the real-news corpus (needs scikit-learn: pip install kzinvest[train])."""
    from kzinvest.datafiles import data_path
    from kzinvest.learn.train import train_and_write
    train_and_write(out or data_path("models"), k=folds, texts=texts, log=err.print)


def _print_table(records, stream=None) -> None:
    table = Table(title=f"{sum(r.kind == 'project' for r in records)} projects", show_lines=False)
    for col in ("source", "kind", "investor", "country", "region", "city", "sector", "amount",
                "USD", "jobs", "stage", "date"):
        table.add_column(col, overflow="fold")
    for r in records:
        table.add_row(Path(r.source).name, r.kind, r.investor or "—", r.investor_country or "",
                      r.region or "", r.city or "", r.sector,
                      f"{r.amount:,.0f} {r.currency}" if r.amount else "",
                      f"{r.amount_usd:,.0f}" if r.amount_usd else "", str(r.jobs or ""), r.stage,
                      r.date or "")
    Console(file=stream, width=200 if stream else None).print(table)


def _register_optional() -> None:
    for module in ("kzinvest.registry.cli", "kzinvest.web.cli", "kzinvest.backup"):
        try:
            mod = __import__(module, fromlist=["register"])
        except ImportError:
            continue
        mod.register(app)


_register_optional()

if __name__ == "__main__":
    app()
