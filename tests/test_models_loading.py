"""Model resolution errors a user can cause, and the torch-less install message."""
import sys
import time

import pytest

from eval.errors import UserError
from eval.models.deps import require_torch
from eval.models.loading import load_encoder, resolve_model


def test_missing_path_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        resolve_model(str(tmp_path / "no-such-model"))


def test_directory_without_config_is_not_a_model(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(UserError, match="not a model directory"):
        resolve_model(str(tmp_path))


def test_config_without_weights_is_not_a_model(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(UserError, match="no model.safetensors"):
        resolve_model(str(tmp_path))


def test_hub_id_offline_names_the_id_and_the_way_out(tmp_path, monkeypatch):
    pytest.importorskip("transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    start = time.monotonic()
    with pytest.raises(UserError) as err:
        resolve_model("some-org/some-metric-model")
    message = str(err.value)
    assert "some-org/some-metric-model" in message and "offline" in message and "--model DIR" in message
    assert "\n" not in message and time.monotonic() - start < 10


def test_unreachable_hub_fails_fast_without_offline_flag(tmp_path, monkeypatch):
    """No HF_HUB_OFFLINE set: the bounded probe, not a hanging download, decides."""
    pytest.importorskip("transformers")
    from eval.models import loading

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setattr(loading, "HUB_HOST", "unreachable.invalid")
    start = time.monotonic()
    with pytest.raises(UserError, match="offline"):
        resolve_model("another-org/another-model")
    assert time.monotonic() - start < 10


def test_probe_of_unreachable_host_is_bounded():
    from eval.models.loading import hub_reachable

    start = time.monotonic()
    assert hub_reachable("unreachable.invalid", timeout=1.0) is False
    assert time.monotonic() - start < 3


def test_model_metric_without_torch_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # what an install without the extra looks like
    with pytest.raises(UserError, match=r"pip install 'mteval\[models\]'"):
        require_torch("bertscore")


def test_garbage_weights_are_a_user_error(tmp_path):
    pytest.importorskip("transformers")
    (tmp_path / "config.json").write_text('{"model_type": "bert"}')
    (tmp_path / "model.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(UserError, match="not a usable transformers model"):
        load_encoder(str(tmp_path), "cpu")


def test_interrupted_conversion_leaves_no_model_behind(tmp_path):
    from eval.models.cache import atomic_directory

    target = tmp_path / "models" / "m"
    with pytest.raises(KeyboardInterrupt):
        with atomic_directory(target) as tmp:
            (tmp / "config.json").write_text("{}")
            raise KeyboardInterrupt
    assert not target.exists() and list(target.parent.iterdir()) == []
    with atomic_directory(target) as tmp:
        (tmp / "config.json").write_text("{}")
    assert (target / "config.json").is_file()
