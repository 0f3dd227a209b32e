"""FieldApp: offline-first desktop app for field account managers."""

__version__ = "0.1.0"
