"""The account export: everything a person owns, as one zip, and its re-import.

The zip holds
- account.json: every row of every model that belongs to the person (found by its foreign key
  to the user, so a model added later is exported too, or refused by the test that walks the
  models until it is listed below), their settings, secondary emails and the audit trail;
- results.csv and symptoms.csv: the CSV exports (the results CSV re-imports on its own);
- results.fhir.json: the results as a FHIR R4 Bundle;
- lab-reports/: the report files the person kept with a panel (labs.LabReport), each named
  by its draw date and its own file name.

`account_import` reads account.json back into a fresh account: the same rows with the same
values, timestamps included. What is not carried over: database ids, reminder link keys (new
secrets), the login email and password (the fresh account keeps its own), and two-factor
secrets (never exported).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DataError, IntegrityError, models, transaction
from django.utils import timezone
from simple_history.models import HistoricalChanges
from simple_history.utils import bulk_create_with_history

from labs import exporters, selectors
from labs.pdf import services as pdf_services

FORMAT, VERSION = "cofactor-account-export", 2
ACCOUNT_JSON = "account.json"
# The person's own rows, in an order where every row comes after the rows it points to.
OWNED = [
    "labs.Panel",
    "labs.Result",
    "labs.Marker",
    "labs.MarkerResult",
    "labs.SymptomEntry",
    "labs.SymptomCheckin",
    "labs.LifeEvent",
    "labs.ImportMapping",
    "protocols.HealthProfile",
    "protocols.SupplementIntake",
    "protocols.DoseLog",
    "protocols.DoseEmail",
    "protocols.Plan",
    "protocols.Reminder",
]
# Rows that point at the user but are not the person's data to carry: the admin's own log,
# two-factor secrets, the audit copies (exported as "audit" instead) and login emails
# (exported as "emails").
NOT_OWNED = {
    "admin.LogEntry",
    "mfa.Authenticator",
    "account.EmailAddress",
    "dashboard.DataVersion",  # a cache counter, not data
    "protocols.CalendarFeed",  # a secret address: a copy turns its own feed on
    "dashboard.ShareLink",  # secret addresses given to someone else: not carried to a copy
    # Uploaded report files: the kept ones are in the zip as files (lab-reports/), not rows;
    # an upload still under review is deleted within a day.
    "labs.LabReport",
}
# Secrets that a copy must not share with the original.
REGENERATED = {"protocols.Reminder": {"link_key"}}
# Settings of the account itself; identity, password and permissions are not.
USER_SKIPPED = {
    "id", "password", "last_login", "is_superuser", "is_staff", "is_active", "date_joined",
    "email",
}  # fmt: skip


class ImportRefused(ValueError):
    """The upload is not an account export this version reads, or the account is not empty."""


def _user_fk(model) -> models.Field:
    return next(
        f
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model._meta.label == settings.AUTH_USER_MODEL
    )


def models_pointing_at_the_user() -> set[str]:
    """Every model label with a foreign key to the user (history copies left out)."""
    return {
        model._meta.label
        for model in apps.get_models()
        if not issubclass(model, HistoricalChanges)
        and any(
            f.is_relation and f.related_model._meta.label == settings.AUTH_USER_MODEL
            for f in model._meta.concrete_fields
        )
    }


def _is_bookkeeping(field: models.Field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


_PLAIN = (str, int, float, bool, list, dict, date, Decimal, type(None))


def _plain(field: models.Field, obj: models.Model) -> Any:
    """A value JSON can hold; field types of their own (a country) as their text."""
    value = field.value_from_object(obj)
    return value if isinstance(value, _PLAIN) else str(value)


def _row(obj: models.Model, user_field: models.Field) -> dict[str, Any]:
    return {f.attname: _plain(f, obj) for f in obj._meta.concrete_fields if f is not user_field}


def _account_settings(user) -> dict[str, Any]:
    return {
        f.attname: _plain(f, user)
        for f in user._meta.concrete_fields
        if f.attname not in USER_SKIPPED
    }


def _audit(user) -> list[dict[str, Any]]:
    """Who created, changed or deleted each audited row, and when (django-simple-history)."""
    entries = []
    for label in OWNED:
        model = apps.get_model(label)
        history = getattr(model, "history", None)
        if history is None:
            continue
        for record in history.filter(user_id=user.pk).order_by("history_date", "history_id"):
            by = record.history_user_id
            entries.append(
                {
                    "model": label,
                    "row": record.id,
                    "action": {"+": "created", "~": "changed", "-": "deleted"}[record.history_type],
                    "at": record.history_date,
                    "by": "you" if by == user.pk else "Cofactor" if by is None else "administrator",
                }
            )
    return sorted(entries, key=lambda e: e["at"])


def account_data(user) -> dict[str, Any]:
    """Everything the account holds, as plain data (account.json)."""
    rows = {}
    for label in OWNED:
        model = apps.get_model(label)
        user_field = _user_fk(model)
        queryset = model._default_manager.filter(**{user_field.name: user}).order_by("pk")
        rows[label] = [_row(obj, user_field) for obj in queryset]
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now(),
        "email": user.email,
        "date_joined": user.date_joined,
        "settings": _account_settings(user),
        "emails": list(
            EmailAddress.objects.filter(user=user)
            .order_by("-primary", "email")
            .values("email", "verified", "primary")
        ),
        "rows": rows,
        "audit": _audit(user),
    }


def account_zip(user) -> bytes:
    """The one download: account.json, the CSVs and the FHIR bundle."""
    results = selectors.results_for_export(user=user)
    symptoms = [e for day in selectors.symptom_history(user=user).values() for e in day]
    files = {
        ACCOUNT_JSON: json.dumps(account_data(user), cls=DjangoJSONEncoder, indent=1),
        "results.csv": exporters.results_csv(results),
        "symptoms.csv": exporters.symptoms_csv(symptoms),
        "results.fhir.json": json.dumps(exporters.results_fhir_bundle(results)),
    }
    files |= pdf_services.kept_report_files(user=user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


MAX_ACCOUNT_JSON_BYTES = 50 * 1024 * 1024  # a zip bomb stops here


def read_account_zip(data: bytes) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(ACCOUNT_JSON)
            if info.file_size > MAX_ACCOUNT_JSON_BYTES:
                raise ImportRefused("account.json is too large")
            document = json.loads(archive.read(info))
    except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError) as exc:
        raise ImportRefused("not a Cofactor account export") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportRefused("not a Cofactor account export")
    if document.get("version") != VERSION:
        raise ImportRefused(f"export version {document.get('version')!r} is not readable here")
    return document


def _build(model, values: dict[str, Any], user, keys: dict[str, dict]):
    """An unsaved row from exported values (the user set, pointers to rows renumbered), its
    old key, and its timestamps (which a save would overwrite with now)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    kwargs: dict[str, Any] = {}
    stamps: dict[str, Any] = {}
    old_pk = None
    for attname, value in values.items():
        field = fields.get(attname)
        if field is None:
            raise ImportRefused(f"{model._meta.label} has no field {attname!r}")
        if field.primary_key:
            old_pk = value
        elif attname in REGENERATED.get(model._meta.label, ()):
            continue  # the field's default makes a new one
        elif _is_bookkeeping(field):
            stamps[attname] = field.to_python(value)
        elif field.is_relation:
            target = keys.get(field.related_model._meta.label, {})
            kwargs[attname] = None if value is None else target[value]
        else:
            kwargs[attname] = field.to_python(value)
    kwargs[_user_fk(model).attname] = user.pk
    return old_pk, model(**kwargs), stamps


def _restore_timestamps(model, saved: list[tuple[models.Model, dict]]) -> None:
    """Put back the exported created_at/updated_at: bulk_update writes values as they are."""
    names = sorted({name for _obj, stamps in saved for name in stamps})
    if not names:
        return
    for obj, stamps in saved:
        for name, value in stamps.items():
            setattr(obj, name, value)
    model._default_manager.bulk_update([obj for obj, _s in saved], names, batch_size=500)


def _check_empty(user) -> None:
    for label in OWNED:
        model = apps.get_model(label)
        if model._default_manager.filter(**{_user_fk(model).name: user}).exists():
            raise ImportRefused("the account already holds data: import into a fresh account")


def _import_emails(user, emails: Iterable[dict]) -> None:
    """Secondary addresses come back unverified (this server has not seen them confirmed)
    and only where no account uses them."""
    for entry in emails:
        email = str(entry.get("email", ""))
        if entry.get("primary") or not email or EmailAddress.objects.filter(email__iexact=email):
            continue
        EmailAddress.objects.create(user=user, email=email, verified=False, primary=False)


def account_import(*, user, document: dict[str, Any]) -> dict[str, int]:
    """Load an export into `user`'s empty account; returns rows created per model.

    Bulk inserts: no save signals run, so no plan is recomputed on the way and the stored
    plans and reminders come back as they were; the audit trail records the import.
    All or nothing: a bad value anywhere refuses the whole file.
    """
    try:
        return _account_import(user, document)
    except (ValidationError, IntegrityError, DataError, KeyError, TypeError, AttributeError) as exc:
        raise ImportRefused(f"the export does not fit this account: {type(exc).__name__}") from exc


def _account_import(user, document: dict[str, Any]) -> dict[str, int]:
    with transaction.atomic():
        _check_empty(user)
        account = document.get("settings", {})
        user_fields = {f.attname: f for f in user._meta.concrete_fields}
        for attname, value in account.items():
            if attname in user_fields and attname not in USER_SKIPPED:
                setattr(user, attname, user_fields[attname].to_python(value))
        user.full_clean(exclude=["password", "email"])
        get_user_model()._default_manager.filter(pk=user.pk).update(
            **{a: getattr(user, a) for a in account if a in user_fields and a not in USER_SKIPPED}
        )
        _import_emails(user, document.get("emails", []))
        keys: dict[str, dict] = {}
        created = {}
        rows = document.get("rows", {})
        for label in OWNED:
            model = apps.get_model(label)
            built = [_build(model, values, user, keys) for values in rows.get(label, [])]
            objs = [obj for _old, obj, _stamps in built]
            for obj in objs:
                # Choices, lengths, validators; the database checks the rest. An empty JSON
                # value is stored data (a plan of no inputs), not a form left blank.
                empty_json = [
                    f.name
                    for f in model._meta.concrete_fields
                    if isinstance(f, models.JSONField) and f.value_from_object(obj) in ({}, [])
                ]
                obj.clean_fields(exclude=empty_json)
                obj._history_user = user
            if hasattr(model, "history"):
                saved = bulk_create_with_history(objs, model, default_user=user)
            else:
                saved = model._default_manager.bulk_create(objs)
            keys[label] = {old: obj.pk for (old, _o, _s), obj in zip(built, saved, strict=True)}
            _restore_timestamps(
                model, [(obj, stamps) for (_o, _b, stamps), obj in zip(built, saved, strict=True)]
            )
            created[label] = len(saved)
    return created
