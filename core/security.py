"""Request-level security helpers: the client address behind proxies, and read-only public views."""

import ipaddress

from django.conf import settings
from django.contrib import admin
from django.shortcuts import render


def client_ip(request) -> str | None:
    """The address of the client, for login throttling (django-axes' AXES_CLIENT_IP_CALLABLE).

    With TRUSTED_PROXY_COUNT = 0 the app is reached directly and the socket address is the client. Behind N
    reverse proxies that each append the address they received the request from to X-Forwarded-For
    (nginx's `$proxy_add_x_forwarded_for`), the client is the N-th entry from the right: everything further
    left was sent by the client itself and is not to be trusted, or an attacker could pick a fresh address
    for each guess. When the header is shorter than that, or its entry is not an address, the request did
    not come through the proxies as configured and the socket address is used.
    """
    remote_addr = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_addr
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote_addr
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


class ReadOnlyViewMixin:
    """For public views: only GET and HEAD. Anything else is answered 405, whatever a subclass defines."""

    http_method_names = ["get", "head"]
    # The same for every reader: a reader's response may be kept in the page cache (core.page_cache).
    cache_public_response = True


class UnsupportedMethodMiddleware:
    """A method that the view does not take is answered with the view's own 405 (and its Allow header) before the
    CSRF check, which would otherwise answer 403 to a POST or an unknown method such as QUERY on a read-only page.

    Nothing changes by it: the view would refuse the method anyway; views that take POST are CSRF-checked as before.
    A view exempt from CSRF (the JSON API's, on Django REST Framework) meets no CSRF check, so it refuses a method
    in its own dispatch, with its own error format.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "view_class", None)
        if view_class is None or getattr(view_func, "csrf_exempt", False):
            return None
        view = view_class(**getattr(view_func, "view_initkwargs", {}))
        view.setup(request, *view_args, **view_kwargs)  # gives a view with get() its head()
        handler = request.method.lower()
        if handler in view.http_method_names and hasattr(view, handler):
            return None
        return view.http_method_not_allowed(request, *view_args, **view_kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """The page shown instead of the admin login once django-axes has locked the client or username out.

    HTTP 429, in the admin's own layout, saying how long to wait; it never says whether the password
    was right or whether the username exists.
    """
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "admin/lockout.html", context, status=429)
