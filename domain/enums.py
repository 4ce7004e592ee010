"""Enumerations shared by the API, the workflows and the registers (docs/domain.md)."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PPID = "ppid"  # PPID of a body (Utama) or, with a unit, of that unit only (Pelaksana)
    ATASAN_PPID = "atasan_ppid"
    KOMISI = "komisi"


class KomisiLevel(StrEnum):
    PUSAT = "pusat"
    PROVINSI = "provinsi"
    KABUPATEN = "kabupaten"
    KOTA = "kota"


class DeadlineUnit(StrEnum):
    WORKING_DAYS = "working_days"
    # Kasasi (Pasal 50) counts calendar days: keep the unit explicit.
    CALENDAR_DAYS = "calendar_days"


class CalendarAction(StrEnum):
    ADD = "add"
    CANCEL = "cancel"


class RequesterKind(StrEnum):
    INDIVIDUAL = "individual"
    GROUP = "group"
    LEGAL_ENTITY = "legal_entity"


class ObtainMethod(StrEnum):
    VIEW = "view"
    COPY = "copy"


class CopyFormat(StrEnum):
    SOFTCOPY = "softcopy"
    HARDCOPY = "hardcopy"


class DeliveryMethod(StrEnum):
    PICKUP = "pickup"
    POST = "post"
    COURIER = "courier"
    EMAIL = "email"


class HandoverMethod(StrEnum):
    """How information was actually handed over when a delivery or a KI-ordered disclosure is recorded."""

    EMAIL = "email"
    POST = "post"
    COURIER = "courier"
    PICKUP = "pickup"  # diambil langsung
    ON_SITE = "on_site"  # dilihat di tempat


class Channel(StrEnum):
    WEB = "web"
    WALK_IN = "walk_in"
    EMAIL = "email"
    LETTER = "letter"
    PHONE = "phone"


class RequestStatus(StrEnum):
    RECEIVED = "received"
    EXTENDED = "extended"
    DECIDED = "decided"
    OVERDUE = "overdue"
    CLOSED = "closed"
    # The request follows its objection (registers and every view; the request workflow keeps its own state):
    OBJECTED = "objected"  # an objection is before the Atasan PPID
    OBJECTION_ANSWERED = "objection_answered"
    OBJECTION_OVERDUE = "objection_overdue"  # the Atasan did not answer within T4
    ACCEPTED = "accepted"  # the requester accepted the Atasan's answer
    DISPUTED = "disputed"  # taken to the Komisi Informasi


class DecisionOutcome(StrEnum):
    GRANTED = "granted"
    PARTIALLY_GRANTED = "partially_granted"
    REJECTED = "rejected"
    NOT_HELD = "not_held"
    NOT_YET_DOCUMENTED = "not_yet_documented"


class ObjectionStatus(StrEnum):
    REGISTERED = "registered"
    ANSWERED = "answered"
    OVERDUE = "overdue"
    ACCEPTED = "accepted"
    DISPUTED = "disputed"
    CLOSED = "closed"


class DisputeStatus(StrEnum):
    SUBMITTED = "submitted"
    REGISTERED = "registered"
    MEDIATION = "mediation"
    ADJUDICATION = "adjudication"
    DECIDED = "decided"
    FINAL = "final"
    COURT_OBJECTION = "court_objection"  # keberatan diajukan ke pengadilan (Pasal 47-48): not final


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # permanent rejection (SMTP 5xx, bad address): recorded, not retried
