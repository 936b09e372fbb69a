"""`ltobms plan`: sizing sweeps on the real firmware. A plan file names a site, a period, a pack, a
panel, a node and the weather; the sweep runs the built firmware in the twin for every combination of
the swept values and every weather sample, and says which pack/panel combinations keep the node up.

One module per job:

| module | job |
|---|---|
| `planfile` | the plan file: keys, ranges, one-line errors; the scenario sections every run shares |
| `seasons` | the weather samples: weather files, or synthetic seasons with seeded per-day clouds |
| `sweep` | combinations × samples → self-contained run specs (one scenario each) |
| `cache` | results on disk keyed by the firmware image, the twin's code and the run's parameters |
| `task` | one run on a worker: the simulation and its reduction to metrics |
| `backends` | where runs execute: this process, local processes, a Dask cluster |
| `runner` | a whole sweep: cache first, the rest to a backend, results stored as they arrive |
| `results` | per-combination figures over the samples, and the recommendation |
| `report` | the terminal table, plan.csv / plan.json and the PNG plots |
"""
