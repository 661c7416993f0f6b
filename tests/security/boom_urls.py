"""The portal's URLs plus one page that fails, to see what a person sees of an error."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from portique.urls import handler404, handler500
from portique.urls import urlpatterns as base


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom: internals a visitor must never see")


urlpatterns = [path("boom/", boom), *base]

__all__ = ["handler404", "handler500", "urlpatterns"]
