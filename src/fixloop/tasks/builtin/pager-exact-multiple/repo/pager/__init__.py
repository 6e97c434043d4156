"""Split long listings into numbered pages."""

from pager.pages import Page, page_count, paginate

__all__ = ["Page", "page_count", "paginate"]
