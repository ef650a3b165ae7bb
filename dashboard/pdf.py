"""The clinician's report as a PDF, drawn by WeasyPrint from the same template as the page.

WeasyPrint lays out HTML and CSS itself (no browser), with Pango and the system's fonts
(Debian's DejaVu); the stylesheet is read from our static files, nothing is fetched.
"""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

REPORT_CSS = "css/report.css"


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"the report fetches nothing ({url!r})")


def report_pdf(context: dict, *, request) -> bytes:
    from weasyprint import CSS, HTML  # a heavy import, paid only by the PDF download

    html = render_to_string("dashboard/report_document.html", context, request=request)
    stylesheet = CSS(filename=finders.find(REPORT_CSS), url_fetcher=_no_fetching)
    document = HTML(string=html, url_fetcher=_no_fetching)
    return document.write_pdf(stylesheets=[stylesheet])
