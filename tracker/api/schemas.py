"""The API's marshmallow schemas: what each answer holds and what each request may send."""
import copy

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, missing, validate

from ..activities import services as activity_rules
from ..activities.models import ACTIVITY_KINDS, ACTIVITY_STATUSES
from ..core.review import REVIEW_LABELS
from ..evidence import validation as evidence_rules

MAX_PAGE = 1_000_000
YEARS = validate.Range(min=activity_rules.MIN_DATE.year, max=activity_rules.MAX_DATE.year,
                       error=_l("Give a year between {min} and {max}."))
OUTCOME_CODE = validate.Length(min=1, max=24, error=_l("Give an outcome code, like L1.A2.O3."))


# --- query strings ----------------------------------------------------------------------------------------------


class PageArgs(Schema):
    """Which page of a list: `page` from 1, `per_page` up to 100."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE),
                          metadata={"description": "The page, from 1."})
    per_page = fields.Integer(load_default=25, validate=validate.Range(
        min=1, max=100, error=_l("Ask for between {min} and {max} items a page.")),
        metadata={"description": "Items a page, at most 100."})


class ActivityListArgs(PageArgs):
    """The activities list's filters."""

    year = fields.Integer(validate=YEARS, metadata={"description": "The plan year (the start date's year)."})
    outcome = fields.String(validate=OUTCOME_CODE, metadata={"description": "Serving this outcome (its code)."})


class IndicatorListArgs(PageArgs):
    """The indicators list's filters."""

    outcome = fields.String(validate=OUTCOME_CODE, metadata={"description": "Of this outcome (its code)."})
    plan_wide = fields.Boolean(metadata={"description": "Only the indicators of the plan as a whole."})


class AssessmentListArgs(PageArgs):
    """The assessments list's filters."""

    year = fields.Integer(validate=YEARS)
    outcome = fields.String(validate=OUTCOME_CODE)


# --- pieces shared by answers -----------------------------------------------------------------------------------


class Links(Schema):
    """Links of a list page (absolute paths; absent when there is no such page)."""

    self = fields.String()
    first = fields.String()
    last = fields.String()
    prev = fields.String()
    next = fields.String()


class PageMeta(Schema):
    """Where a list page stands."""

    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer(metadata={"description": "Items over every page."})
    pages = fields.Integer()


class Named(Schema):
    """A row of a reference list: its id and name."""

    id = fields.Integer()
    name = fields.String()


class Coded(Schema):
    """A coded value and its label."""

    code = fields.String()
    label = fields.String()


class UserRef(Schema):
    """A person, by id and name."""

    id = fields.Integer()
    name = fields.String()


class MemberRef(Schema):
    """A member city."""

    id = fields.Integer()
    city = fields.String()
    institution = fields.String()
    country = fields.String()
    region = fields.String()


class PartnerRef(Schema):
    """A partner organisation."""

    id = fields.Integer()
    name = fields.String()
    acronym = fields.String(allow_none=True)


# --- the plan ----------------------------------------------------------------------------------------------------


class OutcomeRef(Schema):
    """An outcome, by code, number and title."""

    code = fields.String()
    number = fields.Integer()
    title = fields.String()


class AxisTree(Schema):
    """An axis and its outcomes."""

    code = fields.String()
    number = fields.Integer()
    title = fields.String()
    outcomes = fields.List(fields.Nested(OutcomeRef))


class LineTree(Schema):
    """An action line with its key ideas and axes."""

    code = fields.String()
    number = fields.Integer()
    title = fields.String()
    key_ideas = fields.List(fields.String())
    axes = fields.List(fields.Nested(AxisTree))


class PlanInfo(Schema):
    """The plan itself."""

    code = fields.String()
    title = fields.String()
    motto = fields.String()
    start_year = fields.Integer()
    end_year = fields.Integer()


class PlanTree(Schema):
    """The whole plan: lines, axes, outcomes."""

    plan = fields.Nested(PlanInfo)
    lines = fields.List(fields.Nested(LineTree))


class CodeTitle(Schema):
    """A node of the plan by code and title."""

    code = fields.String()
    title = fields.String()


class OutcomeOut(OutcomeRef):
    """An outcome with its place in the plan."""

    position = fields.Integer(metadata={"description": "Order in the whole plan, 1 to 35."})
    axis = fields.Nested(CodeTitle)
    line = fields.Nested(CodeTitle, attribute="axis.line")


class OutcomeList(Schema):
    """Every outcome in plan order."""

    items = fields.List(fields.Nested(OutcomeOut))


class Reference(Schema):
    """The codes and ids that activities use: kinds, statuses, kinds of outcome, themes, challenges, members,
    partners."""

    kinds = fields.List(fields.Nested(Coded))
    statuses = fields.List(fields.Nested(Coded))
    outcome_kinds = fields.List(fields.Nested(Coded))
    themes = fields.List(fields.Nested(Named))
    challenges = fields.List(fields.Nested(Named))
    members = fields.List(fields.Nested(MemberRef))
    partners = fields.List(fields.Nested(PartnerRef))


# --- activities --------------------------------------------------------------------------------------------------


class Participants(Schema):
    """People who took part: women, men and other or not stated add up to the total."""

    total = fields.Integer(allow_none=True)
    women = fields.Integer(allow_none=True)
    men = fields.Integer(allow_none=True)
    other = fields.Integer(allow_none=True)


class Budget(Schema):
    """Planned and spent budget in euros, as decimal strings ("1500.00")."""

    planned = fields.String(allow_none=True)
    spent = fields.String(allow_none=True)


class ActivityOut(Schema):
    """An activity with its links to the plan, the members and partners involved, people and money."""

    id = fields.Integer()
    version = fields.Integer(metadata={"description": "Send it back with a change: a change to an older version "
                                                      "is refused with 409."})
    title = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    status = fields.String()
    status_label = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()
    year = fields.Integer()
    place = fields.String()
    online = fields.Boolean()
    description = fields.String()
    outcome_kind = fields.String(allow_none=True)
    outcomes = fields.List(fields.String(), metadata={"description": "Outcome codes."})
    themes = fields.List(fields.Nested(Named))
    challenges = fields.List(fields.Nested(Named))
    members = fields.List(fields.Nested(MemberRef))
    partners = fields.List(fields.Nested(PartnerRef))
    participants = fields.Nested(Participants)
    budget = fields.Nested(Budget)
    responsible = fields.Nested(UserRef, allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    evidence_count = fields.Integer()


class ActivityPage(Schema):
    """A page of activities."""

    items = fields.List(fields.Nested(ActivityOut))
    meta = fields.Nested(PageMeta)
    links = fields.Nested(Links)


COUNT = validate.Range(min=0, max=activity_rules.MAX_PARTICIPANTS)
ID_LIST = validate.Length(max=activity_rules.MAX_SELECTED)


class ActivityIn(Schema):
    """An activity as sent: the same fields and rules as the activity form."""

    title = fields.String(required=True, validate=validate.Length(max=activity_rules.MAX_TITLE))
    kind = fields.String(required=True, validate=validate.OneOf(list(ACTIVITY_KINDS)),
                         metadata={"description": "One of the kinds of GET /reference."})
    status = fields.String(load_default="planned", validate=validate.OneOf(list(ACTIVITY_STATUSES)))
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True, metadata={"description": "Leave out for a one-day activity."})
    place = fields.String(load_default="", validate=validate.Length(max=activity_rules.MAX_PLACE))
    online = fields.Boolean(load_default=False)
    description = fields.String(load_default="", validate=validate.Length(max=activity_rules.MAX_DESCRIPTION))
    outcome_kind = fields.String(allow_none=True, load_default=None)
    outcomes = fields.List(fields.String(validate=OUTCOME_CODE), required=True, validate=ID_LIST,
                           metadata={"description": "Codes of the outcomes it serves (at least one)."})
    themes = fields.List(fields.Integer(), load_default=list, validate=ID_LIST)
    challenges = fields.List(fields.Integer(), load_default=list, validate=ID_LIST)
    members = fields.List(fields.Integer(), load_default=list, validate=ID_LIST)
    partners = fields.List(fields.Integer(), load_default=list, validate=ID_LIST)
    participants_total = fields.Integer(allow_none=True, load_default=None, validate=COUNT)
    participants_women = fields.Integer(allow_none=True, load_default=None, validate=COUNT)
    participants_men = fields.Integer(allow_none=True, load_default=None, validate=COUNT)
    participants_other = fields.Integer(allow_none=True, load_default=None, validate=COUNT)
    budget_planned = fields.Decimal(allow_none=True, load_default=None, places=None, allow_nan=False)
    budget_spent = fields.Decimal(allow_none=True, load_default=None, places=None, allow_nan=False)
    responsible = fields.Integer(allow_none=True, load_default=None,
                                 metadata={"description": "The user responsible; yourself when left out."})


def _all_optional(schema: type[Schema]) -> dict:
    """Copies of a schema's fields, none required and none filled in when left out."""
    optional = {}
    for name, field in schema._declared_fields.items():
        clone = copy.deepcopy(field)
        clone.required, clone.load_default = False, missing
        optional[name] = clone
    return optional


# A change to an activity: only the fields sent change, and `version` says which version it is based on.
ActivityPatch = Schema.from_dict({
    **_all_optional(ActivityIn),
    "version": fields.Integer(required=True, metadata={"description": "The version the change is based on."}),
}, name="ActivityPatch")


# --- evidence -----------------------------------------------------------------------------------------------------


class StoredFileOut(Schema):
    """What a file is (never its bytes: download_url gives those)."""

    filename = fields.String()
    size = fields.Integer()
    mime_type = fields.String()
    sha256 = fields.String()
    download_url = fields.String()


class EvidenceOut(Schema):
    """A piece of evidence's metadata: a file, a link or a note, on an activity or an outcome."""

    id = fields.Integer()
    version = fields.Integer()
    kind = fields.String()
    title = fields.String()
    activity_id = fields.Integer(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"description": "The outcome's code, for evidence attached "
                                                                      "straight to an outcome."})
    url = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    file = fields.Nested(StoredFileOut, allow_none=True)
    added_by = fields.Nested(UserRef, allow_none=True)
    added_at = fields.DateTime()


class EvidenceList(Schema):
    """Pieces of evidence, oldest first."""

    items = fields.List(fields.Nested(EvidenceOut))


class LinkIn(Schema):
    """A link to add as evidence."""

    title = fields.String(required=True, validate=validate.Length(max=evidence_rules.MAX_TITLE))
    url = fields.String(required=True, metadata={"description": "An http:// or https:// address."})


class LinkPatch(Schema):
    """A change to a link (its title and address) or to the title of another piece of evidence."""

    version = fields.Integer(required=True)
    title = fields.String(validate=validate.Length(max=evidence_rules.MAX_TITLE))
    url = fields.String()


# --- indicators -----------------------------------------------------------------------------------------------------


class Baseline(Schema):
    """Where the indicator started."""

    value = fields.String(allow_none=True)
    year = fields.Integer(allow_none=True)


class IndicatorYear(Schema):
    """One plan year of an indicator: target, approved actual, progress and status."""

    year = fields.Integer()
    target = fields.String(allow_none=True)
    target_max = fields.String(allow_none=True)
    actual = fields.String(allow_none=True, metadata={"description": "Approved or computed figures only."})
    progress = fields.String(allow_none=True)
    status = fields.String(allow_none=True)


class IndicatorValueOut(Schema):
    """A value entered by staff for a year, with where it stands in its review."""

    year = fields.Integer()
    value = fields.String()
    review_state = fields.String(metadata={"description": "draft, submitted, returned or approved."})
    review_label = fields.String()


class IndicatorOut(Schema):
    """An indicator with its yearly targets and figures."""

    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    definition = fields.String()
    outcome = fields.String(allow_none=True, metadata={"description": "The outcome's code; none for the plan."})
    unit = fields.String()
    direction = fields.String()
    method = fields.String()
    cumulative = fields.Boolean()
    baseline = fields.Nested(Baseline)
    years = fields.List(fields.Nested(IndicatorYear))
    values = fields.List(fields.Nested(IndicatorValueOut),
                         metadata={"description": "Entered values; Board members see approved ones only."})


class IndicatorPage(Schema):
    """A page of indicators."""

    items = fields.List(fields.Nested(IndicatorOut))
    meta = fields.Nested(PageMeta)
    links = fields.Nested(Links)


# --- assessments -----------------------------------------------------------------------------------------------------


REVIEW_STATES = [state.value for state in REVIEW_LABELS]


class AssessmentOut(Schema):
    """A yearly assessment of an outcome; Board members see approved ones only."""

    id = fields.Integer()
    outcome = fields.String()
    year = fields.Integer()
    status = fields.String()
    status_label = fields.String()
    achieved = fields.String()
    difficulties = fields.String()
    next_steps = fields.String()
    review_state = fields.String(validate=validate.OneOf(REVIEW_STATES))
    updated_at = fields.DateTime()


class AssessmentPage(Schema):
    """A page of assessments."""

    items = fields.List(fields.Nested(AssessmentOut))
    meta = fields.Nested(PageMeta)
    links = fields.Nested(Links)
