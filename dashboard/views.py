from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render


def landing(request):
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    return render(request, "dashboard/landing.html")


@login_required
def home(request):
    return render(request, "dashboard/home.html")
