"""Form fields that speak both HTML form posts and the JSON of the sync API."""

from wtforms import BooleanField, RadioField, SelectField, TextAreaField
from wtforms.validators import ValidationError


class ChoiceField(SelectField):
    """A select whose refusal names the allowed answers, so a person (or a client) can act on it."""

    def __init__(self, label=None, validators=None, *, choices, placeholder="Choose one", **kwargs):
        self.allowed = [value for value, _ in choices]
        super().__init__(label, validators, choices={"": placeholder, **dict(choices)},
                         validate_choice=False, **kwargs)

    def pre_validate(self, form):
        if self.data and self.data not in self.allowed:
            raise ValidationError(f"“{self.data}” is not one of the options: "
                                  f"{', '.join(self.allowed)}.")


def _yes_no(value):
    if value in (True, False, None):
        return value
    if value in ("yes", "no", ""):
        return {"yes": True, "no": False, "": None}[value]
    raise ValueError("Answer yes or no.")


class YesNoField(RadioField):
    """Yes/No radios whose data is True, False or None (not answered / not applicable)."""

    def __init__(self, label=None, validators=None, *, not_applicable: str | None = None, **kwargs):
        choices = {"yes": "Yes", "no": "No"}
        if not_applicable:
            choices[""] = not_applicable
        super().__init__(label, validators, choices=choices, coerce=_yes_no, validate_choice=False,
                         **kwargs)

    def _value(self):
        return {True: "yes", False: "no"}.get(self.data, "")


class TickField(BooleanField):
    """A tick box that is ticked (True) or says nothing (None): unticked, it adds no key to an
    entry's data, so a kind's documented keys stay as they were."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = self.data or None


class LinesField(TextAreaField):
    """A list of short strings, typed one per line (e.g. who was present)."""

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"data-json": "lines", **kwargs.pop("render_kw", {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = [line.strip() for line in valuelist[0].splitlines() if line.strip()]

    def _value(self):
        return "\n".join(self.data or [])
