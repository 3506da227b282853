"""Test fixtures: one schema per test session (SQLite, or PostgreSQL via TEST_DATABASE_URL), emptied after each test."""
import os
import shutil
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, event, insert, select, text
from sqlalchemy.engine import make_url

from tracker import create_app
from tracker.audit.models import APPEND_ONLY_TRIGGERS
from tracker.auth.models import LoginSession, User
from tracker.auth.second_factor import REQUIRED_FOR
from tracker.extensions import db
from tracker.plan.models import Challenge, OrientingTheme
from tracker.plan.seed import seed_plan

from . import factories
from .i18n_check import compile_catalogues
from .smtp import mailbox, smtp_server  # noqa: F401  (fixtures: a real SMTP server and what it receives)

# Tables filled by `seed plan`: kept for the whole session, never emptied between tests.
REFERENCE_TABLES = frozenset({
    "plan", "action_line", "key_idea", "axis", "outcome", "orienting_theme", "challenge", "challenge_topic",
    "outcome_kind", "member", "partner",
})
PASSWORD = "correct horse battery staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the second factor of test accounts that have one


def _worker_database_url(base_url: str | None, tmp_root: Path, worker: str) -> str:
    """Give each xdist worker its own database."""
    if not base_url:
        return "sqlite:///" + str(tmp_root / f"test-{worker}.sqlite")
    url = make_url(base_url)
    if worker == "master":
        return base_url
    name = f"{url.database}_{worker}"
    _create_postgres_database(url, name)
    return url.set(database=name).render_as_string(hide_password=False)


def _create_postgres_database(url, name: str) -> None:
    """Create a PostgreSQL database if it does not exist (autocommit, on the maintenance database)."""
    import psycopg

    conninfo = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


class IsolatedClient(FlaskClient):
    """Run each request in its own app context, as a server would: its own `g` and database session."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()  # the test's own session sees what the request committed
        return response


@pytest.fixture(scope="session")
def worker_id_safe(request) -> str:
    """The xdist worker id, or 'master' without xdist."""
    return getattr(request.config, "workerinput", {}).get("workerid", "master")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id_safe) -> str:
    """The database this test process uses."""
    return _worker_database_url(os.environ.get("TEST_DATABASE_URL"), tmp_path_factory.mktemp("db"), worker_id_safe)


@pytest.fixture(scope="session")
def _app(tmp_path_factory, database_url):
    """One application and one schema (plan seeded) for the session."""
    compile_catalogues()  # the pages are tested in French and Spanish from the catalogues as they are now
    root = tmp_path_factory.mktemp("instance")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, EVIDENCE_FOLDER=str(root / "evidence"),
                     EXPORTS_FOLDER=str(root / "exports"))
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.drop_all()
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:  # a failed earlier run may have left Alembic's table behind
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        seed_plan()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _empty_data_tables() -> None:
    """Delete every row written by a test, children first, keeping the seeded plan."""
    db.session.rollback()
    with _audit_entry_deletable():
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                db.session.execute(delete(table))
    db.session.commit()


@contextmanager
def _audit_entry_deletable():
    """Suspend the audit record's append-only triggers for the cleanup between tests, and only for it (nothing
    in the application can): PostgreSQL disables them inside the cleanup's transaction; SQLite drops them and
    creates them again from the same SQL as the model's."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
        yield
        db.session.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only"))  # same commit
        return
    for name in ("audit_entry_no_update", "audit_entry_no_delete"):
        db.session.execute(text(f"DROP TRIGGER IF EXISTS {name}"))  # pysqlite runs DDL outside a transaction
    try:
        yield
    except BaseException:
        db.session.rollback()  # a failed cleanup: the triggers below are then created on their own
        raise
    finally:
        for statement in APPEND_ONLY_TRIGGERS["sqlite"]:
            db.session.execute(text(statement))


@pytest.fixture
def app(_app):
    """The application, inside an app context, with data tables emptied afterwards."""
    with _app.app_context():
        yield _app
        _empty_data_tables()
        db.session.remove()
    for key in ("EVIDENCE_FOLDER", "EXPORTS_FOLDER"):
        shutil.rmtree(_app.config[key], ignore_errors=True)


@pytest.fixture
def csrf_app(_app):
    """The same database with CSRF protection switched on, as in production."""
    csrf_on = create_app("testing", SQLALCHEMY_DATABASE_URI=_app.config["SQLALCHEMY_DATABASE_URI"],
                         EVIDENCE_FOLDER=_app.config["EVIDENCE_FOLDER"], WTF_CSRF_ENABLED=True)
    csrf_on.test_client_class = IsolatedClient
    yield csrf_on
    with csrf_on.app_context():
        db.engine.dispose()  # its own connection pool: closed now rather than whenever it is garbage-collected


@pytest.fixture
def reset_data(app):
    """reset_data() deletes every row the test wrote so far (the seeded plan stays), as between two tests."""
    return _empty_data_tables


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


_HASH_CACHE: dict[str, str] = {}


@pytest.fixture
def held_jobs(monkeypatch):
    """Keep the jobs the code enqueues instead of running them: the test runs them when it chooses."""
    from tracker.core import jobs
    from tracker.reports import jobs as report_jobs

    held = []

    def hold(task, *args, **kwargs):
        held.append((task, args))

    monkeypatch.setattr(jobs, "enqueue", hold)
    monkeypatch.setattr(report_jobs, "enqueue", hold)
    return held


@pytest.fixture
def make_user(app):
    """Factory: make_user(role, email=None, name=None) creates and commits an account with PASSWORD.

    Accounts whose role requires a second factor get one (TOTP_SECRET) unless second_factor=False.
    """
    counter = {"n": 0}

    def factory(role: str = "staff", email: str | None = None, name: str | None = None, active: bool = True,
                second_factor: bool | None = None) -> User:
        counter["n"] += 1
        if PASSWORD not in _HASH_CACHE:  # hashing is deliberately slow: hash the shared test password once
            probe = User()
            probe.set_password(PASSWORD)
            _HASH_CACHE[PASSWORD] = probe.password_hash
        user = User(email=email or f"{role}{counter['n']}@example.org", name=name or f"{role.title()} {counter['n']}",
                    role=role, active=active, password_hash=_HASH_CACHE[PASSWORD])
        if second_factor if second_factor is not None else role in REQUIRED_FOR:
            user.totp_secret, user.totp_enabled_at = TOTP_SECRET, datetime.now(timezone.utc)
        db.session.add(user)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def login(app):
    """Log a test client in as a user without the (slow) password check: login(client, user)."""

    def do_login(client, user: User):
        session_row = LoginSession(user_id=user.id)
        db.session.add(session_row)
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = session_row.token
            session["_fresh"] = True
        return client

    return do_login


@pytest.fixture
def client_as(app, make_user, login):
    """Factory: client_as(role) gives a new client logged in as a new user of that role (user on .user)."""

    def factory(role: str, **kwargs):
        user = make_user(role, **kwargs)
        test_client = app.test_client()
        login(test_client, user)
        test_client.user = user
        return test_client

    return factory


@pytest.fixture
def count_queries(app):
    """Count SQL statements: `with count_queries() as statements: ...` gives the list of the statements (their SQL
    text, in order) that the app's engine sent to the database inside the block; `len(statements)` is the count.

    count_queries(engine) listens to another engine instead. Statements run after the block are not recorded.
    """

    @contextmanager
    def counting(engine=None):
        target = engine if engine is not None else db.engine
        statements: list[str] = []

        def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(target, "before_cursor_execute", before_cursor_execute)
        try:
            yield statements
        finally:
            event.remove(target, "before_cursor_execute", before_cursor_execute)

    return counting


# --- row factories (tests/factories.py), as fixtures that return callables ------------------------------------------


@pytest.fixture(scope="session")
def row_factories():
    """Every factory of tests/factories.py, for fixtures of a wider scope than a test (a live server's instance):
    they write through whichever app context is current. Tests request the per-test fixtures below instead."""
    return factories


@pytest.fixture
def make_activity(app):
    """Factory: make_activity(title=..., outcomes=("L1.A1.O1",), members=(cities), partners=(names), ...) -> Activity.

    See tests/factories.py for every keyword; commit=False leaves the row in the open transaction.
    """
    return factories.make_activity


@pytest.fixture
def make_note(app):
    """Factory: make_note(activity=... or outcome_code=..., title=, note=, added_by=) -> an Evidence note."""
    return factories.make_note


@pytest.fixture
def make_indicator(app):
    """Factory: make_indicator(code=, name=, outcome_code=, method=, targets={year: value or (low, high)}, ...)."""
    return factories.make_indicator


@pytest.fixture
def make_value(app):
    """Factory: make_value(indicator, year, value, state="approved", entered_by=None) -> IndicatorValue."""
    return factories.make_value


@pytest.fixture
def make_assessment(app):
    """Factory: make_assessment(outcome_code, year, status=, state="approved", achieved=, author=) -> Assessment."""
    return factories.make_assessment


@pytest.fixture
def find_outcome(app):
    """Look-up: find_outcome(code) -> the seeded Outcome."""
    return factories.outcome


@pytest.fixture
def find_member(app):
    """Look-up: find_member(city) -> the seeded Member."""
    return factories.member


@pytest.fixture
def find_partner(app):
    """Look-up: find_partner(name or acronym) -> the seeded Partner."""
    return factories.partner


@pytest.fixture
def activity_form_data(app, find_member, find_outcome, find_partner):
    """activity_form_data(person, **overrides) -> a valid activity form post (person is the responsible);
    overrides replace fields, None removes one."""

    def form_data(person, **overrides) -> dict:
        """A valid activity form post; overrides replace fields (None removes one)."""
        data = {
            "title": "Policy Debate on metropolitan finance",
            "kind": "policy_debate",
            "status": "completed",
            "outcome_kind": "policy",
            "start_date": "2022-05-10",
            "end_date": "2022-05-11",
            "place": "Bogota",
            "description": "Leaders debated fiscal autonomy.",
            "outcomes": [str(find_outcome("L1.A1.O2").id), str(find_outcome("L3.A2.O1").id)],
            "themes": [str(db.session.scalar(select(OrientingTheme.id)
                                             .where(OrientingTheme.name == "Gender equality")))],
            "challenges": [str(db.session.scalar(select(Challenge.id).where(Challenge.name == "Resilience")))],
            "members": [str(find_member("Bogota").id), str(find_member("Seoul").id)],
            "partners": [str(find_partner("UCLG").id)],
            "participants_total": "120",
            "participants_women": "64",
            "participants_men": "52",
            "participants_other": "4",
            "budget_planned": "15000",
            "budget_spent": "14250.50",
            "responsible": str(person.id),
        }
        for key, value in overrides.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        return data

    return form_data


@pytest.fixture
def assign_responsible(find_outcome):
    """assign_responsible(user, code="L2.A2.O3"): make the user responsible for an outcome (committed)."""
    from tracker.plan.models import outcome_responsible

    def _assign(user, code="L2.A2.O3"):
        db.session.execute(insert(outcome_responsible).values(outcome_id=find_outcome(code).id, user_id=user.id))
        db.session.commit()

    return _assign


@pytest.fixture
def approve_year(make_assessment, make_indicator, make_value):
    """approve_year(year, ...): approve an assessment for all 35 outcomes, and give one plan-wide indicator a
    target and an approved value (a report of that year is then complete)."""

    def _approve(year: int, *, code="PW-BRIEFS", name="Policy briefs published", target=40, value=37):
        from tracker.plan.models import Outcome

        for outcome_code in db.session.scalars(select(Outcome.code).order_by(Outcome.position)).all():
            make_assessment(outcome_code, year, status="on_track", achieved=f"Approved narrative for {outcome_code}.",
                            commit=False)
        indicator = make_indicator(code=code, name=name, targets={year: target}, commit=False)
        db.session.flush()
        make_value(indicator, year, value)
        return indicator

    return _approve
