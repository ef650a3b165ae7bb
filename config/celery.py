import logging.config
import os
from pathlib import Path

from celery import Celery
from celery.signals import setup_logging
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("cofactor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # <app>.tasks of every installed app
app.autodiscover_tasks(["config", "protocols.reminders"])  # modules outside that pattern


@app.on_after_configure.connect
def create_embedded_broker_folders(sender: Celery, **kwargs) -> None:
    """The filesystem transport fails on missing folders: make them before anyone connects."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@setup_logging.connect
def log_as_the_web_does(loglevel=None, **kwargs) -> None:
    """Worker and beat log through settings.LOGGING: one JSON object a line, redacted
    (config.logs), like the web. Without a receiver here Celery would put its own plain-text
    handler on the root logger. Called again in each pool process; `--loglevel` still wins."""
    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
