"""Hostile configs, generated on the fly: an alias bomb, nesting thousands of
levels deep, recursive aliases, and a config with 40,000 test sets. Each is
one line and exit 2 naming the file (or loads in seconds), never a crash, a
RecursionError or gigabytes of memory."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import CORPORA, ROOT
from eval.safe_yaml import MAX_DEPTH, check_shape, load_yaml

ES = CORPORA / "es-en"
GOOD_TS = (f"  - {{name: t, langs: es-en, source: {ES}/source.es, references: {ES}/ref.A.en, "
           f"systems: '{ES}/hyp.*.en'}}\n")


def alias_bomb(levels: int) -> str:
    """Billion laughs: each level a list of nine aliases to the level below."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _fails(cli, path, *needles):
    code, _, err = cli("run", path, "--out", path.parent / "out")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def test_alias_bomb_is_refused_before_anything_expands(tmp_path):
    text = alias_bomb(9)  # 490 million nodes once expanded (9**9 strings in the last list alone)
    assert len(text) < 1000
    with pytest.raises(Exception, match="aliases expand 28 written values to 490,329,064"):
        check_shape(text, tmp_path / "bomb.yaml")


def test_alias_bomb_inside_a_metric_option(cli, tmp_path):
    """Small enough (9**6 values) not to exhaust memory without the check."""
    bomb = "{" + ", ".join(alias_bomb(6).splitlines()) + "}"
    path = tmp_path / "c.yaml"
    path.write_text(f"name: x\nmetrics: [{{name: bleu, lowercase: {bomb}}}]\ntestsets:\n" + GOOD_TS, encoding="utf-8")
    _fails(cli, path, f"{path}: YAML aliases expand", "write the values out")


def test_shared_aliases_in_a_real_config_still_load(tmp_path):
    ts = "".join(f"  - {{name: t{i}, langs: es-en, source: s, references: r, metrics: *m}}\n" for i in range(50))
    data = load_yaml("name: x\nmetrics: &m [bleu, {name: chrf, word_order: 2}]\ntestsets:\n" + ts, "c.yaml")
    assert data["testsets"][49]["metrics"] == ["bleu", {"name": "chrf", "word_order": 2}]


@pytest.mark.parametrize("opener,closer", [("[", "]"), ("{a: ", "}")])
@pytest.mark.parametrize("depth", [3_000, 200_000])
def test_deep_nesting_is_one_line(cli, tmp_path, opener, closer, depth):
    """3,000 levels was a RecursionError; 200,000 crashes libyaml's composer outright."""
    path = tmp_path / "c.yaml"
    path.write_text("name: x\nmetrics: [{name: bleu, lowercase: " + opener * depth + "1" + closer * depth
                    + "}]\ntestsets:\n" + GOOD_TS, encoding="utf-8")
    _fails(cli, path, f"{path}:2: YAML nested deeper than {MAX_DEPTH} levels")


def test_nesting_up_to_the_bound_loads(tmp_path):
    depth = MAX_DEPTH - 1
    assert load_yaml("a: " + "[" * depth + "]" * depth, "c.yaml")["a"] is not None


def test_recursive_alias(cli, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("name: x\nmetrics: &m [bleu, *m]\ntestsets:\n" + GOOD_TS, encoding="utf-8")
    _fails(cli, path, f"{path}:2: alias *m refers to a node that contains it")


def test_undefined_alias_is_invalid_yaml(cli, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("name: x\nmetrics: *nowhere\ntestsets:\n" + GOOD_TS, encoding="utf-8")
    _fails(cli, path, f"{path}:2: invalid YAML", "undefined alias")


@pytest.mark.slow
def test_forty_thousand_test_sets_load_in_linear_time(tmp_path):
    """40,000 test sets with one duplicate at the end. The duplicate check was
    quadratic (minutes); now the whole load takes seconds (the bound is generous,
    a timeout is the only way a complexity bug shows in a test)."""
    n = 40_000
    path = tmp_path / "big.yaml"
    path.write_text("name: big\nmetrics: [bleu]\ntestsets:\n"
                    + "".join(f"  - {{name: t{i}, langs: es-en, source: s.es, references: r.en}}\n" for i in range(n))
                    + "  - {name: t7, langs: es-en, source: s.es, references: r.en}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "eval.cli", "run", str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"mteval: error: {path}: testsets.{n}.name: duplicate test set name 't7'"


def test_comet_hparams_are_read_with_the_same_bounds(tmp_path):
    from eval.errors import UserError
    from eval.models.comet_checkpoint import find_checkpoint

    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "model.ckpt").write_bytes(b"")
    (tmp_path / "hparams.yaml").write_text("layer: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(UserError, match=f"{tmp_path / 'hparams.yaml'}:1: YAML nested deeper than"):
        find_checkpoint(tmp_path)
