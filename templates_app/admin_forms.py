"""The catalogue admin's forms and widgets: the template form (code editor, slots as a table,
a change note), the set item rows (picker of the set's category) and the import form."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from templates_app.models import Category, Template, TemplateSet, TemplateSetItem
from templates_app.slots import LIST_TYPES, SLOT_TYPES

# Slot declaration keys edited as cells, in column order; any other key is kept as it was.
_NUMBER_KEYS = ("max_length", "min_items", "max_items", "minimum", "maximum")
_TEXT_KEYS = ("label", "description")
IMPORT_MAX_BYTES = 2 * 1024 * 1024
# What a revision records (templates_app.services): changing one of them needs a note.
_CONTENT_FIELDS = ("name", "block_type", "html", "slots", "metadata")


def _cell(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _number(text: str):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text  # kept as typed: the schema check names the slot and the key


class SlotTableWidget(forms.Widget):
    """A slot schema as rows of name, type, required, limits, label, description and example.

    Posted as slots-N-<key> fields with slots-rows giving N; rows without a name are dropped. A
    cell left as it was keeps the original value exactly (no new revision from re-typing). A
    plain "slots" JSON value (the API's shape, scripts) is still accepted."""

    template_name = "admin/templates_app/widgets/slot_table.html"
    types = SLOT_TYPES

    def format_value(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value or "{}")
            except ValueError:
                return {"invalid": value}
        return value if isinstance(value, dict) else {"invalid": _cell(value)}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        value = context["widget"]["value"]
        rows = (
            []
            if "invalid" in value
            else [
                {
                    "prefix": f"{name}-{index}-",
                    "name": slot,
                    "original": json.dumps(declaration, ensure_ascii=False),
                    "type": declaration.get("type", "") if isinstance(declaration, dict) else "",
                    "required": not isinstance(declaration, dict)
                    or declaration.get("required", True) is not False,
                    **{
                        key: _cell(declaration.get(key)) if isinstance(declaration, dict) else ""
                        for key in (*_NUMBER_KEYS, *_TEXT_KEYS, "example")
                    },
                }
                for index, (slot, declaration) in enumerate(value.items())
            ]
        )
        blank = [
            {"prefix": f"{name}-{index}-", "required": True}
            for index in range(len(rows), len(rows) + (1 if rows else 2))
        ]
        context["widget"].update(
            rows=rows + blank,
            invalid=value.get("invalid"),
            types=self.types,
            new_row_prefix=f"{name}-__index__-",
        )
        return context

    def value_from_datadict(self, data, files, name):
        if f"{name}-rows" not in data:
            return data.get(name)
        try:
            count = min(int(data[f"{name}-rows"]), 200)
        except ValueError:
            count = 0
        slots: dict = {}
        for index in range(count):
            prefix = f"{name}-{index}-"
            slot = (data.get(prefix + "name") or "").strip()
            if not slot:
                continue
            try:
                original = json.loads(data.get(prefix + "original") or "{}")
            except ValueError:
                original = {}
            original = original if isinstance(original, dict) else {}
            slots[slot] = _declaration(
                original, {key[len(prefix) :]: data.get(key, "") for key in data if key.startswith(prefix)}
            )
        return json.dumps(slots, ensure_ascii=False)

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-rows" not in data and name not in data


def _declaration(original: dict, cells: dict) -> dict:
    declaration = dict(original)
    kind = cells.get("type") or original.get("type", "")
    declaration["type"] = kind
    required = cells.get("required") == "on"
    if required != (original.get("required", True) is not False):
        if required:
            declaration.pop("required", None)
        elif kind != "image":
            declaration["required"] = False
    if kind == "image" and declaration.get("required") is True:
        declaration.pop("required")
    for key in (*_NUMBER_KEYS, *_TEXT_KEYS, "example"):
        text = (cells.get(key) or "").strip() if key != "example" else cells.get(key) or ""
        if text == _cell(original.get(key)):
            continue
        if not text.strip():
            declaration.pop(key, None)
        elif key in _NUMBER_KEYS:
            declaration[key] = _number(text)
        elif key == "example" and (kind in LIST_TYPES or kind == "number"):
            try:
                declaration[key] = json.loads(text)
            except ValueError:
                declaration[key] = text
        else:
            declaration[key] = text
    return declaration


class TemplateForm(forms.ModelForm):
    change_note = forms.CharField(
        max_length=200,
        required=False,
        label="Change note",
        help_text="What you changed and why; kept with the revision (needed when the HTML, slots, "
        "metadata, name or block type change).",
        widget=forms.TextInput(attrs={"size": 80, "placeholder": "e.g. Shorter FAQ answers for mobile"}),
    )

    class Meta:
        model = Template
        fields = (
            "category",
            "name",
            "block_type",
            "description",
            "is_active",
            "thumbnail_url",
            "html",
            "slots",
            "metadata",
        )
        widgets = {
            "html": forms.Textarea(
                attrs={"rows": 22, "spellcheck": "false", "data-code-editor": "html", "class": "pp-code"}
            ),
            "slots": SlotTableWidget,
            "metadata": forms.Textarea(attrs={"rows": 4, "class": "pp-code"}),
        }
        help_texts = {
            "html": "",
            "slots": "One row per slot; a row without a name is left out. Limits left "
            "empty take the defaults shown under “Effective limits”.",
        }

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        # Compared with the saved values (the instance is updated only after clean()).
        content_changed = any(
            name in cleaned and cleaned[name] != getattr(self.instance, name) for name in _CONTENT_FIELDS
        )
        if self.instance.pk and content_changed and not cleaned.get("change_note", "").strip():
            self.add_error("change_note", "Say what you changed: the note is kept with the revision.")
        return cleaned


class TemplateSetItemForm(forms.ModelForm):
    class Meta:
        model = TemplateSetItem
        fields = ("position", "template")
        widgets = {"position": forms.NumberInput(attrs={"class": "pp-position", "min": 1})}

    def _get_validation_exclusions(self):
        # Positions and templates are checked across the submitted rows (the formset's clean);
        # the rows replace the old ones whole, so a swap must not collide with rows being replaced.
        # Django's own (private) BaseModelForm method, which django-stubs does not declare.
        return super()._get_validation_exclusions() | {"position", "template"}  # type: ignore[misc]


class TemplateSetItemFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        # The picker offers the set's category (and whatever the set holds already, so a set
        # that mixes categories can still be saved and shows its warning).
        field = form.fields["template"]
        category_id = self.instance.category_id if self.instance else None
        if category_id:
            held = TemplateSetItem.objects.filter(template_set=self.instance.pk).values("template")
            field.queryset = field.queryset.filter(Q(category_id=category_id) | Q(pk__in=held))
            field.error_messages["invalid_choice"] = (
                "Choose a template of the set's category; to use another category, change the set's "
                "category and save first."
            )

    def validate_unique(self):
        """Checked in clean() against the submitted rows only."""

    def clean(self):
        super().clean()
        seen_templates, seen_positions = set(), set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("template"):
                continue
            if data["template"].pk in seen_templates:
                raise ValidationError(f"“{data['template']}” is in the set twice.")
            if data.get("position") in seen_positions:
                raise ValidationError(f"Two rows have position {data['position']}.")
            seen_templates.add(data["template"].pk)
            seen_positions.add(data.get("position"))

    def ordered_template_ids(self) -> list[int]:
        rows = [
            (form.cleaned_data.get("position") or 0, form.cleaned_data["template"].pk)
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("template")
        ]
        return [template_id for _, template_id in sorted(rows)]


class TemplateSetForm(forms.ModelForm):
    class Meta:
        model = TemplateSet
        fields = ("name", "category", "description", "is_default")

    def _get_validation_exclusions(self):
        # Ticking "is default" moves the default from the category's current one (the service
        # does it in one transaction); the one-default constraint must not refuse that first.
        return super()._get_validation_exclusions() | {"is_default"}  # type: ignore[misc]  # as above


class TemplateImportForm(forms.Form):
    """What the import page asks; the file is read here, the rows checked by importing.py."""

    file = forms.FileField(
        label="CSV or zip of a folder",
        help_text="A CSV (columns html, block_type, name, category, slots, description, metadata, "
        "thumbnail_url, is_active) or a .zip of a folder of NAME.html files with a sidecar "
        "NAME.json or JSON front matter. At most 2 MB.",
    )
    category = forms.ModelChoiceField(
        Category.objects.order_by("name"),
        required=False,
        to_field_name="slug",
        label="Category for rows that name none",
        empty_label="(the folder's name, or none)",
    )
    create_categories = forms.BooleanField(required=False, label="Create categories that do not exist")
    update = forms.BooleanField(
        required=False,
        label="Update templates that exist (same category and name)",
        help_text="Otherwise they are skipped.",
    )
    skip_invalid = forms.BooleanField(
        required=False,
        label="Import the valid rows, refuse the rest",
        help_text="Otherwise one invalid row stops the whole import.",
    )
    set_name = forms.CharField(
        max_length=200,
        required=False,
        label="Also make a template set named",
        help_text="The imported templates in file order; leave empty for no set.",
    )
    set_default = forms.BooleanField(required=False, label="Make that set its category's default")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise ValidationError(f"is {upload.size:,} bytes; at most {IMPORT_MAX_BYTES:,} can be imported.")
        name = upload.name.lower()
        if not name.endswith((".csv", ".zip")):
            raise ValidationError("must be a .csv file or a .zip of a folder.")
        return upload

    def options(self) -> dict:
        """What templates_import is given besides the rows (plain values: they are signed into the
        confirmation)."""
        data = self.cleaned_data
        return {
            "category": data["category"].slug if data["category"] else "",
            **{
                key: data[key]
                for key in ("create_categories", "update", "skip_invalid", "set_name", "set_default")
            },
        }
