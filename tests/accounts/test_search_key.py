"""Person.search_key, the folded names the SQL store's directory search matches, and
Person.last_name_key, the folded last name people are listed by: right whichever way people
are written (one by one, in bulk as the HR import does), and filled for the people who
existed before them."""

import importlib
from collections.abc import Callable

import pytest
from django.apps import apps

from portique.accounts.folding import fold, query_words, search_key, sort_key
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


def test_people_are_listed_by_last_name_then_first_name_folded() -> None:
    names = [("Zoé", "Zola"), ("Paul", "Éluard"), ("Anna", "de La Fontaine"), ("Élise", "Éluard")]

    assert sorted(names, key=lambda n: sort_key(*n)) == [
        ("Anna", "de La Fontaine"),
        ("Élise", "Éluard"),
        ("Paul", "Éluard"),
        ("Zoé", "Zola"),
    ]


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

    with pytest.raises(TypeError, match="keep the keys"):
        Person.objects.filter(login="elodie.lefevre").update(last_name="Bénard")


def test_other_fields_changed_by_a_queryset_update_leave_the_key() -> None:
    person().save()

    Person.objects.filter(login="elodie.lefevre").update(department="UFR Sciences")

    assert stored_key() == "elodie lefevre-durand"


def stored_last_name_key(login: str = "elodie.lefevre") -> str:
    return Person.objects.values_list("last_name_key", flat=True).get(login=login)


def rename_by_save(elodie: Person) -> None:
    elodie.save()


def rename_by_save_of_the_name(elodie: Person) -> None:
    elodie.save(update_fields=["last_name"])


def rename_in_bulk(elodie: Person) -> None:
    Person.objects.bulk_update([elodie], ["last_name"])


def rename_by_bulk_upsert(elodie: Person) -> None:
    # No caller does this yet; the queryset keeps it right for the one who will.
    elodie.pk = None
    Person.objects.bulk_create(
        [elodie], update_conflicts=True, unique_fields=["login"], update_fields=["last_name"]
    )


@pytest.mark.parametrize(
    "rename", [rename_by_save, rename_by_save_of_the_name, rename_in_bulk, rename_by_bulk_upsert]
)
def test_the_last_name_key_follows_the_last_name_however_it_is_written(
    rename: Callable[[Person], None],
) -> None:
    elodie = person()
    elodie.save()
    assert stored_last_name_key() == "lefevre-durand"

    elodie.last_name = "Éluard"
    rename(elodie)

    assert (stored_last_name_key(), stored_key()) == ("eluard", "elodie eluard")


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


def test_the_migration_gives_existing_people_their_last_name_key() -> None:
    Person.objects.bulk_create([person(), person("paul.eluard", last_name="Éluard")])
    Person.objects.update(last_name_key="")
    migration = importlib.import_module("portique.accounts.migrations.0004_person_last_name_key")

    migration.fill_last_name_keys(apps, None)

    assert (stored_last_name_key(), stored_last_name_key("paul.eluard")) == (
        "lefevre-durand",
        "eluard",
    )
    names = ["Élodie", "LEFÈVRE-DURAND", "Dvořák", "Nguyễn", "Søren", "Weiß", "ﬁlipe"]
    assert [migration._fold(name) for name in names] == [fold(name) for name in names]
