"""The database session store (core.sessions): Django's behaviour, in fewer and cheaper
statements."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session

from portique.core import clock
from portique.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def stored(**data: object) -> SessionStore:
    session = SessionStore()
    session.update(data)
    session.save()
    return session


def test_a_stored_session_is_loaded_with_its_data() -> None:
    key = stored(activation_flow="f-1", step=3).session_key

    assert dict(SessionStore(key).items()) == {"activation_flow": "f-1", "step": 3}


def test_a_change_is_saved_under_the_same_key() -> None:
    session = stored(step=3)
    session["step"] = 4
    session.save()

    assert dict(SessionStore(session.session_key).items()) == {"step": 4}
    assert Session.objects.count() == 1


def test_saving_pushes_the_expiry_further() -> None:
    session = stored(step=3)
    before = Session.objects.get().expire_date
    with time_machine.travel(clock.now() + timedelta(minutes=10)):
        session["step"] = 4
        session.save()

    assert Session.objects.get().expire_date >= before + timedelta(minutes=10)


def test_an_expired_session_loads_empty_and_is_not_revived() -> None:
    old = stored(step=3)
    with time_machine.travel(clock.now() + timedelta(days=2)):
        session = SessionStore(old.session_key)
        assert dict(session.items()) == {}
        session["step"] = 1
        session.save()

    assert session.session_key != old.session_key


def test_an_unknown_key_loads_empty() -> None:
    assert dict(SessionStore("k" * 32).items()) == {}


def test_saving_a_session_ended_meanwhile_is_an_update_error() -> None:
    # Ended from another tab (« Quitter », a logout) while this request was served.
    session = stored(step=3)
    Session.objects.all().delete()
    session["step"] = 4

    with pytest.raises(UpdateError):
        session.save()
