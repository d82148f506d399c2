"""Where the demo's localstripe goes, when it is installed, and that the pin lives in one place.

The install itself runs for real in ``test_demo_first_run.py``; here, the choices around it: a
ready venv is reused without running anything, a failed install leaves nothing behind and says
why in one line, and ``tests/run.sh`` reads the same version file the demo does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from storefront.demo import provision
from tests.stripe_server import LOCALSTRIPE_PYTHON, ROOT, _require_localstripe


def test_the_version_is_pinned_in_one_file_that_tests_run_sh_reads() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", provision.VERSION)
    script = (ROOT / "tests" / "run.sh").read_text()
    assert "LOCALSTRIPE_VERSION=$(tr -d '[:space:]' <storefront/demo/localstripe-version.txt)" in script
    assert provision.VERSION not in script, "a second copy of the version in tests/run.sh"
    assert "LS_STAMP=.venv-localstripe/.stallkit-installed" in script and provision.STAMP == ".stallkit-installed"


def test_the_venv_goes_where_it_is_asked_beside_the_project_or_under_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "var"
    asked = {provision.VENV_ENV: str(tmp_path / "elsewhere")}
    assert provision.venv_location(data, asked) == tmp_path / "elsewhere"
    assert provision.venv_location(data, {}) == ROOT / provision.VENV_NAME, "a source checkout: beside it"
    assert provision.venv_location(data, {}, root=tmp_path / "read-only") == data.absolute() / provision.VENV_NAME


def test_a_ready_venv_is_reused_without_running_anything(tmp_path: Path) -> None:
    _require_localstripe()
    venv = LOCALSTRIPE_PYTHON.parents[1]
    assert provision.ready(venv), "tests/run.sh stamps the venv it makes"
    said: list[str] = []
    log = tmp_path / "install.log"
    assert provision.provision(venv, log_path=log, say=said.append) == venv / "bin" / "python"
    assert said == [] and not log.exists()
    assert not provision.ready(venv, version="0.0.1"), "another pin is not this venv"


def test_an_install_that_fails_says_why_in_one_line_and_leaves_no_venv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pip with no index at all: what an offline machine meets, in a few seconds."""
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    venv, log = tmp_path / "venv", tmp_path / "logs" / "install.log"
    said: list[str] = []
    with pytest.raises(provision.ProvisionFailed) as failed:
        provision.provision(venv, log_path=log, say=said.append)
    message = str(failed.value)
    assert "\n" not in message
    assert message.startswith(f"could not install localstripe {provision.VERSION} (ERROR: ")
    assert f"localstripe=={provision.VERSION}" in message and str(log) in message
    assert not venv.exists()
    assert said[0].startswith(f"installing localstripe {provision.VERSION}")
    assert said[1:] == ["creating its virtualenv", f"pip install localstripe=={provision.VERSION}"]


def test_a_venv_that_was_there_is_completed_in_place_not_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A venv made by hand (the old README's hint), or an install cut short: pip finishes it, or it stays."""
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "keep.txt").write_text("someone's")
    said: list[str] = []
    with pytest.raises(provision.ProvisionFailed):
        provision.provision(venv, log_path=tmp_path / "install.log", say=said.append)
    assert (venv / "keep.txt").exists()
    assert "creating its virtualenv" in said, "no interpreter there yet: the venv is made in place"
