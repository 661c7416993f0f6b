"""What the tests share besides fixtures: pages read as a person reads them (pages.py),
the flow of a person (flows.py), mails and their links (mail.py), and walking a browser
through the activation (walkers.py, walks.py)."""

import pytest

# Test modules import after_activation's helpers before pytest loads it as a plugin:
# registered here, before it is imported, its asserts are rewritten whichever test package
# imports it first.
pytest.register_assert_rewrite("tests.support.after_activation")
