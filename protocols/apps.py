from django.apps import AppConfig


class ProtocolsConfig(AppConfig):
    name = "protocols"

    def ready(self) -> None:
        # Signal receivers: the plan follows the data, reminders follow the plan.
        from protocols import receivers
        from protocols.reminders import receivers as reminder_receivers  # noqa: F401

        receivers.connect_user_receiver()
