"""Static files under names that carry their content's hash, served as immutable: a new
release's stylesheet has a new name, so no browser keeps an old one."""

import re

import pytest
from django.test import Client

STYLESHEET_RE = re.compile(r'href="/static/portique/portique\.([0-9a-f]{12})\.css"')


@pytest.mark.django_db
def test_page_names_the_stylesheet_by_its_hash(client: Client) -> None:
    page = client.get("/").content.decode()

    assert len(STYLESHEET_RE.findall(page)) == 1


@pytest.mark.django_db
def test_hashed_stylesheet_is_served_as_immutable_for_ten_years(client: Client) -> None:
    (digest,) = STYLESHEET_RE.findall(client.get("/").content.decode())

    response = client.get(f"/static/portique/portique.{digest}.css")

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"


def test_stylesheet_under_its_plain_name_is_cached_briefly(client: Client) -> None:
    response = client.get("/static/portique/portique.css")

    assert response.status_code == 200
    assert "immutable" not in response["Cache-Control"]
