"""The review queue on the admin index: per record type, what awaits review, my drafts, sent back to me and
recently published, with counts linking to the filtered changelists (core.admin_base.review_queue_counts)."""

from django import template
from django.contrib import admin

from core.admin_base import review_queue_counts

register = template.Library()


@register.inclusion_tag("admin/review_queue.html", takes_context=True)
def review_queue(context):
    rows = review_queue_counts(admin.site, context["request"].user)
    return {"rows": rows, "total": sum(count for row in rows for _label, count, _url in row["queues"])}
