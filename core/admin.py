"""Django's own user and group admins, with related-record fields that take any submitted value without a 500
(`core.admin_base.SafeRelatedFieldsMixin`): the attack tests fuzz the forms of every registered model."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from .admin_base import SafeRelatedFieldsMixin


class SafeGroupAdmin(SafeRelatedFieldsMixin, GroupAdmin):
    pass


class SafeUserAdmin(SafeRelatedFieldsMixin, UserAdmin):
    pass


for model, model_admin in ((Group, SafeGroupAdmin), (User, SafeUserAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
