"""Test settings: production settings with the few values a local test server needs.

Set before config.settings is imported (pytest-django reads settings before any conftest).
"""

import os
import uuid

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 32)
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault("DJANGO_MANIFEST_STATIC", "0")
os.environ.setdefault("WHITENOISE_USE_FINDERS", "1")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
# Each test run keys the shared cache apart (Redis keeps allauth's rate limits between runs, so a
# second run within minutes would find "email already sent" from the first); child processes
# (the Celery workers the tests start) inherit the variable and share the run's keys.
os.environ.setdefault("COFACTOR_TEST_CACHE_PREFIX", f"test-{uuid.uuid4().hex[:12]}")

from config.settings import *  # noqa: E402, F403

CACHES["default"]["KEY_PREFIX"] = os.environ["COFACTOR_TEST_CACHE_PREFIX"]  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests only
