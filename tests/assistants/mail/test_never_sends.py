"""No code path sends mail: the mail assistant's package never imports smtplib (nor any other
mail-sending module), neither in its source nor once every module of it is loaded."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import causerie.assistants.mail as package

SENDING = {"smtplib", "smtpd", "aiosmtplib", "aiosmtpd", "yagmail", "emails"}


def _modules() -> list[Path]:
    return sorted(Path(package.__file__).parent.rglob("*.py"))


def test_no_module_of_the_package_imports_a_mail_sender() -> None:
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in SENDING]
        assert "smtp" not in path.read_text(encoding="utf-8").lower().replace("no smtp", ""), (
            f"{path} mentions SMTP"
        )
    assert len(_modules()) >= 8 and found == []


def test_loading_every_module_leaves_smtplib_unimported() -> None:
    names = ["causerie.assistants.mail." + p.stem for p in _modules() if p.stem != "__init__"]
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(SENDING)!r}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
