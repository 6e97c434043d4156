"""Read INI-style service configuration files."""

from iniconf.parser import IniError, parse_ini
from iniconf.values import get_bool, get_int

__all__ = ["IniError", "get_bool", "get_int", "parse_ini"]
