"""Exports for the office: the visit list and the team's ledgers (台账) as XLSX or CSV.

Not Qt: headers are translated with plain dicts (:data:`fieldapp.exports.ledgers.HEADERS`).
Every text cell is neutralised against spreadsheet formulas (:func:`fieldapp.exports.writers.neutralise`).
Needs ``openpyxl`` for XLSX (imported only when an XLSX file is written).
"""

from .ledgers import (
    HEADERS,
    export_market_ledger,
    export_service_ledger,
    export_visit_list,
    language,
    market_ledger_rows,
    read_visits,
    service_ledger_rows,
    visit_list_rows,
)
from .writers import ExportFormat, neutralise, write_csv, write_table, write_xlsx

__all__ = [
    "ExportFormat", "HEADERS", "export_market_ledger", "export_service_ledger", "export_visit_list", "language",
    "market_ledger_rows", "neutralise", "read_visits", "service_ledger_rows", "visit_list_rows", "write_csv",
    "write_table", "write_xlsx",
]
