"""Members and partners as the activity form finds them: labels with the acronym once, aliases, ranked search."""
import re

import pytest
from sqlalchemy import select

from tracker.activities.models import Activity
from tracker.extensions import db
from tracker.plan.models import REGIONS, Member, Partner
from tracker.plan.queries import search_members, search_partners
from tracker.plan.seed import seed_plan


@pytest.mark.parametrize("name,acronym,label", [
    ("International Association of Francophone Mayors", "AIMF", "International Association of Francophone Mayors "
                                                                "(AIMF)"),
    ("International Association of Francophone Mayors (AIMF)", "AIMF", "International Association of Francophone "
                                                                       "Mayors (AIMF)"),
    ("UNISDR (United Nations Office for Disaster Risk Reduction)", "UNISDR",
     "UNISDR (United Nations Office for Disaster Risk Reduction)"),
    ("C40 Cities", "C40", "C40 Cities"),
    ("ICLEI European Secretariat", "ICLEI Europe", "ICLEI European Secretariat (ICLEI Europe)"),
    ("Mayors Migration Council", "MMC", "Mayors Migration Council (MMC)"),
    ("World Bank", None, "World Bank"),
])
def test_a_label_carries_its_acronym_once(name, acronym, label):
    assert Partner(name=name, acronym=acronym).label == label


def test_no_seeded_partner_shows_an_acronym_twice(app):
    for partner in db.session.scalars(select(Partner)):
        if partner.acronym:
            assert partner.label.count(f"({partner.acronym})") <= 1, partner.label
            assert not partner.name.endswith(f"({partner.acronym})"), partner.name
    aimf = db.session.scalar(select(Partner).where(Partner.acronym == "AIMF"))
    assert aimf.label == "International Association of Francophone Mayors (AIMF)"


def test_the_form_lists_each_partner_label_once(client_as):
    page = client_as("staff").get("/activities/new").get_data(as_text=True)
    assert page.count("International Association of Francophone Mayors (AIMF)</label>") == 1
    assert "(AIMF) (AIMF)" not in page


@pytest.mark.parametrize("query,expected", [
    ("State Department", "US Department of State"),
    ("state department", "US Department of State"),
    ("department of state", "US Department of State"),
    ("AIMF", "International Association of Francophone Mayors"),
    ("Maires Francophones", "International Association of Francophone Mayors"),
    ("UNDRR", "UNISDR (United Nations Office for Disaster Risk Reduction)"),
    ("CGLU", "United Cities and Local Governments"),
    ("  uclg ", "United Cities and Local Governments"),
])
def test_partner_search_matches_name_acronym_and_aliases(app, query, expected):
    assert expected in [p.name for p in search_partners(query)]


def test_partner_search_finds_nothing_for_nothing(app):
    assert search_partners("") == [] and search_partners("zzz-no-such-partner") == []


def test_seeding_sets_the_aliases_and_a_second_run_changes_nothing(app):
    state = db.session.scalar(select(Partner).where(Partner.name == "US Department of State"))
    assert state.alias_list[0] == "State Department"
    state.aliases = ""
    db.session.commit()
    seed_plan()
    db.session.commit()
    assert db.session.get(Partner, state.id).alias_list[0] == "State Department"  # restored from the data file
    assert sum(seed_plan().values()) == 0


def test_partner_aliases_are_in_the_form_search_text(client_as):
    page = client_as("staff").get("/activities/new").get_data(as_text=True)
    item = re.search(r'<div class="form-check" data-label="([^"]*)"[^>]*>\s*<input[^>]*name="partners"[^>]*>\s*'
                     r'<label[^>]*>US Department of State</label>', page)
    assert item and "State Department" in item.group(1)


def test_member_search_ranks_city_names_before_country_matches(app):
    found = search_members("Mexico")
    assert found[0].city == "Mexico City"
    rest = found[1:]
    assert rest and all(m.country == "MX" for m in rest)  # then the other Mexican members, by city
    assert [m.city for m in rest] == sorted(m.city for m in rest)
    mexican = set(db.session.scalars(select(Member.city).where(Member.country == "MX")))
    assert {m.city for m in found} == mexican


def test_member_search_puts_a_city_prefix_before_a_city_containing_it(app):
    cities = [m.city for m in search_members("san")]
    starts = [c for c in cities if c.lower().startswith("san")]
    assert starts and cities[:len(starts)] == starts
    assert "Busan" in cities[len(starts):]  # "san" inside the name comes after


def test_member_search_endpoint(client_as):
    client = client_as("staff")
    response = client.get("/plan/members/search?q=Mexico")
    assert response.status_code == 200
    assert response.json[0]["label"] == "Mexico City (Mexico)"
    assert client.get("/plan/members/search").json == []
    assert client.get("/plan/members/search?q=" + "x" * 5000).status_code == 200
    assert client.get("/plan/partners/search?q=State%20Department").json[0]["label"] == "US Department of State"


def test_search_endpoints_need_a_login(client):
    assert client.get("/plan/members/search?q=Mexico").status_code in (302, 401)


def test_the_member_picker_carries_regions_for_a_whole_region_pick(client_as):
    page = client_as("staff").get("/activities/new").get_data(as_text=True)
    items = re.findall(r'data-value="(\d+)" data-city="[^"]*" data-region="([^"]*)"', page)
    assert len(items) == 141
    by_region = {region: {int(i) for i, r in items if r == region} for region in REGIONS}
    for region, ids in by_region.items():
        expected = set(db.session.scalars(select(Member.id).where(Member.region == region)))
        assert ids == expected, region
    tools = re.search(r'<div class="picker-regions[^>]*data-regions-for="members-list" hidden>(.*?)</div>\s*</div>',
                      page, re.S)
    assert tools, "the region tools are there, hidden until the script shows them"
    assert re.findall(r'<option value="([^"]+)">', tools.group(1)) == list(REGIONS)


def test_a_whole_region_posted_at_once_is_saved(client_as, activity_form_data):
    staff = client_as("staff")
    africa = [str(i) for i in db.session.scalars(select(Member.id).where(Member.region == "Africa"))]
    response = staff.post("/activities/new", data=activity_form_data(staff.user, members=africa))
    assert response.status_code == 302
    activity = db.session.scalar(select(Activity))
    assert {m.region for m in activity.members} == {"Africa"} and len(activity.members) == len(africa)
