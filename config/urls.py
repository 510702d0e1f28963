from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from django_otp.admin import OTPAdminSite

admin.site.site_header = _("Testimony DB curation")
admin.site.site_title = _("Testimony DB")
admin.site.index_title = _("Records")
# django-otp's documented switch: with REQUIRE_STAFF_2FA the admin asks for a code from the user's TOTP device at
# login and treats staff who have not given one as not staff. Swapping the class keeps every registration.
admin.site.__class__ = OTPAdminSite if settings.REQUIRE_STAFF_2FA else admin.AdminSite

# The site's own error pages, none of which reads the database; a database that is down or busy gets a 503.
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    # set_language: the language switcher posts here and the choice is kept in the language cookie. It is
    # exempt from CSRF so that public pages need no CSRF cookie: the public site sets no cookie until a reader
    # picks a language, and a forged request could only change the display language.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("", include("archive.urls")),
    path("", include("testimonies.urls")),
    path("", include("sites.urls")),
    path("", include("units.urls")),
]
