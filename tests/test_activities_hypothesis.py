"""Arbitrary values posted to the activity forms never give a 500: a row is written whole, or nothing is."""
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tracker.activities.models import ACTIVITY_KINDS, ACTIVITY_STATUSES, Activity
from tracker.audit.models import AuditEntry
from tracker.extensions import db
from tracker.plan.models import Challenge, Member, OrientingTheme, Outcome, Partner

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

junk = st.text(max_size=40)
# Mostly plausible values, often junk: so that both the saved and the refused paths are exercised.
dates = st.one_of(st.dates().map(date.isoformat),
                  st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)).map(date.isoformat), junk)
counts = st.one_of(st.just(""), st.integers(min_value=-10, max_value=2_000_000).map(str), st.integers().map(str), junk)
amounts = st.one_of(st.just(""), st.decimals(allow_nan=True, allow_infinity=True).map(str),
                    st.decimals(min_value=Decimal(0), max_value=Decimal(10**9), places=3).map(str),
                    st.floats().map(repr), junk)


def _ids(model):
    return [str(i) for i in db.session.scalars(select(model.id))]


def _payload(draw, responsible_id: str) -> dict:
    """Draw a form post: a valid one with some fields replaced by anything (or left out), or anything at all."""
    outcome_ids, member_ids, partner_ids = _ids(Outcome), _ids(Member), _ids(Partner)
    theme_ids, challenge_ids = _ids(OrientingTheme), _ids(Challenge)

    def id_list(valid):
        return st.lists(st.one_of(st.sampled_from(valid), st.integers().map(str), junk), max_size=6)

    valid = {
        "title": st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=200)
        .filter(str.strip),
        "kind": st.sampled_from(list(ACTIVITY_KINDS)),
        "status": st.sampled_from(list(ACTIVITY_STATUSES)),
        "outcome_kind": st.sampled_from(["", "statements", "policy", "learning"]),
        "start_date": st.just("2022-03-01"),
        "end_date": st.dates(min_value=date(2022, 3, 1), max_value=date(2030, 12, 31)).map(date.isoformat),
        "place": st.sampled_from(["", "Barcelona", "São Paulo"]),
        "description": st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=200),
        "outcomes": st.lists(st.sampled_from(outcome_ids), min_size=1, max_size=4),
        "members": st.lists(st.sampled_from(member_ids), max_size=6),
        "partners": st.lists(st.sampled_from(partner_ids), max_size=3),
        "themes": st.lists(st.sampled_from(theme_ids), max_size=2),
        "challenges": st.lists(st.sampled_from(challenge_ids), max_size=2),
        "participants_total": st.just("100"),
        "participants_women": st.integers(min_value=0, max_value=50).map(str),
        "participants_men": st.integers(min_value=0, max_value=50).map(str),
        "budget_planned": st.decimals(min_value=0, max_value=10**8, places=2).map(str),
        "budget_spent": st.one_of(st.just(""), st.integers(min_value=0, max_value=10**8).map(str)),
        "responsible": st.just(responsible_id),
    }
    anything = {
        "title": st.text(max_size=260),
        "kind": junk,
        "status": junk,
        "outcome_kind": junk,
        "start_date": dates,
        "end_date": dates,
        "place": st.text(max_size=220),
        "online": st.sampled_from(["", "y", "on", "false"]),
        "description": st.text(max_size=300),
        "outcomes": id_list(outcome_ids),
        "members": id_list(member_ids),
        "partners": id_list(partner_ids),
        "themes": id_list(theme_ids),
        "challenges": id_list(challenge_ids),
        "participants_total": counts,
        "participants_women": counts,
        "participants_men": counts,
        "budget_planned": amounts,
        "budget_spent": amounts,
        "responsible": st.one_of(st.integers().map(str), junk),
    }
    if draw(st.booleans()):
        replaced = draw(st.sets(st.sampled_from(sorted(anything)), max_size=3))
    else:
        replaced = set(anything)
    payload = {}
    for name in anything:
        if name not in replaced:
            if name in valid:
                payload[name] = draw(valid[name])
        elif draw(st.integers(min_value=0, max_value=9)):  # now and then a field is left out altogether
            payload[name] = draw(anything[name])
    return payload


def _counts():
    return (db.session.scalar(select(func.count(Activity.id))),
            db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity_type == "activity")))


@SETTINGS
@given(data=st.data())
def test_new_activity_never_fails(client_as, data):
    client = client_as("staff")
    payload = _payload(data.draw, str(client.user.id))
    before = _counts()
    response = client.post("/activities/new", data=payload)
    assert response.status_code < 500
    event(f"status {response.status_code}")  # --hypothesis-show-statistics shows both paths are taken
    after = _counts()
    if response.status_code == 302:
        assert after == (before[0] + 1, before[1] + 1)
        created = db.session.scalar(select(Activity).order_by(Activity.id.desc()))
        assert created.start_date <= created.end_date and created.outcomes
    else:
        assert response.status_code == 200 and "Nothing was saved" in response.get_data(as_text=True)
        assert after == before


@SETTINGS
@given(data=st.data())
def test_edit_activity_never_fails(client_as, data, make_activity):
    client = client_as("staff")
    activity = make_activity(title="Before", responsible=client.user)
    payload = _payload(data.draw, str(client.user.id))
    payload["version"] = data.draw(st.one_of(st.just(str(activity.version)), st.just(str(activity.version)), junk))
    before = _counts()
    response = client.post(f"/activities/{activity.id}/edit", data=payload)
    assert response.status_code < 500
    event(f"status {response.status_code}")
    db.session.refresh(activity)
    if response.status_code == 302:
        assert activity.version == 2 and _counts()[1] == before[1] + 1
    else:
        assert response.status_code in (200, 409)
        assert activity.version == 1 and activity.title == "Before" and _counts() == before
