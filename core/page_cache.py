"""Whole public pages, cached under the publication generation (core.generation).

A reader's GET of a public page, list, detail, overview, GeoJSON or JSON API response is kept in the cache (Redis
when REDIS_URL is set, so shared by every app server) under a key that holds the publication generation read
*before* the view ran. Any write to a record, status, link or translation moves the generation on in the writing
transaction (database triggers), so the next request, on any app server, asks for a key that does not exist yet: a
withheld or withdrawn record is never served from this cache once its change is committed.

Only what is the same for every reader is kept:
- views that say so (`cache_public_response` on the view class: ReadOnlyViewMixin's public views and the API);
- GET and HEAD, without a session cookie (staff, anyone who has logged in) and without an Authorization header;
- complete 200 responses that set no cookie, are not streamed (exports, evidence files, release archives) and are
  not larger than PAGE_CACHE_MAX_BYTES.
The key holds the scheme, host, full path with its query string and the active language. A cache that is down is a
miss (the default cache ignores Redis's errors): the page is computed as without this cache.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse

from .generation import current_generation

CACHE_HEADER = "X-Page-Cache"
# Moved on when a setting changes while the process runs (override_settings in tests): a page rendered under other
# settings is not one of these settings' pages. It never moves in production, where settings are read once.
settings_epoch = 0


@receiver(setting_changed)
def forget_pages_of_other_settings(**kwargs):
    global settings_epoch
    settings_epoch += 1


def page_cache_key(request, generation: int) -> str:
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"page:{generation}:{settings_epoch}:{getattr(request, 'LANGUAGE_CODE', '')}:{digest}"


def may_use_cache(request, view_func) -> bool:
    view_class = getattr(view_func, "view_class", None)
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and getattr(view_class, "cache_public_response", False)
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "Authorization" not in request.headers
    )


def may_keep(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and len(response.content) <= settings.PAGE_CACHE_MAX_BYTES
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


def stored(response) -> tuple:
    # The headers of the view and of the middleware after this one; those before it (language, security policy,
    # HSTS) add theirs again to the cached response on its way out.
    return response.status_code, list(response.items()), response.content


def restored(entry: tuple) -> HttpResponse:
    status, headers, content = entry
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response


class PublicPageCacheMiddleware:
    """Answers a reader's request from the cache when the current generation's page is there, else keeps the page
    the view makes. Placed after LocaleMiddleware (the key holds the language) and before the CSRF check."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "page_cache_key", None)
        if key is not None and CACHE_HEADER not in response:
            if may_keep(response):
                cache.set(key, stored(response), settings.PAGE_CACHE_SECONDS)
            response[CACHE_HEADER] = "miss"
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not may_use_cache(request, view_func):
            return None
        # Read before the view reads any record: a page computed from data older than this generation is never
        # kept under a newer one.
        key = page_cache_key(request, current_generation())
        entry = cache.get(key)
        if entry is None:
            request.page_cache_key = key
            return None
        response = restored(entry)
        response[CACHE_HEADER] = "hit"
        return response
