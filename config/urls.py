from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Testimony DB curation")
admin.site.site_title = _("Testimony DB")
admin.site.index_title = _("Records")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("testimonies.urls")),
    path("", include("sites.urls")),
    path("", include("units.urls")),
]
