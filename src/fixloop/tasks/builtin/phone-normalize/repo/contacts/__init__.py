"""Contact-book helpers."""

from contacts.phone import dedupe_numbers, normalize_phone, same_number

__all__ = ["dedupe_numbers", "normalize_phone", "same_number"]
