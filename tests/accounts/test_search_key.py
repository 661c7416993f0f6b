"""Person.search_key, the folded names the SQL store's directory search matches: right
whichever way people are written (one by one, in bulk as the HR import does), and filled
for the people who existed before it."""

import importlib

import pytest
from django.apps import apps

from portique.accounts.folding import fold, query_words, search_key
from portique.accounts.models import Person

pytestmark = pytest.mark.django_db


def person(login: str = "elodie.lefevre", **names: str) -> Person:
    return Person(
        login=login,
        first_name=names.get("first_name", "Élodie"),
        last_name=names.get("last_name", "Lefèvre-Durand"),
        category="staff",
    )


def stored_key(login: str = "elodie.lefevre") -> str:
    return Person.objects.values_list("search_key", flat=True).get(login=login)


# --- Folding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Élodie", "elodie"),
        ("LEFÈVRE-DURAND", "lefevre-durand"),
        ("Françoise D'Arçy", "francoise d'arcy"),
        ("Dvořák", "dvorak"),
        ("Nguyễn", "nguyen"),
        ("Ştefan Şandor", "stefan sandor"),
    ],
)
def test_fold_lowers_the_case_and_drops_the_accents(name: str, folded: str) -> None:
    assert fold(name) == folded


@pytest.mark.parametrize("name", ["Søren", "Łukasz", "Lætitia", "Œuvrard", "Weiß"])
def test_fold_keeps_letters_that_are_not_a_letter_with_accents(name: str) -> None:
    assert fold(name) == name.lower()


def test_query_words_are_folded_and_split_on_any_space() -> None:
    assert query_words("  Hélène\u00a0LEFÈVRE\t") == ["helene", "lefevre"]


def test_the_key_puts_a_space_between_the_names() -> None:
    assert search_key("Jean-Noël", "de La Fontaine") == "jean-noel de la fontaine"


# --- Kept up to date ----------------------------------------------------------------------


def test_a_created_person_has_the_folded_names_as_key() -> None:
    person().save()

    assert stored_key() == "elodie lefevre-durand"


def test_saving_a_new_name_changes_the_key() -> None:
    elodie = person()
    elodie.save()

    elodie.last_name = "Bénard"
    elodie.save()

    assert stored_key() == "elodie benard"


def test_saving_only_the_name_changes_the_key() -> None:
    # What the HR import does for a person it renames one at a time (LDAP store).
    elodie = person()
    elodie.save()

    elodie.last_name = "Bénard"
    elodie.save(update_fields=["last_name"])

    assert stored_key() == "elodie benard"


def test_people_created_in_bulk_have_their_key() -> None:
    Person.objects.bulk_create([person(), person("lea.bernard", first_name="Léa")])

    assert (stored_key(), stored_key("lea.bernard")) == (
        "elodie lefevre-durand",
        "lea lefevre-durand",
    )


def test_names_updated_in_bulk_change_the_key() -> None:
    # What the HR import does for the people it renames, on the SQL store.
    Person.objects.bulk_create([person()])
    elodie = Person.objects.get(login="elodie.lefevre")

    elodie.first_name = "Hélène"
    Person.objects.bulk_update([elodie], ["first_name"])

    assert stored_key() == "helene lefevre-durand"


def test_names_changed_by_a_queryset_update_are_refused() -> None:
    person().save()

    with pytest.raises(TypeError, match="search_key"):
        Person.objects.filter(login="elodie.lefevre").update(last_name="Bénard")


def test_other_fields_changed_by_a_queryset_update_leave_the_key() -> None:
    person().save()

    Person.objects.filter(login="elodie.lefevre").update(department="UFR Sciences")

    assert stored_key() == "elodie lefevre-durand"


# --- People who existed before the key ----------------------------------------------------


def test_the_migration_gives_existing_people_their_key() -> None:
    Person.objects.bulk_create([person(), person("lea.bernard", first_name="Léa")])
    Person.objects.update(search_key="")
    migration = importlib.import_module("portique.accounts.migrations.0003_person_search_key")

    migration.fill_search_keys(apps, None)

    assert (stored_key(), stored_key("lea.bernard")) == (
        "elodie lefevre-durand",
        "lea lefevre-durand",
    )


def test_the_migration_folds_names_as_the_code_does() -> None:
    # The migration holds a frozen copy of fold(): both must write the same keys.
    migration = importlib.import_module("portique.accounts.migrations.0003_person_search_key")
    names = ["Élodie", "LEFÈVRE-DURAND", "Dvořák", "Nguyễn", "Søren", "Weiß", "ﬁlipe"]

    assert [migration._fold(name) for name in names] == [fold(name) for name in names]
