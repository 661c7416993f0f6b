"""The pages around the activation: the ENT-like home page, "Problème de connexion", the
charter."""

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache


class LoginForm(forms.Form):
    username = forms.CharField(label=_("IDENTIFIANT"), max_length=254)
    password = forms.CharField(label=_("MOT DE PASSE"), strip=False, widget=forms.PasswordInput)


@never_cache
def home(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    unavailable = request.method == "POST"
    return render(request, "core/home.html", {"form": form, "login_unavailable": unavailable})


def connection_problem(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/connection_problem.html",
        {"activation_url": reverse("activation:identifier")},
    )


def charter(request: HttpRequest) -> HttpResponse:
    return render(
        request, "core/charter.html", {"charter_version": settings.PORTIQUE_CHARTER_VERSION}
    )
