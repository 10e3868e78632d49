"""`causerie users`, `causerie tokens` and `causerie serve`, end to end."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner
from web_helpers import PASSWORD, free_port

from causerie.accounts import SQLiteAccountStore
from causerie.cli.main import cli


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_users_create_list_and_password_rules(isolated_home: Path) -> None:
    made = run("users", "create", "alice", "--password-stdin", input=PASSWORD + "\n")
    assert made.exit_code == 0, made.stderr
    assert made.stdout == "" and "alice" in made.stderr
    prompted = run("users", "create", "bob", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.stderr
    assert PASSWORD not in prompted.output
    listed = run("users", "list")
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == ["alice", "bob"]

    short = run("users", "create", "carol", "--password-stdin", input="short\n")
    assert short.exit_code == 1
    assert "error: password: is too short (5 characters; at least 10)" in short.stderr
    taken = run("users", "create", "ALICE", "--password-stdin", input=PASSWORD + "\n")
    assert taken.exit_code == 1 and "taken" in taken.stderr
    bad = run("users", "create", "a b", "--password-stdin", input=PASSWORD + "\n")
    assert bad.exit_code == 1 and "not a valid user name" in bad.stderr

    accounts = SQLiteAccountStore.in_folder(isolated_home)
    assert accounts.authenticate("alice", PASSWORD) is not None
    assert [u.name for u in accounts.list_users()] == ["alice", "bob"]
    accounts.close()


def test_tokens_create_prints_only_the_token_on_stdout(isolated_home: Path) -> None:
    run("users", "create", "alice", "--password-stdin", input=PASSWORD + "\n")
    created = run("tokens", "create", "--user", "alice", "--label", "laptop")
    assert created.exit_code == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("cz_") and created.stdout == token + "\n"
    assert "shown only this once" in created.stderr
    by_group = run("--user", "alice", "tokens", "create")
    assert by_group.exit_code == 0 and by_group.stdout.startswith("cz_")
    nobody = run("tokens", "create")
    assert nobody.exit_code == 2 and "--user" in nobody.stderr
    missing = run("tokens", "create", "--user", "ghost")
    assert missing.exit_code == 1 and "ghost" in missing.stderr

    listed = run("tokens", "list", "--user", "alice").stdout.splitlines()
    assert len(listed) == 2 and "laptop" in listed[0] and token not in "\n".join(listed)
    accounts = SQLiteAccountStore.in_folder(isolated_home)
    assert accounts.user_for_token(token).name == "alice"  # type: ignore[union-attr]
    revoked = run("tokens", "revoke", listed[0].split("\t")[0], "--user", "alice")
    assert revoked.exit_code == 0
    assert accounts.user_for_token(token) is None
    again = run("tokens", "revoke", token, "--user", "alice")
    assert again.exit_code == 1 and "not found" in again.stderr
    accounts.close()


def test_serve_runs_the_web_app(isolated_home: Path) -> None:
    run("users", "create", "alice", "--password-stdin", input=PASSWORD + "\n")
    token = run("tokens", "create", "--user", "alice").stdout.strip()
    port = free_port()
    env = {**os.environ, "CAUSERIE_HOME": str(isolated_home), "CAUSERIE_PROVIDER": "fake",
           "CAUSERIE_EMBEDDER": "fake"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "causerie", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/api/me",
                    headers={"Authorization": f"Bearer {token}"},
                )
                break
            except httpx.TransportError:
                assert server.poll() is None, server.communicate()[1]
                assert time.monotonic() < deadline, "causerie serve did not start"
                time.sleep(0.2)
        assert response.json()["name"] == "alice"
        login = httpx.get(f"http://127.0.0.1:{port}/login")
        assert login.status_code == 200 and "<form" in login.text
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}/" in stderr
