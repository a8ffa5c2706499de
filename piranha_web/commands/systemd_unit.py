"""``piranha-web systemd-unit``: print the hardened systemd unit the wheel carries.

The unit (``piranha-web.service``, a shipped resource) runs ``piranha-web serve`` with
Piranha's paths, restarts it on failure and confines it: the whole file system read-only
(``ProtectSystem=strict``) except ``ReadWritePaths=`` (lvs.cf's directory, where the store
writes lvs.cf and its history atomically, the state directory, and keepalived's directory when
that engine is chosen), no home directories (the backup router's SSH identity belongs in the
state directory), a private /tmp, no new privileges, and only the capabilities reading the
IPVS table and binding a low port need.

What is printed is the shipped text with this installation's values put in: the ``ExecStart``
program (this installation's ``piranha-web``), ``--config``/``--state-dir`` when they are not
Piranha's defaults (then the ``ConfigurationDirectory=``/``StateDirectory=`` lines, which only
name directories under /etc and /var/lib, are left out: create the directories yourself) and
the writable directories.  :func:`render_unit` is pure; tests verify its output with
``systemd-analyze verify`` and run ``serve`` inside the same limits.

``--checker`` prints the second unit the wheel carries, ``piranha-web-checker.service``: it
runs ``piranha-web checker --dir STATE/checks`` (the verdicts the keepalived export's
FILE_CHECKs read), may write only that directory, restarts always and starts before
keepalived (:func:`render_checker_unit`).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from piranha_web.commands.paths import (
    DEFAULT_CONFIG,
    DEFAULT_STATE_DIR,
    add_config_argument,
    add_state_dir_argument,
    config_of,
    state_dir_of,
)
from piranha_web.errors import KeepalivedError
from piranha_web.keepalived.service import EngineSettings, load_settings
from piranha_web.resources import resource_path

NAME = "systemd-unit"
HELP = "print the hardened systemd unit (piranha-web.service) for this installation"
UNIT_NAME = "piranha-web.service"
CHECKER_UNIT_NAME = "piranha-web-checker.service"
#: the program the shipped unit names (where ``pip install`` as root puts it on Debian)
SHIPPED_PROGRAM = "/usr/local/bin/piranha-web"
#: lines that create Piranha's default directories (only valid for those paths)
_DIRECTORY_KEYS = ("ConfigurationDirectory", "ConfigurationDirectoryMode", "StateDirectory",
                   "StateDirectoryMode")
_HOMES = (Path("/home"), Path("/root"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    add_state_dir_argument(parser)
    parser.add_argument("--program", metavar="PATH",
                        help="absolute path of piranha-web for ExecStart (default: this "
                        "installation's)")
    parser.add_argument("--checker", action="store_true",
                        help=f"print {CHECKER_UNIT_NAME} (piranha-web checker for keepalived's "
                        "FILE_CHECKs) instead")
    parser.add_argument("--keepalived", action="store_true",
                        help="let it write keepalived's directory too (default: when the "
                        "state directory's settings choose the keepalived engine)")


def shipped_unit(name: str = UNIT_NAME) -> str:
    """The unit file ``name`` as the wheel carries it."""
    return resource_path(name).read_text("utf-8")


def this_program() -> str:
    """This installation's ``piranha-web`` (beside the running Python, else on PATH)."""
    beside = Path(sys.executable).parent / "piranha-web"
    if beside.exists():
        return str(beside)
    return shutil.which("piranha-web") or SHIPPED_PROGRAM


def under_home(program: str) -> bool:
    """Whether ``program`` or the Python its ``#!`` line names (symbolic links followed)
    lives under /home or /root, which ``ProtectHome=yes`` would hide (a pyenv Python)."""
    paths = [Path(program)]
    try:
        with open(program, "rb") as fh:
            first = fh.readline(4096)
        if first.startswith(b"#!") and first[2:].split():
            paths.append(Path(first[2:].split()[0].decode(errors="replace")))
    except OSError:
        pass
    return any(part in _HOMES for path in paths for part in path.resolve().parents)


def render_unit(shipped: str, program: str, config: Path, state_dir: Path,
                keepalived_dir: Path | None = None, home: bool = False) -> str:
    """``shipped`` with ``program``, the paths and the writable directories put in.

    ``home``: the program needs files under a home directory (:func:`under_home`), so home
    directories are made read-only rather than hidden.  Every path must be absolute (systemd
    refuses relative ones); a path with a blank or a character systemd would expand is
    refused too: ValueError.
    """
    _check_paths(program, str(config), str(state_dir), str(keepalived_dir or "/"))
    defaults = str(config) == DEFAULT_CONFIG and str(state_dir) == DEFAULT_STATE_DIR
    writable = [str(config.parent), str(state_dir)]
    if keepalived_dir is not None and str(keepalived_dir) not in writable:
        writable.append(str(keepalived_dir))
    return _substitute(shipped, f"{program} serve --config {config} --state-dir {state_dir}",
                       writable, defaults, home)


def _substitute(shipped: str, exec_start: str, writable: list[str], defaults: bool,
                home: bool) -> str:
    """``shipped`` with its ExecStart and ReadWritePaths set; the directory keys only for
    Piranha's default paths; ProtectHome read-only when the program lives under a home."""
    out = []
    for line in shipped.splitlines(keepends=True):
        key = line.split("=", 1)[0]
        if key == "ExecStart":
            line = f"ExecStart={exec_start}\n"
        elif key == "ReadWritePaths":
            line = f"ReadWritePaths={' '.join(writable)}\n"
        elif key in _DIRECTORY_KEYS and not defaults:
            continue
        elif key == "ProtectHome" and home:
            line = ("# this Python lives under a home directory: readable, not hidden\n"
                    "ProtectHome=read-only\n")
        out.append(line)
    return "".join(out)


def _check_paths(*paths: str) -> None:
    """ValueError unless every path is absolute and free of blanks and characters systemd
    would expand."""
    for path in paths:
        if not path.startswith("/") or any(c.isspace() or c in "%$\\\"'" for c in path):
            raise ValueError(f"{path!r}: not an absolute path systemd takes as it is")


def render_checker_unit(shipped: str, program: str, config: Path, state_dir: Path,
                        home: bool = False) -> str:
    """The checker unit ``shipped`` with ``program`` and the paths put in: it checks lvs.cf
    at ``config`` and writes only ``STATE_DIR/checks`` (same rules as :func:`render_unit`)."""
    checks = state_dir / "checks"
    _check_paths(program, str(config), str(checks))
    defaults = str(config) == DEFAULT_CONFIG and str(state_dir) == DEFAULT_STATE_DIR
    return _substitute(shipped, f"{program} checker --config {config} --dir {checks}",
                       [str(checks)], defaults, home)


def keepalived_directory(state_dir: Path, forced: bool) -> Path | None:
    """keepalived's configuration directory when the unit must let the tool write it."""
    try:
        settings = load_settings(state_dir)
    except KeepalivedError:
        if not forced:
            raise
        settings = EngineSettings()
    if forced or settings.engine == "keepalived":
        return Path(settings.conf_path).parent
    return None


def run(args: argparse.Namespace) -> int:
    config, state_dir = config_of(args).absolute(), state_dir_of(args).absolute()
    try:
        program = args.program or this_program()
        if args.checker:
            text = render_checker_unit(shipped_unit(CHECKER_UNIT_NAME), program, config,
                                       state_dir, under_home(program))
        else:
            keepalived = keepalived_directory(state_dir, args.keepalived)
            text = render_unit(shipped_unit(), program, config, state_dir, keepalived,
                               under_home(program))
    except (OSError, ValueError, KeepalivedError) as err:
        print(f"piranha-web systemd-unit: {err}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0
