"""Kyrgyzstan's oblasts, cities of republican significance and their districts, as seeded data.
Each entry: (English, Russian, Kyrgyz, kind, [(district English, Russian, Kyrgyz), ...])."""

KYRGYZSTAN = [
    (
        "Bishkek",
        "Бишкек",
        "Бишкек",
        "city",
        [
            ("Leninsky", "Ленинский", "Ленин"),
            ("Oktyabrsky", "Октябрьский", "Октябрь"),
            ("Pervomaysky", "Первомайский", "Биринчи май"),
            ("Sverdlovsky", "Свердловский", "Свердлов"),
        ],
    ),
    ("Osh city", "город Ош", "Ош шаары", "city", []),
    (
        "Batken Oblast",
        "Баткенская область",
        "Баткен облусу",
        "oblast",
        [
            ("Batken District", "Баткенский район", "Баткен району"),
            ("Kadamjay District", "Кадамжайский район", "Кадамжай району"),
            ("Leilek District", "Лейлекский район", "Лейлек району"),
        ],
    ),
    (
        "Chüy Oblast",
        "Чуйская область",
        "Чүй облусу",
        "oblast",
        [
            ("Alamüdün District", "Аламудунский район", "Аламүдүн району"),
            ("Chüy District", "Чуйский район", "Чүй району"),
            ("Jayyl District", "Жайылский район", "Жайыл району"),
            ("Kemin District", "Кеминский район", "Кемин району"),
            ("Moskva District", "Московский район", "Москва району"),
            ("Panfilov District", "Панфиловский район", "Панфилов району"),
            ("Sokuluk District", "Сокулукский район", "Сокулук району"),
            ("Ysyk-Ata District", "Ысык-Атинский район", "Ысык-Ата району"),
        ],
    ),
    (
        "Issyk-Kul Oblast",
        "Иссык-Кульская область",
        "Ысык-Көл облусу",
        "oblast",
        [
            ("Ak-Suu District", "Ак-Суйский район", "Ак-Суу району"),
            ("Jeti-Ögüz District", "Джети-Огузский район", "Жети-Өгүз району"),
            ("Issyk-Kul District", "Иссык-Кульский район", "Ысык-Көл району"),
            ("Tong District", "Тонский район", "Тоң району"),
            ("Tüp District", "Тюпский район", "Түп району"),
        ],
    ),
    (
        "Jalal-Abad Oblast",
        "Джалал-Абадская область",
        "Жалал-Абад облусу",
        "oblast",
        [
            ("Aksy District", "Аксыйский район", "Аксы району"),
            ("Ala-Buka District", "Ала-Букинский район", "Ала-Бука району"),
            ("Bazar-Korgon District", "Базар-Коргонский район", "Базар-Коргон району"),
            ("Nooken District", "Ноокенский район", "Ноокен району"),
            ("Suzak District", "Сузакский район", "Сузак району"),
            ("Toktogul District", "Токтогульский район", "Токтогул району"),
        ],
    ),
    (
        "Naryn Oblast",
        "Нарынская область",
        "Нарын облусу",
        "oblast",
        [
            ("At-Bashy District", "Ат-Башинский район", "Ат-Башы району"),
            ("Kochkor District", "Кочкорский район", "Кочкор району"),
            ("Naryn District", "Нарынский район", "Нарын району"),
        ],
    ),
    (
        "Osh Oblast",
        "Ошская область",
        "Ош облусу",
        "oblast",
        [
            ("Alay District", "Алайский район", "Алай району"),
            ("Aravan District", "Араванский район", "Араван району"),
            ("Kara-Suu District", "Кара-Суйский район", "Кара-Суу району"),
            ("Nookat District", "Ноокатский район", "Ноокат району"),
            ("Özgön District", "Узгенский район", "Өзгөн району"),
        ],
    ),
    (
        "Talas Oblast",
        "Таласская область",
        "Талас облусу",
        "oblast",
        [
            ("Bakay-Ata District", "Бакай-Атинский район", "Бакай-Ата району"),
            ("Manas District", "Манасский район", "Манас району"),
            ("Talas District", "Таласский район", "Талас району"),
        ],
    ),
]
