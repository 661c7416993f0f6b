import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portique.settings")

application = get_wsgi_application()

# Load the password dictionaries now, not on someone's first password: with gunicorn's
# --preload (as `portique serve` runs it) the workers then share one copy.
from portique.passwords import policy  # noqa: E402

policy.dictionary()
policy.common_passwords()
