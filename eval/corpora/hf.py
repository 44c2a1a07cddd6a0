"""Hugging Face datasets as test sets: a ``save_to_disk`` folder, a local data
file or folder, or a hub id. Only a hub id may touch the network: local loads
run with the ``datasets`` library switched offline, because even a local
``load_dataset("json", ...)`` pings a remote host to count downloads unless
HF_HUB_OFFLINE is set."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from ..errors import UserError
from .files import open_regular
from .model import TestSet
from .tabular import Columns, rows_to_testset

DATA_FILES = {".jsonl": "json", ".json": "json", ".csv": "csv", ".tsv": "csv", ".parquet": "parquet"}


def hf_location(base: Path, value: str) -> str:
    """The local path ``value`` names (relative to ``base``), or ``value``
    itself when it can only be a hub id (``NAME`` or ``OWNER/NAME``). A value
    that looks like a path (absolute, ``~``, ``./``, ``../``, deeper than
    ``OWNER/NAME``, or a data-file suffix) but does not exist is an error
    here, never a hub lookup."""
    path = Path(value).expanduser()
    local = path if path.is_absolute() else base / path
    try:
        if local.exists():
            return str(local)
    except OSError as exc:  # e.g. a folder above it is unreadable
        raise UserError(f"{local}: cannot read ({exc.strerror or exc})") from None
    looks_local = (path.is_absolute() or value.startswith(("~", "./", "../")) or len(path.parts) > 2
                   or path.suffix in DATA_FILES)
    if looks_local:
        raise UserError(f"{local}: file not found (a hub id has the form NAME or OWNER/NAME)")
    return value


@contextmanager
def _offline():
    """``datasets`` without network access, for local paths."""
    from datasets import config

    saved = config.HF_HUB_OFFLINE, config.HF_UPDATE_DOWNLOAD_COUNTS
    config.HF_HUB_OFFLINE, config.HF_UPDATE_DOWNLOAD_COUNTS = True, False
    try:
        yield
    finally:
        config.HF_HUB_OFFLINE, config.HF_UPDATE_DOWNLOAD_COUNTS = saved


def _load_local(local: Path, split: str, subset: str | None):
    import datasets

    if local.is_dir() and any((local / f).exists() for f in ("state.json", "dataset_dict.json")):
        ds = datasets.load_from_disk(str(local))
        if isinstance(ds, datasets.DatasetDict):
            if split not in ds:
                raise UserError(f"{local}: no split {split!r} (have: {', '.join(ds)})")
            ds = ds[split]
        return ds
    if local.is_dir():
        return datasets.load_dataset(str(local), subset, split=split)
    open_regular(local).close()  # one-line errors for unreadable files, FIFOs, devices
    kind = DATA_FILES.get(local.suffix)
    if kind is None:
        raise UserError(f"{local}: unsupported data file type {local.suffix!r}")
    extra = {"delimiter": "\t"} if local.suffix == ".tsv" else {}
    return datasets.load_dataset(kind, data_files=str(local), split="train", **extra)


def load_hf(
    name: str, src_lang: str, tgt_lang: str, path: str, columns: Columns, split: str = "test", subset: str | None = None
) -> TestSet:
    """``path`` as :func:`hf_location` returns it: an existing local path or a
    hub id (needs the network; offline fails fast and says so)."""
    import datasets

    local = Path(path)
    try:
        if local.exists():
            with _offline():
                ds = _load_local(local, split, subset)
        else:
            from ..net import require_reachable

            require_reachable(
                "https://huggingface.co", f"dataset {path!r}", "give a local folder or data file as 'path'"
            )
            ds = datasets.load_dataset(path, subset, split=split)
    except UserError:
        raise
    except Exception as exc:  # datasets raises many types; the user needs one line
        raise UserError(f"{path}: cannot load dataset ({type(exc).__name__}: {(str(exc).splitlines() or [''])[0]})") from None
    rows = ((f"{path}[{i}]", row) for i, row in enumerate(ds))
    return rows_to_testset(name, src_lang, tgt_lang, rows, columns, str(path))
