"""Delivering information the law or a decision requires (Pasal 22(7), 36, 46): which decisions open a task for
the PPID to deliver, how a delivery is recorded, and the request's status while an objection is under way.
Pure constants shared by the workflows (which keep the case open while a delivery is owed) and the activities
(which open and close the task)."""

from __future__ import annotations

# The PPID grants (Pasal 22(7)): the information must now be given in the form asked for.
GRANTING_DECISIONS = frozenset({"granted", "partially_granted"})
# The Atasan PPID grants the objection (Pasal 36): the PPID delivers what was refused.
GRANTING_ANSWERS = frozenset({"granted", "partially_granted"})
# The Komisi Informasi orders disclosure (mediation agreement, Pasal 39; adjudication decision, Pasal 46).
DISCLOSURE_OUTCOMES = frozenset(
    {"adjudication_granted", "adjudication_partially_granted", "mediation_agreement"}
)

DELIVER_TASK = "deliver_information"
COMPLY_TASK = "comply_with_ki_decision"
DELIVERY_TASK_KINDS = frozenset({DELIVER_TASK, COMPLY_TASK})

# How the information was handed over (domain/enums.py HandoverMethod), in the words of a notice.
HANDOVER_LABELS = {
    "email": "dikirim melalui email",
    "post": "dikirim melalui pos",
    "courier": "dikirim melalui kurir",
    "pickup": "diambil langsung oleh pemohon",
    "on_site": "dilihat di tempat oleh pemohon",
}

# The request's status in the registers while its (latest) objection is in these states; an objection closed
# at the end of T5 without a dispute gives the request back its own course (it closes with T3).
REQUEST_STATUS_OF_OBJECTION = {
    "registered": "objected",
    "answered": "objection_answered",
    "overdue": "objection_overdue",
    "accepted": "accepted",
    "disputed": "disputed",
}
