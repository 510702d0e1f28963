"""Read speed of an evidence file through the serving path, from the configured store (run by hand).

    make s3-demo   # or any S3-compatible store, with the STORAGE_S3_* variables set as for the app
    STORAGE_S3_...=... python manage.py bench_storage --megabytes 64

A file of random bytes is written to the evidence storage, then read --repeat times exactly as the evidence view
serves one (`open_stream`, the store's response body read as it arrives, into a FileResponse consumed chunk by
chunk), and deleted. Prints the best and median MB/s (target ≥ 50 MB/s through the store, issue #17).
"""

import os
import statistics
import time

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.http import FileResponse

from core.storage import s3_configured
from testimonies.models import EvidenceImage


class Command(BaseCommand):
    help = "MB/s of an evidence file read through the evidence view's streaming path from the configured store."

    def add_arguments(self, parser):
        parser.add_argument("--megabytes", type=int, default=64)
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args, megabytes, repeat, **options):
        if megabytes < 1 or repeat < 1:
            raise CommandError("--megabytes and --repeat must be at least 1.")
        storage = EvidenceImage._meta.get_field("display").storage
        where = "the S3 store" if s3_configured() else "the local folder (no STORAGE_S3_* set)"
        size = megabytes * 1024 * 1024
        name = storage.save("evidence/bench-storage.bin", ContentFile(os.urandom(size)))
        speeds = []
        try:
            for _ in range(repeat):
                started = time.perf_counter()
                handle, length = storage.open_stream(name)
                response = FileResponse(handle, content_type="application/octet-stream")
                read = sum(len(chunk) for chunk in response.streaming_content)
                response.close()
                elapsed = time.perf_counter() - started
                if read != length or read != size:
                    raise CommandError(f"Read {read:,} bytes of {size:,}.")
                speeds.append(size / 1e6 / elapsed)
        finally:
            storage.delete(name)
        self.stdout.write(
            f"{megabytes} MB from {where}, {repeat} reads: best {max(speeds):.0f} MB/s, "
            f"median {statistics.median(speeds):.0f} MB/s (target ≥ 50 MB/s)"
        )
