"""The review queue built for triage: filters and sort, bulk approval, the place kept after a decision, the context
beside each item, a fixed number of queries, and no submission of an assessment that says nothing."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tracker.assessments.models import Assessment
from tracker.audit.models import AuditEntry
from tracker.core import review
from tracker.extensions import db
from tracker.indicators.models import IndicatorValue
from tracker.plan.models import ActionLine
from tracker.review import services

T0 = datetime(2022, 11, 1, 9, 0, tzinfo=timezone.utc)
ITEM = re.compile(r'<article class="card mb-3 review-item" id="item-([av]\d+)">')


def _submitted(make_assessment, code, year, author, *, days=0, achieved=None):
    """A submitted assessment written by `author`, submitted `days` after T0."""
    row = make_assessment(code, year, state="submitted", author=author, achieved=achieved or f"Work on {code}.",
                          commit=False)
    row.submitted_at = T0 + timedelta(days=days)
    db.session.commit()
    return row


def _rows(html: str) -> list[str]:
    """The keys of the listed items ("a12", "v3"), in the order shown."""
    return ITEM.findall(html)


def _article(html: str, key: str) -> str:
    """The HTML of one listed item."""
    start = html.index(f'id="item-{key}"')
    return html[start:html.index("</article>", start)]


@pytest.fixture
def triage(make_user, make_assessment, make_indicator, make_value):
    """Two staff members' submissions over two years and lines, one approved assessment, and one value."""
    ana, ben = make_user("staff", name="Ana Staff"), make_user("staff", name="Ben Staff")
    items = {
        "l1_2022_ana": _submitted(make_assessment, "L1.A1.O1", 2022, ana, days=3),
        "l2_2022_ben": _submitted(make_assessment, "L2.A1.O1", 2022, ben, days=1),
        "l1_2021_ben": _submitted(make_assessment, "L1.A1.O2", 2021, ben, days=2),
        "approved": make_assessment("L3.A1.O1", 2022, state="approved", author=ana),
    }
    indicator = make_indicator(code="L1-DEBATES", name="Policy debates", outcome_code="L1.A1.O1")
    items["value"] = make_value(indicator, 2022, 4, state="submitted", entered_by=ana)
    return {"ana": ana, "ben": ben, **{k: ("v" if k == "value" else "a") + str(v.id) for k, v in items.items()}}


def test_filters_select_and_sort_the_rows(client_as, triage):
    sg = client_as("secretary_general")
    t = triage
    line1 = db.session.scalar(select(ActionLine.id).where(ActionLine.code == "L1"))

    def rows(query=""):
        response = sg.get("/assessments/review" + query)
        assert response.status_code == 200
        return _rows(response.get_data(as_text=True))

    assert rows() == [t["l1_2022_ana"], t["l1_2021_ben"], t["l2_2022_ben"], t["value"]]  # plan order
    assert rows("?year=2022") == [t["l1_2022_ana"], t["l2_2022_ben"], t["value"]]
    assert rows(f"?line={line1}") == [t["l1_2022_ana"], t["l1_2021_ben"], t["value"]]
    assert rows(f"?author={t['ben'].id}") == [t["l1_2021_ben"], t["l2_2022_ben"]]
    assert rows("?state=approved") == [t["approved"]]
    assert rows("?sort=submitted") == [t["l2_2022_ben"], t["l1_2021_ben"], t["l1_2022_ana"], t["value"]]
    assert rows("?sort=author&year=2022") == [t["l1_2022_ana"], t["l2_2022_ben"], t["value"]]
    assert rows(f"?year=2022&line={line1}&author={t['ana'].id}") == [t["l1_2022_ana"], t["value"]]

    html = sg.get("/assessments/review?year=1999&author=abc&sort=secret").get_data(as_text=True)
    assert _rows(html) == rows()  # a value that is not offered is ignored, and said so next to its field
    assert html.count("Not a valid choice") == 3 and 'aria-invalid="true"' in html


def test_checkboxes_are_labelled_with_code_and_year(client_as, triage):
    sg = client_as("secretary_general")
    html = sg.get("/assessments/review").get_data(as_text=True)
    item = _article(html, triage["l1_2022_ana"])
    assert f'id="pick-{triage["l1_2022_ana"]}"' in item
    assert f'<label class="form-check-label" for="pick-{triage["l1_2022_ana"]}">Select assessment L1.A1.O1 2022' \
           f'</label>' in item
    value = _article(html, triage["value"])
    assert "Select L1-DEBATES value, L1.A1.O1 2022</label>" in value
    assert '<span class="visually-hidden"> L1.A1.O1 2022</span>' in item  # the approve button names its item


def _version(key: str) -> int:
    model = Assessment if key[0] == "a" else IndicatorValue
    return db.session.get(model, int(key[1:])).version


def _state(key: str) -> str:
    db.session.expire_all()
    model = Assessment if key[0] == "a" else IndicatorValue
    return db.session.get(model, int(key[1:])).review_state


def _approvals(key: str) -> int:
    entity = "assessment" if key[0] == "a" else "indicator_value"
    return len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "approve",
                                                           AuditEntry.entity_type == entity,
                                                           AuditEntry.entity_id == int(key[1:]))).all())


def test_bulk_approval_approves_the_selected_and_skips_ones_own(client_as, make_assessment, triage):
    sg = client_as("secretary_general")
    own = "a" + str(_submitted(make_assessment, "L2.A2.O3", 2022, sg.user).id)
    t = triage
    picked = [t["l1_2022_ana"], t["l2_2022_ben"], t["value"], own]
    html = sg.get("/assessments/review?year=2022").get_data(as_text=True)
    assert f'id="pick-{own}"' not in html  # nothing to tick on one's own work
    response = sg.post("/assessments/review/approve", data={
        "items": [f"{key}:{_version(key)}" for key in picked],
        "next": "/assessments/review?year=2022#queue-list"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/assessments/review?year=2022#queue-list"
    assert [_state(key) for key in picked] == ["approved", "approved", "approved", "submitted"]
    assert [_approvals(key) for key in picked] == [1, 1, 1, 0]
    assert _state(t["l1_2021_ben"]) == "submitted"  # not selected

    html = sg.get("/assessments/review?year=2022").get_data(as_text=True)
    notice = html[html.index('id="queue-list"'):html.index('id="bulk-approve"')]
    assert ("3 approved: Assessment of L1.A1.O1 for 2022; Assessment of L2.A1.O1 for 2022; Value of L1-DEBATES for "
            "2022.") in notice
    assert f"Assessment of L2.A2.O3 for 2022: {services.SKIP_OWN}." in notice
    assert _rows(html) == [own]  # the rest left the queue
    assert "3 approved" not in sg.get("/assessments/review").get_data(as_text=True)  # said once


def test_bulk_approval_skips_what_changed_or_was_decided(client_as, triage):
    sg = client_as("secretary_general")
    t = triage
    stale = f"{t['l1_2022_ana']}:{_version(t['l1_2022_ana']) - 1}"
    response = sg.post("/assessments/review/approve", data={"items": [stale, f"{t['approved']}:1",
                                                                      f"{t['value']}:{_version(t['value'])}"]},
                       follow_redirects=True)
    html = response.get_data(as_text=True)
    assert [_state(t["l1_2022_ana"]), _state(t["value"])] == ["submitted", "approved"]
    assert f"Assessment of L1.A1.O1 for 2022: {services.SKIP_CHANGED}." in html
    assert f"Assessment of L3.A1.O1 for 2022: {services.SKIP_DECIDED}." in html


@pytest.mark.parametrize("items", [[], ["a1:x"], ["<script>"], ["a99999999999999999999"]])
def test_bulk_approval_refuses_a_selection_it_cannot_read(client_as, triage, items):
    sg = client_as("secretary_general")
    response = sg.post("/assessments/review/approve", data={"items": items}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Select the items to approve first." in html or "The selection could not be read" in html
    assert _state(triage["l1_2022_ana"]) == "submitted"


def test_bulk_approval_is_all_or_nothing(app, client_as, triage, monkeypatch):
    sg = client_as("secretary_general")
    t = triage
    real_approve, calls = review.approve, []

    def approve_then_fail(actor, item):
        calls.append(item.id)
        if len(calls) == 2:
            raise RuntimeError("the disk vanished")
        return real_approve(actor, item)

    monkeypatch.setattr(services.review, "approve", approve_then_fail)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = sg.post("/assessments/review/approve",
                       data={"items": [f"{t['l1_2022_ana']}:{_version(t['l1_2022_ana'])}",
                                       f"{t['l2_2022_ben']}:{_version(t['l2_2022_ben'])}"]})
    assert response.status_code == 500 and len(calls) == 2
    assert [_state(t["l1_2022_ana"]), _state(t["l2_2022_ben"])] == ["submitted", "submitted"]
    assert _approvals(t["l1_2022_ana"]) == 0


def test_a_decision_returns_to_the_same_filters_at_the_next_item(client_as, triage):
    sg = client_as("secretary_general")
    t = triage
    html = sg.get("/assessments/review?year=2022&sort=submitted").get_data(as_text=True)
    assert _rows(html) == [t["l2_2022_ben"], t["l1_2022_ana"], t["value"]]
    form = _article(html, t["l2_2022_ben"])
    back = re.search(r'name="next" value="([^"]+)"', form).group(1).replace("&amp;", "&")
    assert back == f"/assessments/review?year=2022&sort=submitted#item-{t['l1_2022_ana']}"
    response = sg.post(f"/assessments/{t['l2_2022_ben'][1:]}/review", data={"decision": "approve", "next": back})
    assert response.status_code == 302 and response.headers["Location"] == back
    html = sg.get(back.split("#")[0]).get_data(as_text=True)
    near_list = html[html.index('id="queue-list"'):html.index('id="bulk-approve"')]
    assert "Assessment of L2.A1.O1 for 2022 approved." in near_list
    last = re.search(r'name="next" value="([^"]+)"', _article(html, t["value"])).group(1).replace("&amp;", "&")
    assert last == f"/assessments/review?year=2022&sort=submitted#item-{t['l1_2022_ana']}"  # the one before

    # A return without its note is shown again on the same filtered list, the message beside the field.
    response = sg.post(f"/assessments/{t['l1_2022_ana'][1:]}/review", data={"decision": "return", "note": "",
                                                                           "next": back})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and _rows(html) == [t["l1_2022_ana"], t["value"]]
    assert "Write a note saying what needs to change" in _article(html, t["l1_2022_ana"])


def test_context_shows_the_figures_work_last_year_and_returns(client_as, make_user, make_assessment,
                                                              make_indicator, make_value, make_activity, make_note):
    ana = make_user("staff", name="Ana Staff")
    reviewer = make_user("admin", name="Ada Admin")
    indicator = make_indicator(code="L1-DEBATES", name="Policy debates", outcome_code="L1.A1.O1", baseline=2,
                               baseline_year=2020, targets={2022: 5})
    make_value(indicator, 2022, 4, entered_by=ana)
    make_assessment("L1.A1.O1", 2021, status="needs_attention", achieved="Last year's words on debates.")
    for n in range(6):
        activity = make_activity(title=f"Debate {n}", outcomes=("L1.A1.O1",), start=date(2022, 3, 1 + n))
    make_activity(title="Debate of 2021", outcomes=("L1.A1.O1",), start=date(2021, 3, 1))
    make_note(activity=activity, title="Minutes")
    make_note(outcome_code="L1.A1.O1", title="Outcome note")  # added now, in another year than 2022
    item = _submitted(make_assessment, "L1.A1.O1", 2022, ana)
    review.return_(reviewer, item, "Say how many cities took part.")
    item.achieved = "Six debates in six cities."
    review.submit(ana, item)
    db.session.commit()

    html = client_as("secretary_general").get("/assessments/review").get_data(as_text=True)
    context = _article(html, f"a{item.id}")
    context = context[context.index('<details class="review-context'):]
    assert re.search(r'L1-DEBATES Policy debates</th>\s*<td class="ctx-baseline">2 \(2020\)</td>\s*'
                     r'<td class="ctx-target">5</td>\s*<td class="ctx-actual">4</td>', context)
    assert '<span class="ctx-activity-count">(6)</span>' in context
    assert [f"Debate {n}" in context for n in range(6)] == [True] * 5 + [False]  # five titles, by date
    assert "and 1 more" in context and "Debate of 2021" not in context
    assert '<span class="ctx-evidence-count">1</span>' in context
    assert "Needs attention" in context and "Last year&#39;s words on debates." in context
    assert re.search(r"Ada Admin: Say how many cities took part\.</li>", context)


def _fill(n: int, make_user, make_assessment, make_indicator, make_value, make_activity, make_note):
    """n submitted items (two thirds assessments, the rest values) with everything their context shows."""
    from tracker.plan.models import Outcome

    authors = [make_user("staff") for _ in range(3)]
    reviewer = make_user("admin")
    codes = db.session.scalars(select(Outcome.code).order_by(Outcome.position)).all()
    slots = [(code, year) for year in (2022, 2023) for code in codes]
    for i in range(n):
        code, year = slots[i]
        author = authors[i % 3]
        if i % 3 == 2:
            indicator = make_indicator(code=f"Q-{i}", outcome_code=code, targets={year: 10}, commit=False)
            db.session.flush()
            make_value(indicator, year, i, state="submitted", entered_by=author, commit=False)
            continue
        make_assessment(code, year - 1, achieved="Before", commit=False)
        activity = make_activity(title=f"Work {i}", outcomes=(code,), start=date(year, 2, 1), commit=False)
        db.session.flush()
        make_note(activity=activity, commit=False)
        item = make_assessment(code, year, state="submitted", author=author, commit=False)
        db.session.flush()
        review.return_(reviewer, item, "More, please.")
        review.submit(author, item)
    db.session.commit()


def test_queue_queries_do_not_grow_with_the_items(client_as, count_queries, reset_data, make_user,
                                                  make_assessment, make_indicator, make_value, make_activity,
                                                  make_note):
    counts = {}
    for n in (5, 30):
        reset_data()
        _fill(n, make_user, make_assessment, make_indicator, make_value, make_activity, make_note)
        sg = client_as("secretary_general")
        sg.get("/assessments/review")  # warm: the session and the caches
        with count_queries() as statements:
            html = sg.get("/assessments/review").get_data(as_text=True)
        assert len(_rows(html)) == n
        counts[n] = len(statements)
    assert counts[5] == counts[30], counts


def test_an_assessment_with_no_narrative_cannot_be_submitted(client_as, assign_responsible, find_outcome):
    staff = client_as("staff")
    assign_responsible(staff.user, "L2.A2.O3")
    empty = {"status": "on_track", "achieved": " ", "difficulties": "\u200b", "next_steps": ""}
    response = staff.post("/assessments/L2.A2.O3/2022", data={**empty, "then": "submit"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "before submitting" in html
    assert html.index("before submitting") > html.index('id="achieved"')  # beside the field it asks for
    assert db.session.scalar(select(Assessment)) is None  # nothing saved, not even the draft

    response = staff.post("/assessments/L2.A2.O3/2022", data=empty)  # a draft may be saved empty
    assert response.status_code == 302
    draft = db.session.scalar(select(Assessment))
    assert draft.review_state == "draft" and draft.achieved == ""
    response = staff.post(f"/assessments/{draft.id}/submit", follow_redirects=True)
    assert "before submitting" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Assessment, draft.id).review_state == "draft"
    assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "assessment")).all() \
        == ["create"]


def test_a_long_bulk_message_names_the_first_items_and_counts_the_rest(client_as, make_user, make_assessment):
    from tracker.plan.models import Outcome

    author = make_user("staff")
    codes = db.session.scalars(select(Outcome.code).order_by(Outcome.position).limit(14)).all()
    keys = ["a" + str(_submitted(make_assessment, code, 2022, author).id) for code in codes]
    sg = client_as("secretary_general")
    response = sg.post("/assessments/review/approve", data={"items": [f"{k}:{_version(k)}" for k in keys]},
                       follow_redirects=True)
    html = response.get_data(as_text=True)
    assert [_state(k) for k in keys] == ["approved"] * 14
    assert f"14 approved: Assessment of {codes[0]} for 2022;" in html and "; and 2 more." in html
    assert f"Assessment of {codes[12]} for 2022" not in html
