"""The demo's people: population by LSOA, sex and 5-year age band over the years (and for the neighbours, region
and country), the sums of LSOA arrays up to wards, localities and the borough, and the population table."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from thanalysis.data.demo.common import (AGE_BANDS, COUNTRY_CODE, HOME_CODE, LOCALITIES, REGION_CODE, YEARS,
                                         substream)
from thanalysis.data.demo.places import Geography

# A young, inner-city age structure (shares of persons, per cent) and a national one.
_YOUNG = np.array([6.5, 5.8, 5.5, 5.3, 9.5, 13.0, 12.0, 9.0, 7.0, 5.6, 4.8, 4.0, 3.2, 2.5, 2.0, 1.6, 1.2, 0.8, 0.5])
_NATIONAL = np.array([5.5, 6.0, 6.0, 5.8, 6.0, 6.8, 7.0, 6.8, 6.4, 6.2, 6.8, 6.8, 6.0, 5.2, 5.2, 3.8, 2.6, 1.6, 0.9])
# Share of each band that is male (more men at working ages in the inner city, more women at old ages).
_MALE = np.array([.512, .512, .511, .51, .5, .51, .515, .52, .52, .515, .51, .5, .49, .48, .47, .45, .42, .38, .3])


def _age_shares(z: np.ndarray, mix_young: np.ndarray) -> np.ndarray:
    """Band shares for each area: a mix of the young and national shapes, tilted by deprivation
    (more children and fewer older people where deprivation is higher)."""
    base = mix_young[:, None] * _YOUNG[None, :] + (1 - mix_young[:, None]) * _NATIONAL[None, :]
    child = np.zeros(len(AGE_BANDS))
    child[:4] = 0.12
    old = np.zeros(len(AGE_BANDS))
    old[13:] = -0.12
    shares = base * (1 + (child + old)[None, :] * z[:, None])
    return shares / shares.sum(axis=1, keepdims=True)


def _population(rng, totals: np.ndarray, shares: np.ndarray, growth: float) -> np.ndarray:
    """Integer populations [area, year, sex(0=M, 1=F), band] over :data:`YEARS`."""
    n = len(totals)
    years = len(YEARS)
    size = totals[:, None] * (1 + growth) ** np.arange(years)[None, :] * np.exp(rng.normal(0, 0.012, (n, years)))
    p = np.concatenate([shares * _MALE[None, :], shares * (1 - _MALE[None, :])], axis=1)  # [area, 38]
    out = np.empty((n, years, 2, len(AGE_BANDS)), dtype=np.int64)
    for y in range(years):
        draws = rng.multinomial(np.round(size[:, y]).astype(np.int64), p)
        out[:, y] = draws.reshape(n, 2, len(AGE_BANDS))
    return out


@dataclass
class Populations:
    """Integer populations [area, year, sex (0 = male, 1 = female), band]."""

    lsoa: np.ndarray        # [lsoa, year, sex, band]
    neighbours: np.ndarray  # [neighbour, year, sex, band]
    country: np.ndarray     # [1, year, sex, band]


def make_populations(seed: int, geo: Geography) -> Populations:
    """Populations of the LSOAs (younger where deprivation is higher), the neighbours and the country."""
    rng = substream(seed, "population")
    z = geo.lsoa["z"].to_numpy()
    totals = np.exp(rng.normal(np.log(1_900), 0.16, len(z)))
    lsoa = _population(rng, totals, _age_shares(z, np.full(len(z), 0.9)), growth=0.011)
    nz = geo.neighbours["z"].to_numpy()
    neighbours = _population(rng, geo.neighbours["population"].to_numpy(float),
                             _age_shares(nz, np.clip(0.55 + 0.3 * nz, 0.1, 0.9)), growth=0.007)
    country = _population(rng, np.array([56_000_000.0]), _age_shares(np.array([0.0]), np.array([0.0])), growth=0.005)
    return Populations(lsoa=lsoa, neighbours=neighbours, country=country)


class Areas:
    """Membership matrices used to add LSOA counts up to wards, localities and the borough."""

    def __init__(self, geo: Geography):
        lsoa = geo.lsoa
        self.lsoa_codes = lsoa["code"].to_numpy()
        self.ward_codes = geo.wards["code"].to_numpy()
        self.loc_codes = np.array([c for c, _ in LOCALITIES])
        self.ward_of = pd.Categorical(lsoa["ward"], categories=self.ward_codes).codes
        self.loc_of = pd.Categorical(lsoa["locality"], categories=self.loc_codes).codes
        self.nb_codes = geo.neighbours["code"].to_numpy()
        self.loc_of_ward = pd.Categorical(geo.wards["locality"], categories=self.loc_codes).codes

    def up(self, a: np.ndarray) -> dict[str, np.ndarray]:
        """Sum [lsoa, ...] arrays to each level: {"ward22": [20, ...], "locality": [4, ...], "la": [1, ...]}."""
        ward = np.zeros((len(self.ward_codes),) + a.shape[1:])
        np.add.at(ward, self.ward_of, a)
        loc = np.zeros((len(self.loc_codes),) + a.shape[1:])
        np.add.at(loc, self.loc_of, a)
        return {"ward22": ward, "locality": loc, "la": a.sum(axis=0, keepdims=True)}


def population_table(geo: Geography, pops: Populations) -> pd.DataFrame:
    """The canonical population table: every area, year, sex (with Persons) and age band."""
    areas = Areas(geo)
    up = areas.up(pops.lsoa.astype(float))
    blocks = [(areas.lsoa_codes, pops.lsoa), (areas.ward_codes, up["ward22"]), (areas.loc_codes, up["locality"]),
              (np.array([HOME_CODE]), up["la"]), (areas.nb_codes, pops.neighbours),
              (np.array([REGION_CODE]), up["la"] + pops.neighbours.sum(0, keepdims=True)),
              (np.array([COUNTRY_CODE]), pops.country)]
    frames = []
    for codes, arr in blocks:
        arr = np.asarray(arr, dtype=float)
        persons = arr.sum(axis=2, keepdims=True)
        full = np.concatenate([persons, arr], axis=2)  # [area, year, 3 sexes, band]
        n = len(codes)
        frames.append(pd.DataFrame({
            "area_code": np.repeat(codes, len(YEARS) * 3 * len(AGE_BANDS)),
            "period": np.tile(np.repeat([str(y) for y in YEARS], 3 * len(AGE_BANDS)), n),
            "sex": np.tile(np.repeat(["Persons", "Male", "Female"], len(AGE_BANDS)), n * len(YEARS)),
            "age_band": np.tile(AGE_BANDS, n * len(YEARS) * 3),
            "population": full.reshape(-1),
        }))
    return pd.concat(frames, ignore_index=True)

