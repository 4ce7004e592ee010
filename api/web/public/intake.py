"""Citizen's portal: the request form (Perki 1/2021) and what follows it, the landing page with the registration
number, the tracking code and T1, and the printable tanda bukti penerimaan (Pasal 22 ayat (4)).

The form goes through the API's own intake (register_request, the desk's mapping in api/web/forms.py, the
API's intake rate limit), always on the web channel and never on behalf of staff. Its hidden idempotency key makes
a second click or a repost return the same case. The tracking code is shown only in the browser that submitted
the form: the session remembers the ids it submitted (not the code, which is derived from the id when shown)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.cases import LoadedCase, case_view, load_case
from api.deps import SessionDep, StateDep, limit_intake
from api.routes.requests import register_request
from api.schemas import RequestIn
from api.state import AppState
from api.web.csrf import verify_csrf
from api.web.forms import (
    INTAKE_FIELDS,
    REQUEST_FORM_NAMES,
    form_errors,
    form_key,
    posted_values,
    refused,
    request_data,
)
from api.web.public import access
from api.web.public.home import PublicBody, public_bodies
from api.web.templating import render
from db.dip_repo import body_by_slug, list_dip_entries
from domain.enums import Channel
from domain.identity import PROVINCE_CODES, mask_nik
from domain.status_labels import VALUE_LABELS
from domain.tracking import tracking_code

router = APIRouter(include_in_schema=False)

SUBMITTED_KEY = "terkirim"  # ids of the requests this browser submitted (their code is shown on their pages)
MAX_SUBMITTED = 10
DIP_SHOWN, DIP_MATCHES = 5, 10  # DIP entries the form lists: without and with a search
FIELDS = INTAKE_FIELDS | {"body": "badan"}
DEFAULTS = {
    "jenis": "individual",
    "cara_memperoleh": "copy",
    "bentuk_salinan": "softcopy",
    "cara_mendapatkan": "email",
}

# Each choice of the form with one plain sentence. The labels avoid the words other controls are found by
# (CONTRACT §8: "Nama", "Alamat", "Email", "Kirim", ...), which is why delivery by email is called "surel" here.
KIND_CHOICES = [
    ("individual", "Perorangan", "Anda meminta untuk diri sendiri; isi NIK dari KTP Anda."),
    ("group", "Kelompok orang",
     "Beberapa orang meminta bersama melalui seorang penerima kuasa; isi NIK pemohon serta penerima kuasa dan "
     "surat kuasanya."),
    ("legal_entity", "Badan hukum",
     "Yayasan, perkumpulan, perseroan atau badan hukum lain; isi nomor pengesahan badan hukumnya, bukan NIK."),
]  # fmt: skip
OBTAIN_CHOICES = [
    ("view", "Melihat, membaca, mendengarkan atau mencatat",
     "Anda datang dan melihat dokumennya di kantor PPID, tanpa membawa pulang salinan."),
    ("copy", "Mendapatkan salinan", "Anda menerima salinan dokumennya untuk disimpan."),
]  # fmt: skip
COPY_CHOICES = [
    ("softcopy", "Salinan digital", "Berkas elektronik, misalnya PDF, yang dapat Anda simpan."),
    (
        "hardcopy",
        "Salinan tercetak",
        "Fotokopi atau cetakan di atas kertas; biaya penggandaan dapat dikenakan.",
    ),
]
DELIVERY_CHOICES = [
    ("email", "Lewat surel", "Berkas salinan dikirim ke alamat email yang Anda isi di atas."),
    (
        "pickup",
        "Diambil sendiri di kantor PPID",
        "Anda datang mengambilnya setelah diberi tahu bahwa sudah siap.",
    ),
    ("post", "Diantar pos", "Dikirim ke alamat Anda lewat pos; ongkosnya dapat ditanggung pemohon."),
    (
        "courier",
        "Diantar kurir",
        "Dikirim ke alamat Anda lewat jasa kurir; ongkosnya dapat ditanggung pemohon.",
    ),
]
GROUP_NEEDS_PROXY = (
    "Kelompok orang mengajukan permohonan melalui kuasa: isi nama penerima kuasa dan surat kuasanya"
)
EMAIL_FOR_DELIVERY = "Salinan lewat surel memerlukan alamat email: isi email di atas atau pilih cara lain"
UNIT_OF_OTHER_BODY = "Unit ini bukan bagian dari badan publik yang dipilih; pilih unit lain atau kosongkan"
CHOOSE_BODY = "Pilih badan publik yang menguasai informasi yang Anda minta"
KEY_REUSED = (
    "Formulir ini sudah pernah dikirim dengan isi lain, dan permohonan itu tetap tercatat. Bila isian di bawah "
    "adalah permohonan baru, periksa sekali lagi lalu kirimkan."
)
NOT_HERE = HTTPException(
    404,
    "Halaman ini hanya terbuka di peramban yang mengirim permohonannya. Ikuti permohonan Anda di halaman Lacak "
    "dengan nomor pendaftaran dan kode lacak dari tanda terima atau email Anda.",
)


async def intake_refusal(request: Request, state: StateDep) -> HTTPException | None:
    """The API's intake limit (limit_intake) as a dependency of the page: its 429 is handed to the page, which
    says it as a sentence beside the form instead of the API's JSON."""
    try:
        await limit_intake(request, state, None)
    except HTTPException as exc:
        return exc
    return None


IntakeRefusal = Annotated[HTTPException | None, Depends(intake_refusal)]


def submitted(request: Request) -> list[str]:
    ids = request.session.get(SUBMITTED_KEY)
    return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []


def _remember_submitted(request: Request, request_id: str) -> None:
    ids = [i for i in submitted(request) if i != request_id] + [request_id]
    request.session[SUBMITTED_KEY] = ids[-MAX_SUBMITTED:]


def message(request: Request, exc: HTTPException, title: str = "Tidak ditemukan") -> Response:
    text = str(exc.detail) if isinstance(exc.detail, str) else "Permintaan tidak dapat dipenuhi."
    context = {"title": title, "message": text}
    return render(request, "publik/permohonan_pesan.html", context, status_code=exc.status_code)


# --- The form -----------------------------------------------------------------------------------------------


@router.get("/permohonan/baru")
async def request_form(
    request: Request, session: SessionDep,
    body: Annotated[str, Query(max_length=64)] = "", unit: Annotated[str, Query(max_length=64)] = "",
    cari: Annotated[str, Query(max_length=120)] = "",
) -> Response:  # fmt: skip
    bodies = await public_bodies(session)
    chosen = next((b for b in bodies if b.slug == body), bodies[0] if len(bodies) == 1 else None)
    values: dict[str, str] = DEFAULTS | {"kunci": form_key(""), "badan": chosen.slug if chosen else ""}
    if chosen and any(u.slug == unit for u in chosen.units):
        values["unit"] = f"{chosen.slug}/{unit}"
    dip = await already_public(session, chosen.slug, cari) if chosen else None
    return _form(request, bodies, values, {}, None, dip=dip)


async def already_public(session: SessionDep, body: str, cari: str) -> dict[str, Any] | None:
    """The body's published DIP entries the form points to (UU Pasal 11(1)(a)): information already public
    needs no request. A few without a search, the matches of `cari` with one."""
    found = await body_by_slug(session, body)
    if found is None:
        return None
    needle = cari.strip()
    rows = await list_dip_entries(session, found.id, q=needle, limit=DIP_MATCHES if needle else DIP_SHOWN)
    return {"rows": rows, "cari": needle, "body": found.slug}


def _form(
    request: Request, bodies: list[PublicBody], values: dict[str, str], errors: dict[str, str],
    form_error: str | None, status_code: int = 200, dip: dict[str, Any] | None = None,
) -> Response:  # fmt: skip
    chosen = next((b for b in bodies if b.slug == values.get("badan")), None)
    context = {
        "dip": dip,
        "nav": "submit", "bodies": bodies, "chosen": chosen, "values": values, "errors": errors,
        "form_error": form_error, "kind_choices": KIND_CHOICES, "obtain_choices": OBTAIN_CHOICES,
        "copy_choices": COPY_CHOICES, "delivery_choices": DELIVERY_CHOICES,
        "provinces": " ".join(str(c) for c in sorted(PROVINCE_CODES)),
    }  # fmt: skip
    return render(request, "publik/permohonan_baru.html", context, status_code=status_code)


def _unit_of(values: dict[str, str], body: str | None, errors: dict[str, str]) -> str | None:
    """The unit chosen ("body/unit", as the form's options carry it, or a unit's slug), within the body."""
    text = values.get("unit", "").strip()
    if not text:
        return None
    unit_body, _, slug = text.rpartition("/")
    if unit_body and body and unit_body != body:
        errors["unit"] = UNIT_OF_OTHER_BODY
        return None
    return slug or None


@router.post("/permohonan/baru", dependencies=[Depends(verify_csrf)])
async def submit(request: Request, session: SessionDep, state: StateDep, limited: IntakeRefusal) -> Response:
    form = await request.form()
    values = posted_values(form, ["badan", "unit", *REQUEST_FORM_NAMES])
    values["kunci"] = form_key(values["kunci"])
    bodies = await public_bodies(session)
    if limited is not None:
        return _form(request, bodies, values, {}, refused(limited, FIELDS)[1], limited.status_code)
    errors: dict[str, str] = {}
    body = values["badan"].strip()
    if body not in {b.slug for b in bodies}:
        errors["badan"] = CHOOSE_BODY
        body = ""
    data = request_data(
        values, body=body or None, unit=_unit_of(values, body, errors), channel=Channel.WEB.value
    )
    if values["jenis"] == "group" and not (values["kuasa_nama"].strip() or values["kuasa_surat"].strip()):
        errors["kuasa_nama"] = GROUP_NEEDS_PROXY
    if values["cara_mendapatkan"] == "email" and not values["email"].strip():
        errors["cara_mendapatkan"] = EMAIL_FOR_DELIVERY
    payload = None
    try:
        payload = RequestIn.model_validate(data)
    except ValidationError as exc:
        for name, text in form_errors(exc.errors(), FIELDS).items():
            errors.setdefault(name, text)
    if errors or payload is None:
        form_error = errors.pop("form", None)
        order = ["badan", "unit", *REQUEST_FORM_NAMES]  # the summary in the order of the form
        errors = dict(
            sorted(errors.items(), key=lambda e: order.index(e[0]) if e[0] in order else len(order))
        )
        return _form(request, bodies, values, errors, form_error, 422)
    try:
        created, _ = await register_request(session, state, None, payload, f"web-{values['kunci']}")
    except HTTPException as exc:
        # 409: the key of a form already sent with other content; a new key makes this one a new request.
        if exc.status_code == 409:
            values["kunci"] = form_key("")
            return _form(request, bodies, values, {}, KEY_REUSED, 409)
        field_errors, form_error = refused(exc, FIELDS)
        return _form(request, bodies, values, field_errors, form_error, exc.status_code)
    _remember_submitted(request, created.id)
    access.remember_case(request, created.id)  # the tracking page opens in this browser without the code
    return RedirectResponse(f"/permohonan/{created.id}/terkirim", status_code=303)


# --- After the form -------------------------------------------------------------------------------------------


async def _case_context(
    session: SessionDep, state: AppState, case: LoadedCase, *, fresh: bool
) -> dict[str, Any]:
    view = await case_view(session, case, "requester")
    r = case.request
    return {
        "case": view, "r": r, "body": case.body, "unit": case.unit, "labels": VALUE_LABELS,
        "nik": mask_nik(r.nik), "code": tracking_code(r.id, state.tracking_secret) if fresh else None,
        "t1": next((d for d in view.deadlines if d.clock == "T1"), None),
        "public_url": state.settings.public_url,
    }  # fmt: skip


@router.get("/permohonan/{request_id}/terkirim")
async def landing(request: Request, request_id: str, session: SessionDep, state: StateDep) -> Response:
    if request_id not in submitted(request):
        if request_id in access.proven_cases(request):
            return RedirectResponse(f"/lacak/{request_id}", status_code=303)
        return message(request, NOT_HERE)
    try:
        case = await load_case(session, request_id)
    except HTTPException as exc:
        return message(request, exc)
    context = await _case_context(session, state, case, fresh=True)
    return render(request, "publik/terkirim.html", context | {"nav": "submit"})


@router.get("/permohonan/{request_id}/tanda-bukti")
async def receipt(request: Request, request_id: str, session: SessionDep, state: StateDep) -> Response:
    """The printable tanda bukti: with the code in the browser that submitted the form, without it in a browser
    that proved the code on the tracking page, and not at all elsewhere."""
    fresh = request_id in submitted(request)
    if not fresh and request_id not in access.proven_cases(request):
        return message(request, NOT_HERE)
    try:
        case = await load_case(session, request_id)
    except HTTPException as exc:
        return message(request, exc)
    context = await _case_context(session, state, case, fresh=fresh)
    return render(request, "publik/tanda_bukti.html", context)
