"""What casework tells other apps (past tense). Sent inside the service's transaction: a receiver that
fails rolls the change back rather than leaving the two apps out of step."""

from django.dispatch import Signal

#: sent by ``complaint_accept`` with ``complaint`` and ``by``
complaint_accepted = Signal()
