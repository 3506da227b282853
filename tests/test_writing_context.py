"""Staff write with the facts beside them: the assessment form's context, the value form's figures and evidence
picker, the confirmation beside the form, the 403 page's reasons, and asking to be assigned to an outcome."""
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tracker.assessments.models import Assessment, AssignmentRequest
from tracker.audit.models import AuditEntry
from tracker.core import review
from tracker.extensions import db
from tracker.indicators.models import IndicatorValue
from tracker.plan.responsibles import is_responsible

CODE = "L2.A2.O3"
TEXT = {"status": "on_track", "achieved": "Three trainings for 90 practitioners.", "difficulties": "",
        "next_steps": ""}


def _aside(html: str) -> str:
    """The context panel beside the assessment form."""
    return html[html.index('<aside class="col-lg-5 writing-context"'):html.index("</aside>")]


def _inline(html: str) -> str:
    """The confirmation shown beside the form (empty when there is none)."""
    found = re.search(r'<div class="alert alert-success inline-status" role="status" id="[^"]+" tabindex="-1" '
                      r'data-focus-on-load>(.*?)</div>', html, re.S)
    return found.group(1) if found else ""


def _requests() -> list[AssignmentRequest]:
    db.session.expire_all()
    return db.session.scalars(select(AssignmentRequest).order_by(AssignmentRequest.id)).all()


# ---------------------------------------------------------------- the assessment form's context


def test_assessment_form_shows_the_outcome_s_facts_of_the_year(client_as, make_user, assign_responsible,
                                                                make_indicator, make_value, make_assessment,
                                                                make_activity, make_note):
    staff = client_as("staff", name="Ana Staff")
    assign_responsible(staff.user)
    sg = make_user("secretary_general", name="Sara General")
    indicator = make_indicator(code="L2-TRAIN", name="Trainings held", outcome_code=CODE, baseline=1,
                               baseline_year=2020, targets={2022: 6})
    make_value(indicator, 2022, 4)  # approved: the actual
    make_assessment(CODE, 2021, status="needs_attention", achieved="Last year: two trainings only.")
    first = make_activity(title="Training in Dakar", outcomes=(CODE,), start=date(2022, 2, 1))
    make_activity(title="Training in Lima", outcomes=(CODE,), start=date(2022, 5, 1))
    make_activity(title="Training of 2021", outcomes=(CODE,), start=date(2021, 5, 1))
    make_activity(title="Elsewhere", outcomes=("L1.A1.O1",), start=date(2022, 5, 1))
    make_note(activity=first, title="Dakar attendance list")
    item = make_assessment(CODE, 2022, state="submitted", author=staff.user, achieved="Four trainings.")
    review.return_(sg, item, "Say how many women took part.")
    db.session.commit()

    html = staff.get(f"/assessments/{CODE}/2022").get_data(as_text=True)
    aside = _aside(html)
    assert re.search(r'L2-TRAIN Trainings held</th>\s*<td class="ctx-baseline">1 \(2020\)</td>\s*'
                     r'<td class="ctx-target">6</td>\s*<td class="ctx-actual">4</td>', aside)
    assert '<span class="ctx-activity-count">(2)</span>' in aside
    assert "Training in Dakar" in aside and "Training in Lima" in aside
    assert "Training of 2021" not in aside and "Elsewhere" not in aside
    assert "Dakar attendance list" in aside and '<span class="ctx-evidence-count">1</span>' in aside
    assert "Needs attention" in aside and "Last year: two trainings only." in aside
    assert "Sara General: Say how many women took part.</li>" in aside
    assert "<details class=\"review-context mt-2\" open>" in aside  # open beside the form, not folded
    # The return note stands out above the form, with who returned it.
    note = html[html.index('id="return-note"'):]
    assert note.index("Returned for changes by Sara General") < note.index("Say how many women took part.")
    assert html.index('id="return-note"') < html.index('name="achieved"')


def test_assessment_form_context_of_a_new_assessment(client_as, assign_responsible):
    staff = client_as("staff")
    assign_responsible(staff.user)
    aside = _aside(staff.get(f"/assessments/{CODE}/2023").get_data(as_text=True))
    assert "No indicator." in aside and "No activity recorded for 2023." in aside
    assert "No evidence for 2023 yet." in aside and "None for 2022." in aside and "Never returned." in aside


def test_assessment_form_queries_do_not_grow_with_the_work(client_as, count_queries, assign_responsible,
                                                           make_activity, make_note, make_indicator):
    staff = client_as("staff")
    assign_responsible(staff.user)

    def add(n):
        for i in range(n):
            activity = make_activity(title=f"Work {i}", outcomes=(CODE,), start=date(2022, 3, 1), commit=False)
            db.session.flush()
            make_note(activity=activity, commit=False)
            make_indicator(code=f"L2-Q{i}-{n}", outcome_code=CODE, targets={2022: 3}, commit=False)
        db.session.commit()

    add(2)
    with count_queries() as few:
        assert staff.get(f"/assessments/{CODE}/2022").status_code == 200
    add(10)
    with count_queries() as many:
        assert staff.get(f"/assessments/{CODE}/2022").status_code == 200
    assert len(many) == len(few)


# ---------------------------------------------------------------- the confirmation beside the form


def test_a_draft_stays_on_its_form_with_the_confirmation_beside_it(client_as, assign_responsible):
    staff = client_as("staff")
    assign_responsible(staff.user)
    url = f"/assessments/{CODE}/2022"
    response = staff.post(url, data=TEXT)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{url}#saved")
    html = staff.get(url).get_data(as_text=True)
    assert f"Draft saved: assessment of {CODE} for 2022. It is not submitted yet." in _inline(html)
    # Shown once, beside the form (before its buttons), not in the flashes at the top of the page.
    assert html.count("Draft saved") == 1
    assert html.index('class="alert alert-success inline-status"') < html.index("Save draft</button>")
    assert html.index('class="alert alert-success inline-status"') > html.index('<div class="col-lg-7">')
    assert _inline(staff.get(url).get_data(as_text=True)) == ""  # shown once
    # Saving an approved assessment unchanged says so, rather than "draft saved".
    db.session.scalar(select(Assessment)).review_state = "approved"
    db.session.commit()
    staff.post(url, data={**TEXT, "version": str(db.session.scalar(select(Assessment.version)))})
    assert f"Nothing changed: the assessment of {CODE} for 2022 stays approved." in _inline(
        staff.get(url).get_data(as_text=True))


def test_a_submitted_assessment_lands_at_its_block_with_the_confirmation(client_as, assign_responsible):
    staff = client_as("staff")
    assign_responsible(staff.user)
    response = staff.post(f"/assessments/{CODE}/2022", data={**TEXT, "then": "submit"})
    assert response.headers["Location"].endswith(f"/plan/outcomes/{CODE}#assessment-saved")
    html = staff.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    section = html[html.index('id="assessments"'):]
    assert "saved and submitted for review" in _inline(section)


# ---------------------------------------------------------------- the value form


@pytest.fixture
def picker(make_user, assign_responsible, make_indicator, make_value, make_activity, make_note):
    """An indicator of CODE with a baseline, a 2022 target and a 2021 value; notes of CODE, of its activities and
    of another outcome; a responsible staff member."""
    staff = make_user("staff")
    assign_responsible(staff)
    indicator = make_indicator(code="L2-V", name="Practitioners trained", outcome_code=CODE, baseline=10,
                               baseline_year=2020, targets={2022: 40})
    make_value(indicator, 2021, 25)
    march = make_activity(title="Training in Dakar", outcomes=(CODE,), start=date(2022, 3, 14))
    may = make_activity(title="Training in Lima", outcomes=(CODE,), start=date(2022, 5, 2))
    notes = {
        "march": make_note(activity=march, title="Internal report"),
        "may": make_note(activity=may, title="Internal report"),
        "outcome": make_note(outcome_code=CODE, title="Curriculum"),
        "elsewhere": make_note(outcome_code="L1.A1.O1", title="Someone else's report"),
        "other_activity": make_note(activity=make_activity(title="Debate", outcomes=("L1.A1.O1",)),
                                    title="Debate minutes"),
    }
    return {"staff": staff, "indicator": indicator, "notes": notes,
            "url": f"/indicators/{indicator.id}/values/2022"}


def test_value_form_shows_baseline_target_and_previous_value(client, login, picker):
    html = login(client, picker["staff"]).get(picker["url"]).get_data(as_text=True)
    assert re.search(r'id="fact-baseline">10 \(2020\)</dd>', html)
    assert re.search(r'id="fact-target">40\s*</dd>', html)
    assert re.search(r'id="fact-previous">25 <span class="badge text-bg-success">Approved</span></dd>', html)


def test_evidence_picker_offers_the_outcome_s_evidence_named_apart(client, login, picker):
    html = login(client, picker["staff"]).get(picker["url"]).get_data(as_text=True)
    picker_html = html[html.index('<fieldset class="mb-3 evidence-picker"'):html.index("</fieldset>")]
    labels = re.findall(r'<label class="form-check-label" for="evidence-\d+">(.*?)</label>', picker_html)
    assert sorted(labels) == sorted([
        "No evidence",
        "Internal report — Training in Dakar, 14 Mar 2022 (note)",
        "Internal report — Training in Lima, 2 May 2022 (note)",
        f"Curriculum — added to {CODE} on {date.today().strftime('%-d %b %Y')} (note)",
    ])
    assert f"Offered: the 3 files, links and notes of {CODE} and of its activities." in picker_html
    assert 'type="radio" name="evidence_id" value="0" id="evidence-0" checked' in picker_html


def test_evidence_outside_the_outcome_is_refused_with_a_field_error(client, login, picker):
    staff = login(client, picker["staff"])
    for outsider in ("elsewhere", "other_activity"):
        response = staff.post(picker["url"], data={"value": "30", "evidence_id": str(picker["notes"][outsider].id)})
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert re.search(r'id="evidence-errors">This evidence is not one of the list: choose evidence of '
                         rf'{re.escape(CODE)} or of its activities\.</div>', html)
    assert staff.post(picker["url"], data={"value": "30", "evidence_id": "not-a-number"}).status_code == 200
    assert db.session.scalar(select(func.count(IndicatorValue.id)).where(IndicatorValue.year == 2022)) == 0
    chosen = picker["notes"]["may"]
    response = staff.post(picker["url"], data={"value": "30", "evidence_id": str(chosen.id)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{picker['url']}#saved")
    saved = db.session.scalar(select(IndicatorValue).where(IndicatorValue.year == 2022))
    assert (saved.value, saved.evidence_id, saved.review_state) == (30, chosen.id, "draft")
    html = staff.get(picker["url"]).get_data(as_text=True)
    assert "Draft saved: value of L2-V for 2022." in _inline(html)
    assert f'value="{chosen.id}" id="evidence-{chosen.id}" checked' in html


def test_a_submitted_value_lands_on_its_indicator_with_the_confirmation(client, login, picker):
    staff = login(client, picker["staff"])
    response = staff.post(picker["url"], data={"value": "30", "evidence_id": "0", "then": "submit"})
    assert response.headers["Location"].endswith(f"/indicators/{picker['indicator'].id}#saved")
    html = staff.get(f"/indicators/{picker['indicator'].id}").get_data(as_text=True)
    assert "Value of L2-V for 2022 saved and submitted for review." in _inline(html)


def test_a_plan_wide_indicator_says_what_it_offers(client_as, make_indicator, make_note, make_activity):
    indicator = make_indicator(code="PW-1", name="Briefs")
    make_note(outcome_code="L1.A1.O1", title="Brief one")
    make_note(activity=make_activity(outcomes=("L3.A1.O1",)), title="Brief two")
    html = client_as("staff").get(f"/indicators/{indicator.id}/values/2022").get_data(as_text=True)
    assert "A plan-wide indicator: every piece of evidence of the plan is offered, 2 in all." in html
    assert "Brief one — added to L1.A1.O1" in html and "Brief two — Policy debate on housing" in html


def test_the_search_box_comes_with_a_long_list(client, login, picker, make_activity, make_note):
    staff = login(client, picker["staff"])
    assert 'id="evidence-filter"' not in staff.get(picker["url"]).get_data(as_text=True)  # three: no need
    activity = make_activity(title="Training in Quito", outcomes=(CODE,), start=date(2022, 9, 1))
    for n in range(6):
        make_note(activity=activity, title=f"Internal report {n}")
    html = staff.get(picker["url"]).get_data(as_text=True)
    assert re.search(r'<input type="search" id="evidence-filter"[^>]*data-filter-for="evidence-list"', html)
    assert '<label for="evidence-filter"' in html


# ---------------------------------------------------------------- the 403 page says why


def test_403_pages_give_the_reason(client_as, make_indicator, make_assessment):
    staff, board = client_as("staff"), client_as("board")
    response = staff.get(f"/assessments/{CODE}/2022")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert (f"Only the staff responsible for {CODE} can write its assessment. Ask to be assigned on the outcome "
            "page.") in html
    assert f'href="/plan/outcomes/{CODE}#assessments">Go to {CODE} to ask to be assigned</a>' in html
    assert "Your role does not allow" not in html
    indicator = make_indicator(code="L2-X", outcome_code=CODE)
    html = staff.get(f"/indicators/{indicator.id}/values/2022").get_data(as_text=True)
    assert f"Only the staff responsible for {CODE} can enter the values of its indicators." in html
    assessment = make_assessment(CODE, 2022, state="draft")
    html = staff.post(f"/assessments/{assessment.id}/submit").get_data(as_text=True)  # refused by the service
    assert f"Only the staff responsible for {CODE} can submit its assessment." in html
    response = board.post(f"/assessments/{CODE}/2022", data=TEXT)
    assert response.status_code == 403
    assert "Board members read the approved evaluation; they do not edit." in response.get_data(as_text=True)
    html = staff.get("/assessments/review").get_data(as_text=True)
    assert "Only the Secretary General or an administrator can do this." in html
    assert "Only an administrator can do this." in staff.get("/admin/users").get_data(as_text=True)


# ---------------------------------------------------------------- asking to be assigned


def test_staff_ask_the_sg_grants_and_they_can_then_write(client_as, find_outcome):
    staff = client_as("staff", name="Ana Staff")
    sg = client_as("secretary_general", name="Sara General")
    page = staff.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    assert f"Only the staff responsible for {CODE} write its assessments" in page
    assert f'action="/assessments/{CODE}/ask-to-be-assigned"' in page
    response = staff.post(f"/assessments/{CODE}/ask-to-be-assigned")
    assert response.headers["Location"].endswith(f"/plan/outcomes/{CODE}#assessment-saved")
    (asked,) = _requests()
    assert (asked.state, asked.requester_id, asked.outcome_id) == ("pending", staff.user.id, find_outcome(CODE).id)
    page = staff.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    assert "Request pending" in page and f'action="/assessments/{CODE}/ask-to-be-assigned"' not in page
    # A second request while the first is pending is refused, and nothing is added.
    staff.post(f"/assessments/{CODE}/ask-to-be-assigned")
    assert len(_requests()) == 1
    # The SG sees it in the menu's badge and on the page; staff may not decide.
    home = sg.get("/plan/").get_data(as_text=True)
    assert re.search(r'Requests <span class="badge rounded-pill text-bg-warning" data-requests="1">1', home)
    listing = sg.get("/assessments/assignment-requests").get_data(as_text=True)
    assert "Ana Staff" in listing and f">{CODE}</a>" in listing
    assert staff.get("/assessments/assignment-requests").status_code == 403
    assert staff.post(f"/assessments/assignment-requests/{asked.id}", data={"decision": "grant"}).status_code == 403
    assert _requests()[0].state == "pending"
    response = sg.post(f"/assessments/assignment-requests/{asked.id}", data={"decision": "grant"})
    assert response.status_code == 302
    (granted,) = _requests()
    assert (granted.state, granted.decided_by_id) == ("granted", sg.user.id) and granted.decided_at is not None
    assert is_responsible(staff.user, find_outcome(CODE).id)
    assert f"Ana Staff is now responsible for {CODE}." in _inline(
        sg.get("/assessments/assignment-requests").get_data(as_text=True))
    assert 'data-requests=' not in sg.get("/plan/").get_data(as_text=True)
    # Now they write.
    assert staff.get(f"/assessments/{CODE}/2022").status_code == 200
    assert staff.post(f"/assessments/{CODE}/2022", data=TEXT).status_code == 302
    assert db.session.scalar(select(Assessment.author_id)) == staff.user.id
    # Every step is in the record.
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type.in_(
        ("assignment_request", "outcome_responsible"))).order_by(AuditEntry.id)).all()
    assert [(e.entity_type, e.action, e.user_id) for e in entries] == [
        ("assignment_request", "create", staff.user.id),
        ("outcome_responsible", "update", sg.user.id),
        ("assignment_request", "update", sg.user.id)]
    assert entries[2].before["state"] == "pending" and entries[2].after["state"] == "granted"


def test_a_declined_request_is_shown_and_may_be_asked_again(client_as, find_outcome):
    staff, admin = client_as("staff"), client_as("admin", name="Ada Admin")
    staff.post(f"/assessments/{CODE}/ask-to-be-assigned")
    (asked,) = _requests()
    admin.post(f"/assessments/assignment-requests/{asked.id}", data={"decision": "decline"})
    assert _requests()[0].state == "declined" and not is_responsible(staff.user, find_outcome(CODE).id)
    page = staff.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    assert "Request declined" in page and "declined by Ada Admin" in page
    assert f'action="/assessments/{CODE}/ask-to-be-assigned"' in page
    # A decided request is not decided again; a new one may be asked.
    admin.post(f"/assessments/assignment-requests/{asked.id}", data={"decision": "grant"})
    assert _requests()[0].state == "declined"
    staff.post(f"/assessments/{CODE}/ask-to-be-assigned")
    assert [r.state for r in _requests()] == ["declined", "pending"]
    assert admin.post(f"/assessments/assignment-requests/{asked.id}", data={"decision": "maybe"}).status_code == 302
    assert [r.state for r in _requests()] == ["declined", "pending"]


def test_only_staff_ask_and_not_for_what_they_hold(client_as, assign_responsible):
    for role in ("secretary_general", "admin", "board"):
        assert client_as(role).post(f"/assessments/{CODE}/ask-to-be-assigned").status_code == 403, role
    holder = client_as("staff")
    assign_responsible(holder.user)
    holder.post(f"/assessments/{CODE}/ask-to-be-assigned")
    assert _requests() == []
    page = holder.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    assert f"You are responsible for {CODE}" in page and "ask-to-be-assigned" not in page


def test_asking_and_deciding_need_the_csrf_token(app, csrf_app, make_user, login):
    staff = login(csrf_app.test_client(), make_user("staff"))
    assert staff.post(f"/assessments/{CODE}/ask-to-be-assigned").status_code == 400
    assert _requests() == []
    page = staff.get(f"/plan/outcomes/{CODE}").get_data(as_text=True)
    form = page[page.index(f'action="/assessments/{CODE}/ask-to-be-assigned"'):]
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    assert staff.post(f"/assessments/{CODE}/ask-to-be-assigned", data={"csrf_token": token}).status_code == 302
    (asked,) = _requests()
    sg = login(csrf_app.test_client(), make_user("secretary_general"))
    url = f"/assessments/assignment-requests/{asked.id}"
    assert sg.post(url, data={"decision": "grant"}).status_code == 400
    assert _requests()[0].state == "pending"
    listing = sg.get("/assessments/assignment-requests").get_data(as_text=True)
    token = listing[listing.index(f'action="{url}"'):].split('name="csrf_token" value="')[1].split('"')[0]
    assert sg.post(url, data={"decision": "grant", "csrf_token": token}).status_code == 302
    assert _requests()[0].state == "granted"


def test_the_requests_page_is_a_fixed_number_of_queries(client_as, count_queries, make_user):
    from tracker.plan.models import Outcome

    sg = client_as("secretary_general")
    codes = db.session.scalars(select(Outcome.code).order_by(Outcome.position)).all()

    def ask(n, start):
        for i in range(n):
            asker = make_user("staff")
            outcome = db.session.scalar(select(Outcome).where(Outcome.code == codes[start + i]))
            db.session.add(AssignmentRequest(outcome=outcome, requester_id=asker.id))
        db.session.commit()

    ask(2, 0)
    with count_queries() as few:
        assert sg.get("/assessments/assignment-requests").status_code == 200
    ask(8, 2)
    with count_queries() as many:
        assert sg.get("/assessments/assignment-requests").status_code == 200
    assert len(many) == len(few)


def test_granting_adds_the_requester_beside_those_already_responsible(client_as, make_user, assign_responsible,
                                                                       find_outcome):
    jordi = make_user("staff", name="Jordi Serra")
    assign_responsible(jordi)
    ana = client_as("staff", name="Ana Garcia")
    sg = client_as("secretary_general")
    ana.post(f"/assessments/{CODE}/ask-to-be-assigned")
    (asked,) = _requests()
    sg.post(f"/assessments/assignment-requests/{asked.id}", data={"decision": "grant"})
    outcome_id = find_outcome(CODE).id
    assert is_responsible(ana.user, outcome_id) and is_responsible(jordi, outcome_id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "outcome_responsible"))
    assert entry.before == {"user_ids": [jordi.id]} and entry.after == {"user_ids": sorted([jordi.id, ana.user.id])}
