"""The ``--config`` and ``--state-dir`` options shared by commands, with their defaults.

``--config`` defaults to ``$PIRANHA_CONFIG``, else ``/etc/sysconfig/ha/lvs.cf`` (Piranha's
path); ``--state-dir`` to ``$PIRANHA_STATE_DIR``, else ``/var/lib/piranha-web``.  Relative
paths are made absolute against the working directory at start: ssh, sftp and the files the
tool names later (known_hosts, the identity) must not depend on where a child process runs.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

DEFAULT_CONFIG = "/etc/sysconfig/ha/lvs.cf"
DEFAULT_STATE_DIR = "/var/lib/piranha-web"


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", metavar="FILE",
        help=f"lvs.cf to edit (default: $PIRANHA_CONFIG, else {DEFAULT_CONFIG})",
    )


def add_state_dir_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir", metavar="DIR",
        help=f"passwords, session key, settings (default: $PIRANHA_STATE_DIR, else "
        f"{DEFAULT_STATE_DIR})",
    )


def config_of(args: argparse.Namespace) -> Path:
    """The lvs.cf to work on, as an absolute path."""
    return Path(args.config or os.environ.get("PIRANHA_CONFIG") or DEFAULT_CONFIG).absolute()


def state_dir_of(args: argparse.Namespace) -> Path:
    """The state directory, as an absolute path."""
    return Path(args.state_dir or os.environ.get("PIRANHA_STATE_DIR")
                or DEFAULT_STATE_DIR).absolute()
