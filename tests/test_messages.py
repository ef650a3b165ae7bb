"""Flash messages quote values ("Saved 25(OH)D 27.5 ng/mL"): they stay in the session."""

import pytest


@pytest.mark.django_db
def test_a_saved_value_is_never_in_a_cookie(client_logged_in):
    data = {"drawn_on": "2025-06-01", "analyte": "vitd_25oh", "value": "27.5", "unit": "ng/mL"}
    response = client_logged_in.post("/labs/quick-result/", {**data, "next": "/labs/"})
    assert response.status_code == 302
    assert "messages" not in response.cookies
    assert all("27.5" not in morsel.value for morsel in client_logged_in.cookies.values())
    page = client_logged_in.get("/labs/").content.decode()
    assert "Saved 25(OH)D 27.5 ng/mL" in page  # shown once, from the session
