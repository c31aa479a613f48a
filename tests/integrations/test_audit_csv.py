"""The audit CSV: every cell a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from integrations.run_views import csv_cell_neutralise
from integrations.runs import run_start
from tests.integrations.fakes import make_integration

HOSTILE = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1", "\n=1+1"]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_starting_with_a_formula_character_or_tab_cr_lf_is_neutralised(value):
    assert csv_cell_neutralise(value) == f"'{value}"


@pytest.mark.parametrize("value", ["PII", "a=b", "", 3, None, True])
def test_ordinary_cells_are_left_alone(value):
    assert csv_cell_neutralise(value) == value


def test_the_downloaded_csv_neutralises_hostile_catalog_values(admin_http, fake_connector):
    def work(ctx):
        for value in HOSTILE:
            ctx.change(datastore="Sales", asset="X", kind="tag_added", before=value, after=value)

    fake_connector.work = work
    run = run_start(integration=make_integration(), pull=True)
    response = admin_http.get(reverse("integrations:run_changes_csv", args=[run.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode(), newline="")))
    hostile_rows = rows[2:]
    assert [(r[7], r[8]) for r in hostile_rows] == [(f"'{v}", f"'{v}") for v in HOSTILE]
