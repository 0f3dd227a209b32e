"""The team lead's workspace: review queue, assessment dashboard, AB cover, ledger exports."""

from .cover import CoverDialog, CoverView
from .dashboard import DashboardView
from .export_dialog import ExportDialog
from .review import ReviewView, VisitDetailPanel
from .workspace import LeadWorkspace

__all__ = ["CoverDialog", "CoverView", "DashboardView", "ExportDialog", "LeadWorkspace", "ReviewView",
           "VisitDetailPanel"]
