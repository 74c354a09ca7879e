"""Children recorded before birth: which due dates can be believed, and the birth that makes the
unborn child's record a born child's (the ``birth`` entry, written by the team manager).
"""

from datetime import date, timedelta

from dailylife.children.models import DAY_FORMAT
from dailylife.clock import local_today

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


# --- What the record says about birth: checked and applied in the one write path ---------------

def problems(child, kind: str, data: dict, day: date, amended=None) -> dict:
    """Field errors of an entry that the child's birth decides: a visit must say whether it met
    the expectant parent exactly when the child was not born on its ``day``; a birth is recorded
    once, for an unborn child, on a believable date; a correction of a birth likewise."""
    if kind == "visit":
        return _visit_problems(child, data, day)
    if kind == "birth":
        if not child.unborn:
            return {"date_of_birth": [
                f"{child.known_as} is already recorded as {child.birth_words}: a birth is "
                "recorded once. If the date is wrong, correct the birth entry."]}
        return _date_problems(child, data.get("date_of_birth"))
    if amended is None or amended.kind.value != "birth":
        return {}
    if data.get("withdrawn") and child.expected_delivery_date is None:
        return {"withdrawn": ["Without the birth this child would have neither a date of birth "
                              "nor a due date: ask the admin to give the due date first."]}
    return _date_problems(child, data.get("date_of_birth"))


def _visit_problems(child, data: dict, day: date) -> dict:
    before_birth = not child.born_by(day)
    if bool(data.get("unborn")) == before_birth:
        return {}
    if before_birth:
        return {"child_seen": [f"{child.known_as} was not born yet on this day: say whether the "
                               "expectant parent was seen instead."]}
    return {"expectant_parent_seen": [
        f"{child.known_as} was born on {child.date_of_birth:{DAY_FORMAT}}: say whether the child "
        "was seen (reload the page if it still says the baby is not born)."]}


def _date_problems(child, value: str | None) -> dict:
    """A date of birth (valid as a date already) not in the future, nor long before the due date."""
    if value is None:
        return {}
    born = date.fromisoformat(value)
    if born > local_today():
        return {"date_of_birth": ["The date of birth cannot be in the future."]}
    due = child.expected_delivery_date
    if due is not None and born < due - EARLIEST_BEFORE_DUE:
        return {"date_of_birth": [
            f"This is more than {EARLIEST_BEFORE_DUE.days // 7} weeks before the baby was due "
            f"({due:{DAY_FORMAT}}). Check the date."]}
    return {}


def take_effect(child, kind: str, data: dict, amended=None) -> None:
    """Make the child what its birth says, in the transaction that records it: its date of birth
    and (if given) name; a correction of the birth corrects them, and withdrawing the birth
    (entered in error) makes the child unborn again. A name the birth gave stays when withdrawn:
    the admin corrects names."""
    if kind == "birth":
        child.date_of_birth = date.fromisoformat(data["date_of_birth"])
        child.name = data.get("name") or child.name
    elif amended is not None and amended.kind.value == "birth":
        if data.get("withdrawn"):
            child.date_of_birth = None
            return
        if data.get("date_of_birth"):
            child.date_of_birth = date.fromisoformat(data["date_of_birth"])
        if data.get("name"):
            child.name = data["name"]
