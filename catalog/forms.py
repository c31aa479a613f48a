"""Filter forms for the catalog lists and the global tag form."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from catalog.models import ConnectorType, Container, Tag
from catalog.selectors import INHERITED_CHOICES, tag_choices, tag_global_list

ANOMALY_STATES = [("open", "Open"), ("archived", "Archived"), ("all", "All")]


def _tag_select_choices() -> list[Any]:
    """Tags grouped Global / External; external ones say which integration they came from."""
    global_tags, external_tags = [], []
    for tag in tag_choices():
        if tag.is_external:
            source = tag.integration.name if tag.integration else "unknown integration"
            external_tags.append((tag.pk, f"{tag.name} ({source})"))
        else:
            global_tags.append((tag.pk, tag.name))
    choices: list[Any] = [("", "Any tag")]
    if global_tags:
        choices.append(("Global", global_tags))
    if external_tags:
        choices.append(("External", external_tags))
    return choices


class _FilterForm(forms.Form):
    """GET filters: every field optional, bad values reported rather than raising."""

    q = forms.CharField(
        required=False,
        max_length=200,
        label="Name",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search by name"}),
    )

    def value(self, name: str) -> Any:
        """A cleaned value, or None when the field was empty or invalid (invalid ones show an error)."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name) or None


class _TagFilterMixin(forms.Form):
    tag = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "That tag does not exist; choose one from the list."},
    )
    inherited = forms.ChoiceField(
        required=False,
        label="Tag on the asset",
        choices=INHERITED_CHOICES,
        error_messages={
            "invalid_choice": "Choose applied or inherited, applied here only, or inherited only."
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["tag"]).choices = _tag_select_choices()


class DatastoreFilterForm(_TagFilterMixin, _FilterForm):
    connector = forms.ChoiceField(
        required=False,
        label="Connector",
        choices=[("", "Any connector"), *ConnectorType.choices],
        error_messages={"invalid_choice": "Unknown connector type “%(value)s”."},
    )
    field_order = ["q", "connector", "tag", "inherited"]


class ContainerFilterForm(_TagFilterMixin, _FilterForm):
    type = forms.ChoiceField(
        required=False,
        label="Type",
        choices=[("", "Any type"), *Container.Type.choices],
        error_messages={"invalid_choice": "Unknown container type “%(value)s”."},
    )
    field_order = ["q", "type", "tag", "inherited"]


class FieldFilterForm(_TagFilterMixin, _FilterForm):
    pass


class AnomalyFilterForm(forms.Form):
    state = forms.ChoiceField(
        required=False,
        label="Anomalies",
        choices=ANOMALY_STATES,
        error_messages={"invalid_choice": "Show open, archived or all anomalies."},
    )

    def state_value(self) -> str:
        return (self.cleaned_data.get("state") if self.is_valid() else None) or "open"


class TagAssetsFilterForm(forms.Form):
    inherited = forms.ChoiceField(
        required=False,
        label="Tag on the asset",
        choices=INHERITED_CHOICES,
        error_messages={
            "invalid_choice": "Choose applied or inherited, applied here only, or inherited only."
        },
    )

    def inherited_value(self) -> str:
        return (self.cleaned_data.get("inherited") if self.is_valid() else None) or ""


class TagListFilterForm(_FilterForm):
    type = forms.ChoiceField(
        required=False,
        label="Type",
        choices=[("", "Any type"), *Tag.Type.choices],
        error_messages={"invalid_choice": "Show global or external tags."},
    )


class TagForm(forms.ModelForm):
    """Global tags only: the view refuses external ones before building this form."""

    class Meta:
        model = Tag
        fields = ["name", "color", "category", "weight_modifier", "description"]
        widgets = {
            "color": forms.TextInput(attrs={"type": "color"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "weight_modifier": forms.NumberInput(attrs={"min": -10, "max": 10}),
        }
        help_texts = {"weight_modifier": "From −10 to +10; adjusts the quality score of tagged assets."}

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


class TagApplyForm(forms.Form):
    tag = forms.ModelChoiceField(
        queryset=Tag.objects.none(),
        error_messages={"invalid_choice": "Only global tags can be applied by hand."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["tag"]).queryset = tag_global_list()
