"""Provision localstripe for the demo: a virtualenv of its own, made on the first ``stallkit demo``.

The README's quick start is one command, so the demo cannot expect ``tests/run.sh`` to have made
the Stripe test server's virtualenv first. localstripe is GPL-3 and test-only, so it must stay out
of Stallkit's dependencies: the demo installs it, pinned, with the venv's own pip, beside the
project (or under the data dir when the project dir is not writable, e.g. an installed package).

The pin lives in ``localstripe-version.txt`` beside this module, which ``tests/run.sh`` reads
too: the demo and the payment tests always run the same localstripe, and either one's venv is
reused by the other (both mark a finished install with the same stamp file).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

from storefront.demo.local_stripe import LocalStripeError, installed

VERSION = (Path(__file__).with_name("localstripe-version.txt")).read_text().strip()
VENV_NAME = ".venv-localstripe"
VENV_ENV = "STALLKIT_LOCALSTRIPE_VENV"  # where the venv goes, overriding the choice below
STAMP = ".stallkit-installed"  # holds the version once an install finished (tests/run.sh writes it too)
INSTALL_TIMEOUT_S = 600.0


class ProvisionFailed(LocalStripeError):
    """localstripe could not be installed (no network, no pip); the message is one line."""


def project_root() -> Path | None:
    """The source checkout this package runs from, if it runs from one (an editable install)."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else None


def venv_location(data_dir: Path, environ: Mapping[str, str] = os.environ, root: Path | None = None) -> Path:
    """Beside the project when it is writable (or already holds the venv), else under the data dir.

    Beside the project is where ``tests/run.sh`` puts it, so the demo and the tests share one.
    ``root`` is the project directory (default: :func:`project_root`, none for an installed package).
    """
    explicit = environ.get(VENV_ENV, "")
    if explicit:
        return Path(explicit).absolute()
    if root is None:
        root = project_root()
    if root is not None and (ready(root / VENV_NAME) or os.access(root, os.W_OK)):
        return root / VENV_NAME
    return (data_dir / VENV_NAME).absolute()


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def ready(venv: Path, version: str = VERSION) -> bool:
    """localstripe is importable there and the stamp says this version finished installing."""
    stamp = venv / STAMP
    return installed(python_of(venv)) and stamp.is_file() and stamp.read_text().strip() == version


def provision(
    venv: Path,
    *,
    log_path: Path,
    say: Callable[[str], None],
    version: str = VERSION,
    base_python: str = sys.executable,
) -> Path:
    """The venv's interpreter, after installing ``localstripe==version`` into ``venv`` if needed.

    An existing venv is completed in place (a half-finished install, or one made by hand without
    the pin); a venv this call created is removed again when the install fails, so a later run
    starts clean. pip reads its usual configuration (index, proxies, find-links), so whatever
    lets ``pip install -e .`` work lets this work. Raises :class:`ProvisionFailed`.
    """
    python = python_of(venv)
    if ready(venv, version):
        return python
    say(
        f"installing localstripe {version} (a local Stripe test server, GPL-3, kept out of Stallkit's"
        f" dependencies) into {venv}: first run only, about 15 s"
    )
    started = time.monotonic()
    created = not venv.exists()
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("wb") as log:
            if not python.exists():
                say("creating its virtualenv")
                _run([base_python, "-m", "venv", str(venv)], log)
            say(f"pip install localstripe=={version}")
            _run([str(python), "-m", "pip", "install", "--disable-pip-version-check", f"localstripe=={version}"], log)
        if not installed(python):
            raise ProvisionFailed("pip finished, yet localstripe is not in the virtualenv")
        (venv / STAMP).write_text(version + "\n")
    except (OSError, subprocess.SubprocessError, ProvisionFailed) as exc:
        if created:
            shutil.rmtree(venv, ignore_errors=True)
        reason = str(exc) if isinstance(exc, ProvisionFailed) else _last_error(log_path) or str(exc)
        raise ProvisionFailed(f"could not install localstripe {version} ({reason}; log: {log_path})") from None
    say(f"localstripe {version} installed in {time.monotonic() - started:.0f} s; later runs reuse it")
    return python


def _run(command: list[str], log: IO[bytes]) -> None:
    """Run one install step, its output to the log; a non-zero exit raises ``CalledProcessError``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    subprocess.run(  # noqa: S603 (our interpreter and a fixed argument list)
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=INSTALL_TIMEOUT_S,
        check=True,
    )


def _last_error(log_path: Path) -> str:
    """pip's own reason, e.g. "ERROR: No matching distribution found for localstripe==1.15.10"."""
    try:
        lines = [line.strip() for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    errors = [line for line in lines if line.startswith("ERROR:")]
    return (errors or lines or [""])[-1]
