"""The pull plan: which tags to create, convert, delete, and which assignments to add or remove."""

from __future__ import annotations

from integrations.sync.tags import Assignment, CatalogTag, ExistingTag, PullInput, pull_plan
from integrations.sync.tags import tag_color_normalise as tag_color

ME, OTHER = 1, 2
PII = CatalogTag("PII", "#DC2626", "Personal data")
GOLD = CatalogTag("Gold", "#6B7280", "")
CATALOG = {"pii": PII, "gold": GOLD}


def ext(pk: int, name: str, integration: int = ME, **kw) -> ExistingTag:
    return ExistingTag(
        pk, name, "external", integration, kw.get("color", "#DC2626"), kw.get("description", "")
    )


def glob(pk: int, name: str) -> ExistingTag:
    return ExistingTag(pk, name, "global", None, "#000000", "")


def plan_for(wanted, existing=(), assignments=(), *, overwrite=False, scope=(10,), asset_ds=None, **kw):
    keys = set(wanted) | {a.key for a in assignments}
    return pull_plan(
        PullInput(
            integration_id=ME,
            overwrite_tags=overwrite,
            wanted=wanted,
            scope_datastores=set(scope),
            catalog_tags=CATALOG,
            existing_tags=list(existing),
            assignments=list(assignments),
            asset_datastore=asset_ds or dict.fromkeys(keys, 10),
            **kw,
        )
    )


def test_new_catalog_tags_are_created_and_assigned():
    plan = plan_for({("field", 1): {"PII"}, ("container", 2): {"PII", "Gold"}})
    assert sorted(t.name for t in plan.create) == ["Gold", "PII"]
    assert sorted(plan.add) == [(("container", 2), "Gold"), (("container", 2), "PII"), (("field", 1), "PII")]
    assert not plan.remove and not plan.delete and not plan.stop_reason


def test_assignments_already_there_are_not_added_again():
    plan = plan_for(
        {("field", 1): {"PII"}},
        [ext(5, "PII", description="Personal data")],
        [Assignment(("field", 1), 5, 10)],
    )
    assert plan.is_empty


def test_tags_gone_from_the_catalog_are_removed_and_orphans_deleted():
    existing = [ext(5, "PII", description="Personal data"), ext(6, "Old")]
    assignments = [Assignment(("field", 1), 5, 10), Assignment(("field", 1), 6, 10)]
    plan = plan_for({("field", 1): {"PII"}}, existing, assignments)
    assert [(k, t.name) for k, t in plan.remove] == [(("field", 1), "Old")]
    assert [t.name for t in plan.delete] == ["Old"]


def test_a_failed_read_never_counts_as_removed():
    existing = [ext(6, "Old")]
    plan = plan_for({}, existing, [Assignment(("field", 1), 6, 99)], scope=(10,))
    assert not plan.remove and not plan.delete


def test_an_asset_out_of_scope_in_a_datastore_read_keeps_its_tags():
    existing = [ext(6, "Old")]
    assignments = [Assignment(("container", 2), 6, 10), Assignment(("field", 3), 6, 10)]
    plan = plan_for({}, existing, assignments, kept={("container", 2)})
    assert [k for k, _ in plan.remove] == [("field", 3)]
    assert not plan.delete  # still on the table left out


def test_global_tags_are_untouched_and_the_catalog_tag_skipped_without_overwrite():
    plan = plan_for({("field", 1): {"PII"}}, [glob(7, "pii")], [Assignment(("field", 3), 7, 10)])
    assert not plan.add and not plan.create and not plan.remove and not plan.convert
    assert "Overwrite Tags" in plan.skipped["PII"]


def test_overwrite_converts_a_same_name_global_tag_keeping_its_assets():
    plan = plan_for(
        {("field", 1): {"PII"}}, [glob(7, "pii")], [Assignment(("field", 3), 7, 10)], overwrite=True
    )
    assert [(old.id, new.name) for old, new in plan.convert] == [(7, "PII")]
    assert plan.add == [(("field", 1), "PII")]
    assert not plan.remove and not plan.delete and not plan.create


def test_another_integrations_tag_of_the_same_name_is_skipped():
    other = ExistingTag(8, "PII", "external", OTHER, "#000000", "", owner="Other Atlan")
    plan = plan_for({("field", 1): {"PII"}}, [other], overwrite=True)
    assert not plan.add and not plan.convert and "Other Atlan" in plan.skipped["PII"]


def test_changed_colour_or_description_refreshes_our_tag():
    plan = plan_for(
        {("field", 1): {"PII"}}, [ext(5, "PII", color="#000000")], [Assignment(("field", 1), 5, 10)]
    )
    assert [(old.id, new.color) for old, new in plan.refresh] == [(5, "#DC2626")]


def test_removing_more_than_the_threshold_stops_the_pull():
    existing = [ext(5, "PII", description="Personal data")]
    assignments = [Assignment(("field", i), 5, 10) for i in range(20)]
    wanted = {("field", i): {"PII"} for i in range(8)}  # 12 of 20 would go
    plan = plan_for(wanted, existing, assignments, threshold=0.5)
    assert "12 of this integration's 20" in plan.stop_reason


def test_small_removals_never_trip_the_threshold():
    existing = [ext(5, "PII", description="Personal data")]
    assignments = [Assignment(("field", i), 5, 10) for i in range(4)]
    plan = plan_for({}, existing, assignments, threshold=0.5)
    assert len(plan.remove) == 4 and not plan.stop_reason


def removal_plan(current: int, kept: int, *, minimum: int = 10, threshold: float = 0.5):
    """A plan over `current` assignments of one tag where the catalog keeps `kept` of them."""
    existing = [ext(5, "PII", description="Personal data")]
    assignments = [Assignment(("field", i), 5, 10) for i in range(current)]
    wanted = {("field", i): {"PII"} for i in range(kept)}
    return plan_for(wanted, existing, assignments, threshold=threshold, min_removals_to_stop=minimum)


def test_removals_exactly_at_the_minimum_count_stop_the_pull():
    # 10 of 12: the share is far above 50 %, and 10 is exactly the minimum (>=, not >).
    plan = removal_plan(12, 2, minimum=10)
    assert len(plan.remove) == 10
    assert "10 of this integration's 12" in plan.stop_reason


def test_removals_one_below_the_minimum_count_never_stop_the_pull():
    plan = removal_plan(9, 0, minimum=10)
    assert len(plan.remove) == 9 and not plan.stop_reason


def test_removals_of_exactly_half_do_not_stop_the_pull():
    # 10 of 20 is exactly 50 %: only *more* than the threshold stops (>, not >=).
    plan = removal_plan(20, 10, minimum=10)
    assert len(plan.remove) == 10 and not plan.stop_reason


def test_removals_of_one_more_than_half_stop_the_pull():
    plan = removal_plan(20, 9, minimum=10)
    assert "11 of this integration's 20" in plan.stop_reason


def test_tag_colours_are_stored_as_six_digit_hex():
    assert tag_color("#abc") == "#AABBCC"
    assert tag_color("#16a34a") == "#16A34A"
    assert tag_color("nonsense") == "#6B7280"


def test_a_tag_name_another_integration_took_concurrently_is_skipped_not_crashed(db):
    """Two integrations pulling the same catalog at once: the second one's create loses the race."""
    from catalog.models import Datastore, Tag
    from integrations.models import Integration
    from integrations.sync.tags import PullPlan
    from integrations.sync.tags_apply import _apply

    mine, other = (Integration(name=n, url="https://acme.atlan.com") for n in ("mine", "other"))
    for integration in (mine, other):
        integration.token = "t"
        integration.save()
    ds = Datastore.objects.create(name="Sales", connector_type="snowflake")
    # The other integration's pull created "PII" after this plan was computed.
    Tag.objects.create(name="PII", tag_type="external", integration=other)
    plan = PullPlan(create=[PII, GOLD], add=[(("datastore", ds.pk), "PII"), (("datastore", ds.pk), "Gold")])
    assert _apply(plan, mine.pk) == {"PII"}
    assert sorted(ds.tags.values_list("name", "integration__name")) == [("Gold", "mine")]
    assert Tag.objects.get(name="PII").integration == other
