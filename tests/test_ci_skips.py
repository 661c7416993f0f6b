"""In CI a skipped test fails (tests/conftest.py): a test that needs a missing service, such
as Chromium for tests/e2e, never passes silently there."""

import contextlib
from typing import Any

import pytest
from pluggy import Result

from tests import conftest

CHROMIUM_MISSING = "install Debian's chromium (apt-get install chromium)"


def report(outcome: str, longrepr: Any = None, **extra: Any) -> pytest.TestReport:
    made = pytest.TestReport(
        "tests/e2e/test_x.py::test_x",
        ("tests/e2e/test_x.py", 1, "test_x"),
        {},
        outcome,  # type: ignore[arg-type]
        longrepr,
        "setup",
    )
    for name, value in extra.items():
        setattr(made, name, value)
    return made


def reported(made: pytest.TestReport) -> pytest.TestReport:
    """Run the hook around `made`, as pytest does, and return the report it leaves."""
    hook = conftest.pytest_runtest_makereport(item=None, call=None)  # type: ignore[arg-type]
    next(hook)
    with contextlib.suppress(StopIteration):
        hook.send(Result(made, None))
    return made


def skipped() -> pytest.TestReport:
    return report("skipped", ("tests/e2e/conftest.py", 30, f"Skipped: {CHROMIUM_MISSING}"))


def test_skip_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")

    assert reported(skipped()).outcome == "failed"


def test_skip_in_ci_says_why_it_was_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")

    assert reported(skipped()).longrepr == f"skipped in CI: {CHROMIUM_MISSING}"


def test_skip_stays_a_skip_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)

    assert reported(skipped()).outcome == "skipped"


def test_skip_stays_a_skip_when_ci_is_not_true(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "false")

    assert reported(skipped()).outcome == "skipped"


def test_expected_failure_stays_expected_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    xfailed = report("skipped", None, wasxfail="known bug")

    assert reported(xfailed).outcome == "skipped"


def test_passed_test_stays_passed_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")

    assert reported(report("passed")).outcome == "passed"
