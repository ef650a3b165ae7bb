"""Views of a person's own markers: define, chart, rename, delete. Owner-scoped (404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import json_script
from django.utils.translation import gettext as _

from labs import markers_services
from labs.forms import as_validation_error
from labs.markers import MarkerError
from labs.markers_charts import custom_marker_figure_dict, marker_reference
from labs.markers_forms import MarkerForm
from labs.models import Marker


def _get_marker_for_user(request: HttpRequest, pk: int) -> Marker:
    return get_object_or_404(Marker, pk=pk, user=request.user)


def _save(form: MarkerForm, save) -> Marker | None:
    """Run a marker service; its refusal (a name taken, the limit) goes on the form."""
    try:
        return save(form.definition())
    except MarkerError as exc:
        form.add_error("name", as_validation_error(exc))
        return None


@login_required
def marker_list(request: HttpRequest) -> HttpResponse:
    """The person's markers, and the form that defines a new one."""
    form = MarkerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        marker = _save(form, lambda d: markers_services.marker_create(user=user, definition=d))
        if marker is not None:
            messages.success(request, _("Marker %(name)s added.") % {"name": marker.name})
            return redirect("labs:marker-list")
    context = {"form": form, "markers": markers_services.markers_of(user=request.user)}
    return render(request, "labs/marker_list.html", context)


@login_required
def marker_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One marker: its chart and table of values, and its definition to edit."""
    marker = _get_marker_for_user(request, pk)
    form = MarkerForm(request.POST or None, marker=marker)
    if request.method == "POST" and form.is_valid():
        saved = _save(form, lambda d: markers_services.marker_update(marker=marker, definition=d))
        if saved is not None:
            messages.success(request, _("Marker saved."))
            return redirect("labs:marker-detail", pk=marker.pk)
    series = markers_services.marker_series(marker=marker)
    figure = custom_marker_figure_dict(marker, series) if series else None
    context = {
        "marker": marker,
        "form": form,
        "series": list(reversed(series)),
        "fig_script": json_script(figure, "marker-figure") if figure else None,
        "reference": marker_reference(marker, series),
    }
    return render(request, "labs/marker_detail.html", context)


@login_required
def marker_delete(request: HttpRequest, pk: int) -> HttpResponse:
    marker = _get_marker_for_user(request, pk)
    if request.method == "POST":
        markers_services.marker_delete(marker=marker)
        messages.success(request, _("Marker deleted."))
        return redirect("labs:marker-list")
    count = marker.results.count()
    return render(request, "labs/marker_confirm_delete.html", {"marker": marker, "count": count})
