"""The typo spotter: a domain one or two typos away from a common provider's is corrected;
the providers themselves and every other domain are left alone."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portique.mail.typos import COMMON_DOMAINS, _distance, suggest

MISSPELT = [
    ("perso@gmial.com", "perso@gmail.com"),
    ("perso@hotmial.fr", "perso@hotmail.fr"),
    ("perso@yahoo.fe", "perso@yahoo.fr"),
    ("perso@orange.f", "perso@orange.fr"),
    ("perso@wanadoo.fe", "perso@wanadoo.fr"),
    ("perso@gmai.com", "perso@gmail.com"),
    ("perso@fre.fr", "perso@free.fr"),
]

UNRELATED = [
    "umontpellier.fr",
    "univ-lyon1.fr",
    "edu.com",
    "gouv.fr",
    "example.org",
]

# Each one letter away from a bigger provider (gmail.com, gmx.fr): still a real provider.
NEIGHBOURS_OF_BIGGER_PROVIDERS = ["mail.com", "gmx.de"]


@pytest.mark.parametrize(("typed", "suggested"), MISSPELT, ids=[t for t, _ in MISSPELT])
def test_misspelt_provider_is_corrected(typed: str, suggested: str) -> None:
    assert suggest(typed) == suggested


@pytest.mark.parametrize("domain", COMMON_DOMAINS)
def test_provider_itself_gets_no_suggestion(domain: str) -> None:
    assert suggest(f"perso@{domain}") is None


@pytest.mark.parametrize("domain", COMMON_DOMAINS)
def test_provider_in_capitals_gets_no_suggestion(domain: str) -> None:
    assert suggest(f"Perso@{domain.upper()}") is None


@pytest.mark.parametrize("domain", ["Gmail.Com", "HotMail.fr", "Orange.FR", "yahoo.FR"])
def test_provider_in_mixed_case_gets_no_suggestion(domain: str) -> None:
    assert suggest(f"perso@{domain}") is None


@pytest.mark.parametrize("domain", UNRELATED)
def test_university_or_company_domain_gets_no_suggestion(domain: str) -> None:
    assert suggest(f"jean.dupont@{domain}") is None


@pytest.mark.parametrize("domain", NEIGHBOURS_OF_BIGGER_PROVIDERS)
def test_provider_close_to_a_bigger_one_gets_no_suggestion(domain: str) -> None:
    assert suggest(f"perso@{domain}") is None


def test_suggestion_keeps_the_local_part_as_typed() -> None:
    assert suggest("Jean.Dupont+Portail@gmial.com") == "Jean.Dupont+Portail@gmail.com"


def test_suggestion_for_a_domain_typed_in_capitals_keeps_the_local_part() -> None:
    assert suggest("Jean.Dupont@GMIAL.COM") == "Jean.Dupont@gmail.com"


@pytest.mark.parametrize("typed", ["gmial.com", "@gmial.com", "perso@", ""])
def test_text_without_a_local_part_or_domain_gets_no_suggestion(typed: str) -> None:
    assert suggest(typed) is None


def _suggest_by_comparing_every_provider(address: str) -> str | None:
    local, _, domain = address.rpartition("@")
    domain = domain.lower()
    if domain in COMMON_DOMAINS:
        return None
    best = min(COMMON_DOMAINS, key=lambda known: _distance(domain, known))
    allowed = 2 if len(best) >= 8 else 1
    return f"{local}@{best}" if _distance(domain, best) <= allowed else None


# Domains near the providers' (a few edits of one) and anywhere else.
_EDITED = st.builds(
    lambda known, cut, extra: known[:cut] + extra + known[cut + 1 :],
    st.sampled_from(COMMON_DOMAINS),
    st.integers(min_value=0, max_value=14),
    st.text(alphabet="abcdefghilmnoprstu.-", max_size=3),
)


@given(st.one_of(_EDITED, st.text(alphabet="abcdefghijklmnopqrstuvwxyz.-", min_size=1)))
def test_skipping_providers_of_another_length_changes_no_suggestion(domain: str) -> None:
    address = f"perso@{domain}"
    assert suggest(address) == _suggest_by_comparing_every_provider(address)
