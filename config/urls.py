from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Testimony DB curation")
admin.site.site_title = _("Testimony DB")
admin.site.index_title = _("Records")

urlpatterns = [
    path("admin/", admin.site.urls),
    # set_language: the language switcher posts here and the choice is kept in the language cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("testimonies.urls")),
    path("", include("sites.urls")),
    path("", include("units.urls")),
]
