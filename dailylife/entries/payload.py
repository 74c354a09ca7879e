"""Between an entry's ``data`` (JSON) and its form: the same validation for pages and sync."""

from datetime import date

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, FieldList, IntegerField, SelectMultipleField

from dailylife.entries.fields import LinesField, YesNoField
from dailylife.entries.forms import (AMENDMENT_META_KEYS, KIND_FORMS, REPORTED_SOURCES,
                                     AmendmentMetaForm, TriangulationForm)

#: Keys that describe the amendment itself rather than correct the entry.
AMENDMENT_ONLY_KEYS = AMENDMENT_META_KEYS
#: Correcting these would move the entry between chronology filters, or show the team what the
#: child did not agree to share (or hide what it has read): withdraw and re-record.
FIXED_KEYS = ("category", "source", "share_with_team")
TRIANGULATION_KEYS = ("triangulation", "triangulation_by")


def form_data(form, kind_form=None, *, keep_empty: bool = False) -> dict:
    """The ``data`` of a validated form: empty answers left out (or None with ``keep_empty``,
    so that a correction can clear an answer), False kept.

    ``kind_form`` limits the keys to one kind's fields when ``form`` is a page form that also
    holds other things (the visit page also holds its observations, the CSRF token, buttons).
    """
    wanted = {field.short_name for field in kind_form()} if kind_form else None
    data = {}
    for field in form:
        if wanted is not None and field.short_name not in wanted:
            continue
        value = _field_value(field)
        if value is None or value == "" or value == []:
            if keep_empty:
                data[field.short_name] = None
            continue
        data[field.short_name] = value
    return data


def _field_value(field):
    if isinstance(field, FieldList):
        return [form_data(entry.form) for entry in field]
    if isinstance(field, DateField):
        return field.data.isoformat() if isinstance(field.data, date) else None
    return field.data


class KindForms:
    """One form per kind, made on first use and reused for each item of that kind.

    Making a form binds all its fields, which costs more than validating them; ``process`` resets
    every field (its data and errors) from the new formdata, so nothing carries over from one
    item to the next. A form holds its last item's values: keep one ``KindForms`` to one request.
    """

    def __init__(self):
        self._forms = {}

    def __getitem__(self, kind: str):
        if kind not in self._forms:
            self._forms[kind] = KIND_FORMS[kind]()
        return self._forms[kind]


def validate(kind: str, data, forms: KindForms | None = None) -> tuple[dict | None, dict]:
    """Check one item's ``data`` with its kind's form: (clean data, {}) or (None, field errors).

    Pass the same ``forms`` for many items (a sync batch) to make each kind's form only once.
    """
    if kind not in KIND_FORMS:
        return None, {"kind": [f"Unknown kind “{kind}”. Use one of: {', '.join(KIND_FORMS)}."]}
    if not isinstance(data, dict):
        return None, {"data": ["data must be a JSON object of the entry's fields."]}
    form = (forms or KindForms())[kind]
    formdata, errors = to_formdata(form, data)
    form.process(formdata)
    if not form.validate() or errors:
        return None, {**_flatten(form.errors), **errors}
    return form_data(form), {}


def to_formdata(form, data: dict, prefix: str = "") -> tuple[MultiDict, dict]:
    """Encode JSON values as a browser would post them, so the same validators judge both."""
    fields = {field.short_name: field for field in form}
    errors = {prefix + key: ["Unknown field: it is not part of this kind of entry."]
              for key in data if key not in fields}
    formdata = MultiDict()
    for name, field in fields.items():
        key = prefix + name
        if name not in data:
            if isinstance(field, BooleanField) and field.default is True:
                formdata.add(key, "y")
            continue
        problem = _encode(field, key, data[name], formdata)
        if problem:
            errors[key] = [problem]
    return formdata, errors


def _encode(field, key: str, value, formdata: MultiDict) -> str | None:
    """Add one JSON value to ``formdata``; return a message if its type is wrong."""
    if value is None:
        return None
    if isinstance(field, YesNoField) or isinstance(field, BooleanField):
        if not isinstance(value, bool):
            return "Must be true or false."
        if isinstance(field, YesNoField):
            formdata.add(key, "yes" if value else "no")
        elif value:
            formdata.add(key, "y")
        return None
    if isinstance(field, FieldList):
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            return "Must be a list of objects."
        for index, item in enumerate(value):
            sub_formdata, sub_errors = to_formdata(field.unbound_field.args[0](), item,
                                                   f"{key}-{index}-")
            if sub_errors:
                return "; ".join(f"{k}: {' '.join(v)}" for k, v in sub_errors.items())
            for sub_key, sub_value in sub_formdata.items(multi=True):
                formdata.add(sub_key, sub_value)
        return None
    if isinstance(field, (LinesField, SelectMultipleField)):
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return "Must be a list of strings."
        if isinstance(field, LinesField):
            formdata.add(key, "\n".join(value))
        else:
            for item in value:
                formdata.add(key, item)
        return None
    if isinstance(field, IntegerField):
        if isinstance(value, bool) or not isinstance(value, int):
            return "Must be a whole number."
        formdata.add(key, str(value))
        return None
    if not isinstance(value, str):
        return "Must be text."
    formdata.add(key, value)
    return None


def _flatten(errors: dict) -> dict:
    """WTForms nests FieldList errors; the API answers flat ``{"field": ["message"]}``."""
    flat = {}
    for name, messages in errors.items():
        if messages and isinstance(messages[0], dict):
            for index, sub in enumerate(messages):
                for sub_name, sub_messages in (sub or {}).items():
                    flat[f"{name}-{index}-{sub_name}"] = sub_messages
        else:
            flat[name] = messages
    return flat


def validate_amendment(version, data) -> tuple[dict | None, dict]:
    """Check an amendment of ``version`` (the entry as it reads now).

    The amendment keeps its reason and the corrected keys that really change; the corrected entry
    as a whole must still pass its kind's form, so a correction cannot make an entry invalid.
    """
    if not isinstance(data, dict):
        return None, {"data": ["data must be a JSON object."]}
    kind = version.entry.kind.value
    meta = {key: data[key] for key in AMENDMENT_META_KEYS if key in data}
    corrections = {key: value for key, value in data.items() if key not in AMENDMENT_META_KEYS}
    meta_form = AmendmentMetaForm(formdata=to_formdata(AmendmentMetaForm(), meta)[0])
    errors = {} if meta_form.validate() else dict(meta_form.errors)
    errors.update(to_formdata(AmendmentMetaForm(), meta)[1])

    triangulation = {key: corrections.pop(key) for key in TRIANGULATION_KEYS if key in corrections}
    triangulation = {key: value for key, value in triangulation.items()
                     if version.data.get(key) != value}
    if triangulation:
        errors.update(_triangulation_problems(version, triangulation, meta))
    for key in FIXED_KEYS:
        if key in corrections and corrections[key] != version.data.get(key):
            errors[key] = ["This cannot be corrected. Withdraw the entry (entered in error) and "
                           "record it again with the right answer."]
    kind_form = KIND_FORMS.get(kind)
    if kind_form is None:
        return None, {"amends_id": ["Entries of this kind cannot be amended."]}
    merged = {key: value for key, value in {**version.data, **corrections}.items()
              if key not in TRIANGULATION_KEYS}
    _, merged_errors = validate(kind, merged)
    errors.update(merged_errors)
    changed = {key: value for key, value in {**corrections, **triangulation}.items()
               if version.data.get(key) != value}
    if not changed and not meta_form.withdrawn.data and not errors:
        errors["reason"] = ["Nothing was changed. Correct at least one answer, or withdraw the entry."]
    if errors:
        return None, errors
    return {**form_data(meta_form), **changed}, {}


def _triangulation_problems(version, triangulation: dict, meta: dict) -> dict:
    if version.entry.kind.value != "observation" or version.data.get("source") not in REPORTED_SOURCES:
        return {"triangulation": ["Only information that someone reported can be corroborated or "
                                  "contradicted."]}
    values = {**triangulation, "reason": meta.get("reason", "")}
    formdata, errors = to_formdata(TriangulationForm(), values)
    form = TriangulationForm(formdata=formdata)
    form.validate()
    return {**errors, **{key: value for key, value in form.errors.items() if key != "reason"}}
