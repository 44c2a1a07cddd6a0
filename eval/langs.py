"""Language codes: validated early so a typo fails before any scoring."""
from __future__ import annotations

import re

from .errors import UserError

# ISO 639-1 codes (two letters).
ISO639_1 = set(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz
    ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo
    lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps
    pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn
    to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split()
)
_PAIR = re.compile(r"^([a-z]{2,3})-([a-z]{2,3})$")


def check_lang(code: str, where: str = "language") -> str:
    """A two-letter ISO 639-1 code, or a three-letter ISO 639-3 code (e.g. liv)."""
    if not re.fullmatch(r"[a-z]{2,3}", code or ""):
        raise UserError(f"{where}: malformed language code {code!r} (expected ISO 639 like 'de' or 'liv')")
    if len(code) == 2 and code not in ISO639_1:
        raise UserError(f"{where}: unknown language code {code!r}")
    return code


def parse_pair(pair: str, where: str = "langs") -> tuple[str, str]:
    """``'de-en'`` -> ``('de', 'en')``, with one clear error for anything else."""
    match = _PAIR.match(pair or "")
    if not match:
        raise UserError(f"{where}: malformed language pair {pair!r} (expected SRC-TGT, e.g. de-en)")
    src, tgt = match.groups()
    return check_lang(src, where), check_lang(tgt, where)
