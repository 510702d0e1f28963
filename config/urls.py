from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

admin.site.site_header = _("Testimony DB curation")
admin.site.site_title = _("Testimony DB")
admin.site.index_title = _("Records")
# django-otp's documented switch: with REQUIRE_STAFF_2FA the admin asks for a code from the user's TOTP device at
# login and treats staff who have not given one as not staff. Swapping the class keeps every registration.
admin.site.__class__ = OTPAdminSite if settings.REQUIRE_STAFF_2FA else admin.AdminSite

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("testimonies.urls")),
    path("", include("sites.urls")),
    path("", include("units.urls")),
]
