"""Test-only email backends for the real-worker tests, chosen through EMAIL_BACKEND.

They write real files (django's filebased backend) so a test counts the emails a worker
process sent. Behaviour comes from the environment the test gives the worker:
REMINDER_TEST_SLOW_SECONDS (sleep before writing, to widen the "in flight" window),
REMINDER_TEST_HANG_PREFIX (sends to addresses starting with it hang for a minute before
writing anything: a worker killed then is surely mid-send, never just after), and
REMINDER_TEST_FAIL_FIRST + REMINDER_TEST_FAIL_DIR (the first N sends to an address that
starts with "flaky" raise an SMTP error; the count lives in files, shared across processes).
"""

import os
import smtplib
import time
import uuid
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend as FileBackend


def _fail_now(recipient: str) -> bool:
    """Take one of the first N failure slots for this recipient, atomically across processes."""
    folder = Path(os.environ.get("REMINDER_TEST_FAIL_DIR", "/nonexistent"))
    for slot in range(int(os.environ.get("REMINDER_TEST_FAIL_FIRST", "0"))):
        try:
            os.close(os.open(folder / f"{recipient}.{slot}", os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            continue
        return True
    return False


class WorkerTestEmailBackend(FileBackend):
    def _get_filename(self) -> str:
        # One file per connection and process: forked pool children share id(self) values.
        if self._fname is None:
            self._fname = os.path.join(self.file_path, f"{uuid.uuid4().hex}.log")
        return self._fname

    def send_messages(self, email_messages):
        time.sleep(float(os.environ.get("REMINDER_TEST_SLOW_SECONDS", "0")))
        hang_prefix = os.environ.get("REMINDER_TEST_HANG_PREFIX")
        for message in email_messages:
            recipient = message.to[0]
            if hang_prefix and recipient.startswith(hang_prefix):
                time.sleep(60)
            if recipient.startswith("flaky") and _fail_now(recipient):
                raise smtplib.SMTPServerDisconnected("test: mail server went away")
        return super().send_messages(email_messages)
