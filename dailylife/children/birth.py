"""Children recorded before birth: which due dates can be believed, and the birth that makes the
unborn child's record a born child's (the ``birth`` entry, written by the team manager).
"""

from datetime import date, timedelta

#: A pregnancy is counted as 40 weeks up to the due date (week 1 starts 40 weeks before it).
PREGNANCY = timedelta(weeks=40)
#: A due date further ahead than this is a slip of the keyboard.
DUE_AHEAD_LIMIT = timedelta(weeks=42)
#: A due date passed longer ago than this: the baby has been born; record the birth instead.
DUE_PAST_LIMIT = timedelta(weeks=4)
#: A birth this long before the due date (week 16 of pregnancy) is a slip, not a birth.
EARLIEST_BEFORE_DUE = timedelta(weeks=24)


def expected_date_problem(due: date, today: date) -> str | None:
    """Why this cannot be an unborn baby's expected delivery date today, or None."""
    if due < today - DUE_PAST_LIMIT:
        return (f"The due date is more than {DUE_PAST_LIMIT.days // 7} weeks ago: the baby has "
                "surely been born. Ask the team manager to record the birth, or check the date.")
    if due > today + DUE_AHEAD_LIMIT:
        return (f"The due date is more than {DUE_AHEAD_LIMIT.days // 7} weeks from now, longer "
                "than a pregnancy. Check the date.")
    return None


def weeks_pregnant(due: date, on: date) -> int:
    """Completed weeks of pregnancy on ``on``, as midwives count them: from 40 weeks before
    the due date ("20 weeks" runs from 20 weeks 0 days to 20 weeks 6 days)."""
    return (on - (due - PREGNANCY)).days // 7


def reaching_week(due: date, weeks: int) -> date:
    """The day the pregnancy reaches ``weeks`` completed weeks."""
    return due - PREGNANCY + timedelta(weeks=weeks)
