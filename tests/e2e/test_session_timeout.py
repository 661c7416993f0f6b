"""The warning before the session ends (WCAG 2.2.1), in Chromium: it takes the focus, the
keyboard extends the session and gets the focus back, axe finds nothing, it fits a phone,
and when the time is up the page says so without leaving what was typed.

The page's clock is Playwright's (`page.clock`): fast-forwarding it brings the 30 minutes of
the idle timeout to the browser at once, while the server keeps its real time, so that the
session on the server is alive until a test ends it."""

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import Locator, Page, expect

from portique.core.middleware import SESSION_STARTED_AT
from tests.e2e.support import (
    Visitor,
    axe_violations,
    describe,
    horizontal_overflow,
    small_touch_targets,
    snap,
)
from tests.factories import DemoPerson, PersonFactory

WARNING = "Votre session va bientôt expirer"
EXTEND = "Prolonger la session"
ENDED = "Votre session a pris fin"
# The idle timeout is 30 minutes and the warning comes 2 minutes before its end.
BEFORE_THE_WARNING = "27:55"
INTO_THE_WARNING = "28:05"
PAST_THE_END = "30:05"


@pytest.fixture
def person(transactional_db: None) -> DemoPerson:
    return PersonFactory(login="jane.doe", first_name="Jane", last_name="Doe", category="staff")


def at_step_2(page: Page, base_url: str, person: DemoPerson) -> Visitor:
    """An activation in progress: its session holds the identifier. The page's clock is
    Playwright's from the first page on."""
    page.clock.install()
    visitor = Visitor(page, base_url)
    visitor.goto("/activation/")
    visitor.identify(person.login)
    expect(page.get_by_label("Mot de passe provisoire")).to_be_visible()
    # The deferred scripts have run: session.js counts from the page's arrival.
    page.wait_for_load_state("load")
    return visitor


def warning(page: Page) -> Locator:
    return page.get_by_role("alertdialog", name=WARNING)


def only_session() -> Session:
    return Session.objects.get()


def test_warning_takes_the_focus_and_the_keyboard_extends_the_session(
    window: Callable[..., Page], live_server: Any, person: DemoPerson
) -> None:
    page = window()
    visitor = at_step_2(page, live_server.url, person)
    field = page.get_by_label("Mot de passe provisoire")
    field.fill(person.provisional_password)
    expires = only_session().expire_date

    page.clock.fast_forward(BEFORE_THE_WARNING)
    expect(page.get_by_role("button", name=EXTEND)).to_have_count(0)
    page.clock.fast_forward("00:05")

    expect(warning(page)).to_be_visible()
    # 2 minutes, or 1 when this machine took more than 4 seconds since the page came.
    expect(warning(page)).to_contain_text(
        re.compile(r"Sans action de votre part, elle sera fermée dans (2\sminutes|1\sminute) ;")
    )
    button = warning(page).get_by_role("button", name=EXTEND)
    expect(button).to_be_focused()
    assert axe_violations(page) == [], describe(axe_violations(page))
    snap(page, "session/warning")

    page.keyboard.press("Enter")

    expect(warning(page)).to_have_count(0)
    expect(field).to_be_focused()
    expect(field).to_have_value(person.provisional_password)
    extended = page.get_by_role("status").filter(has_text="Votre session est prolongée.")
    expect(extended).to_have_count(1)
    assert only_session().expire_date > expires
    visitor.next()
    expect(page.get_by_label("Adresse mail de secours", exact=True)).to_be_visible()


def test_warning_fits_a_phone_and_keeps_still_for_reduced_motion(
    window: Callable[..., Page], live_server: Any, person: DemoPerson
) -> None:
    page = window(phone=True)
    page.emulate_media(reduced_motion="reduce")
    at_step_2(page, live_server.url, person)

    page.clock.fast_forward(INTO_THE_WARNING)

    expect(warning(page)).to_be_visible()
    snap(page, "session/warning-phone")
    assert horizontal_overflow(page) == 0
    assert small_touch_targets(page) == []
    assert warning(page).evaluate("el => getComputedStyle(el).animationName") == "none"


def test_time_running_out_says_the_session_has_ended_and_keeps_the_page(
    window: Callable[..., Page], live_server: Any, person: DemoPerson
) -> None:
    page = window()
    at_step_2(page, live_server.url, person)
    page.get_by_label("Mot de passe provisoire").fill("typed-but-not-sent")
    address = page.url

    page.clock.fast_forward(INTO_THE_WARNING)
    expect(warning(page)).to_be_visible()
    page.clock.fast_forward("02:00")

    notice = page.get_by_role("alert").filter(has_text=ENDED)
    expect(notice).to_be_visible()
    expect(notice).to_be_focused()
    start_again = notice.get_by_role("link", name="Recommencer depuis la page d'accueil")
    expect(start_again).to_have_attribute("href", "/")
    expect(warning(page)).to_have_count(0)
    assert page.url == address
    expect(page.get_by_label("Mot de passe provisoire")).to_have_value("typed-but-not-sent")
    assert axe_violations(page) == [], describe(axe_violations(page))
    snap(page, "session/ended")


def test_extending_a_session_the_server_ended_says_it_has_ended(
    window: Callable[..., Page], live_server: Any, person: DemoPerson
) -> None:
    page = window()
    at_step_2(page, live_server.url, person)
    page.clock.fast_forward(INTO_THE_WARNING)
    expect(warning(page).get_by_role("button", name=EXTEND)).to_be_focused()
    Session.objects.all().delete()

    page.keyboard.press("Enter")

    expect(page.get_by_role("alert").filter(has_text=ENDED)).to_be_focused()


def test_extension_that_cannot_reach_the_server_says_so_and_can_be_tried_again(
    window: Callable[..., Page], live_server: Any, person: DemoPerson
) -> None:
    page = window()
    at_step_2(page, live_server.url, person)
    page.route("**/session/prolonger/", lambda route: route.abort())
    page.clock.fast_forward(INTO_THE_WARNING)
    button = warning(page).get_by_role("button", name=EXTEND)

    page.keyboard.press("Enter")

    expect(warning(page).get_by_role("alert")).to_have_text(
        "La session n'a pas pu être prolongée. Vérifiez votre connexion, puis réessayez."
    )
    expect(button).to_be_focused()
    page.unroute("**/session/prolonger/")
    page.keyboard.press("Enter")
    expect(warning(page)).to_have_count(0)


def test_warning_before_the_absolute_lifetime_offers_no_extension(
    window: Callable[..., Page], live_server: Any, person: DemoPerson, settings: Any
) -> None:
    page = window()
    visitor = at_step_2(page, live_server.url, person)
    settings.PORTIQUE_SESSION_ABSOLUTE_HOURS = 1
    record = only_session()
    data = record.get_decoded()
    data[SESSION_STARTED_AT] -= 55 * 60  # begun 55 minutes ago: 5 minutes left
    Session.objects.filter(pk=record.pk).update(session_data=Session.objects.encode(data))
    visitor.goto("/activation/mot-de-passe-provisoire/")
    field = page.get_by_label("Mot de passe provisoire")
    field.focus()

    page.clock.fast_forward("03:05")

    final = page.get_by_role("alertdialog", name="Votre session va bientôt prendre fin")
    expect(final).to_contain_text("au terme de sa durée maximale, et ne peut pas être prolongée")
    expect(page.get_by_role("button", name=EXTEND)).to_have_count(0)
    expect(final.get_by_role("button", name="J'ai compris")).to_be_focused()
    page.keyboard.press("Enter")
    expect(final).to_have_count(0)
    expect(field).to_be_focused()


def test_extending_in_one_tab_lifts_the_warning_in_the_other(
    window: Callable[..., Page], live_server: Any, person: DemoPerson
) -> None:
    first = window()
    at_step_2(first, live_server.url, person)
    second = first.context.new_page()
    second.goto(first.url)
    first.clock.fast_forward(INTO_THE_WARNING)
    expect(warning(first)).to_be_visible()
    expect(warning(second)).to_be_visible()

    warning(second).get_by_role("button", name=EXTEND).press("Enter")

    expect(warning(second)).to_have_count(0)
    expect(warning(first)).to_have_count(0)


def test_page_without_a_session_never_warns(
    window: Callable[..., Page], live_server: Any, transactional_db: None
) -> None:
    page = window()
    page.clock.install(time=datetime.now())
    page.goto(live_server.url + "/")
    expect(page.get_by_label("IDENTIFIANT")).to_be_visible()

    page.clock.fast_forward(PAST_THE_END)

    assert page.evaluate("() => document.body.dataset.sessionSecondsLeft") is None
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.get_by_role("alert")).to_have_count(0)
