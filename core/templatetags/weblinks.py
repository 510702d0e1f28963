"""Template filters for links to other sites."""

from urllib.parse import urlsplit

from django import template

register = template.Library()

WEB_SCHEMES = frozenset({"http", "https"})


@register.filter
def web_url(value) -> str:
    """The address when it is an http(s) address, else "" so that no link is made.

    The admin's forms only accept web addresses, but records also arrive from the shell, imports and
    generated data; a `javascript:` or `data:` address in an href would run in the reader's browser.
    """
    value = str(value or "").strip()
    try:
        scheme = urlsplit(value).scheme.lower()
    except ValueError:
        return ""
    return value if scheme in WEB_SCHEMES else ""
