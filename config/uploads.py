from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class RequestSizeLimitHandler(FileUploadHandler):
    """Refuse a multipart body over MAX_UPLOAD_BYTES before any of it is read or stored.

    The importers' own limits apply to what gets through; this stops a huge body from being
    spooled to disk first (the CSRF check reads the body, so this also guards anonymous POSTs).
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.MAX_UPLOAD_BYTES:
            raise RequestDataTooBig(f"Upload of {content_length} bytes is over the limit.")

    def receive_data_chunk(self, raw_data, start):
        return raw_data  # hand every chunk on to the next handler

    def file_complete(self, file_size):
        return None
