from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevtoolsConfig(AppConfig):
    """Tools for development, not part of the product: demo and scale seeding (`seed_demo`,
    `seed_scale`), the page and load benchmarks (`bench`, `bench_load`, `bench_sweep`) and the locust
    file. It may import every app; no app imports it (only tests, the Makefile and the devserver use it).

    Installed everywhere, production included, so that `seed_demo` and `seed_scale` can say why they
    refuse there (REPAT_ALLOW_DEMO_DATA is False in production) instead of "Unknown command". It has
    no models, URLs or templates, so it adds nothing a production site serves."""

    name = "repat.devtools"
    label = "devtools"
    verbose_name = _("Development tools")
