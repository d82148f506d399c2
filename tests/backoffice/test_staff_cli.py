"""``stallkit staff create`` and ``stallkit staff reset-link``, as an operator runs them (another process)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys

from storefront.backoffice import StaffAccount, accounts, passwords, resets
from storefront.clock import utcnow
from storefront.settings import Settings
from tests.conftest import MakeBrand
from tests.live import ROOT


def staff_cli(settings: Settings, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "STALLKIT_DATABASE_URL": settings.database_url,
        "STALLKIT_DATA_DIR": settings.data_dir,
        "STALLKIT_SECRET": settings.secret.reveal(),
        "STALLKIT_PUBLIC_URL": settings.public_base_url,
    }
    env.pop("STALLKIT_STAFF_PASSWORD", None)
    if password is not None:
        env["STALLKIT_STAFF_PASSWORD"] = password
    return subprocess.run(  # noqa: S603 - our own CLI, fixed argv
        [sys.executable, "-m", "storefront.cli", "staff", *args],
        env=env, capture_output=True, text=True, cwd=ROOT, timeout=60, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip


async def test_staff_create_then_a_reset_link_that_signs_in(database: Settings, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    email = f"grace-{brand.brand.handle}@example.com"
    made = await asyncio.to_thread(
        staff_cli, database, "create", "--brand", brand.brand.handle, "--email", email, "--role", "owner",
        "--name", "Grace",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    [password] = re.findall(r"password: (\S+)", made.stdout)  # none given, none typed: one made up and shown once
    account = await StaffAccount.get(email=email)
    assert (account.role, account.name, account.brand_id) == ("owner", "Grace", brand.brand.id)
    assert passwords.verify(account.password_hash, password) and password not in account.password_hash
    again = await asyncio.to_thread(staff_cli, database, "create", "--brand", brand.brand.handle, "--email", email)
    assert again.returncode == 2 and "already has a staff account" in again.stderr and "Traceback" not in again.stderr

    link = await asyncio.to_thread(staff_cli, database, "reset-link", "--email", email)
    assert link.returncode == 0, link.stderr
    [url] = re.findall(r"(\S+/admin/reset/\S+)", link.stdout)
    assert url.startswith(f"{database.public_base_url}/admin/reset/")
    await resets.use(url.rsplit("/", 1)[1], "a passphrase of my own", utcnow())
    assert (await accounts.sign_in(email, "a passphrase of my own", utcnow())).id == account.id


async def test_staff_create_refuses_in_one_line(database: Settings, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    cases = [
        (["create", "--brand", "no-such-brand", "--email", "x@example.com"], "no brand with handle"),
        (["create", "--brand", brand.brand.handle, "--email", "x@example.com", "--role", "stall"], "names its event"),
        (["create", "--brand", brand.brand.handle, "--email", "x@example.com", "--event", "nope"], "an event's id"),
        (["reset-link", "--email", "nobody@example.com"], "no staff account"),
    ]
    for args, words in cases:
        done = await asyncio.to_thread(staff_cli, database, *args)
        assert done.returncode == 2 and words in done.stderr, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1
    weak = await asyncio.to_thread(
        staff_cli, database, "create", "--brand", brand.brand.handle, "--email", "w@example.com", password="short"
    )
    assert weak.returncode == 2 and "at least 12 characters" in weak.stderr
