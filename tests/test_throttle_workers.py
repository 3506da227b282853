"""The login throttle holds across four gunicorn workers: its counters live in the shared store (the database by
default; Redis when TEST_REDIS_URL names one, as in CI), never in one worker's memory."""
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .browser.liveserver import USER_PASSWORD, HttpSession, LiveServer, prepare_instance, second_factor_code

WORKERS = 4
ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"
_ACCESS = re.compile(r'^<(\d+)> "POST /login\?phase=(\w+) HTTP/1\.\d" (\d+)', re.MULTILINE)
STORES = ["tracker+db://"] + ([os.environ["TEST_REDIS_URL"]] if os.environ.get("TEST_REDIS_URL") else [])


def _attempt(session: HttpSession, phase: str, password: str, address: str) -> tuple[int, str, dict]:
    """One login attempt as the Secretary General from an address (read through the trusted proxy's header)."""
    token = session.csrf_token("/login")
    return session.request("POST", f"/login?phase={phase}", {"csrf_token": token, "email": "sg@example.org",
                                                               "password": password},
                           headers={"X-Forwarded-For": address})


def _served(server: LiveServer, phase: str) -> dict[int, list[int]]:
    """Per worker pid, the statuses its access log shows for the login attempts of a phase."""
    seen: dict[int, list[int]] = {}
    for pid, logged_phase, status in _ACCESS.findall(server.log_text()):
        if logged_phase == phase:
            seen.setdefault(int(pid), []).append(int(status))
    return seen


@pytest.mark.parametrize("store", STORES)
def test_the_throttle_holds_on_every_worker_and_never_locks_the_owner_out(tmp_path, store):
    deadline = time.monotonic() + 120
    instance = prepare_instance(tmp_path / "throttle", roles=("secretary_general",))
    server = LiveServer(instance, workers=WORKERS, worker_class="sync", extra_env={
        "RATELIMIT_STORAGE_URI": store, "TRUSTED_PROXIES": "1",
        "RATELIMIT_KEY_PREFIX": f"tracker-test-{os.getpid()}-{time.time_ns()}",  # a shared Redis: our keys only
        "GUNICORN_CMD_ARGS": "--preload --access-logfile - --access-logformat '%(p)s \"%(r)s\" %(s)s'"}).start()
    try:
        attacker = HttpSession(server)
        attacker.csrf_token("/login")  # the session cookie first: concurrent first visits would each start one
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:  # five wrong passwords, from several workers
            statuses = list(pool.map(lambda _: _attempt(attacker, "wrong", "wrong password!", ATTACKER)[0],
                                     range(5)))
        assert statuses == [200] * 5
        # Now the right password, from the attacker's address, until every worker has answered it: each refuses.
        with ThreadPoolExecutor(max_workers=2 * WORKERS) as pool:
            while len(_served(server, "right")) < WORKERS:
                assert time.monotonic() < deadline, f"only {_served(server, 'right')} answered:\n{server.log_tail()}"
                answers = list(pool.map(lambda _: _attempt(attacker, "right", USER_PASSWORD, ATTACKER),
                                        range(2 * WORKERS)))
                assert [status for status, _, _ in answers] == [200] * len(answers), answers[0][1][:300]
                assert all("The email or password is not right." in body for _, body, _ in answers)
        assert all(status == 200 for statuses in _served(server, "right").values() for status in statuses)

        owner = HttpSession(server)  # the owner, elsewhere: in at once, with the second factor
        status, _, headers = _attempt(owner, "owner", USER_PASSWORD, OWNER)
        assert status == 302 and "/login/code" in headers["Location"]
        token = owner.csrf_token("/login/code")
        status, _, headers = owner.request("POST", "/login/code", {"csrf_token": token,
                                                                   "code": second_factor_code("secretary_general")},
                                           headers={"X-Forwarded-For": OWNER})
        assert status == 302 and owner.request("GET", "/plan/")[0] == 200
    finally:
        server.stop()
