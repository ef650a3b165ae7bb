"""Bad input never gives a 500: every form page takes random values for its own fields."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import UserFactory

FORM_PAGES = [
    "/labs/panels/new/",
    "/labs/symptoms/",
    "/labs/life-events/",
    "/supplements/",
    "/profile/",
    "/settings/",
    "/plan/what-if/",
]
FIELD = re.compile(r'name="([^"]+)"')
values = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "0", "-1", "1e309", "2999-01-01", "1899-12-31", "nmol/L", "µg", "\x00"]),
)


def field_names(client, url: str) -> list[str]:
    names = set(FIELD.findall(client.get(url).content.decode()))
    return sorted(names - {"csrfmiddlewaretoken"})


@pytest.mark.django_db
@pytest.mark.parametrize("url", FORM_PAGES)
def test_random_form_data_never_gives_a_server_error(client, url):
    client.force_login(UserFactory())
    names = field_names(client, url)
    assert names, f"no form fields found on {url}"

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.fixed_dictionaries({name: values for name in names}))
    def post_random(data):
        response = client.post(url, data)
        assert response.status_code < 500, (url, data)
        htmx = client.post(url, data, headers={"HX-Request": "true"})
        assert htmx.status_code < 500, (url, data)

    post_random()
