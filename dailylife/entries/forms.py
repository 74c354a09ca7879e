"""The WTForms form of each kind, derived from its declaration (``entries.kinds``).

These forms read a page's post and draw its fields; they judge nothing themselves: the answers
they read are checked by the kind's schema (``entries.payload``), as a synced item is. Kind forms
are plain WTForms forms (no CSRF: the page form or the API request carries it); the page forms in
``pages.py`` nest them.
"""

import json

from wtforms import (BooleanField, DateField, FieldList, FloatField, Form, FormField,
                     IntegerField, RadioField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.validators import Optional

from dailylife.entries.declare import (ROWS_LIMIT, Choice, Day, Lines, Many, Number, Question,
                                       Reference, Rows, Siblings, Text, Tick, YesNo)
from dailylife.entries.fields import LinesField, TickField, YesNoField
from dailylife.entries.kinds import AMENDMENT_META, KINDS, TRIANGULATION_CHECK
from dailylife.entries.schema import A_NUMBER, WHOLE_NUMBER


def _field(question: Question):
    """The unbound WTForms field of one question. A question asked only sometimes carries its
    condition (``data-applies-if``), which the page's script tests as the answers change."""
    answer, label = question.answer, question.label
    options = {"description": question.help}
    if question.applies is not None:
        options["render_kw"] = {"data-applies-if": json.dumps(question.applies.schema)}
    if isinstance(answer, Text):
        return (StringField if answer.short else TextAreaField)(label, **options)
    if isinstance(answer, Choice) and answer.buttons:
        return RadioField(label, choices=dict(answer.options), validate_choice=False, **options)
    if isinstance(answer, Choice):
        return SelectField(label, choices={"": answer.placeholder, **dict(answer.options)},
                           validate_choice=False, **options)
    if isinstance(answer, YesNo):
        return YesNoField(label, not_applicable=answer.not_applicable, **options)
    if isinstance(answer, Tick):
        if answer.keep_false:
            return BooleanField(label, default=answer.default, **options)
        return TickField(label, **options)
    if isinstance(answer, Lines):
        return LinesField(label, **options)
    if isinstance(answer, Number) and answer.whole:
        return IntegerField(label, [Optional()], invalid_value_message=WHOLE_NUMBER, **options)
    if isinstance(answer, Number):
        return FloatField(label, [Optional()], invalid_value_message=A_NUMBER, **options)
    if isinstance(answer, Siblings):
        #: The page offers the child's brothers and sisters (``siblings.groups.offer``).
        return SelectMultipleField(label, choices=[], validate_choice=False, **options)
    if isinstance(answer, Many):
        return SelectMultipleField(label, choices=dict(answer.options), validate_choice=False,
                                   **options)
    if isinstance(answer, Day):
        return DateField(label, [Optional()], **options)
    if isinstance(answer, Reference):
        return StringField(label, **options)
    if isinstance(answer, Rows):
        return FieldList(FormField(form_for(answer.questions, f"{answer.noun.title()}Form")),
                         label, min_entries=0, max_entries=ROWS_LIMIT, **options)
    raise TypeError(f"No form field for {answer!r}")


def form_for(questions, name: str) -> type[Form]:
    """A form class with one field per question, in the declaration's order."""
    return type(name, (Form,), {question.name: _field(question) for question in questions})


def _class_name(kind: str) -> str:
    return kind.title().replace("_", "") + "Form"


KIND_FORMS = {name: form_for(declaration.questions, _class_name(name))
              for name, declaration in KINDS.items()}
AmendmentMetaForm = form_for(AMENDMENT_META, "AmendmentMetaForm")
TriangulationForm = form_for(TRIANGULATION_CHECK, "TriangulationForm")
