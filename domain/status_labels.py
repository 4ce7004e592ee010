"""The status of a request, an objection or a dispute, and every other enum value a page or a document
shows (VALUE_LABELS: how a request came in, how it is obtained, outcomes, reasons, recipients, …), in the words
a person reads. The enum values (domain/enums.py) are the API's and the registers' names; a sentence in
Indonesian uses these instead."""

from __future__ import annotations

# Values shared by two enums mean the same in both ("registered", "overdue", "decided", "closed").
STATUS_LABELS: dict[str, str] = {
    "received": "diterima, menunggu keputusan",
    "extended": "diperpanjang",
    "decided": "sudah diputuskan",
    "overdue": "tidak ditanggapi dalam batas waktu",
    "closed": "selesai",
    "registered": "teregistrasi",
    "answered": "sudah dijawab",
    "accepted": "jawaban diterima pemohon",
    "disputed": "diajukan sebagai sengketa",
    "submitted": "diajukan, menunggu registrasi",
    "mediation": "mediasi",
    "adjudication": "ajudikasi",
    "final": "berkekuatan hukum tetap",
    "court_objection": "diajukan keberatan ke pengadilan",
    # A request that follows its objection (domain/delivery.py REQUEST_STATUS_OF_OBJECTION).
    "objected": "keberatan diajukan, menunggu tanggapan Atasan PPID",
    "objection_answered": "keberatan sudah dijawab Atasan PPID",
    "objection_overdue": "keberatan tidak ditanggapi Atasan PPID dalam batas waktu",
}


def status_label(status: str) -> str:
    """`status` in Indonesian: 'decided' -> 'sudah diputuskan' (an unknown value is returned as it is)."""
    return STATUS_LABELS.get(str(status), str(status))


# Every other enum value a page or a document shows, in the words a person reads (the case file, the staff
# desk): `VALUE_LABELS[kind][value]`. The API and the registers keep the English values.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "requester_kind": {"individual": "Perorangan", "group": "Kelompok orang", "legal_entity": "Badan hukum"},
    "channel": {
        "web": "Formulir daring (situs web)", "walk_in": "Datang langsung ke meja layanan", "email": "Email",
        "letter": "Surat", "phone": "Telepon",
    },
    "obtain_method": {
        "view": "Melihat, membaca, mendengarkan atau mencatat (tanpa salinan)",
        "copy": "Mendapatkan salinan",
    },
    "copy_format": {"softcopy": "Salinan elektronik", "hardcopy": "Salinan tercetak"},
    "delivery_method": {
        "pickup": "Diambil langsung di kantor PPID", "post": "Dikirim melalui pos",
        "courier": "Dikirim melalui kurir", "email": "Dikirim melalui email",
    },
    # The PPID's written notice (Pasal 22 ayat (7)).
    "decision": {
        "granted": "Diberikan seluruhnya", "partially_granted": "Diberikan sebagian",
        "rejected": "Ditolak (informasi yang dikecualikan)", "not_held": "Informasi tidak dikuasai",
        "not_yet_documented": "Informasi belum dikuasai atau belum didokumentasikan",
    },
    # The Atasan PPID's answer to an objection (Pasal 36).
    "answer": {
        "granted": "Mengabulkan keberatan", "partially_granted": "Mengabulkan sebagian keberatan",
        "upheld": "Menguatkan penolakan PPID",
    },
    # The grounds of an objection (Pasal 35 ayat (1)), in the words of the law.
    "objection_reason": {
        "a": "penolakan atas permintaan informasi berdasarkan alasan pengecualian (Pasal 17)",
        "b": "tidak disediakannya informasi berkala (Pasal 9)",
        "c": "tidak ditanggapinya permintaan informasi",
        "d": "permintaan informasi ditanggapi tidak sebagaimana yang diminta",
        "e": "tidak dipenuhinya permintaan informasi",
        "f": "pengenaan biaya yang tidak wajar",
        "g": "penyampaian informasi yang melebihi waktu yang diatur dalam Undang-Undang",
    },
    "stage": {"mediation": "Mediasi", "adjudication": "Ajudikasi"},
    # The Komisi Informasi's outcome of a dispute.
    "dispute_outcome": {
        "mediation_agreement": "Kesepakatan mediasi (Pasal 39)",
        "adjudication_granted": "Putusan ajudikasi: permohonan dikabulkan",
        "adjudication_partially_granted": "Putusan ajudikasi: permohonan dikabulkan sebagian",
        "adjudication_rejected": "Putusan ajudikasi: permohonan ditolak (penolakan badan publik dikuatkan)",
        "dismissed": "Permohonan tidak dapat diterima",
        "withdrawn": "Permohonan dicabut",
    },
    "recipient_role": {
        "requester": "Pemohon", "ppid": "PPID", "atasan_ppid": "Atasan PPID", "head": "Pimpinan badan publik",
        "komisi": "Komisi Informasi",
    },
    "notice_status": {"pending": "Menunggu pengiriman", "sent": "Terkirim", "failed": "Ditolak server surat"},
    "level": {"pusat": "Pusat", "provinsi": "Provinsi", "kabupaten": "Kabupaten", "kota": "Kota"},
    "court_recorded_by": {"komisi": "Komisi Informasi", "ppid": "PPID badan publik termohon"},
    "yes_no": {"True": "Ya", "False": "Tidak"},
}  # fmt: skip


def value_label(kind: str, value: object) -> str:
    """`value_label("copy_format", "softcopy")` -> `Salinan elektronik`; None -> `-`; an unknown value as it is."""
    if value is None or value == "":
        return "-"
    return VALUE_LABELS.get(kind, {}).get(str(value), str(value))


def reasons_label(reasons: list[str]) -> str:
    """`["a", "c"]` -> `a. penolakan …; c. tidak ditanggapinya …` (Pasal 35 ayat (1))."""
    return "; ".join(f"{r}. {value_label('objection_reason', r)}" for r in reasons)
