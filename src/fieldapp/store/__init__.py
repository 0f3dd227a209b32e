"""The local store: SQLAlchemy 2 over SQLite in the profile's data folder.

All writes go through functions here that also append to the change journal
(the sync outbox) in the same transaction. Nothing here imports Qt.
"""
