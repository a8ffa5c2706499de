"""The REDUNDANCY form; what its fields mean for lvs.cf is :mod:`piranha_web.edits.redundancy`."""

from __future__ import annotations

from wtforms import BooleanField, StringField

from piranha_web.web.panel import RevisionForm


class RedundancyForm(RevisionForm):
    """Fields of the REDUNDANCY panel (names are the controls' names and ids)."""

    backup = StringField("Redundant server public IP")
    backup_private = StringField("Redundant server private IP")
    keepalive = StringField("Heartbeat interval (seconds)")
    deadtime = StringField("Assume dead after (seconds)")
    heartbeat_port = StringField("Heartbeat runs on port")
    monitor_links = BooleanField("Monitor NIC links for failures")
    syncdaemon = BooleanField("Use sync daemon")
    syncd_iface = StringField("Sync daemon interface")
    syncd_id = StringField("Sync daemon ID")
