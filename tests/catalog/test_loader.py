from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalog.loader import CatalogLoadError, catalog_load
from catalog.loader.schema import ScoreSpec
from catalog.models import SCORE_FIELDS, Anomaly, Check, Container, Datastore, Field, QualityScore, Tag

pytestmark = pytest.mark.django_db

GOOD = {
    "tags": [{"name": "PII", "color": "#E74C3C", "description": "Personal data", "weight_modifier": 2}],
    "datastores": [
        {
            "name": "Sales",
            "connector_type": "snowflake",
            "database": "SALES",
            "schema": "PUBLIC",
            "tags": ["pii"],
            "scores": [
                {"recorded_at": "2026-11-01T00:00:00Z", "total": 70},
                {"recorded_at": "2026-11-02T00:00:00Z", "total": 80, "completeness": 90},
            ],
            "containers": [
                {
                    "name": "ORDERS",
                    "type": "table",
                    "scores": [{"recorded_at": "2026-11-02T00:00:00Z", "total": 64.5}],
                    "fields": [
                        {"name": "ID", "type": "NUMBER", "tags": ["PII"]},
                        {
                            "name": "EMAIL",
                            "type": "VARCHAR",
                            "scores": [{"recorded_at": "2026-11-02T00:00:00+00:00", "total": 50}],
                        },
                    ],
                    "checks": [{"key": "c1", "rule_type": "notNull", "fields": ["ID"]}],
                    "anomalies": [
                        {
                            "key": "a1",
                            "status": "active",
                            "message": "Null ID",
                            "created_at": "2026-11-03T00:00:00Z",
                            "check": "c1",
                        },
                        {
                            "key": "a2",
                            "status": "resolved",
                            "message": "Old",
                            "created_at": "2026-10-03T00:00:00Z",
                        },
                    ],
                }
            ],
        }
    ],
}


def _counts() -> dict[str, int]:
    return {
        m.__name__: m.objects.count()
        for m in (Tag, Datastore, Container, Field, QualityScore, Check, Anomaly)
    }


def test_it_loads_every_level_with_scores_tags_checks_and_anomalies():
    summary = catalog_load(copy.deepcopy(GOOD))
    ds = Datastore.objects.get(name="Sales")
    assert ds.current_score.total == 80 and ds.current_score.completeness == 90
    assert list(ds.tags.values_list("name", flat=True)) == ["PII"]
    orders = ds.containers.get(name="ORDERS")
    assert orders.current_score.total == 64.5
    assert Field.objects.get(name="ID").tags.get().name == "PII"
    assert Check.objects.get(key="c1").fields.get().name == "ID"
    assert Anomaly.objects.get(key="a1").check_rule.key == "c1"
    assert summary.created["anomalies"] == 2
    assert "1 datastores (1 new)" in str(summary)


def test_loading_twice_changes_nothing():
    catalog_load(copy.deepcopy(GOOD))
    before = _counts()
    summary = catalog_load(copy.deepcopy(GOOD))
    assert _counts() == before
    assert all(n == 0 for n in summary.created.values())


def test_a_newer_score_becomes_current_and_history_is_kept():
    catalog_load(copy.deepcopy(GOOD))
    data = copy.deepcopy(GOOD)
    data["datastores"][0]["scores"].append({"recorded_at": "2026-11-05T00:00:00Z", "total": 91})
    catalog_load(data)
    ds = Datastore.objects.get(name="Sales")
    assert ds.current_score.total == 91
    assert ds.scores.count() == 3


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["datastores"][0]["containers"][0]["scores"][0].update(total=140),
            "datastores[0].containers[0].scores[0].total: must be a number between 0 and 100",
        ),
        (
            lambda d: d["datastores"][0].update(connector_type="excel"),
            "datastores[0].connector_type: must be one of",
        ),
        (
            lambda d: d["datastores"][0]["containers"][0]["fields"][0].update(tags=["Nope"]),
            "datastores[0].containers[0].fields[0].tags[0]: names tag 'Nope'",
        ),
        (
            lambda d: d["datastores"][0]["containers"][0]["fields"].append({"name": "ID"}),
            "datastores[0].containers[0].fields[2].name: repeats field 'ID'",
        ),
        (lambda d: d["tags"].append({"name": "pii"}), "tags[1].name: repeats tag 'pii'"),
        (lambda d: d["tags"][0].update(color="red"), "tags[0].color: must be a hex colour"),
        (
            lambda d: d["tags"][0].update(weight_modifier=11),
            "tags[0].weight_modifier: must be a whole number from -10 to 10",
        ),
        (
            lambda d: d["datastores"][0]["containers"][0]["anomalies"][0].update(check="zzz"),
            "anomalies[0].check: names check 'zzz'",
        ),
        (
            lambda d: d["datastores"][0]["containers"][0]["anomalies"][0].update(created_at="yesterday"),
            "anomalies[0].created_at: must be an ISO 8601 time",
        ),
        (
            lambda d: d["datastores"][0]["containers"][0]["checks"][0].update(fields=["MISSING"]),
            "checks[0].fields[0]: names field 'MISSING'",
        ),
        (
            lambda d: d["datastores"][0].update(name="x" * 300),
            "datastores[0].name: is longer than 255 characters",
        ),
        (lambda d: d["datastores"][0].update(colour="blue"), "datastores[0].colour: is not a known key"),
        (lambda d: d.update(datastores={"a": 1}), "datastores: must be a list"),
    ],
)
def test_bad_input_names_the_place_and_loads_nothing(mutate, expected):
    data = copy.deepcopy(GOOD)
    mutate(data)
    with pytest.raises(CatalogLoadError) as info:
        catalog_load(data)
    assert any(expected in error for error in info.value.errors), info.value.errors
    assert set(_counts().values()) == {0}


def test_a_file_that_is_not_an_object_is_refused():
    with pytest.raises(CatalogLoadError, match=r"\(top level\): must be an object"):
        catalog_load([1, 2])


def test_global_tag_may_not_take_an_external_tags_name():
    from integrations.models import Integration

    integration = Integration(name="Atlan", url="https://acme.atlan.com")
    integration.token = "t"
    integration.save()
    Tag.objects.create(name="Pii", tag_type=Tag.Type.EXTERNAL, integration=integration)
    with pytest.raises(CatalogLoadError, match="already exists as an external tag"):
        catalog_load(copy.deepcopy(GOOD))
    assert Datastore.objects.count() == 0


def test_command_reports_the_summary(tmp_path, capsys):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(GOOD))
    call_command("load_catalog", str(path))
    assert "Loaded 1 tags (1 new), 1 datastores (1 new)" in capsys.readouterr().out


def test_command_refuses_broken_json_and_loads_nothing(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"datastores": [')
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("load_catalog", str(path))
    assert Datastore.objects.count() == 0


def test_command_lists_every_problem(tmp_path):
    data = copy.deepcopy(GOOD)
    data["tags"][0]["color"] = "nope"
    data["datastores"][0]["scores"][0]["total"] = -1
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError) as info:
        call_command("load_catalog", str(path))
    assert "tags[0].color" in str(info.value) and "datastores[0].scores[0].total" in str(info.value)


def _errors_of(data: dict) -> list[str]:
    with pytest.raises(CatalogLoadError) as info:
        catalog_load(data)
    return info.value.errors


def _container(d: dict) -> dict:
    return d["datastores"][0]["containers"][0]


C0 = "datastores[0].containers[0]"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["datastores"][0].update(tags=[1, {"x": 2}]),
            [
                "datastores[0].tags[0]: must be a tag name (got 1)",
                "datastores[0].tags[1]: must be a tag name (got {'x': 2})",
            ],
        ),
        (
            lambda d: _container(d)["anomalies"][0].update(check=5),
            [f"{C0}.anomalies[0].check: must be a check key (got 5)"],
        ),
        (
            lambda d: _container(d)["anomalies"][0].update(check={"key": "c1"}),
            [f"{C0}.anomalies[0].check: must be a check key (got {{'key': 'c1'}})"],
        ),
        (
            lambda d: _container(d)["checks"][0].update(fields="ID"),
            [f"{C0}.checks[0].fields: must be a list"],
        ),
        (
            lambda d: _container(d)["checks"][0].update(fields=[["ID"]]),
            [f"{C0}.checks[0].fields[0]: must be a field name (got ['ID'])"],
        ),
    ],
)
def test_references_of_the_wrong_type_are_refused_with_their_place(mutate, expected):
    data = copy.deepcopy(GOOD)
    mutate(data)
    assert _errors_of(data) == expected
    assert set(_counts().values()) == {0}


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["tags"][0].update(name="  "), "tags[0].name: must not be blank"),
        (lambda d: d["datastores"][0].update(name=" \t "), "datastores[0].name: must not be blank"),
        (lambda d: _container(d).update(name="   "), f"{C0}.name: must not be blank"),
        (lambda d: _container(d)["fields"][1].update(name=" "), f"{C0}.fields[1].name: must not be blank"),
        (lambda d: _container(d)["checks"][0].update(key="  "), f"{C0}.checks[0].key: must not be blank"),
        (
            lambda d: _container(d)["checks"][0].update(rule_type=" "),
            f"{C0}.checks[0].rule_type: must not be blank",
        ),
        (
            lambda d: _container(d)["anomalies"][1].update(key="\n"),
            f"{C0}.anomalies[1].key: must not be blank",
        ),
        (
            lambda d: _container(d)["anomalies"][1].update(message="  "),
            f"{C0}.anomalies[1].message: must not be blank",
        ),
    ],
)
def test_blank_names_and_keys_are_refused(mutate, expected):
    data = copy.deepcopy(GOOD)
    mutate(data)
    assert expected in _errors_of(data)
    assert set(_counts().values()) == {0}


def _second_datastore(d: dict) -> None:
    d["datastores"].append({"name": "SALES", "connector_type": "snowflake"})


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            _second_datastore,
            "datastores[1].name: 'SALES' differs only in case from datastore 'Sales' (datastores[0])",
        ),
        (
            lambda d: d["datastores"][0]["containers"].append({"name": "orders"}),
            "datastores[0].containers[1].name: 'orders' differs only in case from container 'ORDERS' "
            "(containers[0]) in this datastore",
        ),
        (
            lambda d: _container(d)["fields"].append({"name": "Email"}),
            f"{C0}.fields[2].name: 'Email' differs only in case from field 'EMAIL' (fields[1]) in this container",
        ),
        (
            lambda d: d["tags"].append({"name": "pii"}),
            "tags[1].name: repeats tag 'pii' (tags[0] is 'PII'; names are compared without regard to case)",
        ),
    ],
)
def test_names_that_differ_only_in_case_are_refused_naming_both(mutate, expected):
    data = copy.deepcopy(GOOD)
    mutate(data)
    assert _errors_of(data) == [expected]
    assert set(_counts().values()) == {0}


def test_the_same_names_may_be_used_under_different_parents():
    data = copy.deepcopy(GOOD)
    data["datastores"].append(
        {
            "name": "Marketing",
            "connector_type": "snowflake",
            "containers": [{"name": "orders", "fields": [{"name": "id"}, {"name": "EMAIL"}]}],
        }
    )
    data["datastores"][0]["containers"].append({"name": "Customers", "fields": [{"name": "Id"}]})
    catalog_load(data)
    assert sorted(Container.objects.values_list("name", flat=True)) == ["Customers", "ORDERS", "orders"]
    assert Field.objects.filter(name__iexact="id").count() == 3


def test_command_refuses_json_that_nests_too_deeply(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(CommandError, match=r"deep\.json: the JSON nests lists or objects too deeply") as info:
        call_command("load_catalog", str(path))
    assert "Nothing was loaded." in str(info.value)
    assert set(_counts().values()) == {0}


def test_command_refuses_a_file_above_the_size_limit_before_reading_it(tmp_path, settings, monkeypatch):
    settings.PLUMBLINE_CATALOG_MAX_BYTES = 1_000
    path = tmp_path / "big.json"
    path.write_text(json.dumps(GOOD) + " " * 2_000)
    size = path.stat().st_size

    def no_read(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(type(path), "open", no_read)
    with pytest.raises(CommandError) as info:
        call_command("load_catalog", str(path))
    assert str(info.value) == (
        f"{path} is {size:,} bytes, more than the limit of 1,000 bytes (PLUMBLINE_CATALOG_MAX_BYTES). "
        "Nothing was loaded."
    )
    assert set(_counts().values()) == {0}


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_command_stops_reading_at_the_limit_when_the_size_is_not_known_beforehand(settings):
    settings.PLUMBLINE_CATALOG_MAX_BYTES = 1_000
    with pytest.raises(CommandError, match=r"^/dev/zero holds more than the limit of 1,000 bytes"):
        call_command("load_catalog", "/dev/zero")


def test_command_says_when_the_path_cannot_be_read(tmp_path):
    with pytest.raises(CommandError, match=r"cannot be read \(Is a directory\)"):
        call_command("load_catalog", str(tmp_path))


def test_command_refuses_a_number_too_long_to_convert(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"tags": [{"name": "x", "weight_modifier": ' + "9" * 5_000 + "}]}")
    with pytest.raises(CommandError, match="not valid JSON .*Exceeds the limit"):
        call_command("load_catalog", str(path))


def test_command_lists_references_of_the_wrong_type(tmp_path):
    data = copy.deepcopy(GOOD)
    data["datastores"][0]["tags"] = [1, {"x": 2}]
    _container(data)["anomalies"][0]["check"] = 5
    _container(data)["checks"][0]["fields"] = "ID"
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError) as info:
        call_command("load_catalog", str(path))
    assert str(info.value).splitlines() == [
        f"{path} has problems; nothing was loaded:",
        "  - datastores[0].tags[0]: must be a tag name (got 1)",
        "  - datastores[0].tags[1]: must be a tag name (got {'x': 2})",
        f"  - {C0}.checks[0].fields: must be a list",
        f"  - {C0}.anomalies[0].check: must be a check key (got 5)",
    ]
    assert set(_counts().values()) == {0}


@pytest.mark.django_db(transaction=True)
def test_a_failure_after_writes_leaves_nothing_in_the_database(monkeypatch):
    from catalog.loader import load

    written: dict[str, int] = {}

    def fail_after_the_other_levels(*args, **kwargs):
        written.update(_counts())
        raise RuntimeError("disk full")

    monkeypatch.setattr(load, "anomalies_load", fail_after_the_other_levels)
    with pytest.raises(RuntimeError, match="disk full"):
        catalog_load(copy.deepcopy(GOOD))
    assert written == {
        "Tag": 1,
        "Datastore": 1,
        "Container": 1,
        "Field": 2,
        "QualityScore": 4,
        "Check": 1,
        "Anomaly": 0,
    }
    assert set(_counts().values()) == {0}


def test_the_score_schema_accepts_every_score_field_of_the_model():
    assert set(ScoreSpec.model_fields) == {"recorded_at", *SCORE_FIELDS}


def test_at_most_max_errors_problems_are_listed():
    from catalog.loader.validate import MAX_ERRORS

    data = copy.deepcopy(GOOD)
    data["datastores"][0]["scores"] = [
        {"recorded_at": f"2026-11-{day:02d}T00:00:00Z", "total": 101} for day in range(1, 31)
    ]
    errors = _errors_of(data)
    assert len(errors) == MAX_ERRORS == 25
    assert errors[0] == "datastores[0].scores[0].total: must be a number between 0 and 100 (got 101)"
    assert set(_counts().values()) == {0}
