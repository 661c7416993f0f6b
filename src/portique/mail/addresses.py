"""What makes an address outside the university usable by Portique (a recovery address, a
redirection, HR's personal address): the checks the activation's forms and the HR import
share."""

from django.conf import settings


def is_institution_address(address: str) -> bool:
    """Tell whether `address` is of the institution's own mail domain (or a subdomain): it
    would not help recover the account, and as a redirection it would loop."""
    domain = address.rsplit("@", 1)[-1].lower()
    own = settings.PORTIQUE_MAIL_DOMAIN.lower()
    return domain == own or domain.endswith("." + own)
