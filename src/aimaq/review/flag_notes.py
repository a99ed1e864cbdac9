"""The notes with which the review loader flags a published figure that contradicts its source (the `flag` of
an observation, written by `aimaq.ingest.shipped` from `data/review/*.csv` and `data/stats/manifest.yaml`).

The stored note is English and stays so in CSV and JSON (a stable code); each one is a catalogue message here, so
the screen and XLSX show it in Russian, Kazakh or English (`aimaq.export.values`). A new flag in the data needs
its line here and its translations in output.po — a test lists any that lack them."""

from aimaq.i18n import N_

FLAG_NOTES = (
    N_('37.7% rural + 62.1% urban (2024) = 99.8%, not 100% (with 62.2% for 2023: 99.9%)'),
    N_('BNS figure in the 2018 boundaries (without Shymkent): Turkistan oblast was formed on 19.06.2018'),
    N_('BNS figure in the 2018 boundaries: Shymkent became a region on 19.06.2018'),
    N_('Table 3 lists 44 survey items (5+12+23+4), not 40'),
    N_('arithmetic: 11.9 → 12.4 mln is +4.2%, not 3.8%; 3.8% is reachable only near the rounding limits of the two figures (range 3.3–5.1%)'),
    N_('count conflict: 224 schools vs «274 школ» in the preceding paragraph (typo, or 224 = schools with SEN pupils, which the text does not say)'),
    N_('count conflict: 274 schools here, «224 школах 20 моногородов» two paragraphs later'),
    N_('count conflict: «6,2 тыс сел» here vs «6,3 тыс сёл» in section 1.6'),
    N_('count conflict: «6,2 тыс сел» in the introduction vs «6,3 тыс сёл» here'),
    N_('date conflict: the same order №248 is dated «21 ноября 2023» here and «23.11.2023» in the «Справочно» note after the КПР paragraph'),
    N_('date conflict: the same order №248 is dated «21 ноября 2023» in the paragraph that introduces the list'),
    N_('forecast conflict: a point forecast 63.9% here, a range «63,9%-65%» in section 2.1'),
    N_('forecast conflict: range «63,9%-65%» here, point 63.9% in the introduction'),
    N_('implausible jump: 58.9 → 87.8 in one year (+28.9 pp), against +0.1…+6.3 pp for every other region; 58.9 may be a typo or a method change'),
    N_('implausible: 3.7 bn for 453 specialists = 8.2 mln tenge per person, a housing-loan size (7.3–9.2 mln), not a lifting allowance (2023: 3.3 bn / 9 433 = 0.35 mln)'),
    N_('period label: 530 683 is the growth from 1 Jan 2022 (BNS 19 503 159) to 20.03 mln; from 1 Jan 2021 (18 879 552) the growth would be ≈1.15 mln'),
    N_('ratio: 406 297 / 123 964 = 3.28, i.e. 3.3 times, not 3.2'),
    N_('reference date not stated in the source: 17 pre-2022 regions and the name Nur-Sultan place it in 2019–2022; 2021 assumed'),
    N_('rounding: 9.2 mln × 2 000/2 500 = 7.36 mln (7.4), published 7.3'),
    N_('rounding: Table 2 gives 5.86/4.42 = +32.6%, i.e. 33%'),
    N_('rounding: Table 5 gives 4 951, i.e. 5.0 thousand, not 4.9'),
    N_('same value given for 2024 in the introduction'),
    N_('same values given for 2023 in section 2.1 (Алматинская 16.2, Туркестанская 24.7): year of the regional figures is ambiguous'),
    N_('share: 3.3/6.2 = 53.2% (3.3/6.3 = 52.4%); 54% is reachable only with unrounded counts at the edge of rounding'),
    N_('share: 9 779/44 939 = 21.76% (→21.8%); 21.7% matches 9 779/45 000, while 65.8% matches 29 584/44 939 (against 45 000 it would be 65.7%): shares computed on mixed bases'),
    N_('sum: sector counts 11+11+12+6+7+8 = 55, not 45'),
    N_('sum: the six sector counts add to 55, the total is 45'),
    N_('sum: РБ 92.5 + МБ 173.6 = 266.1, published total 266.2 (rounding at most)'),
    N_("suspicious: the cities' aggregate (88.6%) equals exactly the value of г. Алматы, named as the highest; with Шымкент 87.8 and Астана 86.4 below it, a mean over cities can equal 88.6 only if other cities score above Алматы"),
    N_('text conflict: the paragraph before says «В моногородах сохраняется тенденция к сокращению населения», yet the total grew by 0.2%'),
    N_('text: «почти все 26 городов преодолели порог в 5 баллов», but in Table 2 all 26 cities score ≥ 5.02 in 2024'),
    N_('tie: Шымкент and Семей both 5.69 in 2024 but ranked 11 and 12 (tie-break not explained)'),
    N_('unit missing in the text («на 47,3»); 463 421 / 314 564 = +47.3%, so % is meant'),
    N_('urbanisation 2023 = 62.2% > 2024 = 62.1% (introduction)'),
    N_('urbanisation falls: 62.1% in 2024 (introduction) vs 62.2% in 2023 (section 2.1) while the urban population is said to grow fast'),
)
