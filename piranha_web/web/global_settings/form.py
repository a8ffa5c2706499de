"""The GLOBAL SETTINGS form; what its fields mean for lvs.cf is
:mod:`piranha_web.edits.global_settings`."""

from __future__ import annotations

from collections.abc import Mapping

from wtforms import SelectField, StringField

from piranha_web.edits.global_settings import MASKS
from piranha_web.web.panel import RevisionForm, add_choice, choices


class GlobalSettingsForm(RevisionForm):
    """Fields of the GLOBAL SETTINGS panel (names are the controls' names and ids)."""

    primary = StringField("Primary server public IP")
    primary_private = StringField("Primary server private IP: (May be blank)")
    tcp_timeout = StringField("TCP timeout (seconds)")
    tcpfin_timeout = StringField("TCP FIN timeout (seconds)")
    udp_timeout = StringField("UDP timeout (seconds)")
    nat_router_ip = StringField("NAT Router IP")
    nat_nmask = SelectField("NAT Router netmask", choices=choices(MASKS))
    nat_router_device = StringField("NAT Router device")


def offer(form: GlobalSettingsForm, initial: Mapping[str, str]) -> None:
    """Keep a netmask from the file that is not in Piranha's list selectable."""
    if "nat_nmask" in initial:
        add_choice(form.nat_nmask, initial["nat_nmask"])
