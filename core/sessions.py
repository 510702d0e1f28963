"""Sliding staff sessions without a database write on every request.

Django's SESSION_SAVE_EVERY_REQUEST writes the session row on every admin page view; under an import that holds
SQLite's write lock, merely viewing the admin then failed. This middleware slides the expiry only once a tenth of
SESSION_COOKIE_AGE has passed since the last save, so a session still ends after between 90 % and 100 % of
SESSION_COOKIE_AGE without a request, at one write per few minutes per active user.
"""

import time

from django.conf import settings

REFRESHED_KEY = "_refreshed_at"


class SlidingSessionMiddleware:
    """Place it right after SessionMiddleware, which saves the session when this marks it modified."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session that this request read already (staff pages): never an extra query on a public page.
        if session is None or not session.accessed or session.modified or session.is_empty():
            return response
        now = int(time.time())
        if now - session.get(REFRESHED_KEY, 0) >= settings.SESSION_COOKIE_AGE / 10:
            session[REFRESHED_KEY] = now
        return response
