"""Working days: Monday to Friday, except the bank holidays of the configured calendar.

Local standards count visits and write-ups in working days, so a visit on Friday written up on
Tuesday is on time (two working days), and a bank holiday Monday does not count against anyone.
"""

from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


def is_working_day(day: date, calendar) -> bool:
    return day.weekday() < 5 and day not in calendar


def working_days_after(start: date, end: date, calendar) -> int:
    """How many working days come after ``start`` up to and including ``end``."""
    count, day = 0, start + ONE_DAY
    while day <= end:
        count += is_working_day(day, calendar)
        day += ONE_DAY
    return count


def add_working_days(start: date, days: int, calendar) -> date:
    """The date ``days`` working days after ``start``."""
    day = start
    while days > 0:
        day += ONE_DAY
        days -= is_working_day(day, calendar)
    return day
