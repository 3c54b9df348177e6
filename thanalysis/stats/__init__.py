"""Public-health statistics (OHID Fingertips / PHEindicatormethods methods and NHS Making Data Count SPC).

Pure functions: DataFrames or arrays in, DataFrames out. No files, no plotting, no notebooks.
Each function lives in one small module; this package re-exports the public ones so a notebook can
write ``from thanalysis import stats`` and call ``stats.proportion(...)``.

Layer: beneath ``geography`` and ``data`` (readers compute intervals where data enters, with
:func:`~thanalysis.stats.intervals.values_from_counts`, the one rule for a value and its limits from counts);
it imports nothing from the package but ``errors``.
"""
from thanalysis.stats.compare import *  # noqa: F401,F403
from thanalysis.stats.funnel import *  # noqa: F401,F403
from thanalysis.stats.inequality import *  # noqa: F401,F403
from thanalysis.stats.intervals import *  # noqa: F401,F403
from thanalysis.stats.life_expectancy import *  # noqa: F401,F403
from thanalysis.stats.quantiles import *  # noqa: F401,F403
from thanalysis.stats.spc import *  # noqa: F401,F403
from thanalysis.stats.standardise import *  # noqa: F401,F403
from thanalysis.stats.trend import *  # noqa: F401,F403
