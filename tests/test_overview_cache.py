"""The data version and the overview cache keyed by it: right on every worker, whatever worker made the change."""
import html as html_lib
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import delete, event, insert, select, update

from tracker.activities.models import Activity
from tracker.core import versioning
from tracker.core.versioning import DataVersion, current_version
from tracker.demo.synthetic import seed_synthetic
from tracker.extensions import db
from tracker.overview import cache, queries

from .browser.liveserver import HttpSession, LiveServer, prepare_instance


@pytest.fixture
def fresh_cache(app):
    """An empty overview cache for the test (the app's own; the gunicorn test has its own processes)."""
    cache.clear()
    yield
    cache.clear()


def _number(version: str) -> int:
    """The counter part of an "epoch.version" string."""
    return int(version.rsplit(".", 1)[1])


def _increments(statements: list[str]) -> int:
    return sum(1 for s in statements if s.lstrip().upper().startswith("UPDATE DATA_VERSION"))


def _statements():
    """Collect the SQL statements sent while the returned list is listened to (remove with the returned handle)."""
    sent = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    return sent, lambda: event.remove(db.engine, "before_cursor_execute", listener)


# ---------------------------------------------------------------------------------------------------------------
# The version


def test_an_orm_write_moves_the_version_once_per_transaction(app, make_activity):
    before = current_version()
    make_activity()
    assert _number(current_version()) == _number(before) + 1
    sent, stop = _statements()
    try:
        first = make_activity(title="One", commit=False)
        db.session.flush()
        first.title = "One, renamed"
        db.session.flush()
        make_activity(title="Two", commit=False)
        db.session.commit()  # three flushes, one transaction
    finally:
        stop()
    assert _increments(sent) == 1
    assert _number(current_version()) == _number(before) + 2


def test_core_dml_through_the_session_moves_the_version(app, make_activity):
    activity = make_activity(status="planned")
    lonely = make_activity(title="Without links", outcomes=())
    before = current_version()
    db.session.execute(update(Activity).where(Activity.id == activity.id).values(status="completed"))
    db.session.commit()
    after_update = current_version()
    assert after_update != before
    assert seed_synthetic(5) == 5  # Core bulk inserts, as the demo generator and the benchmark load them
    db.session.commit()
    after_insert = current_version()
    assert after_insert != after_update
    db.session.execute(delete(Activity).where(Activity.id == lonely.id))
    db.session.commit()
    assert current_version() != after_insert


def test_reads_do_not_move_the_version(app, client_as, make_activity):
    make_activity()
    client = client_as("secretary_general")  # logging in is a write: done before the first reading
    before = current_version()
    for url in ("/overview/", "/overview/?year=all", "/overview/charts/members.svg?year=2022", "/activities/",
                "/plan/", "/indicators/"):
        assert client.get(url).status_code == 200, url
    db.session.scalars(select(Activity)).all()
    db.session.commit()  # a transaction that only read
    assert current_version() == before


def test_a_rolled_back_transaction_does_not_move_the_version(app, make_activity):
    activity = make_activity(status="planned")
    before = current_version()
    make_activity(title="Never kept", commit=False)
    db.session.flush()
    db.session.execute(update(Activity).where(Activity.id == activity.id).values(status="completed"))
    db.session.rollback()
    assert current_version() == before
    db.session.scalars(select(Activity)).all()
    db.session.commit()  # the rolled-back writes leave no mark on the next transaction
    assert current_version() == before


def test_the_row_is_created_when_missing_with_a_new_epoch(app, make_activity):
    make_activity()
    epoch = current_version().split(".")[0]
    with db.engine.begin() as connection:  # as a database emptied by hand would look
        connection.execute(delete(DataVersion))
    reading = current_version()  # a read creates it
    assert reading.split(".")[0] != epoch
    assert db.session.scalar(select(DataVersion.id)) == versioning.ROW_ID
    with db.engine.begin() as connection:
        connection.execute(delete(DataVersion))
    make_activity(title="After the row vanished")  # and so does a write
    assert current_version().split(".")[0] not in (epoch, reading.split(".")[0])


def test_bump_moves_the_version_for_writes_around_the_session(app):
    before = current_version()
    with db.engine.begin() as connection:
        connection.execute(insert(Activity.__table__).values(
            title="Written around the ORM", kind="event", status="completed", start_date=_a_date(),
            end_date=_a_date(), year=2022, is_demo=False))
        versioning.bump(connection)
    assert _number(current_version()) == _number(before) + 1
    versioning.bump()  # without a connection: at the session's next commit
    db.session.commit()
    assert _number(current_version()) == _number(before) + 2


def _a_date():
    return date(2022, 5, 1)


# ---------------------------------------------------------------------------------------------------------------
# The cache


def test_a_second_request_does_not_recompute_and_a_write_does(fresh_cache, client_as, monkeypatch, make_activity):
    calls = []
    original = queries.page_data
    monkeypatch.setattr(queries, "page_data", lambda year: calls.append(year) or original(year))
    client = client_as("secretary_general")
    make_activity()
    assert client.get("/overview/?year=2022").status_code == 200
    assert client.get("/overview/?year=2022").status_code == 200
    assert calls == [2022]
    assert client.get("/overview/?year=all").status_code == 200  # another selection, another entry
    assert calls == [2022, None]
    make_activity(title="Another")
    assert client.get("/overview/?year=2022").status_code == 200
    assert calls == [2022, None, 2022]


def test_keys_carry_the_database_and_the_version(app, fresh_cache):
    version = current_version()
    with app.test_request_context():
        key = cache._key("page", 2022)
    assert version in key and key.endswith(":page:2022")
    assert app.config["SQLALCHEMY_DATABASE_URI"] not in key  # a digest: a URI may hold a password


# ---------------------------------------------------------------------------------------------------------------
# Four workers


WORKERS = 4
_ACCESS = re.compile(r"<(\d+)> \"GET /overview/\?year=2022&phase=([\w-]+)")


def _served(server: LiveServer, phase: str) -> set[int]:
    """The worker pids the access log shows serving the overview in a phase."""
    return {int(pid) for pid, seen in _ACCESS.findall(server.log_text()) if seen == phase}


def _read_until_every_worker(server: LiveServer, session: HttpSession, phase: str, *, at_least: int,
                             deadline: float) -> list[str]:
    """Read the overview with fresh connections, concurrently, until every worker answered at least once."""
    pages = []

    def read(_):
        status, body, _ = session.request("GET", f"/overview/?year=2022&phase={phase}")
        assert status == 200, status
        return body

    with ThreadPoolExecutor(max_workers=2 * WORKERS) as pool:
        while len(pages) < at_least or len(_served(server, phase)) < WORKERS:
            assert time.monotonic() < deadline, (f"only workers {_served(server, phase)} answered in phase {phase}"
                                                 f":\n{server.log_tail()}")
            pages.extend(pool.map(read, range(2 * WORKERS)))
    return pages


def _post_indicator(session: HttpSession, indicator_id: int, **changes) -> None:
    """Save the indicator's edit form with some fields changed (all fields sent, as the browser would)."""
    path = f"/indicators/{indicator_id}/edit"
    fields = {"csrf_token": session.csrf_token(path), "code": "PW-CACHE", "name": "Cities reached", "definition": "",
              "outcome_id": "0", "unit": "number", "direction": "higher", "baseline_value": "",
              "baseline_year": "", "method": "manual", "position": "0", "active": "y"}
    fields.update(changes)
    fields = {key: value for key, value in fields.items() if value is not None}
    status, body, _ = session.request("POST", path, fields)
    assert status == 302, f"the edit answered {status}: {body[:500]}"


def test_every_worker_shows_a_change_made_through_another(tmp_path, make_indicator):
    """Four gunicorn workers, each with the page cached; a rename through one is seen by all at once."""
    deadline = time.monotonic() + 90  # generous for a busy machine; about 10 s on an idle one
    instance = prepare_instance(tmp_path / "workers", roles=("secretary_general",))
    with instance.app_context():
        indicator_id = make_indicator(code="PW-CACHE", name="Cities reached", targets={2022: 10}).id
    server = LiveServer(instance, workers=WORKERS, worker_class="sync", extra_env={
        "CACHE_TYPE": "SimpleCache",  # a cache per worker: the case a per-process invalidation got wrong
        "GUNICORN_CMD_ARGS": "--preload --access-logfile - --access-logformat '%(p)s \"%(r)s\" %(s)s'"}).start()
    try:
        session = HttpSession(server).login("secretary_general")
        warm = _read_until_every_worker(server, session, "warm", at_least=WORKERS, deadline=deadline)
        assert all("Cities reached" in page for page in warm)
        assert len(_served(server, "warm")) == WORKERS  # every worker holds the page under the old version

        _post_indicator(session, indicator_id, name="Metropolises reached")  # through whichever worker
        renamed = _read_until_every_worker(server, session, "renamed", at_least=40, deadline=deadline)
        names = [html_lib.unescape(page) for page in renamed]
        assert [page for page in names if "Cities reached" in page] == []
        assert all("Metropolises reached" in page for page in names)

        _post_indicator(session, indicator_id, name="Metropolises reached", active=None)  # deactivated
        hidden = _read_until_every_worker(server, session, "deactivated", at_least=2 * WORKERS,
                                          deadline=deadline)
        assert [page for page in hidden if 'data-indicator="PW-CACHE"' in page] == []
    finally:
        server.stop()
