"""The account commands."""
from sqlalchemy import select

from tracker.auth.models import User
from tracker.extensions import db


def test_users_create_from_stdin(runner):
    result = runner.invoke(args=["users", "create", "Sg@Example.org", "--name", "Octavi", "--role",
                                 "secretary_general", "--password-stdin"], input="a long secret phrase\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "sg@example.org"))
    assert user.role == "secretary_general" and user.name == "Octavi"
    assert user.check_password("a long secret phrase")


def test_users_create_from_prompt(runner):
    result = runner.invoke(args=["users", "create", "b@example.org", "--name", "B", "--role", "board"],
                           input="a long secret phrase\na long secret phrase\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.email == "b@example.org")).role == "board"


def test_users_create_refuses_weak_password_duplicate_and_bad_role(runner, make_user):
    result = runner.invoke(args=["users", "create", "x@example.org", "--name", "X", "--role", "staff",
                                 "--password-stdin"], input="short\n")
    assert result.exit_code != 0 and "at least 10 characters" in result.output
    make_user("staff", email="taken@example.org")
    result = runner.invoke(args=["users", "create", "taken@example.org", "--name", "X", "--role", "staff",
                                 "--password-stdin"], input="a long secret phrase\n")
    assert result.exit_code != 0 and "already an account" in result.output
    result = runner.invoke(args=["users", "create", "y@example.org", "--name", "Y", "--role", "king",
                                 "--password-stdin"], input="a long secret phrase\n")
    assert result.exit_code != 0
    assert db.session.scalar(select(User).where(User.email.in_(["x@example.org", "y@example.org"]))) is None


def test_ensure_admin_creates_once(runner, monkeypatch):
    monkeypatch.setenv("TRACKER_ADMIN_EMAIL", "root@example.org")
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", "a long admin password")
    result = runner.invoke(args=["users", "ensure-admin"])
    assert result.exit_code == 0 and "root@example.org" in result.output
    assert "a long admin password" not in result.output
    user = db.session.scalar(select(User).where(User.email == "root@example.org"))
    assert user.role == "admin" and user.check_password("a long admin password")
    again = runner.invoke(args=["users", "ensure-admin"])
    assert again.exit_code == 0 and again.output == ""


def test_ensure_admin_generates_and_prints_a_password(runner, monkeypatch):
    monkeypatch.delenv("TRACKER_ADMIN_EMAIL", raising=False)
    monkeypatch.delenv("TRACKER_ADMIN_PASSWORD", raising=False)
    result = runner.invoke(args=["users", "ensure-admin"])
    password = result.output.split("password: ")[1].split()[0]
    user = db.session.scalar(select(User).where(User.role == "admin"))
    assert user.check_password(password)
