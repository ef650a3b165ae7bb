from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.demo import load_demo_history
from accounts.models import User

DEMO_EMAIL = "demo@cofactor.local"
DEMO_PASSWORD = "cofactor-demo"  # noqa: S105 - a published demo login, local runs only


class Command(BaseCommand):
    help = "Create or refresh the demo account (verified email, known password)."

    @transaction.atomic
    def handle(self, *args, **options):
        user, created = User.objects.get_or_create(email=DEMO_EMAIL)
        user.set_password(DEMO_PASSWORD)
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=DEMO_EMAIL, defaults={"verified": True, "primary": True}
        )
        counts = load_demo_history(user, timezone.localdate())
        self.stdout.write(
            "Demo history: {panels} panels, {results} results, {symptoms} symptom scores.".format(
                **counts
            )
        )
        self.stdout.write(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}")
