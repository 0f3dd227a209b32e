"""The account manager's working day: visit plan, visit screen, customer history, attendance.

Widgets for the lead to place in the main window (all UI-thread only; every
read and write goes through :mod:`fieldapp.gui.visit.ops` on the DB worker):

- :class:`PlanView` — today / this week plan with reasons, manual edits, "Start visit";
- :class:`VisitScreen` — check-in, checklist, notes, photos, follow-ups, check-out, autosave, resume;
- :class:`CustomerHistoryWidget` — past visits, score and purchase charts, open follow-ups;
- :class:`AttendanceBar` — start / end of the working day (also embedded in the plan's header).
"""

from .attendance import AttendanceBar
from .history import CustomerHistoryWidget
from .plan_view import AddCustomerDialog, PlanView
from .visit_screen import VisitScreen

__all__ = ["AddCustomerDialog", "AttendanceBar", "CustomerHistoryWidget", "PlanView", "VisitScreen"]
