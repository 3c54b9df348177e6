"""The demo's GP registrations: where residents are registered, including flows that cross borough lines."""
from __future__ import annotations

import numpy as np
import pandas as pd

from thanalysis.data.demo.common import HOME_CODE, YEARS, substream
from thanalysis.data.demo.places import Geography
from thanalysis.data.demo.population import Populations

def make_flows(seed: int, geo: Geography, pops: Populations) -> pd.DataFrame:
    rng = substream(seed, "flows")
    prac = geo.practices
    px, py = prac["x"].to_numpy(), prac["y"].to_numpy()
    lx, ly = geo.lsoa["x"].to_numpy(), geo.lsoa["y"].to_numpy()
    d = np.sqrt((lx[:, None] - px[None, :]) ** 2 + (ly[:, None] - py[None, :]) ** 2)
    appeal = np.exp(rng.normal(0, 0.25, len(prac)))
    weights = appeal[None, :] * np.exp(-d / 0.0045)
    shares = weights / weights.sum(axis=1, keepdims=True)
    home = (prac["la"] == HOME_CODE).to_numpy()
    frames = []
    for period, year in (("2022-04", 2022), ("2023-04", 2023)):
        # Lists are a little larger than the resident population (people who moved away stay registered).
        listed = np.round(pops.lsoa[:, YEARS.index(year)].sum(axis=(1, 2)) * 1.06).astype(np.int64)
        counts = rng.multinomial(listed, shares)
        i, k = np.nonzero(counts)
        frames.append(pd.DataFrame({"origin_code": geo.lsoa["code"].to_numpy()[i], "origin_type": "lsoa21",
                                    "destination_code": prac["code"].to_numpy()[k], "destination_type": "practice",
                                    "period": period, "count": counts[i, k].astype(float)}))
        # Residents of each neighbour registered with Riverside practices near the shared border.
        nb_pop = pops.neighbours[:, YEARS.index(year)].sum(axis=(1, 2)).astype(float)
        for j, row in geo.neighbours.reset_index(drop=True).iterrows():
            own = prac.index[prac["la"] == row["code"]]
            dist = np.min(np.sqrt((px[home][:, None] - px[own][None, :]) ** 2
                                  + (py[home][:, None] - py[own][None, :]) ** 2), axis=1)
            w = np.exp(-dist / 0.004)
            inbound = rng.multinomial(int(round(nb_pop[j] * 0.012)), w / w.sum())
            keep = inbound > 0
            frames.append(pd.DataFrame({"origin_code": row["code"], "origin_type": "la",
                                        "destination_code": prac["code"].to_numpy()[home][keep],
                                        "destination_type": "practice", "period": period,
                                        "count": inbound[keep].astype(float)}))
    return pd.concat(frames, ignore_index=True)

