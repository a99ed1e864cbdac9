"""Synthetic place names (Kazakh, Russian, Latin) and transliteration.

Names are built from a fixed catalogue: Kazakh compound names (a root such as Ақ, Қара, Жаңа joined with a
second part such as су, жар, ауыл), single Kazakh words common as village names (Бірлік, Кеңес, ...), and
Russian-origin names common in the north (Ивановка, Степное, ...). The catalogue is built once; sampling is
a vectorised draw of catalogue indices, so names for a million settlements cost one numpy ``choice``.

The Russian form of a Kazakh name follows the usual official practice of writing Kazakh-specific letters
with their nearest Russian letters (Қызылжар → Кызылжар, Бірлік → Бирлик). The Latin form (name_en) is a
plain ASCII transliteration of the Kazakh form (ә→a, ғ→gh, қ→q, ң→ng, ө→o, ұ/ү→u, і→i, ж→zh, ш→sh, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from aimaq.errors import ComputationError

KAZAKH_SPECIFIC = "әғқңөұүһіӘҒҚҢӨҰҮҺІ"
KAZAKH_ALPHABET = set(
    "абвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюяә" + "абвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюяә".upper()
) | set(" -")

_KK_TO_RU = str.maketrans(
    {"ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "і": "и",
     "Ә": "А", "Ғ": "Г", "Қ": "К", "Ң": "Н", "Ө": "О", "Ұ": "У", "Ү": "У", "Һ": "Х", "І": "И"}
)

_LAT = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "gh", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n", "ң": "ng", "о": "o",
    "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "kh",
    "һ": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "і": "i", "ь": "", "э": "e",
    "ю": "yu", "я": "ya",
}


def kk_to_ru(name: str) -> str:
    """Russian spelling of a Kazakh name: Kazakh-specific letters replaced by their nearest Russian ones."""
    return name.translate(_KK_TO_RU)


def to_latin(name: str) -> str:
    """Plain ASCII transliteration of a Kazakh or Russian Cyrillic name (Қызылжар → Qyzylzhar)."""
    out = []
    for ch in name:
        low = ch.lower()
        if low in _LAT:
            lat = _LAT[low]
            out.append(lat.capitalize() if ch != low and lat else lat)
        else:
            out.append(ch)
    return "".join(out)


_LAT_TO_RU = [
    ("shch", "щ"), ("oye", "ое"), ("iye", "ие"), ("aya", "ая"), ("iy", "ий"), ("zh", "ж"), ("kh", "х"),
    ("ts", "ц"), ("ch", "ч"), ("sh", "ш"), ("yu", "ю"), ("ya", "я"), ("yo", "ё"),
]
_LAT1 = dict(zip("abvgdezijklmnoprstufhqcwx", "абвгдезийклмнопрстуфхкквкс"))
_VOWELS = set("aeiouy")


def latin_to_ru(name: str) -> str:
    """Rough Russian Cyrillic rendering of a romanised name (for the few GeoNames places without one)."""
    words = []
    for word in name.split(" "):
        low = word.lower()
        out, i = [], 0
        while i < len(low):
            for lat, cyr in _LAT_TO_RU:
                if low.startswith(lat, i):
                    out.append(cyr)
                    i += len(lat)
                    break
            else:
                c = low[i]
                if c == "y":
                    out.append("й" if i > 0 and low[i - 1] in _VOWELS else "ы")
                else:
                    out.append(_LAT1.get(c, c))
                i += 1
        w = "".join(out)
        words.append(w[:1].upper() + w[1:])
    return " ".join(words)


# --- catalogue ------------------------------------------------------------------------------------------
_ROOTS = [
    "Ақ", "Қара", "Қызыл", "Сары", "Көк", "Жаңа", "Кең", "Ұзын", "Тас", "Бес", "Жеті", "Қос", "Үш", "Ескі",
    "Алтын", "Бай", "Шұбар", "Құм", "Жал", "Бел", "Шал", "Қамыс", "Терең", "Тұщы", "Ащы", "Шор", "Ой",
    "Қайың", "Тал", "Ортақ",
]
_SECONDS = [
    "су", "жар", "бұлақ", "тау", "төбе", "көл", "қайың", "өзек", "терек", "ауыл", "сай", "арық", "құдық",
    "шоқы", "қоныс", "тоғай", "бел", "қамыс", "тал", "жол", "сор", "кемер", "адыр", "томар",
]
_WORDS = [
    "Бірлік", "Кеңес", "Достық", "Ынтымақ", "Береке", "Жаңаталап", "Бейбітшілік", "Тәуелсіздік", "Жеңіс",
    "Еңбек", "Ақниет", "Атамекен", "Шұғыла", "Самал", "Бостандық", "Қарлығаш", "Жұлдыз", "Таңбалы",
    "Талап", "Ырысты", "Мереке", "Байтерек", "Көктем", "Өрнек", "Ақбастау", "Ақжайлау", "Жайылма",
    "Шалқар", "Көкжиек", "Ақтоған", "Сарыарқа", "Құлагер", "Үміт", "Жетіген", "Сұлутөбе", "Ақбидай",
    "Теміржол", "Қазақстан", "Егінді", "Жайсаң",
]
_RUSSIAN = [
    "Ивановка", "Николаевка", "Петровка", "Покровка", "Александровка", "Михайловка", "Андреевка",
    "Васильевка", "Березовка", "Каменка", "Степное", "Луговое", "Озерное", "Заречное", "Приречное",
    "Садовое", "Раздольное", "Лесное", "Сосновка", "Подгорное", "Отрадное", "Дмитриевка", "Полтавка",
    "Ольгинка", "Белоярка", "Константиновка", "Троицкое", "Успенка", "Григорьевка", "Павловка",
    "Ярославка", "Краснополье", "Чистополье", "Новоселовка", "Камышенка", "Долинка", "Семеновка",
    "Марьевка", "Федоровка", "Владимировка",
]
_RUS_PREFIX = ["", "Ново", "Старо"]


@dataclass(frozen=True)
class Catalogue:
    kk: np.ndarray  # object arrays of str
    ru: np.ndarray
    en: np.ndarray
    russian: np.ndarray  # bool: Russian-origin name


def _fix_join(root: str, second: str) -> str:
    # avoid tripled or awkward vowel joins such as "Жаңа" + "ауыл" -> "Жаңаауыл" (kept: it is a real form)
    if root[-1] == second[0]:
        return root + second[1:]
    return root + second


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    kk: list[str] = []
    russian: list[bool] = []
    seen: set[str] = set()
    for r in _ROOTS:
        for s in _SECONDS:
            if r.lower() == s:
                continue
            name = _fix_join(r, s)
            if name not in seen:
                seen.add(name)
                kk.append(name)
                russian.append(False)
    for w in _WORDS:
        if w not in seen:
            seen.add(w)
            kk.append(w)
            russian.append(False)
    for p in _RUS_PREFIX:
        for w in _RUSSIAN:
            name = p + (w.lower() if p else w)
            if name not in seen:
                seen.add(name)
                kk.append(name)
                russian.append(True)
    kk_arr = np.array(kk, dtype=object)
    ru_arr = np.array([n if rus else kk_to_ru(n) for n, rus in zip(kk, russian)], dtype=object)
    en_arr = np.array([to_latin(n) for n in kk], dtype=object)
    return Catalogue(kk_arr, ru_arr, en_arr, np.array(russian, dtype=bool))


def sample_name_indices(rng: np.random.Generator, n: int, russian_share: np.ndarray | float) -> np.ndarray:
    """Draw n catalogue indices; each name is Russian-origin with probability ``russian_share`` (per row)."""
    cat = catalogue()
    rus_idx = np.flatnonzero(cat.russian)
    kaz_idx = np.flatnonzero(~cat.russian)
    is_rus = rng.random(n) < np.broadcast_to(np.asarray(russian_share, dtype=float), (n,))
    out = kaz_idx[rng.integers(0, kaz_idx.size, n)]
    out[is_rus] = rus_idx[rng.integers(0, rus_idx.size, int(is_rus.sum()))]
    return out


def unique_within_groups(
    rng: np.random.Generator, idx: np.ndarray, groups: np.ndarray, russian_share: np.ndarray, forbidden=None
) -> np.ndarray:
    """Redraw indices until no two rows of the same group share a name (and none is in ``forbidden``).

    ``forbidden``: optional bool mask over the catalogue (names that must not be used, e.g. real names).
    Works on whole arrays: each round redraws every duplicate at once; a handful of rounds suffice.
    """
    idx = idx.copy()
    ncat = catalogue().kk.size
    for _ in range(200):
        key = groups.astype(np.int64) * ncat + idx
        order = np.argsort(key, kind="stable")
        dup_sorted = np.zeros(idx.size, dtype=bool)
        dup_sorted[1:] = key[order][1:] == key[order][:-1]
        bad = np.zeros(idx.size, dtype=bool)
        bad[order[dup_sorted]] = True
        if forbidden is not None:
            bad |= forbidden[idx]
        if not bad.any():
            return idx
        idx[bad] = sample_name_indices(rng, int(bad.sum()), russian_share[bad])
    raise ComputationError("could not make names unique within groups; the catalogue is too small")
