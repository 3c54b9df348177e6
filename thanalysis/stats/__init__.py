"""Public-health statistics (OHID Fingertips / PHEindicatormethods methods and NHS Making Data Count SPC).

Pure functions: DataFrames or arrays in, DataFrames out. No files, no plotting, no notebooks.
Each function lives in one small module; this package re-exports the public ones so a notebook can
write ``from thanalysis import stats`` and call ``stats.proportion(...)``.
"""
from .compare import *  # noqa: F401,F403
from .funnel import *  # noqa: F401,F403
from .inequality import *  # noqa: F401,F403
from .intervals import *  # noqa: F401,F403
from .life_expectancy import *  # noqa: F401,F403
from .quantiles import *  # noqa: F401,F403
from .spc import *  # noqa: F401,F403
from .standardise import *  # noqa: F401,F403
from .trend import *  # noqa: F401,F403
