"""Sentence segmentation: each language's abbreviations, quotes and paragraphs."""
from __future__ import annotations

from pathlib import Path

import pytest

from eval.text.repair import repair_lines
from eval.text.segment import split_paragraphs, split_sentences

SEED = Path(__file__).resolve().parents[1].parent / "shared/data/seed-article/mt-rendering.en.txt"

CASES = {
    "en": [
        "Mr. Smith met Dr. Jones in Washington on Friday at 5 p.m. to discuss the U.S. budget.",
        "\"We are not there yet,\" said J. R. Allen, a spokesman for Acme Inc. in New York.",
        "Did they agree?",
        "No. 10 Downing Street declined to comment!",
    ],
    "es": [
        "El Sr. García viajó a EE. UU. el lunes para reunirse con la Dra. López.",
        "La reunión empezó a las 5 p. m. y terminó tarde, según la pág. 3 del informe.",
        "¿Qué dijo el presidente?",
        "¡Nada nuevo!",
        "En EE. UU.",
        "El Gobierno no ha respondido.",
    ],
    "de": [
        "Am 3. Jan. 1990 fuhr Dr. Müller z. B. mit dem Zug nach Berlin.",
        "Das 20. Jahrhundert brachte u. a. zwei Weltkriege, vgl. Abs. 2 der Studie.",
        "Die Firma erzielte 2,5 Mio. Euro Umsatz im Jahr 2019.",
        "Danach ging es weiter.",
    ],
    "fr": [
        "M. Dupont et Mme Martin sont arrivés à Paris le 3 janvier.",
        "« Nous ne savons pas encore. »",
        "Le rapport (cf. p. 12) a été publié par le Dr. Leclerc.",
        "Pourquoi maintenant ?",
    ],
    "ru": [
        "В 2019 г. Путин подписал указ о создании фонда.",
        "В. В. Путин, т. е. президент страны, заявил об этом 5 марта.",
        "Бюджет составил 3 млрд. руб. по данным министерства.",
        "Как это понимать?",
        "Об этом сообщил проф. Иванов на ул. Тверской.",
    ],
    "zh": ["我今天去了北京。", "天气很好！", "你呢？", "“好的。”他说。", "会议于3.5小时后结束。"],
    "ja": ["今日は東京に行きました。", "天気が良かったです！", "あなたは？", "「はい。」と彼は言った。", "価格は3.5万円です。"],
}


@pytest.mark.parametrize("lang", sorted(CASES))
def test_language_rules(lang):
    sentences = CASES[lang]
    joiner = "" if lang in ("zh", "ja") else " "
    assert split_sentences(joiner.join(sentences), lang) == sentences


@pytest.mark.parametrize("lang", ["en", "de", "zh"])
def test_never_joins_across_line_breaks(lang):
    text = "Headline without a stop\nFirst sentence of the paragraph\n\nLast one"
    assert split_sentences(text, lang) == ["Headline without a stop", "First sentence of the paragraph", "Last one"]
    assert split_paragraphs(text, lang) == [["Headline without a stop"], ["First sentence of the paragraph"], ["Last one"]]


def test_no_boundary_before_lower_case_or_inside_numbers():
    assert split_sentences("It costs 3.5 million. the rest is lost... and gone.", "en") == [
        "It costs 3.5 million. the rest is lost... and gone."
    ]


def test_region_suffix_and_unknown_language_fall_back_to_generic_rules():
    assert split_sentences("Dr. Who arrived. Then left.", "en-GB") == ["Dr. Who arrived.", "Then left."]
    assert split_sentences("Dr. Virtanen tuli. Sitten hän lähti.", "fi") == ["Dr. Virtanen tuli.", "Sitten hän lähti."]


def test_seed_article_keeps_paragraphs_and_splits_multi_sentence_lines():
    if not SEED.exists():
        pytest.skip(f"shared data absent: {SEED}")
    lines, _ = repair_lines(SEED.read_text(encoding="utf-8").splitlines())
    text = "\n".join(lines)
    paragraphs = split_paragraphs(text, "en")
    assert len(paragraphs) == sum(1 for line in lines if line.strip())
    flat = split_sentences(text, "en")
    assert len(flat) == sum(len(p) for p in paragraphs) > len(paragraphs)
    # no sentence is cut inside a word and every sentence comes from one line
    assert all(any(s in line for line in lines) for s in flat)
    assert "This abscess must be liquidated.\"" in flat or "\"This abscess must be liquidated.\"" in flat


def test_a_dateline_opening_a_paragraph_stays_with_its_sentence():
    text = ("MADRID, 16 de marzo de 2026 (Redacción). – La Comunidad aprobó la obra. – Nadie lo esperaba.\n"
            "Llegó tarde. – ¿Vienes?")
    assert split_sentences(text, "es") == [
        "MADRID, 16 de marzo de 2026 (Redacción). – La Comunidad aprobó la obra.", "– Nadie lo esperaba.",
        "Llegó tarde.", "– ¿Vienes?"]


def test_demo_source_paragraphs_split_back_into_its_segments():
    """Datelines (``VALENCIA, 14 de marzo de 2026 (Redacción). –``) stay with their sentence."""
    corpora = Path(__file__).resolve().parents[1] / "corpora" / "es-en"
    paragraphs = (corpora / "documents" / "source.es.txt").read_text(encoding="utf-8")
    assert split_sentences(paragraphs, "es") == (corpora / "source.es").read_text(encoding="utf-8").splitlines()
