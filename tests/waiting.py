"""Waiting on a condition, with a deadline: the one place the tests poll (never a fixed sleep that guesses timing)."""
import time

POLL_INTERVAL = 0.02


def wait_until(condition, *, timeout: float, message, interval: float = POLL_INTERVAL):
    """Call condition() until it returns something truthy, and return that; fail after `timeout` seconds.

    message is a string, or a callable giving one (e.g. with the server log at the moment of the failure).
    condition may raise to give up early (e.g. when the process it waits on has exited).
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"after {timeout} s: {message() if callable(message) else message}")
        time.sleep(interval)  # the poll interval, not a guess at how long anything takes
