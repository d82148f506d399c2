"""Settings from the environment, the Secret type, and the ``stallkit`` command line.

Every failure an operator can cause ends with exactly one line on stderr and exit status 2.
The CLI runs as a real subprocess (``python -m storefront.cli``) against a temporary data dir.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from storefront.settings import Secret, Settings, SettingsError

ROOT = Path(__file__).resolve().parents[1]
SECRET_TEXT = "s3cr3t-" + "Q" * 40  # 47 characters, easy to spot if it leaks


# --- Settings.from_env ------------------------------------------------------------------------


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.data_dir == "var"
    assert settings.database_url == f"sqlite://{Path('var') / 'stallkit.sqlite3'}"
    assert settings.is_sqlite
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.secret == ""
    assert isinstance(settings.secret, Secret)
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.debug is False
    assert settings.db_pool_max == 10


def test_from_env_reads_os_environ_when_given_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("STALLKIT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("STALLKIT_PORT", "8123")
    assert Settings.from_env().port == 8123


def test_every_variable_is_read(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "STALLKIT_DATA_DIR": str(tmp_path),
            "STALLKIT_DATABASE_URL": "postgresql://shop:pw@db.internal:5433/stallkit",
            "STALLKIT_HOST": "10.0.0.5",
            "STALLKIT_PORT": "9000",
            "STALLKIT_SECRET": SECRET_TEXT,
            "STALLKIT_MAX_BODY_BYTES": "2048",
            "STALLKIT_DEBUG": "true",
            "STALLKIT_DB_POOL_MAX": "50",
        }
    )
    assert settings.data_dir == str(tmp_path)
    assert settings.database_url == "postgresql://shop:pw@db.internal:5433/stallkit"
    assert not settings.is_sqlite
    assert settings.host == "10.0.0.5"
    assert settings.port == 9000
    assert settings.secret.reveal() == SECRET_TEXT
    assert isinstance(settings.secret, Secret)
    assert settings.max_body_bytes == 2048
    assert settings.debug is True
    assert settings.db_pool_max == 50


def test_data_dir_places_the_default_database(tmp_path: Path) -> None:
    settings = Settings.from_env({"STALLKIT_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite://{tmp_path / 'stallkit.sqlite3'}"
    # An empty URL means "not set", like an unset variable.
    assert Settings.from_env({"STALLKIT_DATA_DIR": str(tmp_path), "STALLKIT_DATABASE_URL": ""}) == settings


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        ("On", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("", False),
    ],
)
def test_debug_flag(raw: str, expected: bool) -> None:
    assert Settings.from_env({"STALLKIT_DEBUG": raw}).debug is expected


def assert_one_line_naming(exc: SettingsError, name: str) -> None:
    message = str(exc)
    assert name in message, message
    assert "\n" not in message
    assert message.strip() == message and message


@pytest.mark.parametrize("variable", ["STALLKIT_PORT", "STALLKIT_MAX_BODY_BYTES", "STALLKIT_DB_POOL_MAX"])
@pytest.mark.parametrize("raw", ["abc", "80.5", "", "1e3", "0x50"])
def test_non_integer_is_a_settings_error_naming_the_variable(variable: str, raw: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({variable: raw})
    assert_one_line_naming(caught.value, variable)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("STALLKIT_PORT", "0"),
        ("STALLKIT_PORT", "-1"),
        ("STALLKIT_PORT", "65536"),
        ("STALLKIT_PORT", "70000"),
        ("STALLKIT_MAX_BODY_BYTES", "1023"),
        ("STALLKIT_MAX_BODY_BYTES", str(64 * 1024 * 1024 + 1)),
        ("STALLKIT_DB_POOL_MAX", "0"),
        ("STALLKIT_DB_POOL_MAX", "201"),
    ],
)
def test_out_of_range_is_a_settings_error_naming_the_variable(variable: str, raw: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({variable: raw})
    assert_one_line_naming(caught.value, variable)
    assert "$." not in str(caught.value)  # msgspec's path is translated to the variable


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("STALLKIT_PORT", "1"),
        ("STALLKIT_PORT", "65535"),
        ("STALLKIT_MAX_BODY_BYTES", "1024"),
        ("STALLKIT_DB_POOL_MAX", "200"),
    ],
)
def test_range_bounds_are_inclusive(variable: str, raw: str) -> None:
    settings = Settings.from_env({variable: raw})
    field = variable.removeprefix("STALLKIT_").lower()
    assert getattr(settings, field) == int(raw)


@pytest.mark.parametrize(
    "url",
    [
        "mysql://root@localhost/shop",
        "sqlite:relative.db",
        "postgres:/missing-slash",
        "http://example.com/db",
        "shop.sqlite3",
    ],
)
def test_bad_database_url_scheme(url: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"STALLKIT_DATABASE_URL": url})
    assert_one_line_naming(caught.value, "STALLKIT_DATABASE_URL")


@pytest.mark.parametrize("url", ["sqlite:///tmp/x.db", "sqlite://:memory:", "postgres://u@h/d", "postgresql://u@h/d"])
def test_good_database_url_schemes(url: str) -> None:
    assert Settings.from_env({"STALLKIT_DATABASE_URL": url}).database_url == url


@pytest.mark.parametrize("length", [1, 16, 31])
def test_short_secret_is_refused_without_echoing_it(length: int) -> None:
    secret = "k" * (length - 1) + "Z"
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"STALLKIT_SECRET": secret})
    assert_one_line_naming(caught.value, "STALLKIT_SECRET")
    assert secret not in str(caught.value)


def test_secret_of_32_characters_is_accepted() -> None:
    assert Settings.from_env({"STALLKIT_SECRET": "x" * 32}).secret.reveal() == "x" * 32


# --- Secret -----------------------------------------------------------------------------------


def test_secret_never_shows_in_repr_or_str_of_settings() -> None:
    settings = Settings.from_env({"STALLKIT_SECRET": SECRET_TEXT})
    renderings = [
        repr(settings),
        str(settings),
        f"{settings}",
        f"{settings!r}",
        "%s %r" % (settings, settings),  # noqa: UP031 - the %-style that logging uses
        repr(settings.secret),
        str(settings.secret),
        f"{settings.secret}",
        "{}".format(settings.secret),  # noqa: UP032
        "%s" % settings.secret,  # noqa: UP031
        repr([settings.secret]),
        repr({"secret": settings.secret}),
    ]
    for text in renderings:
        assert SECRET_TEXT not in text, text
        assert "Q" * 10 not in text, text
    assert "**" in repr(settings)
    assert settings.secret.reveal() == SECRET_TEXT


def test_secret_never_shows_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings.from_env({"STALLKIT_SECRET": SECRET_TEXT})
    with caplog.at_level(logging.INFO, logger="stallkit.test"):
        logging.getLogger("stallkit.test").info("settings %s secret %s %r", settings, settings.secret, settings.secret)
    assert caplog.records
    assert SECRET_TEXT not in caplog.text


def test_secret_does_not_show_through_a_format_spec() -> None:
    secret = Secret(SECRET_TEXT)
    for spec in (">60", "<60", "s", "^60s"):
        assert SECRET_TEXT not in f"[{secret:{spec}}]", spec


def test_with_secret_generates_once_and_keeps_it(tmp_path: Path) -> None:
    settings = Settings.from_env({"STALLKIT_DATA_DIR": str(tmp_path / "data")})
    first = settings.with_secret()
    path = tmp_path / "data" / "secret"
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.secret) >= 32
    assert first.secret.reveal() == path.read_text().strip()
    assert first.secret.reveal() not in repr(first)
    assert settings.with_secret().secret.reveal() == first.secret.reveal()
    configured = Settings.from_env({"STALLKIT_DATA_DIR": str(tmp_path / "other"), "STALLKIT_SECRET": SECRET_TEXT})
    assert configured.with_secret() is configured
    assert not (tmp_path / "other" / "secret").exists()


# --- the CLI, as a subprocess ------------------------------------------------------------------


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("STALLKIT_")}
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), base.get("PYTHONPATH", "")]))
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "storefront.cli", *args],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_one_line_failure(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("stallkit: "), line
    for needle in needles:
        assert needle in line, line
    return line


@pytest.mark.parametrize("command", [["serve"], ["migrate"], ["brand", "create", "X"]])
def test_cli_bad_port_is_exit_2_with_one_line(tmp_path: Path, command: list[str]) -> None:
    result = run_cli(*command, env={"STALLKIT_PORT": "abc", "STALLKIT_DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert_one_line_failure(result, "STALLKIT_PORT")
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_cli_unreachable_postgres_is_exit_2_with_one_line(tmp_path: Path, command: str) -> None:
    env = {"STALLKIT_DATABASE_URL": "postgres://x@127.0.0.1:1/db", "STALLKIT_DATA_DIR": str(tmp_path)}
    result = run_cli(command, env=env, cwd=tmp_path)
    assert_one_line_failure(result, "127.0.0.1:1")


def test_cli_does_not_print_the_database_password(tmp_path: Path) -> None:
    env = {"STALLKIT_DATABASE_URL": "postgres://x:hunter2secret@127.0.0.1:1/db", "STALLKIT_DATA_DIR": str(tmp_path)}
    result = run_cli("serve", env=env, cwd=tmp_path)
    line = assert_one_line_failure(result)
    assert "hunter2secret" not in line


def test_cli_short_secret_is_exit_2_without_echoing_it(tmp_path: Path) -> None:
    env = {"STALLKIT_SECRET": "tooShortSecretValue", "STALLKIT_DATA_DIR": str(tmp_path)}
    line = assert_one_line_failure(run_cli("migrate", env=env, cwd=tmp_path), "STALLKIT_SECRET")
    assert "tooShortSecretValue" not in line


def test_cli_brand_create_before_migrate_is_exit_2(tmp_path: Path) -> None:
    result = run_cli("brand", "create", "Early Bird", env={"STALLKIT_DATA_DIR": str(tmp_path / "data")}, cwd=tmp_path)
    assert_one_line_failure(result, "migrate")
    assert "pk_" not in result.stdout and "sk_" not in result.stdout


KEY_LINE = re.compile(r"^(publishable|secret) key:\s+(\S+)$", re.MULTILINE)


def test_cli_migrate_then_brand_create_stores_only_key_hashes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"STALLKIT_DATA_DIR": str(data)}
    migrated = run_cli("migrate", env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert "migrated" in migrated.stdout

    created = run_cli("brand", "create", "X", env=env, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert "Traceback" not in created.stderr
    found = dict((kind, key) for kind, key in KEY_LINE.findall(created.stdout))
    assert set(found) == {"publishable", "secret"}, created.stdout
    publishable, secret = found["publishable"], found["secret"]
    assert re.fullmatch(r"pk_[A-Za-z0-9_-]{43}", publishable)
    assert re.fullmatch(r"sk_[A-Za-z0-9_-]{43}", secret)
    assert publishable != secret

    database = data / "stallkit.sqlite3"
    assert database.exists()
    with sqlite3.connect(database) as conn:
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("SELECT * FROM api_key")]
        brands = [dict(r) for r in conn.execute("SELECT * FROM brand")]
    conn.close()
    assert [b["name"] for b in brands] == ["X"]
    assert len(rows) == 2
    stored_hashes = {r["key_hash"] for r in rows}
    assert stored_hashes == {hashlib.sha256(k.encode()).hexdigest() for k in (publishable, secret)}
    assert {r["kind"] for r in rows} == {"publishable", "secret"}
    for row in rows:
        for value in row.values():
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            assert publishable not in text and secret not in text, row
            # A listing prefix may be kept, but never enough of the key to matter.
            assert publishable[:20] not in text and secret[:20] not in text, row
    # Nowhere in the database files either (WAL and shared memory included).
    for path in data.iterdir():
        if path.name.startswith("stallkit.sqlite3"):
            blob = path.read_bytes()
            assert publishable.encode() not in blob, path
            assert secret.encode() not in blob, path

    # The same name again is refused with one line, and prints no keys.
    again = run_cli("brand", "create", "X", env=env, cwd=tmp_path)
    assert_one_line_failure(again, "'x'")
    assert "pk_" not in again.stdout


def test_cli_invalid_brand_is_exit_2_with_one_line(tmp_path: Path) -> None:
    env = {"STALLKIT_DATA_DIR": str(tmp_path / "data")}
    assert run_cli("migrate", env=env, cwd=tmp_path).returncode == 0
    assert_one_line_failure(run_cli("brand", "create", "Y", "--currency", "pounds", env=env, cwd=tmp_path), "currency")
    assert_one_line_failure(
        run_cli("brand", "create", "Y", "--timezone", "Mars/Olympus", env=env, cwd=tmp_path), "timezone"
    )
