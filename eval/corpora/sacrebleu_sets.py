"""sacreBLEU's named test sets (``sacrebleu:wmt22:de-en``): the source and
references, downloaded into sacreBLEU's own cache when the network allows."""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import UserError
from .model import TestSet
from .text import load_text


def load_sacrebleu(name: str, spec: str, src_lang: str, tgt_lang: str) -> TestSet:
    from sacrebleu.dataset import DATASETS

    try:
        _, test_set, langpair = spec.split(":")
    except ValueError:
        raise UserError(f"{spec!r}: expected sacrebleu:TESTSET:SRC-TGT, e.g. sacrebleu:wmt22:de-en") from None
    if test_set not in DATASETS:
        raise UserError(f"{spec!r}: sacreBLEU knows no test set {test_set!r}")
    dataset = DATASETS[test_set]
    if langpair not in dataset.langpairs:
        raise UserError(f"{spec!r}: test set {test_set} has no pair {langpair} (has: {', '.join(sorted(dataset.langpairs))})")
    tarballs = [os.path.join(dataset._rawdir, dataset._get_tarball_filename(url)) for url in dataset.data]
    if not all(os.path.exists(t) for t in tarballs):
        from ..net import require_reachable

        require_reachable(
            dataset.data[0], f"sacreBLEU test set {test_set}",
            "run once online (sacrebleu -t TESTSET -l PAIR --echo src) or use format: text with local files",
        )
    fields = dataset.fieldnames(langpair)
    paths = dataset.get_files(langpair)
    streams = dict(zip(fields, paths))
    references = {f.split(":", 1)[1] if ":" in f else f: Path(p) for f, p in streams.items() if f.startswith("ref")}
    doc_ids = Path(streams["docid"]) if "docid" in streams else None
    return load_text(name, src_lang, tgt_lang, Path(streams["src"]), references, {}, doc_ids)
