"""Geography: pure functions over the canonical ``areas`` and ``lookups`` tables and the project's area configs.

- ``hierarchy``: how areas nest (LSOA → ward → locality → borough) and :func:`~.hierarchy.aggregate`;
- ``places``: area names, the localities of a borough, a locality by code or name;
- ``comparators``: the groups a borough is compared with (``data/comparators.yml``).

Geography sits beneath ``data`` (a store uses the hierarchy to pick the areas inside another) and above
``stats``; it reads only project-made configuration files, never data files.
"""
