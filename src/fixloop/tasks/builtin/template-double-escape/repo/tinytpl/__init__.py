"""A small HTML template renderer with automatic escaping."""

from tinytpl.markup import Markup, escape
from tinytpl.render import TemplateError, render

__all__ = ["Markup", "TemplateError", "escape", "render"]
