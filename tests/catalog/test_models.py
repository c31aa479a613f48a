"""Model validation: scores, tag names, weights, colours, external tags."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import QualityScore, Tag
from tests.catalog.factories import datastore_make, integration_make, tag_make

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", [-0.1, 100.5, 1000])
def test_score_outside_0_to_100_is_rejected(value):
    score = QualityScore(datastore=datastore_make(), recorded_at=timezone.now(), total=value)
    with pytest.raises(ValidationError) as error:
        score.full_clean()
    assert "total" in error.value.message_dict


@pytest.mark.parametrize("value", [0, 55.5, 100, None])
def test_score_within_0_to_100_or_empty_is_accepted(value):
    QualityScore(datastore=datastore_make(), recorded_at=timezone.now(), completeness=value).full_clean()


def test_score_belongs_to_exactly_one_asset():
    with pytest.raises(IntegrityError), transaction.atomic():
        QualityScore.objects.create(recorded_at=timezone.now(), total=50)


def test_tag_name_is_unique_without_regard_to_case():
    tag_make("PII")
    with pytest.raises(ValidationError) as error:
        Tag(name="pii").full_clean()
    assert "already exists" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name="Pii")


@pytest.mark.parametrize("weight", [-11, 11, 100])
def test_weight_modifier_outside_minus_10_to_10_is_rejected(weight):
    with pytest.raises(ValidationError) as error:
        Tag(name="w", weight_modifier=weight).full_clean()
    assert "weight_modifier" in error.value.message_dict


def test_weight_modifier_out_of_range_is_refused_by_the_database_too():
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name="w", weight_modifier=42)


@pytest.mark.parametrize("color", ["red", "#12345", "#GGGGGG", "#1234567", "#123456; background:url(x)"])
def test_tag_colour_must_be_hex_rrggbb(color):
    with pytest.raises(ValidationError) as error:
        Tag(name="c", color=color).full_clean()
    assert "color" in error.value.message_dict


def test_tag_colour_in_hex_is_accepted():
    Tag(name="c", color="#E74c3C").full_clean()


def test_external_tag_needs_an_integration():
    with pytest.raises(ValidationError) as error:
        Tag(name="ext", tag_type=Tag.Type.EXTERNAL).full_clean()
    assert "integration" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name="ext", tag_type=Tag.Type.EXTERNAL)


def test_global_tag_cannot_belong_to_an_integration():
    with pytest.raises(ValidationError):
        Tag(name="g", tag_type=Tag.Type.GLOBAL, integration=integration_make()).full_clean()


def test_external_tag_with_integration_is_valid():
    tag = Tag(name="ext", tag_type=Tag.Type.EXTERNAL, integration=integration_make())
    tag.full_clean()
    assert tag.is_external
