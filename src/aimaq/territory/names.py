"""Resolving territory names as real tables write them: abbreviations, both languages, former names,
Latin transliterations, «г.»/«область» markers, footnote digits. Pure: works on an alias frame."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from aimaq.errors import AmbiguousNameError, UnknownNameError
from aimaq.i18n import _

LEVEL_RANK = {"country": 0, "region": 1, "district": 2, "okrug": 3, "settlement": 4}

# Words that say what kind of unit a name means; they are removed from the key and kept as a hint.
_MARKERS = {
    "oblast": ["область", "обл", "облысы", "oblast", "oblysy", "region", "province", "oblasty"],
    "city": ["г", "город", "гор", "қ", "қаласы", "қала", "city", "town", "qalasy", "kalasy", "республиканского значения",
             "областного значения", "районного значения"],
    "district": ["район", "р-н", "ауданы", "аудан", "district", "raion", "rayon", "audany"],
    "village": ["с", "село", "пос", "поселок", "посёлок", "ауыл", "ауылы", "village", "aul"],
}
_MARKER_TO_KINDS = {
    "oblast": {"oblast"},
    "city": {"city_republican", "city_oblast", "city_district"},
    "district": {"district", "city_area"},
    "village": {"village", "rural_district_centre"},
}
_MARKER_WORDS = sorted(((w, k) for k, ws in _MARKERS.items() for w in ws), key=lambda p: -len(p[0]))
# the same, by first word (longest first within each): a word is compared only with the markers it can start
_MARKERS_BY_FIRST: dict[str, list[tuple[list[str], str]]] = {}
for _marker, _kind in _MARKER_WORDS:
    _parts = _marker.replace("-", " ").split()
    _MARKERS_BY_FIRST.setdefault(_parts[0], []).append((_parts, _kind))

_CYR = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі",
                ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s", "t",
                 "u", "f", "h", "ts", "ch", "sh", "sh", "", "y", "", "e", "yu", "ya", "a", "g", "k", "n", "o", "u", "u",
                 "h", "i"]))
_CYR_TABLE = str.maketrans(_CYR)
_NOT_LATIN = re.compile(r"[^a-z0-9]")
_REPEATED = re.compile(r"(.)\1+")
_LATIN_I = re.compile(r"(?<=[а-яәғқңөұүһі])i|i(?=[а-яәғқңөұүһі])")
_FOOTNOTE = re.compile(r"\s+\d+\s*$")
_PUNCTUATION = re.compile(r"[«»\"'()\[\],.;:]")


def normalise(name: str) -> tuple[str, set[str]]:
    """(key, markers): lower case, ё→е, no punctuation or footnote digits, marker words removed."""
    text = unicodedata.normalize("NFC", str(name)).strip().lower().replace("ё", "е")
    # a Latin «i» typed inside a Cyrillic word («Солтүстiк») is the Kazakh «і»
    text = _LATIN_I.sub("і", text)
    text = _FOOTNOTE.sub("", text)  # footnote digit: «Туркестанская 1»
    text = _PUNCTUATION.sub(" ", text)
    text = text.replace("-", " ").replace("–", " ")
    markers: set[str] = set()
    words = text.split()
    kept = []
    i = 0
    while i < len(words):
        for parts, kind in _MARKERS_BY_FIRST.get(words[i], ()):
            if words[i:i + len(parts)] == parts and len(words) > len(parts):
                markers.add(kind)
                i += len(parts)
                break
        else:
            kept.append(words[i])
            i += 1
    return " ".join(kept), markers


@functools.lru_cache(maxsize=65_536)
def _normalised(name: str) -> tuple[str, frozenset]:
    """`normalise`, remembered: an import asks for the same few names once per period."""
    key, markers = normalise(name)
    return key, frozenset(markers)


def skeleton(key: str) -> str:
    """A spelling-tolerant key for transliterations: Aqmola = Akmola = Акмола, Qyzylorda = Kyzylorda."""
    latin = _NOT_LATIN.sub("", key.translate(_CYR_TABLE))
    for a, b in (("kh", "h"), ("q", "k"), ("j", "zh"), ("zhzh", "zh"), ("yu", "u"), ("ya", "a"), ("iy", "i"), ("ii", "i"),
                 ("y", "i"), ("w", "u"), ("ts", "c"), ("ye", "e"), ("ay", "ai"), ("oo", "o"), ("uu", "u")):
        latin = latin.replace(a, b)
    return _REPEATED.sub(r"\1", latin)


# Russian adjectival forms of region and district names: «Акмолинская» and «Акмолинский» share a stem.
_ADJ_ENDING = re.compile(r"(ская|ский|цкая|цкий|ая|ий|ое)$")


@dataclass
class Candidate:
    kato: str
    name: str
    level: str
    kind: str
    valid_from: dt.date
    valid_to: dt.date | None
    weight: int
    alias_markers: frozenset = frozenset()  # markers the alias itself carried («Алматы облысы» → oblast)


@dataclass
class NameIndex:
    """Aliases → territories. Build with `from_rows`; ask with `resolve`."""

    exact: dict[str, list[Candidate]] = field(default_factory=dict)
    loose: dict[str, list[Candidate]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    # alias → the territories it names, as (name, kato): suggestions show each territory once, by its own name
    named: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows) -> "NameIndex":
        """rows: iterable of dicts with kato, alias, level, tkind (the territory's kind), name, valid_from,
        valid_to, weight."""
        index = cls()
        seen: dict = {}
        for row in rows:
            key, markers = normalise(row["alias"])
            if not key:
                continue
            for table, k in ((index.exact, key), (index.loose, skeleton(key))):
                ident = (id(table), k, row["kato"], row["valid_from"])
                if ident in seen:  # the same territory under another spelling: keep the weakest requirement
                    c = seen[ident]
                    c.weight = max(c.weight, int(row.get("weight", 1)))
                    c.alias_markers = c.alias_markers & frozenset(markers)
                    continue
                cand = Candidate(row["kato"], row["name"], row["level"], row["tkind"], row["valid_from"],
                                 row["valid_to"], int(row.get("weight", 1)), frozenset(markers))
                seen[ident] = cand
                table.setdefault(k, []).append(cand)
            index.named.setdefault(row["alias"], []).append((row["name"], row["kato"]))
        index.names = sorted(index.named)
        return index

    def resolve(self, name: str, *, at: dt.date | tuple[dt.date, dt.date] | None = None, level: str | None = None,
                within: str | None = None, context: str = "") -> Candidate:
        """The one territory a name means, valid at `at` when given, of `level` when given.

        Ambiguity is resolved only by what the name itself says (a marker such as «г.» or «область») and by the
        level order country > region > district > okrug > settlement; what is still ambiguous is an error.
        `within` (a region's or district's KATO) narrows the search to its territory."""
        if str(name).strip().isdigit() and len(str(name).strip()) == 9:
            code = str(name).strip()
            hits = [c for cands in self.exact.values() for c in cands if c.kato == code]
            if hits:
                return self._pick(name, hits, set(), at, level, context)
        key, markers = _normalised(str(name))
        cands = self.exact.get(key)
        if not cands:
            cands = self.loose.get(skeleton(key))
        if not cands:
            stem = _ADJ_ENDING.sub("", key)
            if stem != key and len(stem) >= 4:
                cands = [c for k, cs in self.exact.items() if _ADJ_ENDING.sub("", k) == stem for c in cs]
        if not cands:
            raise UnknownNameError("territory", str(name), self.suggest(name), context)
        if within:
            prefix = _kato_prefix(within)
            inside = [c for c in cands if c.kato.startswith(prefix) and c.kato != within]
            if not inside:
                raise UnknownNameError("territory", str(name), self.suggest(name), _("within {kato}", kato=within) + (f"; {context}" if context else ""))
            cands = inside
        return self._pick(name, cands, markers, at, level, context)

    def _pick(self, name, cands, markers, at, level, context) -> Candidate:
        pool = list(cands)
        if level:
            pool = [c for c in pool if c.level == level] or []
            if not pool:
                raise UnknownNameError(f"{level}", str(name), sorted({c.name for c in cands})[:5], context)
        # an alias that needed a marker («Алматы облысы») answers only a name that has it
        pool = [c for c in pool if c.alias_markers <= markers] or pool
        if markers:  # «г. Хромтау» must be a town: its district «Хромтауский» (kk «Хромтау») is not an answer
            kinds = set().union(*(_MARKER_TO_KINDS[m] for m in markers))
            pool = [c for c in pool if c.kind in kinds]
            if not pool:
                raise UnknownNameError(" / ".join(sorted(markers)), str(name),
                                       sorted({f"{c.name} ({c.kind})" for c in cands})[:5], context)
        # the level is chosen before validity: «Абай» in 2019 means the region (and is then out of its validity),
        # not a district that happens to be valid then
        top = min(LEVEL_RANK[c.level] for c in pool)
        pool = [c for c in pool if LEVEL_RANK[c.level] == top]
        if at is not None:
            start, end = at if isinstance(at, tuple) else (at, at)
            valid = [c for c in pool if c.valid_from <= end and (c.valid_to is None or start <= c.valid_to)]
            if not valid:
                return _latest(pool)  # the caller checks validity and reports it with the row
            pool = valid
        best = max(c.weight for c in pool)
        pool = [c for c in pool if c.weight == best]
        katos = sorted({c.kato for c in pool})
        if len(katos) > 1:
            raise AmbiguousNameError("territory", str(name), [f"{c.name} ({c.kato})" for c in _one_per_kato(pool)])
        if at is not None and len(pool) > 1:  # several versions of one territory: the one valid when it starts
            start = at[0] if isinstance(at, tuple) else at
            return min(pool, key=lambda c: (not (c.valid_from <= start and (c.valid_to is None or start <= c.valid_to)),
                                            -c.valid_from.toordinal()))
        return _latest(pool)

    def suggest(self, name: str, limit: int = 5) -> list[str]:
        from rapidfuzz import fuzz, process, utils

        # several spellings of one territory (Abai, Abai Region, Абай облысы) would fill the list: ask for more
        # aliases and keep each territory once, as «Name (KATO)»
        hits = process.extract(str(name), self.names, scorer=fuzz.WRatio, processor=utils.default_process,
                               limit=limit * 8)
        out: dict[str, str] = {}
        for alias, *_ in hits:
            for ru_name, kato in self.named.get(alias, [(alias, "")]):
                if len(out) < limit and kato not in out:
                    out[kato] = f"{ru_name} ({kato})" if kato else ru_name
        return list(out.values())


def _kato_prefix(kato: str) -> str:
    """The digits that every territory inside `kato` starts with (KATO: AB CD EF HIJ)."""
    kato = kato.strip()
    for width in (2, 4, 6):
        if set(kato[width:]) <= {"0"}:
            return kato[:width]
    return kato


def _latest(pool: list[Candidate]) -> Candidate:
    return max(pool, key=lambda c: c.valid_from)


def _one_per_kato(pool):
    out = {}
    for c in pool:
        out.setdefault(c.kato, c)
    return list(out.values())
