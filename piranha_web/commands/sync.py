"""``piranha-web sync``: copy lvs.cf to the backup router now, compare, or confirm its host key.

Without an action option it copies lvs.cf and verifies the copy: exit 0 when the backup router
has exactly our file, 1 with the reason otherwise (also when there is no backup router to copy
to), 2 for unusable options.  ``--status`` copies nothing and exits 0 when the backup's lvs.cf
equals ours, 1 when it differs, 2 when the backup cannot be reached or read.
``--show-host-key`` prints the fingerprints the backup offers; ``--trust-host-key FPR``
trusts the key with that fingerprint (after comparing it on the backup router itself).
``--save-settings`` stores the given options as the saved sync settings and contacts nothing.
Options given without ``--save-settings`` apply to this run only.
"""

from __future__ import annotations

import argparse
import getpass
import shlex
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from piranha_web.audit import AuditLog, changed_fields
from piranha_web.commands.paths import (
    add_config_argument,
    add_state_dir_argument,
    config_of,
    state_dir_of,
)
from piranha_web.errors import AuditError, SyncError
from piranha_web.sync import SyncOutcome, SyncService, SyncSettings
from piranha_web.sync.outcome import DIFFERS, IN_SYNC

NAME = "sync"
HELP = "copy lvs.cf to the backup router over SSH and verify it (or compare with --status)"

#: command-line option dest -> SyncSettings field
SETTING_OPTIONS = {
    "ssh_user": "user",
    "ssh_port": "port",
    "identity": "identity_file",
    "remote_path": "remote_path",
    "host": "host",
    "connect_timeout": "connect_timeout",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    add_state_dir_argument(parser)
    settings = parser.add_argument_group("sync settings (saved ones apply when not given; "
                                         "an empty value unsets)")
    settings.add_argument("--host", metavar="H",
                          help="backup router to use instead of lvs.cf's 'backup'")
    settings.add_argument("--ssh-user", metavar="U", help="SSH user (default root)")
    settings.add_argument("--ssh-port", metavar="P", type=int, help="SSH port (default 22)")
    settings.add_argument("--identity", metavar="F", help="SSH private key to log in with")
    settings.add_argument("--remote-path", metavar="PATH",
                          help="lvs.cf path on the backup (default: the same as --config)")
    settings.add_argument("--reload-command", metavar="CMD",
                          help="command run on the backup after a verified copy, e.g. "
                               "'service pulse reload'")
    settings.add_argument("--auto-sync", choices=("yes", "no"),
                          help="copy automatically after each ACCEPT in the web interface")
    settings.add_argument("--connect-timeout", metavar="S", type=int,
                          help="seconds to wait for the backup router to answer (default 5)")
    actions = parser.add_mutually_exclusive_group()
    actions.add_argument("--status", action="store_true",
                         help="compare without copying: exit 0 equal, 1 differs, 2 unreachable")
    actions.add_argument("--show-host-key", action="store_true",
                         help="show the backup router's host key fingerprints (trusts nothing)")
    actions.add_argument("--trust-host-key", metavar="FPR",
                         help="trust the backup's host key with this SHA256 fingerprint")
    actions.add_argument("--save-settings", action="store_true",
                         help="save the sync settings given on the command line and exit")


def settings_of(args: argparse.Namespace, saved: SyncSettings) -> SyncSettings:
    """The saved settings with the command line's options applied."""
    changes: dict[str, Any] = {}
    for option, name in SETTING_OPTIONS.items():
        value = getattr(args, option)
        if value is not None:
            changes[name] = value if value != "" else getattr(SyncSettings(), name)
    if args.reload_command is not None:
        changes["reload_command"] = tuple(shlex.split(args.reload_command))
    if args.auto_sync is not None:
        changes["auto_sync"] = args.auto_sync == "yes"
    return replace(saved, **changes)


def run(args: argparse.Namespace) -> int:
    config, state_dir = config_of(args), state_dir_of(args)
    try:
        settings = settings_of(args, SyncService(config, state_dir).settings()).checked()
    except (SyncError, ValueError) as err:
        print(f"piranha-web sync: {err}", file=sys.stderr)
        return 2
    service = SyncService(config, state_dir, settings=settings)
    log = AuditLog(state_dir)
    try:
        if args.save_settings:
            entry = log.record_pending("sync-settings", getpass.getuser(), cause="cli",
                                       changes=changed_fields(
                                           SyncService(config, state_dir).settings(), settings))
            service.save_settings(settings)
            log.commit(entry)
            print(f"Sync settings saved in {state_dir}.")
            return 0
        if args.show_host_key:
            return show_host_key(service)
        if args.trust_host_key:
            entry = log.record_pending("host-key", getpass.getuser(), cause="cli",
                                       fingerprint=args.trust_host_key)
            key = service.trust_host_key(args.trust_host_key)
            log.commit(entry, ok=True, key_type=key.key_type)
            print(f"Trusted the backup router's {key.key_type} key {key.fingerprint} "
                  f"(in {service.target().known_hosts}).")
            return 0
    except SyncError as err:
        print(f"piranha-web sync: {err.reason}: {err.detail}".rstrip(": "), file=sys.stderr)
        return 1
    except AuditError as err:
        print(f"piranha-web sync: nothing changed: settings and host keys are recorded in the "
              f"audit trail first, and {err}", file=sys.stderr)
        return 1
    if args.status:
        return show_status(service)
    outcome = service.sync_now()
    audit(state_dir, "sync", ok=outcome.ok, message=outcome.message)
    return report(outcome)


def audit(state_dir: Path, kind: str, **details: object) -> None:
    """Record a command-line sync after it ran (a failure is only reported: the copy is made)."""
    try:
        AuditLog(state_dir).record(kind, getpass.getuser(), cause="cli", **details)
    except AuditError as err:
        print(f"piranha-web sync: not recorded in the audit trail: {err}", file=sys.stderr)


def show_host_key(service: SyncService) -> int:
    target = service.target()
    print(f"The backup router {target.host} port {target.port} offers these host keys:")
    for key in service.scan_host_key():
        print(f"  {key.key_type:<10} {key.fingerprint}")
    print("Compare with the output of 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' (or "
          "the key type shown) on the backup router itself, then confirm with:")
    print("  piranha-web sync --trust-host-key SHA256:...")
    return 0


def report(outcome: SyncOutcome) -> int:
    """Print a sync's outcome; 0 only for a verified copy."""
    if outcome.ok and not outcome.skipped:
        print(outcome.message)
        return 0
    print(f"piranha-web sync: {outcome.message}", file=sys.stderr)
    if outcome.detail:
        print(f"  ({outcome.detail})", file=sys.stderr)
    return 1


def show_status(service: SyncService) -> int:
    status = service.status()
    print(f"backup router: {status.state}: {status.message}")
    if status.detail:
        print(f"  ({status.detail})")
    last = service.last()
    if last is not None:
        result = "ok" if last.ok else f"FAILED ({last.reason})"
        print(f"last sync: {last.when}: {result}")
    return {IN_SYNC: 0, DIFFERS: 1}.get(status.state, 2)
