"""The demo's population (``thanalysis.data.demo.population``): by sex and age band, adding up to the borough."""
from __future__ import annotations

import numpy as np
import pandas as pd

from thanalysis.data.demo.common import HOME_CODE


# --- population -------------------------------------------------------------------------------------------------
def test_population_by_sex_and_age(store):
    pop = store.population()
    bands = ["0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54",
             "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+"]
    assert set(pop["age_band"]) == set(bands)
    assert pop["period"].nunique() >= 5
    wide = pop.pivot_table(index=["area_code", "period", "age_band"], columns="sex", values="population")
    assert np.allclose(wide["Persons"], wide["Male"] + wide["Female"])
    lsoas = store.areas().query("area_type == 'lsoa21'")["area_code"]
    persons = pop[pop["sex"] == "Persons"]
    by_lsoa = persons[persons["area_code"].isin(lsoas)].groupby("period")["population"].sum()
    borough = persons[persons["area_code"] == HOME_CODE].groupby("period")["population"].sum()
    pd.testing.assert_series_equal(by_lsoa, borough, check_names=False)
    assert 200_000 < borough.iloc[-1] < 400_000
