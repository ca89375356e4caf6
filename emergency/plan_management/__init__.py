"""Plan management (预案管理): plans in the database, versioned, with drafts and review.

* :mod:`.service` — use cases (seed, drafts, submit, approve/return, restore, diff);
* :mod:`.snapshot` — the engine's published plan set, rebuilt only when a version is published;
* :mod:`.workbook` — the XLSX exchange (export with Chinese headings, import into a draft).
"""
