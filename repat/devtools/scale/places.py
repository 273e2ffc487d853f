"""Where the returnees live and where they came from: the regions' weights, and the repatriation
operations with their camps and the birthplaces of the children born there."""

import datetime
from dataclasses import dataclass

from repat.devtools.scale.names import SYRIA_NOTE
from repat.devtools.scale.randomness import Weighted

# Rough population (thousands) of each top-level region: returnees and workers are spread by it.
REGION_WEIGHTS = {
    "Bishkek": 1150,
    "Osh city": 360,
    "Batken Oblast": 560,
    "Chüy Oblast": 980,
    "Issyk-Kul Oblast": 500,
    "Jalal-Abad Oblast": 1300,
    "Naryn Oblast": 300,
    "Osh Oblast": 1400,
    "Talas Oblast": 270,
}


@dataclass(frozen=True)
class OperationSpec:
    name: str
    country: str
    arrival: datetime.date
    weight: float
    notes: str
    departure: Weighted
    birthplaces: Weighted
    children_only: float  # share of families whose mother did not come back with the children


SYRIA_CAMPS = Weighted([("лагерь аль-Холь", 62), ("лагерь Родж", 30), ("Хасака, реабилитационный центр «Хури»", 8)])
SYRIA_BIRTHPLACES = Weighted(
    [
        ("Ракка, Сирия", 30),
        ("Дейр-эз-Зор, Сирия", 12),
        ("Идлиб, Сирия", 8),
        ("Хасака, Сирия", 8),
        ("Мамбидж, Сирия", 6),
        ("Аль-Баб, Сирия", 5),
        ("лагерь аль-Холь, Сирия", 25),
        ("Мосул, Ирак", 6),
    ]
)
IRAQ_PLACES = Weighted(
    [("Багдад, тюрьма аль-Русафа", 55), ("Багдад, детский дом", 30), ("Багдад, центр для несовершеннолетних", 15)]
)
IRAQ_BIRTHPLACES = Weighted([("Мосул, Ирак", 45), ("Тель-Афар, Ирак", 20), ("Багдад, Ирак", 20), ("Ракка, Сирия", 15)])
OPERATIONS = (
    OperationSpec(
        "Aikol phase 1", "Syria", datetime.date(2019, 11, 12), 7, SYRIA_NOTE, SYRIA_CAMPS, SYRIA_BIRTHPLACES, 0.08
    ),
    OperationSpec(
        "Aikol phase 2", "Syria", datetime.date(2020, 10, 27), 9, SYRIA_NOTE, SYRIA_CAMPS, SYRIA_BIRTHPLACES, 0.08
    ),
    OperationSpec(
        "Meerim",
        "Iraq",
        datetime.date(2021, 3, 16),
        12,
        "Дети, вернувшиеся из Багдада.",
        IRAQ_PLACES,
        IRAQ_BIRTHPLACES,
        0.9,
    ),
    OperationSpec(
        "Aikol phase 3", "Syria", datetime.date(2023, 2, 10), 26, SYRIA_NOTE, SYRIA_CAMPS, SYRIA_BIRTHPLACES, 0.1
    ),
    OperationSpec(
        "Aikol phase 4", "Syria", datetime.date(2023, 6, 15), 16, SYRIA_NOTE, SYRIA_CAMPS, SYRIA_BIRTHPLACES, 0.1
    ),
    OperationSpec(
        "Aikol phase 5", "Syria", datetime.date(2024, 1, 24), 15, SYRIA_NOTE, SYRIA_CAMPS, SYRIA_BIRTHPLACES, 0.1
    ),
    OperationSpec(
        "Aikol phase 6", "Syria", datetime.date(2024, 4, 18), 15, SYRIA_NOTE, SYRIA_CAMPS, SYRIA_BIRTHPLACES, 0.1
    ),
)
