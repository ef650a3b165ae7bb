import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from labs.forms import UploadForm
from protocols.reminders.calendar import feed_urls
from protocols.reminders.selectors import calendar_feed_for, dose_email_on, next_reminder
from protocols.reminders.services import reminder_sync_preferences

from . import exports, services
from .dates import person_zone
from .forms import DeleteAccountForm, PreferencesForm
from .models import User


@login_required
def preferences(request):
    # A copy: an invalid form must not leave unsaved values on request.user for this page
    # (Django copies a model's state and its cached relations with it; no query).
    form = PreferencesForm(request.POST or None, instance=copy.copy(request.user))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            # on/off, lead days, time zone (request.user still has the zone before the form)
            reminder_sync_preferences(user=user, previous_zone=person_zone(request.user))
        messages.success(request, _("Settings saved."))
        return redirect("accounts:preferences")
    feed = calendar_feed_for(request.user)
    context = {
        "form": form,
        "next_reminder": next_reminder(request.user),
        "calendar_urls": feed_urls(feed.token) if feed else None,
        "calendar_feed": feed,
        "dose_email": dose_email_on(request.user),
    }
    return render(request, "accounts/preferences.html", context)


@login_required
def delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.account_delete(user=user)
        messages.success(request, _("Your account and all its data were deleted."))
        return redirect("dashboard:landing")
    return render(request, "accounts/delete.html", {"form": form})


@require_POST
def set_language(request):
    """Django's language switcher (cookie + redirect back), remembered on the account too,
    so the next login and every email use the language picked here."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        User.objects.filter(pk=request.user.pk).update(language=language)
    return response


@login_required
@require_GET
def export_account(request):
    """Everything the person owns, as one zip (accounts.exports)."""
    response = HttpResponse(exports.account_zip(request.user), content_type="application/zip")
    name = f"cofactor-account-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


ACCOUNT_ZIP_MAX_BYTES = 5 * 1024 * 1024


@login_required
@require_http_methods(["GET", "POST"])
def import_account(request):
    """Load an account export into this account while it is still empty."""
    form = UploadForm(request.POST or None, request.FILES or None, max_bytes=ACCOUNT_ZIP_MAX_BYTES)
    if request.method == "POST" and form.is_valid():
        try:
            document = exports.read_account_zip(form.cleaned_data["file"])
            created = exports.account_import(user=request.user, document=document)
        except exports.ImportRefused as refused:
            form.add_error("file", str(refused))
        else:
            messages.success(
                request,
                _("Account export loaded: %(rows)d rows.") % {"rows": sum(created.values())},
            )
            return redirect("dashboard:home")
    return render(request, "accounts/import.html", {"form": form})
