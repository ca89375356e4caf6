"""隐患排查: checklists as data, inspection campaigns and tasks, the hazard register.

* :mod:`.checklists` — the checklists per risk-source type (``emergency/rules/
  inspection_checklists.yaml``), pure;
* :mod:`.rules` — results, hazard grades, deadlines, the rectification workflow, reminders, pure;
* :mod:`.photos` — image checks and thumbnails (Pillow), pure apart from the files it writes;
* :mod:`.service` — the use cases on the database;
* :mod:`.documents` — the register as XLSX and the 整改通知书 as .docx;
* :mod:`.sample` — sample campaign, inspections and hazards (示例).
"""
