"""The verdict (output.verdict): per hub P(goal), P(ghost) and the vacancy band over the runs,
and the paragraph that answers the question, on hand-made pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubsim.output.verdict import pairs_from_ensemble, paragraph, verdict_table, verdict_text
from hubsim.scenario import CITY_KEYS, load_scenario

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


def _pairs(runs: int = 4, **changes: dict) -> pd.DataFrame:
    """`runs` runs in which every city reaches its goal at 8 % vacancy, but for `changes`:
    city -> column -> values over the runs."""
    rows = []
    for city in CITY_KEYS:
        columns = {"reached": [1.0] * runs, "ghost": [0.0] * runs}
        columns["office_vacancy_end"] = [0.08] * runs
        columns.update(changes.get(city, {}))
        rows.append(pd.DataFrame({"city": city, **columns}))
    return pd.concat(rows, ignore_index=True)


def test_the_table_gives_shares_over_runs_and_the_vacancy_band(baseline) -> None:
    pairs = _pairs(
        xian={"reached": [1.0, 0.0, 0.0, np.nan]},  # one run does not judge it
        xiamen={"office_vacancy_end": [0.30, 0.40, 0.50, 0.60], "ghost": [0, 0, 1, 1]},
    )
    table = verdict_table(pairs, baseline, "4 runs").set_index("city")
    assert table.loc["xian", "p_reach"] == pytest.approx(1 / 3)
    assert table.loc["xian", "judged_pairs"] == 3 and table.loc["xian", "pairs"] == 4
    assert table.loc["xiamen", "p_ghost"] == 0.5
    assert table.loc["xiamen", "vacancy_end_p50"] == pytest.approx(0.45)
    xiamen = table.loc["xiamen"]
    assert xiamen.vacancy_end_p05 < 0.32 and xiamen.vacancy_end_p95 > 0.58
    assert table.loc["xian", "sourced"] and not table.loc["chengdu", "sourced"]
    assert table.loc["xian", "goal_by"] == "2020-12"
    assert "recorded stock" in table.loc["xiamen", "built_ahead"]
    assert table.loc["beijing", "built_ahead"] == ""


def test_the_paragraph_says_yes_no_or_not_every_hub_with_names_and_numbers(baseline) -> None:
    text = paragraph(verdict_table(_pairs(), baseline, "4 runs"), baseline)
    assert text.startswith("Yes: every hub")
    assert "13 of 13 cities" in text and "Guangzhou, Wuhan, Xi'an" in text
    # Every city sure: one number, not "from 1.00 to 1.00".
    assert "(P(goal) 1.00 in every city)" in text and "from 1.00 to 1.00" not in text

    missed = _pairs(xian={"reached": [0.0, 0.0, 0.0, 1.0]})
    text = paragraph(verdict_table(missed, baseline, "4 runs"), baseline)
    assert text.startswith("Not every hub: Xi'an (0.25) miss their goals")

    unsure = _pairs(xian={"reached": [1.0, 1.0, 1.0, 0.0]})
    assert "Least sure: Xi'an (0.75)" in paragraph(verdict_table(unsure, baseline, "4"), baseline)

    ghosts = _pairs(xiamen={"reached": [0.0] * 4, "ghost": [1.0, 1.0, 1.0, 0.0],
                            "office_vacancy_end": [0.5] * 4})  # fmt: skip
    text = paragraph(verdict_table(ghosts, baseline, "4 runs"), baseline)
    assert text.startswith("No: Xiamen (0.75) become ghost hubs")
    assert "(median) is from 8 % to 50 %" in text


def test_one_parameter_set_says_so_and_an_ensemble_is_read_by_city(baseline) -> None:
    basis = "one parameter set x 2 replications (the scenario's values)"
    text = verdict_text(verdict_table(_pairs(2), baseline, basis), baseline)
    assert text.startswith(f"Verdict over {basis}:")
    assert "add --ensemble" in text
    rows = pd.DataFrame(
        {f"{m}@{c}": [1.0, 0.0] for c in CITY_KEYS for m in ("reached", "ghost")}
        | {f"office_vacancy_end@{c}": [0.1, 0.2] for c in CITY_KEYS}
    )
    pairs = pairs_from_ensemble(rows)
    assert len(pairs) == 2 * len(CITY_KEYS)
    table = verdict_table(pairs, baseline, "2 parameter sets x 1 replication").set_index("city")
    assert table.loc["wuhan", "p_reach"] == 0.5 and table.loc["wuhan", "p_ghost"] == 0.5
    assert "add --ensemble" not in verdict_text(table.reset_index(), baseline)
