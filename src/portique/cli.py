"""The `portique` command: Django's manage.py with Portique's settings preset.

`portique add-person` and `portique add_person` are the same command.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
        if argv[1] == "demo":
            # The demo may invent its own secret key and shows mails at /dev/mail/.
            os.environ.setdefault("PORTIQUE_DEMO", "true")
            port = os.environ.get("PORT", "8000")
            os.environ.setdefault("PORTIQUE_BASE_URL", f"http://127.0.0.1:{port}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portique.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
