"""Styled 404 and 500 pages (DEBUG is off in tests, as in production)."""

import pytest
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as app_urls


def explode(request):
    raise RuntimeError("boom")


urlpatterns = [*app_urls, path("explode/", explode)]


@pytest.mark.django_db
def test_a_missing_page_is_our_styled_404(client_logged_in):
    response = client_logged_in.get("/labs/panels/999999/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "There is nothing here" in text
    assert "css/app.css" in text and "Dashboard" in text  # the app's own layout


@pytest.mark.django_db
def test_a_crash_is_our_styled_500(settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    response = client.get("/explode/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "Something went wrong on our side" in text
    assert "css/app.css" in text
    assert "boom" not in text
