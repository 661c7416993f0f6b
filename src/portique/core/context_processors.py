from typing import Any

from django.conf import settings
from django.http import HttpRequest


def branding(request: HttpRequest) -> dict[str, Any]:
    """Give every template the institution's name and addresses."""
    return {
        "institution_name": settings.PORTIQUE_INSTITUTION_NAME,
        "ent_url": settings.PORTIQUE_ENT_URL,
        "charter_url": settings.PORTIQUE_CHARTER_URL,
        "demo_mode": settings.DEBUG or settings.PORTIQUE_DEMO,
        "logo_url": settings.PORTIQUE_LOGO_URL,
        "brand_stylesheet": settings.PORTIQUE_BRAND_STYLESHEET_URL,
    }
