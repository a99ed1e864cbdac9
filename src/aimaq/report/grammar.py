"""Russian grammar for generated sentences: a territory name in the case a sentence needs («в Акмолинской
области», «в области Абай», «в г. Астане») and a noun agreeing with a number («26 городов», «1 город»).

pymorphy3 (OpenCorpora dictionaries) inflects the words it knows; words it does not know — Kazakh names such as
Ұлытау, Жетісу, codes — stay as written, which is how the institute writes them in every case."""

from __future__ import annotations

import functools
import re

KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
# cases as templates name them → OpenCorpora grammemes
CASES = {"nom": "nomn", "gen": "gent", "dat": "datv", "acc": "accs", "ins": "ablt", "loc": "loct"}


@functools.lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


def _parse(word: str, pos: set[str]):
    """The nominative singular/plural reading of `word` with a part of speech in `pos`, or None."""
    for p in _morph().parse(word):
        if p.tag.POS in pos and "nomn" in p.tag and p.score > 0.01:
            return p
    return None


def _keep_case(source: str, word: str) -> str:
    if source[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


@functools.lru_cache(maxsize=4096)
def inflect(phrase: str, case: str) -> str:
    """`phrase` (a territory name in the nominative) in `case` (nom, gen, dat, acc, ins, loc).

    «Акмолинская область» → loc «Акмолинской области»; «область Ұлытау» → «области Ұлытау» (the Kazakh name is
    an apposition and stays); «г. Астана» → «г. Астане»; «Северо-Казахстанская область» → «Северо-Казахстанской
    области»; «Астана» → «Астане»; an unknown word stays."""
    grammeme = CASES[case]
    if grammeme == "nomn" or not phrase:
        return phrase
    words = phrase.split(" ")
    out = []
    apposition = False  # after «область»/«город» + name the name is not inflected
    for i, w in enumerate(words):
        if apposition or not re.fullmatch(r"[А-Яа-яЁё-]+", w) or set(w) & KAZAKH_LETTERS:
            out.append(w)
            continue
        last = w.split("-")[-1]
        head = w[: len(w) - len(last)]
        p = _parse(last, {"ADJF", "NOUN"})
        if p is None:
            out.append(w)
            continue
        form = p.inflect({grammeme})
        out.append(head + _keep_case(last, form.word) if form else w)
        if p.tag.POS == "NOUN" and last.lower() in ("область", "город", "район", "республика") and i == 0:
            apposition = True
    return " ".join(out)


def agree(n: float, noun: str) -> str:
    """`noun` (nominative singular) agreeing with the count `n`: 1 город, 3 города, 26 городов; 1,5 → «города»."""
    p = _parse(noun, {"NOUN"})
    if p is None:
        return noun
    if float(n) != int(n):
        form = p.inflect({"gent", "sing"})
    else:
        form = p.make_agree_with_number(abs(int(n)))
    return _keep_case(noun, form.word) if form else noun


def capitalise(text: str) -> str:
    """The first letter upper-case (a name that begins a sentence: «Область Абай …» only there)."""
    return text[:1].upper() + text[1:] if text else text
