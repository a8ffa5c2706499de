"""Form fields shared by the panels: numbers are read by the one web number parser.

wtforms' ``IntegerField`` calls ``int()``, which takes ``٣`` for 3 and gives up on 4,301 digits;
:class:`WholeNumberField` reads with :func:`piranha_web.lvscf.values.decimal` instead.
"""

from __future__ import annotations

from typing import Any

from wtforms import IntegerField

from piranha_web.lvscf.values import decimal


class WholeNumberField(IntegerField):
    """A decimal whole number in ASCII digits; anything else is a field error, never a crash."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0])
        self.data = decimal(text)
        if self.data is None:
            raise ValueError(self.gettext("Not a valid whole number."))
