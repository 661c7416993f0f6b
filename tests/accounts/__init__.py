import pytest

# The shared helpers and fixtures are imported by the test modules before pytest loads them
# as a plugin: registered here, their asserts are still rewritten.
pytest.register_assert_rewrite("tests.support.after_activation")
