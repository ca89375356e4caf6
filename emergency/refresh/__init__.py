"""The yearly pre-flood-season inventory refresh (汛前清单更新).

Each year before the flood season every prefecture (市州) sends its risk-source and materials
lists (and, when they changed, teams and experts). A file is validated in full by the inventory
rules, staged with its records, compared field by field with the live data, and applied by a data
steward in one transaction as a new version of that prefecture's slice of the inventory; every
version is kept and any one can be restored.

Pure modules (no database, no Flask):

* ``prefectures`` the nine prefectures of Jilin (adcodes for inbox file names) and the scope a
                  submission may cover
* ``season``      the campaign calendar: when it opens, reminds, closes; the flood season
* ``codec``       records ⇄ compact compressed JSON (snapshots, staged records)
* ``diff``        the field-level difference between two lists of records
* ``checks``      nightly findings: expired / expiring materials, unconfirmed records, drift
* ``board``       the status board per prefecture
* ``inbox``       the inbox folder's naming convention

Use cases on the database: ``service`` (stage, apply, restore, versions, board data) and
``writer`` (the inventory writes of one apply, in the caller's transaction).
"""
