"""Labels that the database stores in Russian (sectors, spheres, programme indicators, monotown groups), given in
the edition's language through the message catalogue. A label without an entry here is shown as stored."""

from __future__ import annotations

from aimaq.i18n import N_, _

_LABELS = {
    # With a Diploma to the Village: spheres (Table 4)
    "Образование": N_("Education"), "Здравоохранение": N_("Health care"), "Соц. обеспечение": N_("Social security"),
    "Культура": N_("Culture"), "Спорт": N_("Sport"), "АПК": N_("Agro-industry"), "Госслужащие": N_("Civil servants"),
    # Auyl – El Besigi spheres
    "ЖКХ": N_("housing and utilities"), "социальная инфраструктура": N_("social infrastructure"),
    "транспортная инфраструктура": N_("transport infrastructure"),
    # anchor projects in monotowns by sector
    "горно-металлургическая": N_("mining and metallurgy"), "химическая": N_("chemicals"),
    "стройиндустрия": N_("construction materials"), "энергетика": N_("energy"), "прочие": N_("other"),
    # monotown specialisation
    "добывающая промышленность": N_("mining"), "обрабатывающая промышленность": N_("manufacturing"),
    "научно-промышленный центр": N_("science and industry centre"),
    "добыча угля": N_("coal mining"), "добыча нефти и газа": N_("oil and gas"),
    "добыча металлических руд": N_("metal ores"), "добыча прочих видов сырьевых ресурсов": N_("other raw materials"),
    "металлургическая промышленность": N_("metallurgy"),
    "машиностроение, металлургическая промышленность (золото), урановое производство":
        N_("engineering, gold metallurgy, uranium"),
    # programme indicators (rural concept, border roadmap)
    "Доля сельского населения с доходами ниже прожиточного минимума":
        N_("Share of the rural population with incomes below the subsistence minimum"),
    "Доля пользователей сети Интернет в сельской местности": N_("Share of internet users in rural areas"),
    "Доля местных дорог (областного и районного значения) в нормативном состоянии":
        N_("Share of local roads (regional and district) in standard condition"),
    "Уровень безработицы": N_("Unemployment rate"),
    "Обеспеченность СНП услугами водоснабжения": N_("Rural settlements with water supply"),
    "Рост инвестиций в основной капитал приграничных районов":
        N_("Growth of fixed investment in border districts"),
    "Численность населения": N_("Population"),
    # questions of the residents' survey (Table 3)
    'Удовлетворенность своей работой': N_("Satisfaction with one's job"),
    'Удовлетворенность жизнью': N_('Satisfaction with life'),
    'Проживание в родном городе': N_("Living in one's home town"),
    'Оценка собственных жилищных условий': N_('Own housing conditions'),
    'Оценка работы пожарной службы': N_('Work of the fire service'),
    'Качество электроснабжения в Вашем городе': N_('Quality of electricity supply in the city'),
    'Привлекательность Вашего города по сравнению с другими городами.': N_('Attractiveness of the city compared with other cities'),
    'Работа культурных и досуговых учреждений в городе': N_('Work of cultural and leisure institutions'),
    'Оценка работы социальных служб в Вашем городе': N_('Work of social services in the city'),
    'Уровень личной безопасности в городе': N_('Personal safety in the city'),
    'Возможности улучшить материальное положение в ближайшие несколько лет': N_("Chances to improve one's material situation in the next few years"),
    'Материальное положение Вашей семьи': N_("Material situation of one's family"),
    'Оценка централизованной канализации': N_('Central sewerage'),
    'Оценка работы Акимата в Вашем городе': N_('Work of the city akimat'),
    'Оценка центрального теплоснабжения': N_('Central heating'),
    'Желание переехать в другой город (высокие миграционные настроения)': N_('Wish to move to another city (strong migration intentions)'),
    'Достаточность спортивных объектов': N_('Enough sports facilities'),
    'Работа общественного транспорта': N_('Public transport'),
    'Достаточность в городе учреждений здравоохранения (больниц, поликлиник, фельдшерских, медицинских пунктов)': N_('Enough health facilities (hospitals, clinics, medical posts)'),
    'Работа правоохранительных органов': N_('Work of law enforcement'),
    'Оценка работы коммунальных служб': N_('Work of utility services'),
    'Чистота улиц': N_('Clean streets'),
    'Удовлетворенность общественными местами отдыха (парки, скверы, места отдыха общего пользования)': N_('Public recreation areas (parks, squares)'),
    'Оценка шумового загрязнения (шум, звук)': N_('Noise pollution'),
    'Удовлетворенность архитектурным обликом': N_('Architectural appearance of the city'),
    'Оценка площадок для игр и отдыха во дворах города (придворовые детские площадки, дворовые спортивные площадки, площадка для отдыха, беседки)': N_('Playgrounds and recreation areas in courtyards'),
    'Качество питьевой воды': N_('Quality of drinking water'),
    'Ценовая доступности спортивных объектов (спортивные площадки, залы, бассейны и др.)': N_('Affordability of sports facilities'),
    'Оцените работы Маслихата': N_('Work of the maslikhat'),
    'Удовлетворенность количеством зеленых насаждений в городе (наличие парков, скверов, посадка новых деревьев, уход за ними и т.д.)': N_('Amount of greenery in the city (parks, squares, new trees and their care)'),
    'Качество Интернета и мобильной связи в городе': N_('Quality of internet and mobile communications'),
    'Качество дошкольного образования': N_('Quality of pre-school education'),
    'Оценка развитости пешеходной инфраструктуры': N_('Pedestrian infrastructure'),
    'Насколько Ваш город защищен от ЧС природного и техногенного характера (паводки, пожароопасность, сейсмоустойчивость и др.)': N_('Protection of the city from natural and man-made emergencies'),
    'Качество среднего образования': N_('Quality of secondary education'),
    'Оценка загрязнения (водоемов)': N_('Pollution of water bodies'),
    'Легко ли найти работу': N_('Ease of finding a job'),
    'Уровень загрязнения воздуха': N_('Air pollution'),
    'Качество среднего специального образования в городе': N_('Quality of vocational education'),
    'Удовлетворенность услугами здравоохранения': N_('Satisfaction with health services'),
    'Удовлетворенность состоянием автодорог в городе (состояние дорожного полотна, разметку, размещение светофоров и знаков)': N_('Condition of city roads (surface, markings, traffic lights and signs)'),
    'Оцените качество высшего образования': N_('Quality of higher education'),
    'Легко ли найти хорошее жилье по разумной цене в Вашем городе для аренды': N_('Ease of renting good housing at a fair price'),
    'Легко ли найти хорошее жилье по разумной цене в Вашем городе для приобретения': N_('Ease of buying good housing at a fair price'),
}


def label(text: str | None) -> str:
    """`text` (as stored, Russian) in the edition's language."""
    if text is None:
        return ""
    key = _LABELS.get(text) or _LABELS.get(text.strip())
    return _(key) if key else text


def lower_first(text: str) -> str:
    """«Доля пользователей …» → «доля пользователей …» for use inside a sentence (not for names)."""
    return text[:1].lower() + text[1:] if text and not text[:2].isupper() else text
