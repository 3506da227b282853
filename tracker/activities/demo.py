"""Demo data: a realistic, clearly marked 2021-2023 record to explore, and synthetic volume for benchmarks."""
import os
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select

from ..audit.services import record
from ..auth.models import User
from ..core.models import utcnow
from ..core.roles import EDITORS
from ..auth.services import find_user_by_email, user_snapshot
from ..extensions import db
from ..plan.models import Challenge, Member, OrientingTheme, Outcome, OutcomeKind, Partner
from . import services
from .models import ACTIVITY_KINDS, Activity, activity_member, activity_outcome, activity_partner, activity_theme

DEFAULT_DEMO_PASSWORD = "metropolis-demo-2021"
DEMO_USERS = (
    ("sg@demo.metropolis.org", "Laia Ferrer Soler", "secretary_general"),
    ("board@demo.metropolis.org", "Thandiwe Mokoena", "board"),
    ("ana.garcia@demo.metropolis.org", "Ana García", "staff"),
    ("jordi.serra@demo.metropolis.org", "Jordi Serra", "staff"),
    ("mariam.diallo@demo.metropolis.org", "Mariam Diallo", "staff"),
    ("wei.chen@demo.metropolis.org", "Chen Wei", "staff"),
    ("sofia.martinez@demo.metropolis.org", "Sofía Martínez", "staff"),
    ("tomas.oliveira@demo.metropolis.org", "Tomás Oliveira", "staff"),
)
STAFF_EMAILS = tuple(email for email, _, role in DEMO_USERS if role == "staff")
# Where the record stands in the demo: later 2023 work is still planned or under way.
AS_OF = date(2023, 9, 30)
SYNTHETIC_PREFIX = "Synthetic activity "


class PlanMissing(RuntimeError):
    """Demo data hangs on the plan's outcomes and reference lists: they must be seeded first."""

    def __init__(self):
        super().__init__("The plan is not in the database: run `flask --app wsgi seed plan` first.")


def demo_password() -> str:
    """The demo accounts' password: TRACKER_DEMO_PASSWORD, or the documented default."""
    return os.environ.get("TRACKER_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


@dataclass(frozen=True)
class Programme:
    """A line of work the plan names, and the dated activities the demo records for it."""

    name: str
    kind: str
    outcomes: tuple[str, ...]
    about: str
    items: tuple[tuple, ...]  # (YYYY-MM, specific, place[, overrides]); overrides: kind, outcomes, days, members...
    outcome_kind: str | None = None
    partners: tuple[str, ...] = ()
    members: tuple[str, ...] = ()  # always involved
    random_members: tuple[int, int] = (0, 4)  # how many more members to draw
    themes: tuple[str, ...] = ()
    challenges: tuple[str, ...] = ()
    people: tuple[int, int] | None = (25, 120)
    budget: tuple[int, int] | None = (1500, 12000)
    days: int = 1
    owner: int = 0  # index into the demo staff
    links: str = "news"  # metropolis.org section the link evidence points to


PROGRAMMES: tuple[Programme, ...] = (
    Programme(
        "Policy Debates", "policy_debate", ("L1.A1.O2", "L1.A1.O1"), owner=0, outcome_kind="policy",
        about="Metropolis Policy Debates bring members' political leaders together to define positions on "
              "current and emerging metropolitan topics.",
        themes=("Social cohesion", "Quality of life"), challenges=("Public legitimacy",), people=(60, 260),
        budget=(8000, 45000), random_members=(4, 9),
        items=(
            ("2021-06", "IV Policy Debate on metropolitan governance after COVID-19", "online"),
            ("2021-10", "webinar on health and territorial inequalities", "online"),
            ("2022-05", "V Policy Debate on metropolitan finance and fiscal autonomy", "Bogota",
             {"members": ("Bogota",)}),
            ("2022-11", "briefing on fiscal autonomy for metropolitan governments", "online",
             {"kind": "publication"}),
            ("2023-04", "VI Policy Debate on caring metropolises", "Mexico City", {"members": ("Mexico City",)}),
            ("2023-11", "VII Policy Debate on public space and safety", "Durban"),
        )),
    Programme(
        "Metropolis Observatory", "publication", ("L2.A1.O3", "L2.A2.O1", "L1.A1.O1"), owner=3,
        outcome_kind="policy", links="observatory",
        about="The Metropolis Observatory researches emerging issues and tracks data on key indicators of "
              "metropolitan governance.",
        themes=("Sustainability", "Economic development"), challenges=("Urban growth",), people=None,
        budget=(3000, 18000), random_members=(1, 5), days=30,
        items=(
            ("2021-03", "issue paper on metropolitan mobility and gender", "online",
             {"outcomes": ("L2.A2.O7",)}),
            ("2021-09", "update of the metropolitan indicators database", "online", {"kind": "platform"}),
            ("2021-12", "issue paper on digital transformation of metropolitan services", "online"),
            ("2022-04", "comparative report on metropolitan governance models", "online",
             {"outcomes": ("L2.A1.O1",)}),
            ("2022-10", "metropolitan indicators: 2022 data release", "online", {"kind": "platform"}),
            ("2023-03", "issue paper on housing affordability in metropolises", "online"),
            ("2023-10", "metropolitan indicators: 2023 data release", "online", {"kind": "platform"}),
        )),
    Programme(
        "USE platform", "platform", ("L2.A2.O2", "L2.A2.O6"), owner=1, outcome_kind="learning", links="use",
        about="The urban sustainability exchange (USE) platform showcases and connects practical solutions to "
              "urban issues for and from citymakers.",
        themes=("Sustainability", "Quality of life"), challenges=("Digital disruption",), people=None,
        budget=(4000, 20000), random_members=(2, 6), days=60,
        items=(
            ("2021-02", "new case studies from African members", "online"),
            ("2021-07", "redesign of the platform's search and filters", "online"),
            ("2022-02", "case study campaign on climate resilience", "online", {"challenges": ("Resilience",)}),
            ("2022-09", "curated collection of gender-responsive practices", "online",
             {"outcomes": ("L2.A2.O7",)}),
            ("2023-05", "annual editorial review of the solutions", "online"),
            ("2023-08", "integration with the Observatory indicators", "online", {"days": 150}),
        )),
    Programme(
        "Cities for Global Health", "platform", ("L2.A2.O2", "L3.A5.O1"), owner=1, outcome_kind="learning",
        links="news",
        about="Cities for Global Health spreads ideas from more than 100 cities on ways to address the health, "
              "social and economic impacts of the pandemic.",
        themes=("Quality of life", "Social cohesion"), challenges=("Resilience",), people=(40, 200),
        budget=(2000, 10000), random_members=(3, 8), partners=("UCLG", "AIMF"),
        items=(
            ("2021-01", "collection of vaccination logistics initiatives", "online", {"people": None}),
            ("2021-05", "webinar on mental health in lockdown", "online", {"kind": "event"}),
            ("2021-11", "webinar on recovery plans and informal economy", "online", {"kind": "event"}),
            ("2022-03", "transition of the platform to long-term health resilience", "online", {"people": None}),
            ("2022-10", "webinar on heat waves and public health", "online", {"kind": "event"}),
        )),
    Programme(
        "Gender Mainstreaming", "training", ("L1.A1.O3", "L2.A2.O7"), owner=4, outcome_kind="learning",
        about="Tools and learning to incorporate gender equality in every dimension of metropolitan policies.",
        themes=("Gender equality",), challenges=("Urban growth", "Public legitimacy"), people=(20, 90),
        budget=(2000, 14000), random_members=(2, 6), partners=("Women Transforming Cities International Society",),
        items=(
            ("2021-03", "session on gender-sensitive public space design", "online"),
            ("2021-06", "toolkit on gender mainstreaming in metropolitan policies", "online",
             {"kind": "publication", "people": None}),
            ("2022-03", "International Women's Day campaign with members", "online", {"kind": "campaign"}),
            ("2022-06", "training on gender budgeting", "Montevideo", {"members": ("Montevideo",)}),
            ("2023-03", "peer learning on safe mobility for women", "Buenos Aires",
             {"members": ("Buenos Aires",)}),
            ("2023-10", "update of the gender mainstreaming toolkit", "online",
             {"kind": "publication", "people": None}),
        )),
    Programme(
        "Pilot Projects", "pilot_project", ("L2.A2.O4", "L2.A2.O5"), owner=2, outcome_kind="learning",
        about="Pilot Projects connect metropolitan leaders from different regions to learn from each other and "
              "develop solutions to common problems.",
        themes=("Sustainability", "Social cohesion"), challenges=("Urban growth",), people=(15, 60),
        budget=(10000, 60000), random_members=(2, 4), days=120,
        items=(
            ("2021-02", "metropolitan green corridors", "Barcelona",
             {"members": ("Barcelona (metropolitan area)", "Medellín")}),
            ("2021-09", "integrated public transport fares", "Guadalajara",
             {"members": ("Guadalajara", "Santiago de Chile")}),
            ("2022-02", "waste management in informal settlements", "Abidjan", {"members": ("Abidjan", "Dakar")}),
            ("2022-09", "metropolitan land-use planning framework", "Gauteng",
             {"members": ("Gauteng", "Johannesburg"), "outcomes": ("L2.A1.O2",)}),
            ("2023-02", "data-driven flood risk management", "Jakarta", {"members": ("Jakarta", "Surabaya"),
                                                                         "challenges": ("Resilience",)}),
            ("2023-09", "metropolitan food systems", "Quito", {"members": ("Quito",), "days": 200}),
        )),
    Programme(
        "City Managers Community", "meeting", ("L2.A2.O3", "L2.A2.O6"), owner=2, outcome_kind="learning",
        about="The City Managers Community brings senior managers from the membership together to find "
              "solutions to critical metropolitan challenges.",
        themes=("Economic development",), challenges=("Public legitimacy",), people=(15, 55),
        budget=(1500, 9000), random_members=(5, 10),
        items=(
            ("2021-04", "session on managing budgets under the pandemic", "online"),
            ("2021-10", "session on digital public services", "online", {"challenges": ("Digital disruption",)}),
            ("2022-04", "in-person meeting of city managers", "Lisbon", {"members": ("Lisbon",)}),
            ("2022-10", "session on public procurement for climate", "online"),
            ("2023-04", "session on attracting and keeping public talent", "online"),
            ("2023-11", "annual meeting of city managers", "Seoul", {"members": ("Seoul",)}),
        )),
    Programme(
        "Emergency Governance Initiative", "publication", ("L2.A1.O2", "L3.A5.O1", "L1.A3.O3"), owner=3,
        outcome_kind="policy", partners=("UCLG", "LSE"), links="publications",
        about="The Emergency Governance Initiative, with UCLG and LSE Cities, analyses the impact of emergencies "
              "on urban governance.",
        themes=("Quality of life",), challenges=("Resilience",), people=None, budget=(5000, 25000),
        random_members=(2, 6), days=20,
        items=(
            ("2021-02", "policy brief 03 on emergency governance for cities and regions", "online"),
            ("2021-06", "analytics note on health and inequality", "online"),
            ("2021-11", "final report on emergency governance", "online"),
            ("2022-03", "launch webinar of the final report", "online", {"kind": "event", "people": (80, 250)}),
            ("2022-06", "session at the World Urban Forum", "Katowice",
             {"kind": "event", "people": (50, 150), "outcomes": ("L1.A2.O3",)}),
        )),
    Programme(
        "MITI trainings", "training", ("L2.A2.O3", "L2.A3.O2"), owner=5, outcome_kind="learning",
        about="The Metropolis International Training Institute (MITI) trains members' technical staff and "
              "political representatives.",
        themes=("Sustainability", "Economic development"), challenges=("Urban growth",), people=(18, 45),
        budget=(4000, 22000), random_members=(4, 9), days=3,
        items=(
            ("2021-03", "sustainable mobility from a gender perspective", "online",
             {"themes": ("Gender equality",)}),
            ("2021-09", "internationalisation strategies for metropolitan governments", "online"),
            ("2021-11", "localising the SDGs in metropolitan plans", "online", {"outcomes": ("L2.A3.O1",)}),
            ("2022-03", "metropolitan finance and land value capture", "Seoul", {"members": ("Seoul",)}),
            ("2022-06", "inequalities and urban regeneration", "São Paulo", {"members": ("São Paulo",)}),
            ("2022-10", "climate action planning", "online"),
            ("2023-03", "data for decision-making", "Kazan", {"members": ("Kazan",)}),
            ("2023-06", "participatory budgeting", "Porto Alegre", {"members": ("Porto Alegre",)}),
            ("2023-10", "metropolitan governance for new leaders", "online"),
        )),
    Programme(
        "Guangzhou Award", "event", ("L2.A2.O6", "L1.A3.O3"), owner=3, outcome_kind="learning",
        partners=("Guangzhou International Award for Urban Innovation",), members=("Guangzhou",),
        about="With the Guangzhou International Award for Urban Innovation, Metropolis challenges cities to "
              "solve big problems in new ways.",
        themes=("Sustainability",), challenges=("Urban growth",), people=(80, 300), budget=(5000, 30000),
        random_members=(2, 6), days=3,
        items=(
            ("2021-04", "call for submissions of the 5th edition", "online",
             {"kind": "campaign", "people": None}),
            ("2021-12", "5th edition award ceremony and seminar", "Guangzhou"),
            ("2022-06", "study visits to shortlisted initiatives", "Guangzhou", {"kind": "mission"}),
            ("2023-04", "call for submissions of the 6th edition", "online", {"kind": "campaign", "people": None}),
            ("2023-12", "6th edition award ceremony", "Guangzhou"),
        )),
    Programme(
        "World Metropolitan Day", "campaign", ("L3.A1.O4", "L1.A2.O4"), owner=4, outcome_kind="statements",
        about="World Metropolitan Day (7 October) invites members to celebrate and discuss metropolitan "
              "governance.",
        themes=("Social cohesion",), challenges=("Public legitimacy",), people=(100, 600), budget=(2000, 9000),
        random_members=(8, 15), days=7,
        items=(
            ("2021-09", "campaign toolkit for members", "online", {"people": None}),
            ("2021-10", "4th edition: metropolitan responses to the pandemic", "online", {"kind": "event"}),
            ("2022-09", "call for member events", "online", {"people": None}),
            ("2022-10", "5th edition: metropolitan spaces for all", "online", {"kind": "event"}),
            ("2023-10", "6th edition: caring metropolises", "online", {"kind": "event"}),
        )),
    Programme(
        "UCLG World Council", "meeting", ("L1.A3.O1",), owner=0, outcome_kind="statements", partners=("UCLG",),
        about="Metropolis contributes to UCLG's governance and debates as its metropolitan section.",
        themes=(), challenges=("Public legitimacy",), people=(150, 400), budget=(1500, 8000),
        random_members=(3, 7), days=2,
        items=(
            ("2021-06", "metropolitan section report to the Executive Bureau", "online"),
            ("2021-11", "World Council meeting", "online"),
            ("2022-10", "UCLG World Congress and metropolitan session", "Daejeon",
             {"kind": "event", "members": ("Daejeon",)}),
            ("2023-06", "Executive Bureau meeting", "Tallinn"),
            ("2023-12", "World Council meeting", "Al-Ula"),
        )),
    Programme(
        "Global Taskforce", "meeting", ("L1.A3.O2", "L1.A2.O2"), owner=0, outcome_kind="statements",
        partners=("Global Taskforce of Local and Regional Governments", "UCLG"),
        about="Active participation in the Global Taskforce of Local and Regional Governments.",
        themes=(), challenges=("Public legitimacy",), people=(20, 80), budget=(500, 4000),
        random_members=(0, 2),
        items=(
            ("2021-03", "coordination meeting on the HLPF", "online"),
            ("2021-07", "Local and Regional Governments Forum at the HLPF", "New York", {"kind": "event"}),
            ("2022-07", "statement at the HLPF on the SDG review", "New York", {"kind": "statement"}),
            ("2022-12", "retreat on the New Urban Agenda midterm review", "online"),
            ("2023-04", "meeting with the US Special Envoy for City Diplomacy", "Washington",
             {"partners": ("US Department of State",), "outcomes": ("L1.A3.O3",)}),
            ("2023-09", "SDG Summit local and regional governments day", "New York", {"kind": "event"}),
        )),
    Programme(
        "Mission to the United States", "mission", ("L1.A3.O3", "L3.A2.O1", "L1.A3.O1"), owner=0,
        outcome_kind=None, partners=("UCLG", "NLC", "Global Taskforce of Local and Regional Governments"),
        about="Bilateral meetings with UCLG and the National League of Cities to strengthen relations with "
              "US cities and partners.",
        themes=(), challenges=("Public legitimacy",), people=(10, 40), budget=(3000, 9000),
        random_members=(0, 1), days=4, members=("Montréal",),
        items=(
            ("2023-03", "bilateral meetings with UCLG and the National League of Cities", "Washington",
             {"partners": ("US Department of State", "FCM")}),
            ("2023-05", "follow-up virtual meeting with the US Department of State", "online",
             {"kind": "meeting", "partners": ("US Department of State",), "days": 1}),
            ("2023-06", "invitations to US cities to the Brussels Urban Summit", "online",
             {"kind": "campaign", "days": 20, "people": None}),
        )),
    Programme(
        "International forums", "event", ("L1.A2.O1", "L1.A2.O3", "L1.A2.O4"), owner=0,
        outcome_kind="statements", partners=("UN-Habitat",),
        about="Metropolis brings the voice of metropolitan governments to international forums.",
        themes=("Sustainability",), challenges=("Resilience",), people=(40, 400), budget=(3000, 20000),
        random_members=(2, 6), days=3,
        items=(
            ("2021-11", "metropolitan voices at COP26", "Glasgow", {"partners": ("C40", "ICLEI")}),
            ("2022-06", "Metropolis delegation at the 11th World Urban Forum", "Katowice"),
            ("2022-11", "metropolitan session at COP27", "Sharm el-Sheikh", {"partners": ("ICLEI",)}),
            ("2023-06", "Brussels Urban Summit", "Brussels",
             {"members": ("Brussels",), "partners": ("Eurocities", "UCLG")}),
            ("2023-06", "UN-Habitat Assembly side event", "Nairobi", {"outcomes": ("L1.A2.O2",)}),
            ("2023-12", "metropolitan pavilion at COP28", "Dubai", {"partners": ("ICLEI", "C40")}),
        )),
    Programme(
        "Statements", "statement", ("L1.A2.O1", "L1.A2.O2"), owner=0, outcome_kind="statements",
        about="Positions of the association, agreed with the Board, to influence global debates.",
        themes=("Social cohesion",), challenges=("Public legitimacy",), people=None, budget=None,
        random_members=(0, 3),
        items=(
            ("2021-04", "declaration on metropolitan recovery", "online"),
            ("2021-10", "contribution to the New Urban Agenda quadrennial report", "online",
             {"partners": ("UN-Habitat",)}),
            ("2022-06", "metropolitan declaration to the World Urban Forum", "Katowice"),
            ("2023-07", "position on the localisation of the SDGs", "online", {"outcomes": ("L2.A3.O1",)}),
            ("2023-10", "declaration of the General Assembly", "Barcelona", {"outcomes": ("L3.A3.O2",)}),
        )),
    Programme(
        "Partnerships", "meeting", ("L1.A3.O3",), owner=0, outcome_kind=None,
        about="Agreements and joint work with multilateral actors, networks and think tanks.",
        themes=(), challenges=(), people=(5, 25), budget=(0, 2000), random_members=(0, 1),
        items=(
            ("2021-05", "memorandum of understanding with Cities Alliance", "online",
             {"partners": ("Cities Alliance",)}),
            ("2021-09", "joint work plan with the Mayors Migration Council", "online", {"partners": ("MMC",)}),
            ("2022-02", "coordination with Eurocities on European metropolitan areas", "Brussels",
             {"partners": ("Eurocities", "Platforma")}),
            ("2022-09", "exchange with the World Bank urban team", "online", {"partners": ("World Bank",)}),
            ("2023-02", "dialogue with UNECE on housing policy", "Geneva",
             {"partners": ("UNECE", "GCH"), "outcomes": ("L1.A2.O2",)}),
        )),
    Programme(
        "SDG localisation", "publication", ("L2.A3.O1", "L2.A3.O2"), owner=5, outcome_kind="policy",
        links="publications", partners=("UCLG",),
        about="Guidelines and capacity building for members to achieve the SDGs and other global agendas.",
        themes=("Sustainability",), challenges=("Urban growth",), people=None, budget=(2000, 15000),
        random_members=(2, 5), days=30,
        items=(
            ("2021-05", "guide to metropolitan voluntary local reviews", "online"),
            ("2022-04", "peer review of voluntary local reviews", "online",
             {"kind": "training", "people": (15, 40), "days": 2}),
            ("2022-11", "SDG indicators at metropolitan scale", "online"),
            ("2023-05", "workshop on SDG budgeting", "Bogota",
             {"kind": "training", "people": (20, 50), "days": 2, "members": ("Bogota",)}),
        )),
    Programme(
        "Metropolitan futures", "publication", ("L2.A1.O1", "L2.A1.O2"), owner=3, outcome_kind="policy",
        links="publications",
        about="Prospective analysis on how to build the metropolises of the future.",
        themes=("Quality of life",), challenges=("Digital disruption", "Urban growth"), people=None,
        budget=(3000, 16000), random_members=(1, 4), days=30,
        items=(
            ("2021-05", "Call to rethink our metropolitan spaces: members' responses", "online"),
            ("2021-12", "foresight workshop with members' planners", "online",
             {"kind": "event", "people": (20, 60), "days": 1}),
            ("2022-07", "scenarios for metropolitan governance in 2040", "online"),
            ("2023-07", "metropolitan futures report", "online"),
        )),
    Programme(
        "Knowledge capitalisation", "internal", ("L2.A2.O6",), owner=1, outcome_kind=None,
        about="Systematising and capitalising on the expertise that exists within the association.",
        themes=(), challenges=(), people=(5, 20), budget=(0, 3000), random_members=(0, 0), days=60,
        items=(
            ("2021-06", "inventory of Metropolis projects since 2014", "Barcelona"),
            ("2022-05", "lessons learnt from the Pilot Projects", "Barcelona", {"kind": "publication",
                                                                              "people": None}),
            ("2023-05", "expert directory of member staff", "online", {"kind": "platform", "people": None}),
        )),
    Programme(
        "Member engagement", "meeting", ("L3.A1.O1", "L3.A1.O2"), owner=2, outcome_kind=None,
        about="Listening to members and responding quickly, considering regional specificities.",
        themes=(), challenges=(), people=(10, 60), budget=(500, 6000), random_members=(4, 10),
        items=(
            ("2021-02", "members' needs survey", "online", {"kind": "internal", "days": 45}),
            ("2021-05", "regional consultation with African members", "online"),
            ("2021-09", "regional consultation with Latin American members", "online"),
            ("2022-03", "regional meeting of Asia-Pacific members", "Kuala Lumpur",
             {"members": ("Kuala Lumpur",)}),
            ("2022-09", "regional meeting of European members", "Berlin", {"members": ("Berlin",)}),
            ("2023-02", "members' satisfaction survey", "online", {"kind": "internal", "days": 45}),
            ("2023-05", "regional meeting of African members", "Rabat", {"members": ("Rabat",)}),
        )),
    Programme(
        "Regional secretariats", "meeting", ("L3.A1.O2",), owner=2, outcome_kind=None,
        about="Coordination with the regional secretariats for closer relationships with members.",
        themes=(), challenges=(), people=(6, 20), budget=(0, 3000), random_members=(1, 3),
        items=(
            ("2021-03", "coordination meeting of regional secretariats", "online"),
            ("2022-03", "coordination meeting of regional secretariats", "online"),
            ("2023-03", "coordination meeting of regional secretariats", "online"),
        )),
    Programme(
        "Communication", "campaign", ("L3.A1.O4",), owner=4, outcome_kind=None,
        about="Clear and empathetic communication with members and other stakeholders.",
        themes=(), challenges=(), people=None, budget=(1000, 12000), random_members=(0, 0), days=30,
        items=(
            ("2021-01", "monthly newsletter relaunch", "online"),
            ("2021-06", "annual report 2020", "online", {"kind": "publication"}),
            ("2022-01", "new website section for members", "online", {"kind": "platform"}),
            ("2022-06", "annual report 2021", "online", {"kind": "publication"}),
            ("2023-06", "annual report 2022", "online", {"kind": "publication"}),
        )),
    Programme(
        "Membership campaigns", "campaign", ("L3.A2.O1",), owner=2, outcome_kind=None,
        about="Campaigns to attract new members and keep the membership committed.",
        themes=(), challenges=(), people=None, budget=(1000, 8000), random_members=(0, 2), days=60,
        items=(
            ("2021-03", "campaign towards North American metropolises", "online", {"partners": ("FCM",)}),
            ("2021-10", "membership fees follow-up", "Barcelona", {"kind": "internal"}),
            ("2022-04", "campaign towards Asia-Pacific metropolises", "online"),
            ("2022-11", "welcome programme for new members", "online", {"kind": "event", "people": (10, 30),
                                                                      "days": 1}),
            ("2023-04", "campaign towards African metropolises", "online"),
        )),
    Programme(
        "Funding", "internal", ("L3.A2.O2", "L3.A2.O3"), owner=1, outcome_kind=None,
        about="Diversifying funding sources and running cost-effective projects.",
        themes=(), challenges=(), people=None, budget=(0, 2000), random_members=(0, 0), days=60,
        items=(
            ("2021-04", "proposal to a European Union call for local authorities", "Barcelona",
             {"partners": ("Platforma",)}),
            ("2022-03", "sponsorship framework for events", "Barcelona"),
            ("2022-10", "proposal to a foundation for the Observatory", "Barcelona"),
            ("2023-05", "cost review of the project portfolio", "Barcelona"),
        )),
    Programme(
        "Annual work plan", "internal", ("L3.A2.O3", "L3.A3.O4"), owner=1, outcome_kind=None,
        about="The Secretariat's yearly work plan, budgeted and traced against the plan's outcomes.",
        themes=(), challenges=(), people=None, budget=None, random_members=(0, 0), days=30,
        items=(
            ("2021-01", "work plan and budget 2021", "Barcelona"),
            ("2021-12", "work plan and budget 2022", "Barcelona"),
            ("2022-12", "work plan and budget 2023", "Barcelona"),
            ("2023-02", "activity and expense tracking tool", "Barcelona", {"kind": "platform", "days": 90}),
        )),
    Programme(
        "Code of ethics", "internal", ("L3.A3.O1",), owner=4, outcome_kind=None,
        about="A code of ethics for the association, its staff and its representatives.",
        themes=(), challenges=(), people=None, budget=(0, 3000), random_members=(0, 0), days=60,
        items=(
            ("2021-05", "draft code of ethics", "Barcelona"),
            ("2021-11", "code of ethics approved by the Board", "online", {"outcomes": ("L3.A3.O2",)}),
            ("2022-05", "staff training on the code of ethics", "Barcelona", {"kind": "training",
                                                                             "people": (15, 30), "days": 1}),
            ("2023-05", "ethics committee annual review", "Barcelona"),
        )),
    Programme(
        "Audit", "internal", ("L3.A3.O3", "L3.A3.O4"), owner=1, outcome_kind=None,
        about="Keeping the compliance system: external audits and annual accounts.",
        themes=(), challenges=(), people=None, budget=(6000, 15000), random_members=(0, 0), days=45,
        items=(
            ("2021-04", "external audit of the 2020 accounts", "Barcelona"),
            ("2022-04", "external audit of the 2021 accounts", "Barcelona"),
            ("2023-04", "external audit of the 2022 accounts", "Barcelona"),
            ("2023-06", "data protection compliance review", "Barcelona"),
        )),
    Programme(
        "Board meetings", "meeting", ("L3.A3.O2",), owner=0, outcome_kind=None,
        about="Meetings of the Board of Directors, which evaluates the plan yearly.",
        themes=(), challenges=(), people=(25, 60), budget=(2000, 12000), random_members=(6, 12), days=1,
        items=(
            ("2021-06", "Board of Directors meeting", "online"),
            ("2021-12", "Board of Directors meeting and 2021 evaluation", "online"),
            ("2022-06", "Board of Directors meeting", "Mashhad", {"members": ("Mashhad",)}),
            ("2022-12", "Board of Directors meeting and 2022 evaluation", "online"),
            ("2023-06", "Board of Directors meeting", "Barcelona"),
        )),
    Programme(
        "General Assembly 2023", "event", ("L3.A3.O2", "L3.A1.O2"), owner=0, outcome_kind="statements",
        about="The General Assembly, where the final evaluation of the plan is presented.",
        themes=(), challenges=("Public legitimacy",), people=(150, 400), budget=(30000, 90000),
        random_members=(15, 30), days=3,
        items=(
            ("2023-03", "preparation with the host city", "online", {"kind": "meeting", "people": (8, 20),
                                                                   "days": 1}),
            ("2023-10", "General Assembly and Metropolis Congress", "Barcelona",
             {"members": ("Barcelona (metropolitan area)", "Barcelona (city)")}),
            ("2023-10", "final evaluation of the Strategic Action Plan 2021-2023", "Barcelona",
             {"kind": "publication", "people": None}),
        )),
    Programme(
        "Caring organisation", "internal", ("L3.A1.O3", "L3.A1.O1"), owner=4, outcome_kind=None,
        about="A gender-sensitive, caring Secretariat General.",
        themes=("Gender equality",), challenges=(), people=(15, 30), budget=(0, 4000), random_members=(0, 0),
        days=30,
        items=(
            ("2021-03", "internal gender equality plan", "Barcelona"),
            ("2022-03", "work-life balance and remote work policy", "Barcelona"),
            ("2023-03", "gender equality plan: first review", "Barcelona"),
        )),
    Programme(
        "Carbon footprint policy", "internal", ("L3.A4.O1",), owner=5, outcome_kind=None,
        about="Reducing the association's ecological impact and carbon footprint.",
        themes=("Sustainability",), challenges=("Resilience",), people=None, budget=(0, 5000),
        random_members=(0, 0), days=30,
        items=(
            ("2021-07", "carbon footprint baseline of the Secretariat", "Barcelona"),
            ("2022-01", "travel policy with emission budgets", "Barcelona"),
            ("2022-11", "low-carbon event guidelines", "Barcelona", {"kind": "publication"}),
            ("2023-07", "carbon footprint 2022 report", "Barcelona"),
        )),
    Programme(
        "Risk management", "internal", ("L3.A5.O1",), owner=1, outcome_kind=None,
        about="Risk-aware and adaptive management of the association.",
        themes=(), challenges=("Resilience",), people=None, budget=(0, 4000), random_members=(0, 0), days=30,
        items=(
            ("2021-02", "business continuity plan for remote work", "Barcelona"),
            ("2022-02", "risk map of the Secretariat General", "Barcelona"),
            ("2023-02", "risk map review", "Barcelona"),
        )),
)


# --- the demo record -----------------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    """A URL slug."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def _status(rng: random.Random, start: date, end: date, kind: str) -> str:
    """Completed before the demo's date, under way across it, planned after; a few cancelled."""
    if kind != "internal" and rng.random() < 0.04:
        return "cancelled"
    if start > AS_OF:
        return "planned"
    if end > AS_OF:
        return "in_progress"
    return "completed"


def _people(rng: random.Random, span) -> tuple[int | None, int | None, int | None]:
    """Participants in total, women and men (some not recorded as either)."""
    if span is None:
        return None, None, None
    total = rng.randint(*span)
    women = round(total * rng.uniform(0.36, 0.64))
    men = max(0, total - women - rng.randint(0, max(0, total // 40)))
    return total, women, men


def _money(value: float) -> Decimal:
    """Euros with cents."""
    return Decimal(f"{value:.2f}")


def _budget(rng: random.Random, span, status: str) -> tuple[Decimal | None, Decimal | None]:
    """Planned budget, and what was spent given how far the activity went."""
    if span is None:
        return None, None
    planned = round(rng.randint(*span), -2)
    share = {"completed": rng.uniform(0.72, 1.08), "in_progress": rng.uniform(0.2, 0.6),
             "cancelled": rng.uniform(0, 0.12), "planned": None}[status]
    return _money(planned), (None if share is None else _money(planned * share))


@dataclass
class _Lookups:
    """The reference rows the demo draws from, read once."""

    outcomes: dict = field(default_factory=dict)
    members: dict = field(default_factory=dict)
    partners: dict = field(default_factory=dict)
    themes: dict = field(default_factory=dict)
    challenges: dict = field(default_factory=dict)
    outcome_kinds: dict = field(default_factory=dict)

    @classmethod
    def load(cls) -> "_Lookups":
        """Read the plan's outcomes and reference lists."""
        partners = {}
        for p in db.session.scalars(select(Partner)):
            partners[p.name] = p
            if p.acronym:
                partners[p.acronym] = p
        return cls(
            outcomes={o.code: o for o in db.session.scalars(select(Outcome))},
            members={m.city: m for m in db.session.scalars(select(Member).order_by(Member.id))},
            partners=partners,
            themes={t.name: t for t in db.session.scalars(select(OrientingTheme))},
            challenges={c.name: c for c in db.session.scalars(select(Challenge))},
            outcome_kinds={k.code: k for k in db.session.scalars(select(OutcomeKind))},
        )


def demo_items() -> list[dict]:
    """The demo activities as plain specs, in a fixed order (titles unique, dates deterministic)."""
    rng = random.Random(2021)
    specs, seen = [], set()
    for programme in PROGRAMMES:
        for item in programme.items:
            month, specific, place = item[:3]
            extra = item[3] if len(item) > 3 else {}
            title = f"{programme.name}: {specific}"
            base, n = title, 2
            while title in seen:  # the same meeting every year: keep titles unique
                title, n = f"{base} ({month[:4]})" if n == 2 else f"{base} ({month[:4]}, {n - 1})", n + 1
            seen.add(title)
            year, mon = (int(part) for part in month.split("-"))
            start = date(year, mon, rng.randint(1, 28))
            days = extra.get("days", programme.days)
            end = min(start + timedelta(days=max(days, 1) - 1), date(year, 12, 31))
            specs.append({"programme": programme, "title": title, "specific": specific, "place": place,
                          "start": start, "end": end, "extra": extra})
    return specs


def _ensure_demo_users() -> tuple[dict[str, User], int]:
    """Create the demo accounts that are missing; return them by email and how many were created."""
    users, created, password_hash = {}, 0, None
    for email, name, role in DEMO_USERS:
        user = find_user_by_email(email)
        if user is None:
            if password_hash is None:  # one slow hash for all: they share the documented demo password
                probe = User()
                probe.set_password(demo_password())
                password_hash = probe.password_hash
            user = User(email=email, name=name, role=role, active=True, password_hash=password_hash)
            db.session.add(user)
            db.session.flush()
            record(None, "create", user, after=user_snapshot(user), summary="Demo account (seed demo)")
            created += 1
        users[email] = user
    return users, created


def seed_demo() -> dict:
    """Create the demo accounts, activities and evidence that are missing; return counts created. Does not commit."""
    look = _Lookups.load()
    if not look.outcomes:
        raise PlanMissing()
    users, users_created = _ensure_demo_users()
    staff = [users[email] for email in STAFF_EMAILS]
    existing = set(db.session.scalars(select(Activity.title).where(Activity.is_demo.is_(True))))
    all_members = list(look.members.values())
    created_activities = created_evidence = 0
    for index, spec in enumerate(demo_items()):
        if spec["title"] in existing:
            continue
        programme, extra = spec["programme"], spec["extra"]
        rng = random.Random(f"demo-{index}")  # per item, so a partial earlier run changes nothing else
        kind = extra.get("kind", programme.kind)
        status = extra.get("status") or _status(rng, spec["start"], spec["end"], kind)
        total, women, men = _people(rng, extra.get("people", programme.people))
        if status in ("planned", "cancelled"):
            total = women = men = None
        planned, spent = _budget(rng, extra.get("budget", programme.budget), status)
        members = [look.members[c] for c in (*programme.members, *extra.get("members", ()))]
        low, high = programme.random_members
        pool = [m for m in all_members if m not in members]
        members += rng.sample(pool, rng.randint(low, high)) if high else []
        partner_names = dict.fromkeys((*programme.partners, *extra.get("partners", ())))
        outcome_codes = dict.fromkeys((*programme.outcomes, *extra.get("outcomes", ())))
        owner = staff[(programme.owner + (index % 3 == 2)) % len(staff)]  # mostly the programme's owner
        activity = Activity(
            title=spec["title"], kind=kind, status=status, start_date=spec["start"], end_date=spec["end"],
            year=spec["start"].year, place=spec["place"], is_demo=True,
            description=f"{programme.about} This activity: {spec['specific']}.",
            outcome_kind=look.outcome_kinds.get(extra.get("outcome_kind", programme.outcome_kind) or ""),
            participants_total=total, participants_women=women, participants_men=men,
            budget_planned=planned, budget_spent=spent, responsible_id=owner.id, created_by_id=owner.id,
        )
        activity.outcomes = sorted((look.outcomes[c] for c in outcome_codes), key=lambda o: o.position)
        activity.members = sorted(set(members), key=lambda m: m.city)
        activity.partners = [look.partners[p] for p in partner_names]
        activity.themes = [look.themes[t] for t in extra.get("themes", programme.themes)]
        activity.challenges = [look.challenges[c] for c in extra.get("challenges", programme.challenges)]
        db.session.add(activity)
        db.session.flush()
        record(owner, "create", activity, after=services.snapshot(activity), summary="Demo data (seed demo)")
        created_activities += 1
        for evidence in _demo_evidence(rng, activity, programme, owner):
            db.session.add(evidence)
            created_evidence += 1
    db.session.flush()
    # The measurement layer comes last: responsibles, authors and reviewers are the demo users made above.
    from ..assessments.demo import seed_demo_assessments
    from ..indicators.demo import seed_demo_measurements

    created = {"users": users_created, "activities": created_activities, "evidence": created_evidence}
    created.update(seed_demo_measurements(random.Random(2022)))
    created.update(seed_demo_assessments(random.Random(2023)))
    return created


def _demo_evidence(rng: random.Random, activity: Activity, programme: Programme, owner: User):
    """Notes and links that prove a demo activity (none yet for planned or cancelled ones)."""
    from ..evidence.models import Evidence

    if activity.status in ("planned", "cancelled"):
        return []
    section = "publications" if activity.kind == "publication" else programme.links
    pieces = [Evidence(kind="link", title=f"{activity.title} on metropolis.org", activity_id=activity.id,
                       url=f"https://www.metropolis.org/{section}/{_slug(activity.title)}",
                       added_by_id=owner.id, is_demo=True)]
    if activity.status == "completed" and (activity.kind != "publication" or rng.random() < 0.5):
        who = f"{activity.participants_total} participants" if activity.participants_total else "the team"
        pieces.append(Evidence(kind="note", title="Internal report", activity_id=activity.id, added_by_id=owner.id,
                               is_demo=True,
                               note=f"{activity.title} took place as planned with {who}. Follow-ups agreed with "
                                    f"the members and partners involved are tracked in the work plan."))
    if programme.name == "Mission to the United States" and activity.kind == "mission":
        pieces.append(Evidence(
            kind="note", title="Mission report", activity_id=activity.id, added_by_id=owner.id, is_demo=True,
            note="Meetings with the Global Taskforce and the US Special Envoy for City Diplomacy, and a dinner "
                 "between the leaderships of the National League of Cities and UCLG. About 10 bilaterals. "
                 "Follow-up: a virtual meeting with the State Department; invitations to US cities for the "
                 "Brussels Urban Summit. Membership fees are a hurdle for US cities: explore other forms of "
                 "participation case by case."))
    return pieces


# --- synthetic volume --------------------------------------------------------------------------------------------

_SYNTHETIC_KINDS = tuple(ACTIVITY_KINDS)
_SYNTHETIC_PLACES = ("online", "Barcelona", "Seoul", "Mexico City", "Johannesburg", "Montréal", "Berlin",
                     "Guangzhou", "Buenos Aires", "Abidjan", "Istanbul", "Jakarta")
BATCH = 2000


def synthetic_count() -> int:
    """How many synthetic activities exist."""
    return db.session.scalar(select(func.count(Activity.id)).where(
        Activity.is_demo.is_(True), Activity.title.startswith(SYNTHETIC_PREFIX, autoescape=True))) or 0


def _synthetic_row(i: int, seed: int, people: list[int], now) -> tuple[dict, random.Random]:
    """The column values of synthetic activity number i (the same for the same seed and number)."""
    rng = random.Random(seed * 1_000_003 + i)
    start = date(2021, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    end = start + timedelta(days=rng.choice((0, 0, 0, 1, 2, 6, 30)))
    end = min(end, date(start.year, 12, 31))
    status = _status(rng, start, end, "event")
    total = None if status in ("planned", "cancelled") or rng.random() < 0.2 else rng.randint(0, 500)
    women = None if total is None else rng.randint(0, total)
    men = None if total is None else rng.randint(0, total - women)
    planned = None if rng.random() < 0.3 else _money(rng.randint(0, 50_000))
    spent = None if planned is None or status == "planned" else _money(float(planned) * rng.uniform(0, 1.1))
    person = people[i % len(people)] if people else None
    return {
        "title": f"{SYNTHETIC_PREFIX}{i:05d}", "kind": rng.choice(_SYNTHETIC_KINDS), "status": status,
        "start_date": start, "end_date": end, "year": start.year, "place": rng.choice(_SYNTHETIC_PLACES),
        "description": "Generated for volume tests (seed demo --activities).",
        "participants_total": total, "participants_women": women, "participants_men": men,
        "budget_planned": planned, "budget_spent": spent, "responsible_id": person, "created_by_id": person,
        "created_at": now, "updated_at": now, "is_demo": True, "version": 1, "outcome_kind_id": None,
        "deleted_at": None,
    }, rng


def seed_synthetic(count: int, seed: int = 1) -> int:
    """Top the synthetic activities up to `count` with Core bulk inserts; return how many were created."""
    existing = synthetic_count()
    if existing >= count:
        return 0
    outcome_ids = list(db.session.scalars(select(Outcome.id).order_by(Outcome.id)))
    if not outcome_ids:
        raise PlanMissing()
    member_ids = list(db.session.scalars(select(Member.id).order_by(Member.id)))
    partner_ids = list(db.session.scalars(select(Partner.id).order_by(Partner.id)))
    theme_ids = list(db.session.scalars(select(OrientingTheme.id).order_by(OrientingTheme.id)))
    demo_staff = list(db.session.scalars(select(User.id).where(User.email.in_(STAFF_EMAILS)).order_by(User.id)))
    people = demo_staff or list(db.session.scalars(
        select(User.id).where(User.active.is_(True), User.role.in_(EDITORS)).order_by(User.id)))
    table = Activity.__table__
    now = utcnow()
    created = 0
    for first in range(existing + 1, count + 1, BATCH):
        numbers = range(first, min(first + BATCH, count + 1))
        rows, links = [], {}
        for i in numbers:
            row, rng = _synthetic_row(i, seed, people, now)
            rows.append(row)
            links[row["title"]] = (rng.sample(outcome_ids, rng.randint(1, 3)),
                                   rng.sample(member_ids, rng.randint(0, 5)),
                                   rng.sample(partner_ids, rng.randint(0, 2)),
                                   rng.sample(theme_ids, rng.randint(0, 2)))
        db.session.execute(insert(table), rows)
        ids = dict(db.session.execute(select(table.c.title, table.c.id).where(
            table.c.is_demo.is_(True), table.c.title.in_(list(links)))).all())
        outcome_rows, member_rows, partner_rows, theme_rows = [], [], [], []
        for title, (outcomes, members, partners, themes) in links.items():
            activity_id = ids[title]
            outcome_rows += [{"activity_id": activity_id, "outcome_id": x} for x in outcomes]
            member_rows += [{"activity_id": activity_id, "member_id": x} for x in members]
            partner_rows += [{"activity_id": activity_id, "partner_id": x} for x in partners]
            theme_rows += [{"activity_id": activity_id, "orienting_theme_id": x} for x in themes]
        for link_table, link_rows in ((activity_outcome, outcome_rows), (activity_member, member_rows),
                                      (activity_partner, partner_rows), (activity_theme, theme_rows)):
            if link_rows:
                db.session.execute(insert(link_table), link_rows)
        created += len(rows)
    return created
