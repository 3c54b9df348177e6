"""Public-health statistics (OHID Fingertips / PHEindicatormethods methods and NHS Making Data Count SPC).

Pure functions: DataFrames or arrays in, DataFrames out. No files, no plotting, no notebooks.
"""
