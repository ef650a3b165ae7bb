from django.conf import settings
from django.db import models


class DataVersion(models.Model):
    """A counter per person, bumped by every write that can change what the dashboard and
    the trends page show (dashboard/receivers.py).

    The per-person cache (dashboard/caching.py) puts it in every key, so after a write each
    process and worker misses and rebuilds, whatever cache backend it uses: no delete has
    to reach every cache.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"data version {self.version}"
