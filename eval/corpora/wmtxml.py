"""The WMT XML test-set format (WMT21 onwards): documents holding a source,
references by translator and hypotheses by system, segments matched by id."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ..errors import UserError
from .files import read_bytes
from .model import TestSet


def _segments(block: ET.Element, where: str) -> dict[str, str]:
    """Segment text by id; a segment without an id, or an id given twice,
    would silently lose a segment, so both are errors naming ``where``."""
    segments: dict[str, str] = {}
    for seg in block.iter("seg"):
        seg_id = seg.get("id")
        if seg_id is None:
            raise UserError(f"{where}: a <seg> has no id attribute")
        if seg_id in segments:
            raise UserError(f"{where}: duplicate segment id {seg_id!r}")
        segments[seg_id] = (seg.text or "").strip()
    return segments


def load_wmt_xml(name: str, src_lang: str, tgt_lang: str, path: Path) -> TestSet:
    data = read_bytes(path)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        raise UserError(f"{path}:{line}: malformed WMT XML ({exc.msg.split(':')[0]}, column {column})") from None
    docs = list(root.iter("doc"))
    if not docs:
        raise UserError(f"{path}: no <doc> element (not a WMT XML test set?)")

    source: list[str] = []
    doc_ids: list[str] = []
    domains: list[str] = []
    references: dict[str, list[str]] = {}
    systems: dict[str, list[str]] = {}
    for doc_no, doc in enumerate(docs):
        doc_id = doc.get("id", f"doc{doc_no}")
        src = doc.find("src")
        if src is None:
            raise UserError(f"{path}: document {doc_id!r} has no <src>")
        src_segs = _segments(src, f"{path}: document {doc_id!r}: <src>")
        ids = list(src_segs)
        start = len(source)
        source.extend(src_segs.values())
        doc_ids.extend([doc_id] * len(ids))
        domains.extend([doc.get("domain", "")] * len(ids))
        for tag, attr, target in (("ref", "translator", references), ("hyp", "system", systems)):
            seen: set[str] = set()
            for block in doc.findall(tag):
                label = block.get(attr) or "A"
                where = f"{path}: document {doc_id!r}: <{tag} {attr}={label!r}>"
                if label in seen:
                    raise UserError(f"{path}: document {doc_id!r} has more than one <{tag} {attr}={label!r}>")
                seen.add(label)
                segs = _segments(block, where)
                missing = [i for i in ids if i not in segs]
                if missing:
                    raise UserError(f"{where} lacks segment id {missing[0]}")
                extra = [i for i in segs if i not in src_segs]
                if extra:
                    raise UserError(f"{where} has segment id {extra[0]!r}, which the <src> lacks")
                if label not in target and start > 0:
                    raise UserError(f"{path}: document {docs[0].get('id')!r} has no <{tag} {attr}={label!r}>")
                target.setdefault(label, []).extend(segs[i] for i in ids)
        for target in (references, systems):
            for label, segs in target.items():
                if len(segs) != len(source):
                    kind = "ref" if target is references else "hyp"
                    raise UserError(f"{path}: document {doc_id!r} has no <{kind}> for {label!r}")
    provenance = {"source": str(path)}
    provenance.update({f"ref:{k}": str(path) for k in references})
    provenance.update({f"sys:{k}": str(path) for k in systems})
    return TestSet(
        name=name,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        source=source,
        references=references,
        systems=systems,
        doc_ids=doc_ids,
        domains=domains if any(domains) else None,
        provenance=provenance,
    )
