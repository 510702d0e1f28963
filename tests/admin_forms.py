"""Helpers that submit the admin's own forms, as a browser would."""

from html.parser import HTMLParser

from django.urls import reverse


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


class FormFields(HTMLParser):
    """What a browser would submit from the admin's change form: every named field with its current value."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.fields = []
        self._select = None
        self._select_options = []
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == self.form_id
            return
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select" and name:
            self._select = (name, "multiple" in attrs)
            self._select_options = []
        elif tag == "option" and self._select:
            self._select_options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select" and self._select:
            name, multiple = self._select
            chosen = [value for value, selected in self._select_options if selected]
            if not chosen and not multiple and self._select_options:
                chosen = [self._select_options[0][0]]
            self.fields.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # The HTML parser keeps the newline that Django puts after <textarea>; a browser drops it.
            self.fields.append((name, text.removeprefix("\r\n").removeprefix("\n")))
            self._textarea = None


def form_data(response, model):
    """The POST data of the page's change form, without the inlines' empty-form templates."""
    assert response.status_code == 200
    parser = FormFields(f"{model._meta.model_name}_form")
    parser.feed(response.content.decode())
    data = {}
    for name, value in parser.fields:
        if "__prefix__" in name:
            continue
        data.setdefault(name, []).append(value)
    assert data, "the change form was not found on the page"
    return data


def revert(client, url, data):
    """Submit a history revert form, then confirm it on the page that lists what it changes."""
    confirmation = client.post(url, data)
    if confirmation.status_code != 200 or "_confirm_revert" not in confirmation.content.decode():
        return confirmation
    return client.post(url, {**data, "_confirm_revert": ["yes"]})
