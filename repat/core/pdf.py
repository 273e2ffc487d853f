"""PDFs of pages rendered for print (progress reports, the case summary), with WeasyPrint.

Imported where a PDF is made, never at the top of a module the URLs load: WeasyPrint and the Pango
libraries it opens take 0.4 s of CPU to load, which every process that loads the URLs (each
`manage.py` command, each web and Celery worker) paid before its first response, PDF or not
(tests/core/test_startup.py)."""

from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import weasyprint
from django.conf import settings


def html_to_pdf(html: str) -> bytes:
    """A PDF of a page rendered for print, reading nothing but static/ (stylesheets, fonts)."""
    static_dir = Path(settings.BASE_DIR) / "static"
    fetcher = _StaticFilesOnly(static_dir)
    return weasyprint.HTML(string=html, base_url=static_dir.as_uri() + "/", url_fetcher=fetcher).write_pdf()


class _StaticFilesOnly(weasyprint.URLFetcher):
    """WeasyPrint fetches whatever URL a document names; a report needs only its stylesheet and fonts,
    so nothing outside static/ (no network, no other files) is read, whatever ends up in the HTML.
    An image embedded in the page itself (a `data:` URL: the case summary's photo) reads nothing."""

    def __init__(self, static_dir: Path):
        super().__init__(allowed_protocols={"file", "data"})
        self.static_dir = static_dir.resolve()

    def fetch(self, url, headers=None):
        if urlsplit(url).scheme == "data":
            return super().fetch(url, headers)
        path = Path(url2pathname(urlsplit(url).path)).resolve()
        if urlsplit(url).scheme != "file" or not path.is_relative_to(self.static_dir):
            raise ValueError(f"Not a static file: {url}")
        return super().fetch(url, headers)
