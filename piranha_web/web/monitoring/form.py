"""The MONITORING SCRIPTS form (the TEST panel shows the same fields); what the fields mean
for lvs.cf is :mod:`piranha_web.edits.monitoring`."""

from __future__ import annotations

from wtforms import BooleanField, StringField

from piranha_web.web import panel


class MonitoringForm(panel.RevisionForm):
    """Fields of the MONITORING SCRIPTS subsection."""

    send_program = StringField("Sending Program")
    send = StringField("Send")
    expect = StringField("Expect")
    use_regex = BooleanField("Treat expect string as a regular expression")
