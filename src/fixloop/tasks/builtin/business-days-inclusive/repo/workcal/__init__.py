"""Calendar arithmetic for bookings and working days."""

from workcal.business import add_business_days, business_days
from workcal.dates import date_range, is_weekend, nights_between

__all__ = ["add_business_days", "business_days", "date_range", "is_weekend", "nights_between"]
