"""Accessibility audit in Debian's headless Chromium: axe-core WCAG 2.0/2.1/2.2 A and AA rules on every
page type, a keyboard-only practitioner journey with visible focus, search with JavaScript off, and the
map pages under the real Content-Security-Policy with no tiles (markers and boundaries still drawn).

Runs against a live server on the test database with seeded rows that are committed and removed at
the end of the module.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from assetmap import create_app
from assetmap.db import session
from tests.browser import ARTIFACTS, axe_violations, chromium, live_server, screenshot

pytestmark = [pytest.mark.commits, pytest.mark.browser, pytest.mark.xdist_group("browser")]  # one site, one browser

if not os.path.exists("/usr/bin/chromium"):  # make setup installs it; say so rather than pass
    pytest.fail("Debian's chromium is not installed: run `make setup`", pytrace=False)

PASSWORD = "a11y test password"
TAG = uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def site(database_url):
    """A live app on the test database (CSRF on) with seeded users and assets."""
    from tests.factories import make_asset, make_user

    app = create_app(
        {"TESTING": False, "SQLALCHEMY_URL": database_url, "SECRET_KEY": "a11y-secret", "RATELIMIT_ENABLED": False}
    )
    ids = {}
    with app.app_context():
        users = {
            role: make_user(
                role,
                email=f"{role}-{TAG}@a11y.example.org",
                password=PASSWORD,
                wards=["E05011151"] if role == "coordinator" else [],
            )
            for role in ("practitioner", "coordinator", "commissioner", "admin")
        }
        a = make_asset(
            source=f"a11y-{TAG}",
            name=f"Zumba Gold class {TAG}",
            categories="physical-activity",
            capabilities="enjoyment",
            accessibility="wheelchair;hearing-loop",
            how_to_get_there="Bus 9 to Broad Street.",
            contact_name="Sam",
            phone="0121 496 0123",
            email="hello@zumba.example.org",
            steward_id=users["coordinator"].id,
        )
        make_asset(
            source=f"a11y-{TAG}",
            name=f"Carers' coffee morning {TAG}",
            categories="carers-support",
            audiences="unpaid-carers",
            lon=-1.8985,
            lat=52.4768,
        )
        make_asset(
            source=f"a11y-{TAG}",
            name=f"Phone befriending {TAG}",
            categories="befriending",
            modes="phone",
            lon=None,
            lat=None,
            service_area_wards="E05011151;E05011152",
        )
        twin = make_asset(  # the same class typed again: the possible-duplicates panels and the merge page
            source=f"a11y-{TAG}",
            name=f"Zumba Gold {TAG}",
            description="Low-impact dance to music for older adults.",
            categories="physical-activity;social-groups",
            phone="+44 121 4960123",
            steward_id=users["coordinator"].id,
        )
        complex_asset = make_asset(
            source=f"a11y-{TAG}",
            name=f"Ladywood lunch and walk {TAG}",
            categories="community-meals-and-food",
            steward_id=users["coordinator"].id,
            schedule=(
                "1st mon,last fri 12:00-13:30 not on bank holidays (In the small hall);"
                "every 2 weeks thu from 2026-01-08 14:00-15:30 term time only;"
                "sat 10:00-12:00 from 2026-04-01 until 2026-09-30;15th of the month 09:00-10:00;"
                "on 2030-03-14 10:00-16:00 (Fun day);every 3 months 2nd last tue from 2026-01-20 18:00-19:00;"
                "closed from 2026-11-01 to 2030-01-31"
            ),
        )
        from assetmap.directory.records import parse_record
        from assetmap.directory.store import known_wards, service_snapshot, update_asset, vocabulary

        snap = service_snapshot(a)
        snap.update(description="A lively low-impact dance class. Newcomers welcome; chairs available.")
        update_asset(
            a,
            parse_record(snap, vocabulary(), known_wards()),
            actor_id=users["coordinator"].id,
            expected_version=a.version,
        )
        session.commit()
        ids = {
            "asset": str(a.id),
            "twin": str(twin.id),
            "complex": str(complex_asset.id),
            "users": {r: u.email for r, u in users.items()},
        }
    with app.app_context():
        started = session.execute(text("SELECT now()")).scalar_one()
        session.remove()
    with live_server(app) as base, chromium() as browser:
        yield {"base": base, "browser": browser, "app": app, "database_url": database_url, **ids}
    with app.app_context():
        session.execute(text("DELETE FROM submission_receipt WHERE created_at >= :t"), {"t": started})
        session.execute(
            text(
                "DELETE FROM suggestion WHERE details LIKE :t OR service_id IN "
                "(SELECT id FROM service WHERE source = :s)"
            ),
            {"t": f"%{TAG}%", "s": f"a11y-{TAG}"},
        )
        session.execute(
            text("DELETE FROM service WHERE source = :s OR name LIKE :n"), {"s": f"a11y-{TAG}", "n": f"%{TAG}%"}
        )
        session.execute(
            text("DELETE FROM asset_change WHERE changed_by_id IN (SELECT id FROM app_user WHERE email LIKE :e)"),
            {"e": f"%-{TAG}@a11y.example.org"},
        )
        session.execute(
            text(
                "UPDATE service SET steward_id = NULL WHERE steward_id IN (SELECT id FROM app_user WHERE email LIKE :e)"
            ),
            {"e": f"%-{TAG}@a11y.example.org"},
        )
        session.execute(text("DELETE FROM app_user WHERE email LIKE :e"), {"e": f"%-{TAG}@a11y.example.org"})
        session.commit()
        session.remove()


def new_page(site, role=None, js=True, bypass_csp=True):
    ctx = site["browser"].new_context(
        java_script_enabled=js, bypass_csp=bypass_csp, viewport={"width": 1280, "height": 900}
    )
    page = ctx.new_page()
    if role:
        page.goto(site["base"] + "/sign-in")
        page.fill("#email", site["users"][role])
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        assert "/sign-in" not in page.url, f"{role} could not sign in"
    return page


def search(page, site, postcode="B1 1BA"):
    page.goto(site["base"] + "/search")
    page.fill("#postcode", postcode)
    page.press("#postcode", "Enter")
    page.wait_for_load_state("load")


def audit(page, name, status=200):
    resp_status = page.evaluate("() => performance.getEntriesByType('navigation')[0].responseStatus")
    assert resp_status == status, f"{name}: expected HTTP {status}, got {resp_status}"
    assert "/sign-in" not in page.url or name.startswith("sign-in"), f"{name}: ended on the sign-in page"
    screenshot(page, f"a11y-{name}")
    violations = axe_violations(page)
    assert violations == [], f"{name}: {violations}"


def test_search_page(site):
    page = new_page(site)
    page.goto(site["base"] + "/search")
    audit(page, "search")


def test_search_page_with_errors(site):
    page = new_page(site)
    search(page, site, postcode="not a postcode")
    audit(page, "search-errors", status=400)
    assert page.locator(".govuk-error-summary").count() == 1


def test_results_with_map(site):
    page = new_page(site, "practitioner")
    search(page, site)
    page.wait_for_timeout(500)
    audit(page, "results")


def test_results_map_with_server_grid_clusters(site, monkeypatch):
    """A view holding more results than the points limit gets numbered grid clusters, under the real CSP."""
    from assetmap.practitioners import markers

    monkeypatch.setattr(markers, "MAP_POINTS_LIMIT", 0)
    monkeypatch.setattr(markers, "GRID_CELLS", 1)  # cells as big as the view: the few results share one
    page = new_page(site, "practitioner", bypass_csp=False)
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    search(page, site)
    page.wait_for_function(
        "() => /numbered groups|could not/.test(document.getElementById('am-map-status').textContent)"
    )
    assert not problems, problems
    status = page.locator("#am-map-status").inner_text()
    assert "shown as numbered groups" in status, status
    assert page.locator(".am-grid-cluster").count() >= 1
    audit(page, "results-clustered")


def test_results_with_words_tags_and_a_correction_and_on_a_phone(site):
    page = new_page(site, "practitioner")
    page.goto(site["base"] + "/search")
    page.fill("#postcode", "B1 1BA")
    page.fill("#q", "zumbba or gardning")
    page.locator("details.govuk-details summary").last.click()
    page.check("input[name=open_day][value=monday]")
    page.check("input[name=open_day][value=tuesday]")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/search/results/**")
    assert page.locator("#spelling").count() == 1 and page.locator("#chosen-filters a").count() >= 3
    audit(page, "results-words-tags")
    page.set_viewport_size({"width": 390, "height": 844})
    audit(page, "results-words-tags-390")
    page.goto(site["base"] + "/search")
    audit(page, "search-390")


def test_asset_page(site):
    page = new_page(site, "practitioner")
    page.goto(f"{site['base']}/assets/{site['asset']}")
    audit(page, "asset")


def test_asset_page_with_a_complex_schedule_and_a_closure(site):
    page = new_page(site, "practitioner")
    page.goto(f"{site['base']}/assets/{site['complex']}")
    audit(page, "asset-complex-schedule")
    assert "First Monday and last Friday of the month" in page.content()


def test_schedule_form_with_every_kind_of_session(site):
    page = new_page(site, "coordinator")
    page.goto(f"{site['base']}/assets/{site['complex']}/edit")
    audit(page, "schedule-form")
    # every choice's questions are on the page, labelled (govuk-frontend's conditional reveal sets
    # aria-expanded on radios, which axe refuses)
    assert page.locator("#schedule-0-every-weeks").is_visible()
    page.locator("button[name=add_session]").click()
    page.wait_for_load_state("load")
    audit(page, "schedule-form-added")
    assert page.locator("input[name=schedule-7-how]").count() == 6  # six sessions held, two empty ones
    assert page.locator("input[name=schedule-8-how]").count() == 0


def test_schedule_form_works_with_javascript_off(site):
    """The same questions, all shown; axe needs JavaScript, so this page is audited above with it on."""
    page = new_page(site, "coordinator", js=False)
    page.goto(f"{site['base']}/assets/{site['complex']}/edit")
    screenshot(page, "schedule-form-no-js")
    for field in (
        "#schedule-0-every-weeks",
        "#schedule-0-monthly-day",
        "#schedule-0-once-date-day",
        "#closed-from-day",
    ):
        assert page.locator(field).is_visible(), field
    assert page.locator("#schedule-0-text").input_value() == (
        "1st mon,last fri 12:00-13:30 not on bank holidays (In the small hall)"
    )


def test_shortlist_and_printed_sheet(site):
    page = new_page(site, "practitioner")
    page.goto(f"{site['base']}/assets/{site['asset']}")
    page.locator("form[action$='/shortlist/add'] button").first.click()
    page.goto(site["base"] + "/shortlist")
    audit(page, "shortlist")
    page.goto(site["base"] + "/shortlist/sheet")
    page.emulate_media(media="print")
    audit(page, "sheet-print")
    page.emulate_media(media="screen")
    page.goto(site["base"] + "/shortlist/sheet?easy=1")
    audit(page, "sheet-easy-read")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site["base"] + "/shortlist")
    audit(page, "shortlist-390")


def test_send_the_sheet_its_errors_and_its_confirmation(site, tmp_path):
    """The send page (choice of email or text, the sheet below), its errors, at 390 px, and 'Sheet sent'."""
    from tests.mail_helpers import mail_config

    with mail_config(site["app"], MAIL_OUTBOX_DIR=str(tmp_path), SMTP_URL="", NOTIFY_API_KEY=""):
        page = new_page(site, "practitioner")
        page.goto(f"{site['base']}/assets/{site['asset']}")
        page.locator("form[action$='/shortlist/add'] button").first.click()
        page.goto(site["base"] + "/shortlist/sheet")
        page.get_by_role("link", name="Send it to the person by email or text message").click()
        page.wait_for_load_state("load")
        audit(page, "send-sheet")
        page.check("#how")
        with page.expect_navigation():
            page.click("main button[type=submit]")
        audit(page, "send-sheet-errors", status=400)
        assert page.locator(".govuk-error-summary").is_visible()
        page.set_viewport_size({"width": 390, "height": 844})
        audit(page, "send-sheet-errors-390", status=400)
        page.check("#how")
        page.fill("#email", "jo.person@example.net")
        page.fill("#practitioner", "Sam Okafor")
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert page.url.endswith("/shortlist/send/done")
        audit(page, "sheet-sent-390")
        page.set_viewport_size({"width": 1280, "height": 900})
        audit(page, "sheet-sent")
        assert len(list(tmp_path.glob("*.eml"))) == 1
        admin = new_page(site, "admin")  # the email itself, as a mail program shows it
        admin.goto(site["base"] + "/admin/outbox")
        admin.get_by_role("link", name="Places and groups you might like, from Sam Okafor").click()
        admin.wait_for_load_state("load")
        admin.get_by_role("link", name="Open the HTML version as a mail program shows it").click()
        admin.wait_for_load_state("load")
        assert admin.locator("h1").inner_text() == "Places and groups you might like"
        audit(admin, "email-sheet")
        admin.set_viewport_size({"width": 390, "height": 844})
        audit(admin, "email-sheet-390")


def test_sign_in(site):
    page = new_page(site)
    page.goto(site["base"] + "/sign-in")
    audit(page, "sign-in")


def test_asset_form_with_errors(site):
    page = new_page(site, "coordinator")
    page.goto(site["base"] + "/assets/new")
    audit(page, "asset-form")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    audit(page, "asset-form-errors", status=400)
    assert page.locator(".govuk-error-summary a").count() >= 1


def test_possible_duplicates_the_list_of_pairs_and_the_merge_page(site):
    page = new_page(site, "coordinator")
    page.goto(f"{site['base']}/assets/{site['asset']}/edit")
    assert page.locator("#possible-duplicates").count() == 1
    audit(page, "asset-edit-possible-duplicates")
    page.goto(site["base"] + "/duplicates")
    audit(page, "duplicates")
    page.goto(f"{site['base']}/assets/{site['asset']}/merge/{site['twin']}")
    assert page.locator("input[name=description]").count() == 2
    audit(page, "merge")


def test_asset_form_asks_before_adding_a_possible_duplicate(site):
    page = new_page(site, "coordinator")
    page.goto(site["base"] + "/assets/new")
    page.fill("#name", f"Zumba Gold class {TAG}")
    page.fill("#description", "Dance class.")
    page.locator("input[name=categories][value=physical-activity]").check()
    page.fill("#postcode", "B1 1BA")
    page.fill("#phone", "0121 496 0123")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    assert page.locator("#possible-duplicates").count() == 1
    audit(page, "asset-form-possible-duplicates", status=409)


def test_history(site):
    page = new_page(site, "coordinator")
    page.goto(f"{site['base']}/assets/{site['asset']}/history")
    audit(page, "history")


def test_review_queue(site):
    page = new_page(site, "coordinator")
    page.goto(site["base"] + "/review")
    audit(page, "review-queue")


def test_suggest_and_report_forms(site):
    page = new_page(site)
    page.goto(site["base"] + "/suggest")
    audit(page, "suggest")
    page.goto(f"{site['base']}/assets/{site['asset']}/report")
    audit(page, "report-problem")


def test_import_report(site):
    page = new_page(site, "coordinator")
    page.goto(site["base"] + "/import")
    audit(page, "import")
    csv_text = (
        "source_id,name,categories,postcode,modes\n"
        f"a11y-{TAG}-1,Import test {TAG},social-groups,B1 1BA,in_person\n"
        f"a11y-{TAG}-2,,not-a-category,B1 1BA,in_person\n"
    )
    page.set_input_files(
        "input[type=file]", files=[{"name": "assets.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}]
    )
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("load")
    assert page.locator("table").count() >= 1
    resp_status = page.evaluate("() => performance.getEntriesByType('navigation')[0].responseStatus")
    audit(page, "import-report", status=resp_status if resp_status in (200, 400, 422) else 200)


def test_coverage_map_and_area_page(site):
    page = new_page(site, "commissioner")
    page.goto(site["base"] + "/coverage")
    page.wait_for_timeout(500)
    audit(page, "coverage")
    page.goto(site["base"] + "/areas/ward/E05011151")
    audit(page, "area")
    page.goto(site["base"] + "/coverage/report")
    audit(page, "coverage-report")


@pytest.fixture(scope="module")
def area_set(site, tmp_path_factory):
    """A two-area custom set over central Birmingham, removed at the end."""
    import json

    from assetmap.coverage import areasets, queries

    path = tmp_path_factory.mktemp("sets") / "patches.geojson"
    boxes = [("North patch", -1.95, 52.48, -1.86, 52.52), ("South patch", -1.95, 52.44, -1.86, 52.48)]
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": n},
                        "geometry": {"type": "Polygon", "coordinates": [[[a, b], [c, b], [c, d], [a, d], [a, b]]]},
                    }
                    for n, a, b, c, d in boxes
                ],
            }
        )
    )
    with site["app"].app_context():
        done = areasets.upload(path, f"Patches {TAG}", None, None)
        session.remove()
    yield str(done.id)
    with site["app"].app_context():
        if queries.area_set(done.id):
            areasets.remove(done.id)
        session.remove()


def test_coverage_choices_compare_area_sets_and_custom_areas(site, area_set):
    page = new_page(site, "commissioner")
    page.goto(
        site["base"] + "/coverage?category=carers-support&category=befriending&audience=older-people&measure=rate"
    )
    page.wait_for_timeout(500)
    audit(page, "coverage-several-terms")
    page.goto(site["base"] + "/coverage/compare?la=E08000025&category=carers-support&a=E05011151&b=E05011168")
    audit(page, "coverage-compare")
    page.goto(site["base"] + "/coverage/area-sets")
    audit(page, "coverage-area-sets")
    page.goto(site["base"] + f"/coverage?geography=custom&set={area_set}&category=carers-support")
    page.wait_for_timeout(500)
    audit(page, "coverage-custom-set")
    page.goto(site["base"] + f"/areas/custom/north-patch?set={area_set}&category=carers-support")
    audit(page, "coverage-custom-area")
    page.goto(site["base"] + "/coverage/area-sets")
    page.click("button:has-text('Upload the areas')")
    page.wait_for_load_state("load")
    audit(page, "coverage-area-sets-errors", status=400)
    assert page.locator(".govuk-error-summary").count() == 1


def test_sortable_columns_and_need_hatching_work_under_the_real_csp(site):
    """MOJ sortable table and the hatching patterns, with the page's own Content-Security-Policy."""
    page = new_page(site, "commissioner", bypass_csp=False)
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(site["base"] + "/coverage?category=carers-support")
    page.wait_for_timeout(1500)
    assert not problems, problems
    assert page.locator("path.am-hatch-dense").count() >= 5 and page.locator("#am-hatch-dense").count() == 1
    table = page.locator("table.am-measures-table")
    header = table.locator("thead th", has_text="Residents").locator("button")
    header.click()
    names = table.locator("tbody tr td:nth-child(2)").all_inner_texts()
    values = [int(v.replace(",", "")) for v in names]
    assert values == sorted(values)
    header.click()
    values = [int(v.replace(",", "")) for v in table.locator("tbody tr td:nth-child(2)").all_inner_texts()]
    assert values == sorted(values, reverse=True)
    assert "Sort by Residents (descending)" in page.locator("[role=status]").last.inner_text()


def test_the_printed_report_has_a_full_width_map_and_a_legend_of_at_least_9_points(site):
    """Printed on A4, portrait and landscape (Chromium's print to PDF, kept in test-artifacts/ to look at)."""
    page = new_page(site, "commissioner")
    page.goto(site["base"] + "/coverage/report?category=carers-support")
    page.wait_for_load_state("networkidle")
    for orientation, width_mm in (("portrait", 210), ("landscape", 297)):
        page.set_viewport_size({"width": round((width_mm - 30) / 25.4 * 96), "height": 700})
        page.emulate_media(media="print")
        shown = page.evaluate("""() => {
            const img = [...document.querySelectorAll('.am-report-map')].find(i => i.offsetWidth > 0);
            const main = document.querySelector('.am-report');
            const sizes = [...document.querySelectorAll('.am-report-legend li, .am-report-legend-title')]
                .map(e => parseFloat(getComputedStyle(e).fontSize));
            return {img: img.offsetWidth, main: main.offsetWidth, src: img.getAttribute('src'),
                    smallest: Math.min(...sizes)};
        }""")
        assert shown["img"] == shown["main"], (orientation, shown)
        assert f"shape={orientation}" in shown["src"]
        assert shown["smallest"] >= 12, shown  # 12 CSS px = 9 pt
        ARTIFACTS.mkdir(exist_ok=True)
        page.pdf(
            path=str(ARTIFACTS / f"coverage-report-{orientation}.pdf"),
            format="A4",
            landscape=orientation == "landscape",
            print_background=True,
        )
        page.emulate_media(media="screen")


def test_account_and_admin_pages(site):
    page = new_page(site, "admin")
    page.goto(site["base"] + "/admin/users")
    audit(page, "admin-users")
    page.goto(site["base"] + "/admin/users/new")
    audit(page, "admin-new-user")
    page.goto(site["base"] + "/account")
    audit(page, "account")
    page.goto(site["base"] + "/admin/terms")
    audit(page, "admin-terms")
    page.get_by_role("link", name="Change Physical activity").first.click()
    page.wait_for_load_state("load")
    assert page.locator("select#into").count() == 1  # the site's assets use it: the move-and-remove form shows
    audit(page, "admin-change-term")
    page.goto(site["base"] + "/admin/terms/category/new")
    audit(page, "admin-new-term")
    page.get_by_role("button", name="Add").click()
    page.wait_for_load_state("load")
    assert page.locator(".govuk-error-summary").count() == 1
    audit(page, "admin-new-term-errors", status=400)


def test_static_pages_and_api_docs(site):
    page = new_page(site, "practitioner")
    for path, name in (
        ("/api-docs", "api-docs"),
        ("/accessibility", "accessibility"),
        ("/privacy", "privacy"),
        ("/about/data", "data-sources"),
        ("/connections/follow-up", "follow-up"),
    ):
        page.goto(site["base"] + path)
        audit(page, name)


def test_error_pages(site):
    page = new_page(site)
    page.goto(site["base"] + "/no-such-page")
    audit(page, "error-404", status=404)
    page = new_page(site, "practitioner")
    page.goto(site["base"] + "/admin/users")
    audit(page, "error-403", status=403)


# --------------------------------------------------------------------------- recorded once (assetmap/once.py)


def _count(site, sql: str, **params) -> int:
    with site["app"].app_context():
        n = session.execute(text(sql), params).scalar_one()
        session.remove()
    return n


def _submit(page, selector: str = "main form button[type=submit]") -> None:
    with page.expect_navigation():
        page.locator(selector).last.click()


def test_connection_recorded_reload_and_back_record_one_connection(site):
    page = new_page(site, "practitioner")
    search(page, site)
    page.locator(f"main a[href*='/assets/{site['asset']}']").first.click()
    page.wait_for_load_state("load")
    connections = "SELECT count(*) FROM connection_log WHERE service_id = :a"
    before = _count(site, connections, a=site["asset"])
    page.check("#capability")
    page.check("#followup")
    _submit(page, "form[action$='/connections'] button")
    assert "/connections/" in page.url
    audit(page, "connection-recorded")
    page.reload()
    audit(page, "connection-recorded-reload")
    assert page.locator(".am-ref").count() == 1
    page.go_back()  # the asset page again (never cached, so a fresh form), then send it again
    page.wait_for_load_state("load")
    page.check("#capability")
    _submit(page, "form[action$='/connections'] button")
    assert "You have already recorded a connection to" in page.locator("h1").inner_text()
    audit(page, "connection-record-again")
    assert _count(site, connections, a=site["asset"]) == before + 1
    page.get_by_role("link", name="View the connection you recorded").click()
    page.wait_for_load_state("load")
    assert "Connection recorded" in page.locator("h1").inner_text()


def test_follow_up_change_needs_confirming(site):
    page = new_page(site, "practitioner")
    page.goto(f"{site['base']}/assets/{site['asset']}")
    page.check("#capability")
    page.check("#followup")
    _submit(page, "form[action$='/connections'] button")
    ref = page.locator(".am-ref").inner_text().strip()
    page.goto(site["base"] + "/connections/follow-up")
    page.fill("#reference", ref)
    page.check("#attended")
    page.check("#helped")
    _submit(page)
    audit(page, "follow-up-recorded")
    page.reload()
    audit(page, "follow-up-recorded-reload")
    page.fill("#reference", ref)
    page.check("#attended-no")
    page.check("#helped-no")
    _submit(page)
    assert f"Change the follow-up for Zumba Gold class {TAG}?" in page.locator("h1").inner_text()
    audit(page, "follow-up-change-confirm")
    _submit(page)
    assert "changed" in page.locator(".govuk-notification-banner").inner_text()
    with site["app"].app_context():
        row = session.execute(
            text("SELECT followup_attended, followup_helped FROM connection_log WHERE followup_ref = :r"), {"r": ref}
        ).one()
        session.remove()
    assert tuple(row) == ("no", "no")


def test_nothing_suitable_reload_records_once(site):
    page = new_page(site, "practitioner")
    search(page, site)
    ids = "SELECT count(*) FROM unmet_need WHERE ward_code = 'E05011151'"
    before = _count(site, ids)
    _submit(page, "form[action$='/nothing-suitable'] button")
    audit(page, "nothing-suitable-recorded")
    page.reload()
    audit(page, "nothing-suitable-reload")
    assert _count(site, ids) == before + 1
    with site["app"].app_context():  # the signal is anonymous: remove the newest one this test made
        session.execute(
            text(
                "DELETE FROM unmet_need WHERE id = (SELECT id FROM unmet_need WHERE ward_code = "
                "'E05011151' ORDER BY recorded_on DESC, ctid DESC LIMIT 1)"
            )
        )
        session.commit()
        session.remove()


def test_suggestion_and_report_sent_reload_and_back_send_once(site):
    page = new_page(site)
    page.goto(site["base"] + "/suggest")
    page.fill("#name", f"Sent once {TAG}")
    page.fill("#description", f"Checking a reload sends nothing again {TAG}")
    page.fill("#postcode", "B1 1BA")
    _submit(page)
    assert page.url.endswith("/suggest/sent")
    audit(page, "suggestion-sent")
    page.reload()
    audit(page, "suggestion-sent-reload")
    page.go_back()
    page.wait_for_load_state("load")
    if not page.input_value("#name"):  # a browser that does not restore the form: fill it in again
        page.fill("#name", f"Sent once {TAG}")
        page.fill("#description", f"Checking a reload sends nothing again {TAG}")
        page.fill("#postcode", "B1 1BA")
    _submit(page)
    suggestions = "SELECT count(*) FROM suggestion WHERE details LIKE :t AND kind = 'new_asset'"
    assert _count(site, suggestions, t=f"%reload sends nothing again {TAG}%") == 1
    assert "You have already sent this suggestion" in page.locator(".govuk-notification-banner").inner_text()
    audit(page, "suggestion-sent-again")

    page.goto(f"{site['base']}/assets/{site['asset']}/report")
    page.check("#problem_type")
    page.fill("#details", f"Report once {TAG}")
    _submit(page)
    audit(page, "report-sent")
    page.reload()
    audit(page, "report-sent-reload")
    page.go_back()
    page.wait_for_load_state("load")
    if not page.is_checked("#problem_type"):
        page.check("#problem_type")
    _submit(page)
    assert _count(site, "SELECT count(*) FROM suggestion WHERE details = :d", d=f"Report once {TAG}") in (0, 1)
    assert _count(site, "SELECT count(*) FROM suggestion WHERE details LIKE :d", d=f"Report once {TAG}%") == 1


def test_review_queue_verification_is_a_conscious_act(site):
    with site["app"].app_context():
        from tests.factories import make_asset

        due = make_asset(
            source=f"a11y-{TAG}", name=f"Reading circle {TAG}", last_verified="2024-01-01", verification_method="phoned"
        )
        session.commit()
        due_id = str(due.id)
        session.remove()
    page = new_page(site, "coordinator")
    page.goto(site["base"] + "/review")
    audit(page, "review-queue-due")
    select = page.locator(f"#method-{due_id}")
    assert select.input_value() == ""  # nothing pre-selected
    _submit(page, f"form[action$='/assets/{due_id}/verify'] button")
    audit(page, "review-queue-verify-error", status=400)
    assert page.locator(".govuk-error-summary").count() == 1
    page.locator(".govuk-error-summary a").click()
    assert page.evaluate("() => document.activeElement.id") == f"method-{due_id}"
    checks = "SELECT count(*) FROM asset_change WHERE service_id = :a AND action = 'verify'"
    assert _count(site, checks, a=due_id) == 0
    page.select_option(f"#method-{due_id}", "visited")
    _submit(page, f"form[action$='/assets/{due_id}/verify'] button")
    audit(page, "review-queue-verified")
    page.reload()
    audit(page, "review-queue-verified-reload")
    assert _count(site, checks, a=due_id) == 1
    page.goto(f"{site['base']}/assets/{due_id}/edit")
    _submit(page, "form[action$='/verify'] button")
    audit(page, "asset-verify-error", status=400)
    assert _count(site, checks, a=due_id) == 1


def test_import_applied_once(site):
    page = new_page(site, "coordinator")
    page.goto(site["base"] + "/import")
    csv_text = (
        f"source_id,name,categories,postcode,modes\na11y-{TAG}-once,Import once {TAG},social-groups,B1 1BA,in_person\n"
    )
    page.set_input_files(
        "input[type=file]", files=[{"name": "once.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}]
    )
    _submit(page)
    _submit(page, "form[action$='/import/apply'] button")
    audit(page, "import-applied")
    page.reload()
    audit(page, "import-applied-reload")
    assert _count(site, "SELECT count(*) FROM service WHERE name = :n", n=f"Import once {TAG}") == 1


def test_sign_in_cooling_off_message(site):
    page = new_page(site)
    email = f"nobody-{TAG}@a11y.example.org"
    for _ in range(5):
        page.goto(site["base"] + "/sign-in")
        page.fill("#email", email)
        page.fill("#password", "not the password")
        _submit(page)
    assert "Too many attempts. Try again in 10 minutes." in page.locator(".govuk-error-summary").inner_text()
    audit(page, "sign-in-cooling-off", status=429)
    with site["app"].app_context():
        from assetmap.accounts import throttle

        session.execute(
            text("DELETE FROM signin_throttle WHERE key_hash IN (:a, :b)"),
            {"a": throttle.account_key(email), "b": throttle.address_key("127.0.0.1")},
        )
        session.commit()
        session.remove()


# --------------------------------------------------------------------------- beyond axe


def _focus_visible(page) -> bool:
    """The focused element shows a focus indicator (outline or GOV.UK's yellow box-shadow/background)."""
    return page.evaluate("""() => {
        const el = document.activeElement; if (!el || el === document.body) return false;
        const s = getComputedStyle(el);
        const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
        return outline || (s.boxShadow && s.boxShadow !== 'none') || s.backgroundColor === 'rgb(255, 221, 0)';
    }""")


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has focus, checking focus is visible at each stop."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(sel) => document.activeElement && document.activeElement.matches(sel)", selector):
            assert _focus_visible(page), f"focus on {selector} is not visible"
            return
    raise AssertionError(f"could not reach {selector} with the Tab key")


def test_keyboard_only_practitioner_journey(site):
    """postcode -> results -> asset -> shortlist -> print, with the keyboard only and visible focus."""
    page = new_page(site, "practitioner")
    page.goto(site["base"] + "/search")
    _tab_to(page, "#postcode")
    page.keyboard.type("B1 1BA")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/results/**")
    # past the map (skip link or tabbing through) to the first result link in the list
    _tab_to(page, f"main a[href*='/assets/{site['asset']}']", limit=200)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/assets/{site['asset']}*")
    _tab_to(page, "form[action$='/shortlist/add'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(site["base"] + "/shortlist")
    _tab_to(page, "a[href$='/shortlist/sheet']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/shortlist/sheet**")
    assert f"Zumba Gold class {TAG}" in page.content()


def test_keyboard_shortlist_from_the_results_keeps_focus_and_place(site):
    """Adding to the shortlist from the results with the keyboard: no reload, focus stays on the button."""
    page = new_page(site, "practitioner")
    search(page, site)
    url = page.url
    _tab_to(page, "main form[data-shortlist] button", limit=200)
    before = page.evaluate("() => document.activeElement.closest('li').id")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('am-shortlist-status').textContent.length > 0")
    assert page.url == url
    assert page.evaluate("() => document.activeElement.closest('li').id") == before
    assert "Remove from shortlist" in page.evaluate("() => document.activeElement.textContent")
    page.keyboard.press("Enter")  # and take it off again, for the tests that follow
    page.wait_for_function("() => document.activeElement.textContent.includes('Add to shortlist')")


def test_search_and_results_work_with_javascript_off(site):
    page = new_page(site, js=False)
    search(page, site)
    assert "/search/results/" in page.url
    assert page.locator("#results-list").count() == 1
    assert f"Zumba Gold class {TAG}" in page.locator("main").inner_text()


def test_maps_pass_the_csp_and_draw_without_tiles(site):
    """Under the real CSP (no bypass) and with no tile server, the map still shows markers and boundaries."""
    page = new_page(site, "practitioner", bypass_csp=False)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    search(page, site)
    page.wait_for_timeout(1500)
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert not problems, problems
    assert page.locator(".leaflet-container").count() >= 1
    assert page.locator(".leaflet-tile").count() == 0
    markers = page.locator(".leaflet-marker-icon:not(.am-basemap-label), .leaflet-interactive, .marker-cluster").count()
    assert markers >= 2
    screenshot(page, "csp-results-map")
    page = new_page(site, "commissioner", bypass_csp=False)
    problems.clear()
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(site["base"] + "/coverage")
    page.wait_for_timeout(1500)
    assert not problems, problems
    assert page.locator("path.leaflet-interactive").count() >= 10  # ward boundaries drawn


# --------------------------------------------------------------------------- embedding, spreadsheets, the offline base map


def test_embed_pages(site):
    page = new_page(site)
    page.goto(site["base"] + "/embed")
    audit(page, "embed-how")
    page.goto(site["base"] + "/embed/search")
    audit(page, "embed-search")
    page.fill("#postcode", "B1 1BA")
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    assert f"Zumba Gold class {TAG}" in page.locator("main").inner_text()
    audit(page, "embed-results")
    page.fill("#postcode", "not a postcode")
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    audit(page, "embed-search-errors", status=400)
    page = new_page(site, "admin")
    page.goto(site["base"] + "/admin/embed")
    audit(page, "admin-embed")
    page.fill("#origin", "http://example.org")
    page.click("main form button[type=submit] >> text=Allow this site")
    page.wait_for_load_state("load")
    audit(page, "admin-embed-errors", status=400)
    page.goto(site["base"] + "/export")
    audit(page, "export")


@contextmanager
def host_page(embed_src: str):
    """A plain page on another origin (http://localhost:<port>, another site than 127.0.0.1) that pastes the
    snippet, as a council's web page would."""
    html = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Example Council: find support"
        "</title></head><body style='font-family:arial;margin:24px;background:#f3f2f1'>"
        "<h1>Example Council</h1><p>Groups and activities near you, from AssetMap:</p>"
        f"<iframe src='{embed_src}' title='Find local groups, activities and support' width='100%' "
        "height='720' style='border:0;max-width:720px;background:#fff' loading='lazy'></iframe>"
        "</body></html>"
    ).encode()

    def host(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [html]

    with live_server(host) as base:
        yield base.replace("127.0.0.1", "localhost")


def _embed_site(site, origin: str, allowed: bool) -> None:
    """Allow (or stop allowing) a parent site, committed, as the admin page would."""
    from sqlalchemy import create_engine

    engine = create_engine(site["database_url"])
    with engine.begin() as conn:
        if allowed:
            conn.execute(text("INSERT INTO embed_site (origin) VALUES (:o) ON CONFLICT DO NOTHING"), {"o": origin})
        else:
            conn.execute(text("DELETE FROM embed_site WHERE origin = :o"), {"o": origin})
    engine.dispose()


def test_the_embed_on_a_plain_host_page_from_another_origin(site):
    with host_page(site["base"] + "/embed/search") as host:
        try:
            _embed_site(site, host, True)
            page = new_page(site, bypass_csp=False)
            page.goto(host)
            frame = page.frame_locator("iframe")
            frame.locator("#postcode").fill("B1 1BA")
            frame.locator("button[type=submit]").click()
            frame.locator("#results-heading").wait_for()
            assert f"Zumba Gold class {TAG}" in frame.locator("main").inner_text()
            shot = screenshot(page, "embed-on-host-page")
            assert shot.exists()
        finally:
            _embed_site(site, host, False)
        # the same host, no longer allowed: the browser refuses to show the search in it
        page = new_page(site, bypass_csp=False)
        refused = []
        page.on("console", lambda m: refused.append(m.text) if "frame-ancestors" in m.text else None)
        page.goto(host)
        page.wait_for_timeout(1500)
        assert page.frame_locator("iframe").locator("#postcode").count() == 0
        assert refused, "the browser did not report the frame-ancestors refusal"
        screenshot(page, "embed-on-host-page-not-allowed")
    with host_page(site["base"] + "/search") as host:  # every other page refuses framing, allowed host or not
        try:
            _embed_site(site, host, True)
            page = new_page(site, bypass_csp=False)
            page.goto(host)
            page.wait_for_timeout(1500)
            assert page.frame_locator("iframe").locator("#postcode").count() == 0
        finally:
            _embed_site(site, host, False)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("tiles", ["none", "unreachable"])
def test_offline_base_map_shows_ward_names_and_the_council_boundary(site, database_url, tiles):
    """No tile service, or one that cannot be reached: the point picker still shows wards, their names and the
    council boundary, and picking a point still works."""
    base = site["base"]
    server = None
    if tiles == "unreachable":
        from assetmap import create_app

        app = create_app(
            {
                "TESTING": False,
                "SQLALCHEMY_URL": database_url,
                "SECRET_KEY": "a11y-secret",
                "RATELIMIT_ENABLED": False,
                "TILE_URL": f"http://127.0.0.1:{_free_port()}/{{z}}/{{x}}/{{y}}.png",
                "TILE_ATTRIBUTION": "Tiles that cannot be reached",
            }
        )
        server = live_server(app)
        base = server.__enter__()
    try:
        page = new_page(site, bypass_csp=False)
        page.goto(base + "/search")
        page.click("#picker summary")
        page.click("button:has-text('Show Birmingham')")
        page.locator(".am-basemap-label").first.wait_for(timeout=15000)
        page.wait_for_timeout(1000)  # the fit to Birmingham is animated
        for _ in range(3):  # ward names show from zoom 12
            if page.locator(".am-basemap-label", has_text="Ladywood").count():
                break
            page.locator("#picker .leaflet-control-zoom-in").click()
            page.wait_for_timeout(800)
        names = page.locator(".am-basemap-label").all_inner_texts()
        assert "Ladywood" in names and "Nechells" in names
        assert page.locator(".am-basemap-on").count() == 1
        assert page.locator(".leaflet-pane.leaflet-am-basemap-pane path").count() >= 10  # wards and the council
        if tiles == "unreachable":
            assert page.locator(".leaflet-tile").count() > 0  # they were asked for, and failed
        page.locator("#picker .am-map .leaflet-container").click(position={"x": 300, "y": 180})
        assert page.input_value("#lat") and page.input_value("#lon")
        page.locator("#picker").screenshot(path=str(ARTIFACTS / f"offline-basemap-{tiles}.png"))
        audit(page, f"search-offline-basemap-{tiles}")
    finally:
        if server is not None:
            server.__exit__(None, None, None)


def test_outbox_pages_and_the_email_itself(site, tmp_path):
    """The admin's outbox reader (outside production), a message in it, a text message, and the HTML email as
    a mail program shows it."""
    from assetmap import mail
    from assetmap.mail import delivery
    from tests.mail_helpers import mail_config

    app = site["app"]
    with mail_config(app, MAIL_OUTBOX_DIR=str(tmp_path), SMTP_URL="", NOTIFY_API_KEY=""):
        with app.app_context():
            mail.queue_email(
                "organiser@example.org", "test_message", ref=f"a11y:{TAG}", unsubscribe_url=site["base"] + "/privacy"
            )
            mail.queue_sms("07700 900982", "test_message", ref=f"a11y:{TAG}")
            session.commit()
            assert delivery.deliver_due().outcomes["sent"] == 2
            session.remove()
        try:
            page = new_page(site, "admin")
            page.goto(site["base"] + "/admin/outbox")
            audit(page, "admin-outbox")
            page.get_by_role("link", name="Test message from AssetMap").click()
            page.wait_for_load_state("load")
            audit(page, "admin-outbox-email")
            page.get_by_role("link", name="Open the HTML version as a mail program shows it").click()
            page.wait_for_load_state("load")
            assert page.locator("h1").inner_text() == "Test message"
            audit(page, "email-test-message")
            page.goto(site["base"] + "/admin/outbox")
            page.get_by_role("link", name="Text message").click()
            page.wait_for_load_state("load")
            audit(page, "admin-outbox-sms")
        finally:
            with app.app_context():
                session.execute(text("DELETE FROM mail_outbox WHERE ref = :r"), {"r": f"a11y:{TAG}"})
                session.commit()
                session.remove()


# --------------------------------------------------------------------------- organisers (issue 13)


def _organiser_link(site, email=None):
    """Give the seeded asset an organiser and a reminder; (asset id, token, path of the email's .eml or None)."""
    import datetime as dt

    from assetmap.directory import organisers
    from assetmap.mail import delivery
    from assetmap.models import Service
    from assetmap.upkeep import reminders

    app = site["app"]
    with app.app_context():
        sid = uuid.UUID(site["asset"])
        organisers.set_contact(
            sid,
            organisers.ContactInput(
                "Pat Organiser", email or f"pat-{TAG}@a11y.example.org", dt.date(2026, 1, 5), "phone"
            ),
        )
        now = dt.datetime.now(dt.UTC)
        service = session.get(Service, sid)
        reminder = reminders.send(sid, 0, service.last_verified_on or now.date(), now)  # as 'send a link now'
        session.commit()
        token = reminders.link_token(reminder)
        delivery.deliver_due(now + dt.timedelta(minutes=5))
        session.commit()
        session.remove()
    return site["asset"], token


def test_organiser_pages(site):
    asset, token = _organiser_link(site)
    page = new_page(site)
    base = f"{site['base']}/listings/{asset}/check"
    page.goto(f"{base}?t={token}")
    audit(page, "organiser-listing")
    page.goto(f"{base}/still-right?t={token}")
    audit(page, "organiser-still-right")
    page.goto(f"{base}/changes?t={token}")
    audit(page, "organiser-changes")
    page.fill("#name", "")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    audit(page, "organiser-changes-errors", status=400)
    page.goto(f"{base}/stopped?t={token}")
    audit(page, "organiser-stopped")
    page.goto(f"{base}/contact?t={token}")
    audit(page, "organiser-contact")
    page.goto(f"{base}/done?what=change")
    audit(page, "organiser-done")
    page.goto(f"{base}/still-right?t={token[:-3]}xyz")
    audit(page, "organiser-bad-link", status=404)


def test_the_reminder_email_as_a_mail_client_shows_it(site, tmp_path):
    from email import policy
    from email.parser import BytesParser

    from tests.mail_helpers import mail_config

    with mail_config(site["app"], MAIL_OUTBOX_DIR=str(tmp_path), SMTP_URL="", NOTIFY_API_KEY=""):
        _organiser_link(site, email=f"eml-{TAG}@a11y.example.org")
    (eml,) = tmp_path.glob("*.eml")
    msg = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    page = new_page(site)
    page.set_content(msg.get_body(("html",)).get_content())
    screenshot(page, "email-reminder")
    assert page.locator("a", has_text="Still right").count() >= 1
    assert violations_of_email(page) == []


def test_the_coordinators_digest_as_a_mail_client_shows_it(site, tmp_path):
    """The daily digest, with an organiser's "no longer running" waiting, rendered from its .eml."""
    import datetime as dt
    from email import policy
    from email.parser import BytesParser

    from assetmap.mail import delivery
    from assetmap.upkeep import digest
    from assetmap.upkeep.usecases import organisers as organiser_cases
    from tests.mail_helpers import mail_config

    with mail_config(site["app"], MAIL_OUTBOX_DIR=str(tmp_path), SMTP_URL="", NOTIFY_API_KEY=""):
        asset, token = _organiser_link(site, email=f"digest-{TAG}@a11y.example.org")
        with site["app"].test_request_context():
            organiser_cases.propose_closure(uuid.UUID(asset), token, "We stopped meeting in the summer.")
            now = dt.datetime.now(dt.UTC)
            assert digest.send_digests(now).split()[0] != "0"
            delivery.deliver_due(now + dt.timedelta(minutes=5))
            session.commit()
            session.remove()
    messages = [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in tmp_path.glob("*.eml")]
    (msg,) = [m for m in messages if "Still right" not in m.get_body(("html",)).get_content()][:1]
    page = new_page(site)
    page.set_content(msg.get_body(("html",)).get_content())
    screenshot(page, "email-digest")
    assert "stopped" in page.content().lower()
    assert violations_of_email(page) == []


def violations_of_email(page):
    """axe on the email's HTML (a mail client shows no page landmarks or title, so those rules are off)."""
    return [
        v
        for v in axe_violations(page)
        if v["id"] not in ("landmark-one-main", "region", "page-has-heading-one", "document-title", "html-has-lang")
    ]


def test_upkeep_settings_freshness_and_proposal_pages(site):
    asset, token = _organiser_link(site)
    page = new_page(site)
    page.goto(f"{site['base']}/listings/{asset}/check/changes?t={token}")
    page.fill("#name", f"Zumba Gold for beginners {TAG}")
    page.fill("#phone", "0121 496 0999")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    assert "/check/done" in page.url
    asset, token = _organiser_link(site)
    page.goto(f"{site['base']}/listings/{asset}/check/stopped?t={token}")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    page = new_page(site, "coordinator")
    page.goto(site["base"] + "/review")
    audit(page, "review-queue-with-proposal")
    hrefs = page.eval_on_selector_all("a[href*='/review/proposals/']", "els => els.map(e => e.href)")
    assert len(hrefs) >= 2
    for n, href in enumerate(hrefs[:2]):
        page.goto(href)
        audit(page, f"proposal-{n}")
    page.goto(site["base"] + "/settings/reminders")
    audit(page, "settings-reminders")
    page.goto(site["base"] + "/freshness")
    audit(page, "freshness")
    page.goto(f"{site['base']}/assets/{asset}/edit")
    audit(page, "asset-form-with-organiser")


def test_account_link_pages(site):
    page = new_page(site)
    page.goto(site["base"] + "/forgot-password")
    audit(page, "forgot-password")
    page.goto(site["base"] + "/set-password?t=nonsense")
    audit(page, "set-password-bad-link", status=404)
    from assetmap.mail import optout

    with site["app"].app_context():
        url = optout.unsubscribe_url("reminders", f"pat-{TAG}@a11y.example.org")
    page.goto(site["base"] + "/unsubscribe?" + url.split("?", 1)[1])
    audit(page, "unsubscribe")
