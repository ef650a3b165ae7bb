from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from protocols.reminders.selectors import next_reminder
from protocols.reminders.services import reminder_sync_preferences

from . import services
from .dates import person_zone
from .forms import DeleteAccountForm, PreferencesForm
from .models import User


@login_required
def preferences(request):
    # A copy: an invalid form must not leave unsaved values on request.user for this page.
    form = PreferencesForm(request.POST or None, instance=User.objects.get(pk=request.user.pk))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            # on/off, lead days, time zone (request.user still has the zone before the form)
            reminder_sync_preferences(user=user, previous_zone=person_zone(request.user))
        messages.success(request, _("Settings saved."))
        return redirect("accounts:preferences")
    context = {"form": form, "next_reminder": next_reminder(request.user)}
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
