"""What a measurement may say about this child: checked in the write path, where the child and
the day measured are known (a published schema knows neither).

The kind's declaration keeps the limits no child can pass (``entries.kinds.MEASUREMENT``); these
are the heaviest weights believable at each age, well above the 99.6th centile of the UK-WHO
charts, so that only a slip of the keyboard (a baby of 90 kg, grams typed as kilograms) is
refused, never a real child who is very heavy.
"""

from datetime import date

from dailylife.children.models import DAY_FORMAT
from dailylife.clock import age_on, to_local

#: (under this many years old, heaviest believable weight in kilograms); older: the schema's.
HEAVIEST = ((1, 20), (2, 30), (5, 60), (10, 120))


def problems(child, kind: str, data: dict, day: date, amended=None) -> dict:
    """Field errors of a measurement of ``child`` on ``day``, or of a correction of one (judged
    on the day the amended entry was measured): measured before birth, or a weight impossible
    at the child's age that day."""
    if kind == "amendment" and amended is not None and amended.kind.value == "measurement":
        return {} if data.get("withdrawn") else _problems(
            child, data, to_local(amended.occurred_at).date())
    return _problems(child, data, day) if kind == "measurement" else {}


def _problems(child, data: dict, day: date) -> dict:
    if not child.born_by(day):
        return {"weight_kg": [f"{child.known_as} was not born yet on the day measured. Check the "
                              "date it was measured."]}
    weight, heaviest = data.get("weight_kg"), heaviest_at(child.date_of_birth, day)
    if weight is not None and heaviest is not None and weight > heaviest:
        return {"weight_kg": [
            f"{child.known_as} was {age_on(child.date_of_birth, day)} old on "
            f"{day:{DAY_FORMAT}}: {weight:g} kg is not possible at that age (at most "
            f"{heaviest} kg). Check the weight is in kilograms, and the date measured."]}
    return {}


def heaviest_at(born: date, day: date) -> int | None:
    """The heaviest believable weight (kg) of a child born ``born`` on ``day``, or None (the
    schema's limit)."""
    years = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    return next((kilograms for under, kilograms in HEAVIEST if years < under), None)
