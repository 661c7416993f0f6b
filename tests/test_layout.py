"""The seams of the layout (STYLE.md, "Seams to keep straight"), checked on the source."""

import ast
import re
from pathlib import Path

import portique

SRC = Path(portique.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_core_imports_no_other_app_of_portique() -> None:
    reaching_out = {
        f"{path.relative_to(SRC)}: {name}"
        for path in (SRC / "core").rglob("*.py")
        for name in _imports(path)
        if name.startswith("portique.") and not name.startswith("portique.core")
    }

    assert reaching_out == set()


def test_no_caller_asks_which_account_store_it_has() -> None:
    stores = SRC / "accounts" / "stores"
    asking = {
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if stores not in path.parents and "SqlAccountStore" in path.read_text()
    }

    assert asking == set()


# An Account built, or Account rows created in bulk or one by one.
ACCOUNT_WRITE = re.compile(r"\bAccount\(|\bAccount\.objects\.(bulk_|create|get_or_create)")


def test_only_the_accounts_app_writes_account_rows() -> None:
    writing = {
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "accounts" not in path.relative_to(SRC).parts and ACCOUNT_WRITE.search(path.read_text())
    }

    assert writing == set()


def test_mail_queueing_task_and_delivery_import_each_other_one_way() -> None:
    mail = SRC / "mail"
    imported = {name: _imports(mail / f"{name}.py") for name in ("services", "tasks", "delivery")}

    assert "portique.mail.services" not in imported["tasks"] | imported["delivery"]
    assert "portique.mail.tasks" not in imported["delivery"]
