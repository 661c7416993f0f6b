"""Two callers at the same instant, each in a thread of its own with its own database
connection, as two browser tabs or two workers are: what each returned or raised."""

import threading
from collections.abc import Callable

from django.db import connection


def at_once(call: Callable[[threading.Barrier], object], count: int = 2) -> list[object]:
    """Run `call(barrier)` in `count` threads; each waits on the barrier where the race
    should begin. Return each outcome: the value returned, or the exception raised."""
    barrier = threading.Barrier(count, timeout=10)
    outcomes: list[object] = []
    guard = threading.Lock()

    def run() -> None:
        try:
            result: object = call(barrier)
        # Any exception is kept rather than lost in the thread: it is the outcome under test.
        except Exception as error:
            result = error
        finally:
            connection.close()
        with guard:
            outcomes.append(result)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes
