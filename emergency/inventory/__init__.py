"""Inventories (应急资源清单): risk sources, materials depots, standing teams and experts.

Pure rules and file formats live here (no Flask); ``service`` and ``snapshot`` are the only
modules that talk to the database, through a session handed in by the caller (one unit of work
per import).

* ``vocab``     fixed vocabularies: risk-source kinds, the seven material categories, units …
* ``records``   the canonical records that files, the database and the API exchange
* ``places``    Jilin's counties and prefectures: names, aliases, point-in-county in bulk
* ``columns``   the Chinese column headings a provincial data steward uses, per inventory
* ``tables``    reading and writing CSV / XLSX (openpyxl)
* ``problems``  one problem of a file: row, column heading, code, message in zh and en
* ``rules``     row validation: parse a file into records, every problem with row and column
* ``export``    records → table rows (the import's headings), API dicts and GeoJSON layers
* ``service``   search, apply records to the database (one unit of work), export, load sample
* ``sample``    the deterministic sample inventory (示例数据) consistent with the seed figures
* ``snapshot``  frozen views of everything the incident engine needs, loaded before it runs
"""
