"""Open Referral HSDS 3.0 exchange for the resource directory: import (nested JSON, or the CSV tables as a
folder or zip) with a row-by-row report, and export (JSON that validates against the published schema, and
the CSV tables with their datapackage.json).

    reader.py    files -> one flat Dataset (JSON flattened like the tabular form)
    clean.py     every value checked and converted, problems kept per record
    importer.py  records grouped into top-level records, each written in its own savepoint
    report.py    what happened, for the page, the command and the tests
    exporter.py  the directory as HSDS JSON and CSV
    spec.py      the HSDS 3.0 tables and columns read and written
"""
