"""The formal notice as a PDF: its HTML part printed by WeasyPrint (fonts found through fontconfig)."""

from __future__ import annotations

from dialogs.notice import NoticeDocument


class NoticePdfUnavailableError(RuntimeError):
    """WeasyPrint cannot load the Pango libraries it needs: install them (Debian: libpango-1.0-0 libpangoft2-1.0-0)."""


class _NoFetching:
    """A URL fetcher that fetches nothing: the notice is self-contained, and printing it must not reach the network
    (an owner's template pointing at a remote stylesheet or image would otherwise be fetched at every render)."""

    def fetch(self, url: str, headers: object = None) -> object:
        raise ValueError(f"the notice may not load external resources ({url}); inline them in the template")


def render_pdf(document: NoticeDocument) -> bytes:
    """The notice's HTML part as an A4 PDF (the page rules are in the template's stylesheet)."""
    return html_to_pdf(document.html)


def html_to_pdf(html: str) -> bytes:
    """A self-contained HTML document printed to PDF (the case file's reminder log, the notice)."""
    try:
        # Imported here: WeasyPrint loads Pango through cffi at import time, and a machine without it
        # must still run everything but the PDF, with an error that says what to install.
        from weasyprint import HTML
    except OSError as exc:
        raise NoticePdfUnavailableError(
            f"cannot load WeasyPrint's system libraries ({exc}); install Pango "
            "(Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)"
        ) from exc
    pdf = HTML(string=html, url_fetcher=_NoFetching()).write_pdf()
    assert pdf is not None  # write_pdf returns the bytes when given no target
    return pdf
