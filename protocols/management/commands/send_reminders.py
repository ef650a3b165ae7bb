from django.core.management.base import BaseCommand
from django.utils import timezone

from protocols.reminders.selectors import due_reminders
from protocols.reminders.sending import reminders_send
from protocols.reminders.tasks import reminders_sweep


class Command(BaseCommand):
    help = "Run the reminder sweep now (demos): enqueue due reminders, or send them here."

    def add_arguments(self, parser):
        parser.add_argument(
            "--inline",
            action="store_true",
            help="send in this process instead of enqueueing for the worker",
        )

    def handle(self, *args, inline: bool = False, **options):
        if not inline:
            count = reminders_sweep()
            self.stdout.write(f"Enqueued {count} due reminder(s).")
            return
        ids = list(due_reminders(now=timezone.now()).values_list("pk", flat=True))
        outcomes = reminders_send(reminder_ids=ids)
        self.stdout.write(f"Sent {outcomes['sent']} of {len(ids)} due reminder(s).")
