"""The monev pages (Perki 1/2022): the KI's desk `/ki/monev` (its rounds, the questionnaire editor with the
weights, opening, the verification form per body with scores, publication), the PPID Utama's desk `/staf/monev`
(the self-assessment per indicator with evidence links and files, submission) and the public ranking
`/monev/{komisi}/{year}` with its CSV. Plain forms (no JavaScript), every refusal beside its field with the input
kept; the rules and the refusals are the API's own (api/routes/monev.py)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from api.deps import OptionalStaffDep, SessionDep, Staff, StateDep, get_temporal
from api.documents import ACCEPT
from api.routes import monev as api
from api.web.casework import message_page
from api.web.csrf import verify_csrf
from api.web.refusals import field_errors, refusal
from api.web.session import PageStaffDep
from api.web.templating import render
from db import monev as registers
from db.models import Body, KomisiInformasi
from domain.enums import Role
from domain.monev import BAND_TEXT, PREFILL_LABELS, Prefill, format_number


class PageRoute(APIRoute):
    """A malformed year or slug in a monev page's address (`/monev/kalbar/abc`) is answered with a page (404,
    as any address that names nothing), not with the API's JSON 422."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                if not all(tuple(e.get("loc", ()))[:1] in (("path",), ("query",)) for e in exc.errors()):
                    raise
                missing = HTTPException(404, "Halaman tidak ditemukan: tahun atau kode pada alamat tidak sah")
                if request.url.path.startswith(("/ki/", "/staf/")):
                    return message_page(request, missing)
                return _public_message(request, missing)

        return page_handler


router = APIRouter(include_in_schema=False, route_class=PageRoute)
YearPath = Annotated[int, Path(ge=2000, le=2100)]
SlugPath = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9-]+$")]
# The API's own limit (api/routes/monev.py IndicatorIn), read from its model so that page and API agree.
INDICATOR_NAME_LIMIT: int = next(
    m.max_length for m in api.IndicatorIn.model_fields["name"].metadata if getattr(m, "max_length", None)
)
PREFILL_OPTIONS = [(p.value, PREFILL_LABELS[p]) for p in Prefill]
FLASH = {
    "dibuat": "Monev dibuat dengan kuesioner awal enam indikator Perki 1/2022; periksa bobot dan pertanyaannya.",
    "jadwal": "Jadwal tersimpan.",
    "kuesioner": "Kuesioner tersimpan.",
    "dibuka": "Pengisian kuesioner dibuka; badan publik diberi tahu melalui email.",
    "dinilai": "Nilai tersimpan.",
    "diumumkan": "Hasil monev diumumkan; badan publik diberi tahu melalui email.",
    "tersimpan": "Jawaban tersimpan.",
    "terkirim": "Kuesioner terkirim kepada Komisi Informasi.",
}


def _komisi_of(staff: Staff) -> str:
    if staff.role != Role.KOMISI or not staff.komisi_slug:
        raise HTTPException(403, "Halaman ini untuk Komisi Informasi")
    return staff.komisi_slug


def _fmt(value: Any) -> str:
    return format_number(value)


# --- the KI's desk -------------------------------------------------------------------------------------------


@router.get("/ki/monev")
async def ki_rounds(
    request: Request, staff: PageStaffDep, session: SessionDep, state: StateDep, pesan: str = "",
    year: Annotated[str, Query(max_length=16)] = "",
) -> Response:  # fmt: skip
    if year:  # the round of a year, asked for by the address: its page, or a page saying the year is bad
        if year.isdecimal() and len(year) == 4:
            return RedirectResponse(f"/ki/monev/{year}", status_code=303)
        return message_page(request, HTTPException(422, "Tahun harus berupa empat angka, misalnya 2026"))
    return await _ki_rounds(request, session, state, staff)


async def _ki_rounds(
    request: Request, session: AsyncSession, state: StateDep, staff: Staff, *, values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, form_error: str | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    try:
        slug = _komisi_of(staff)
    except HTTPException as exc:
        return message_page(request, exc)
    komisi = await session.scalar(select(KomisiInformasi).where(KomisiInformasi.slug == slug))
    assert komisi is not None
    rounds = await registers.rounds_of(session, komisi.id)
    year = (await state.now()).year
    context = {
        "nav": "monev", "komisi": komisi, "rounds": rounds, "labels": registers.STATUS_LABELS,
        "values": values or {"year": str(year), "opens_on": "", "closes_on": "", "verification_due": ""},
        "errors": errors or {}, "form_error": form_error,
    }  # fmt: skip
    return render(request, "staf/monev_ki.html", context, status_code=status_code)


@router.post("/ki/monev", dependencies=[Depends(verify_csrf)])
async def ki_create(request: Request, staff: PageStaffDep, session: SessionDep, state: StateDep) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "")[:20] for k in ("year", "opens_on", "closes_on", "verification_due")}
    errors: dict[str, str] = {}
    year = int(values["year"]) if values["year"].isdecimal() and 2000 <= int(values["year"]) <= 2100 else None
    if year is None:
        errors["year"] = "Tahun harus empat angka antara 2000 dan 2100"
    try:
        payload = api.ScheduleIn(**{k: v for k, v in values.items() if k != "year" and v})
    except ValidationError as exc:
        errors |= _schedule_errors(exc)
        payload = None
    if errors or payload is None or year is None:
        return await _ki_rounds(request, session, state, staff, values=values, errors=errors, status_code=422)
    try:
        await api.create(session, staff, _komisi_of(staff), year, payload)
    except HTTPException as exc:
        errs, message = refusal(exc)
        return await _ki_rounds(
            request,
            session,
            state,
            staff,
            values=values,
            errors=errs,
            form_error=message,
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/ki/monev/{year}?pesan=dibuat", status_code=303)


def _schedule_errors(exc: ValidationError) -> dict[str, str]:
    """pydantic's errors of the schedule; the ordering rules name their field in the message."""
    errors = field_errors(exc, {"opens_on": "Isi tanggal pembukaan", "closes_on": "Isi tanggal penutupan",
                                "verification_due": "Isi batas verifikasi"})  # fmt: skip
    for error in exc.errors():
        text = str(error.get("msg", ""))
        for name in ("closes_on", "verification_due"):
            if f"{name}: " in text:
                errors.pop("form", None)
                message = text.split(f"{name}: ", 1)[1]
                errors[name] = message[:1].upper() + message[1:]
    for name in ("opens_on", "closes_on", "verification_due"):
        if name in errors and errors[name].lower().startswith(("input", "field")):
            errors[name] = "Isi tanggal yang sah"
    return errors


async def _round_page(
    request: Request, session: AsyncSession, state: StateDep, staff: Staff, year: int, *,
    values: dict[str, Any] | None = None, errors: dict[str, str] | None = None, failed: str | None = None,
    form_error: str | None = None, status_code: int = 200, flash: str | None = None,
) -> Response:  # fmt: skip
    try:
        round_, komisi = await api.load_round(session, _komisi_of(staff), year)
        view = await api.round_view(session, round_, komisi)
    except HTTPException as exc:
        return message_page(request, exc)
    results = await api.results_view(session, round_, komisi)
    submitted = await registers.submissions(session, round_.id)
    bodies = {b.slug: b for b in await registers.bodies_of(session, komisi.id)}
    editor = values if failed == "kuesioner" and values is not None else _editor_values(view)
    weight_sum = sum(int(v) for k, v in editor.items() if k.startswith("w-") and str(v).isdecimal())
    context = {
        "nav": "monev", "komisi": komisi, "r": view, "round": round_, "results": results.results,
        "submitted": {s: submitted.get(b.id) for s, b in bodies.items()}, "flash": flash,
        "schedule": values if failed == "jadwal" and values is not None else {
            "opens_on": round_.opens_on.isoformat(), "closes_on": round_.closes_on.isoformat(),
            "verification_due": round_.verification_due.isoformat()},
        "editor": editor, "weight_sum": weight_sum, "prefill_options": PREFILL_OPTIONS,
        "errors": errors or {}, "failed": failed, "form_error": form_error, "fmt": _fmt,
        "can_publish": round_.status == registers.CLOSED,
    }  # fmt: skip
    return render(request, "staf/monev_ki_round.html", context, status_code=status_code)


def _editor_values(view: api.RoundOut) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for indicator in view.indicators:
        values[f"n-{indicator.code}"] = indicator.name
        values[f"w-{indicator.code}"] = str(indicator.weight)
        for n, q in enumerate(indicator.questions):
            values[f"q-{indicator.code}-{n}-text"] = q.text
            values[f"q-{indicator.code}-{n}-evidence"] = q.evidence
            values[f"q-{indicator.code}-{n}-prefill"] = q.prefill or ""
    return values


@router.get("/ki/monev/{year}")
async def ki_round(
    request: Request,
    year: YearPath,
    staff: PageStaffDep,
    session: SessionDep,
    state: StateDep,
    pesan: str = "",
) -> Response:
    return await _round_page(request, session, state, staff, year, flash=FLASH.get(pesan))


@router.post("/ki/monev/{year}/jadwal", dependencies=[Depends(verify_csrf)])
async def ki_schedule(
    request: Request, year: YearPath, staff: PageStaffDep, session: SessionDep, state: StateDep
) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "")[:20] for k in ("opens_on", "closes_on", "verification_due")}
    again: dict[str, Any] = {"values": values, "failed": "jadwal"}
    try:
        payload = api.ScheduleIn(**{k: v for k, v in values.items() if v})
    except ValidationError as exc:
        return await _round_page(
            request, session, state, staff, year, errors=_schedule_errors(exc), status_code=422, **again
        )
    try:
        await api.schedule(session, staff, _komisi_of(staff), year, payload)
    except HTTPException as exc:
        errors, message = refusal(exc)
        return await _round_page(
            request,
            session,
            state,
            staff,
            year,
            errors=errors,
            form_error=message,
            status_code=exc.status_code,
            **again,
        )
    return RedirectResponse(f"/ki/monev/{year}?pesan=jadwal#jadwal", status_code=303)


@router.post("/ki/monev/{year}/kuesioner", dependencies=[Depends(verify_csrf)])
async def ki_questionnaire(
    request: Request, year: YearPath, staff: PageStaffDep, session: SessionDep, state: StateDep
) -> Response:
    form = await request.form()
    values = {k: str(v)[:2000] for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        round_, komisi = await api.load_round(session, _komisi_of(staff), year)
        view = await api.round_view(session, round_, komisi)
    except HTTPException as exc:
        return message_page(request, exc)
    errors: dict[str, str] = {}
    indicators = []
    for indicator in view.indicators:
        code = indicator.code
        weight_text = values.get(f"w-{code}", "").strip()
        if not weight_text.isdecimal() or int(weight_text) > 100:
            errors[f"w-{code}"] = "Bobot harus bilangan bulat 0 sampai 100"
        name = values.get(f"n-{code}", "").strip()
        if not name:
            errors[f"n-{code}"] = "Isi nama indikator"
        elif len(name) > INDICATOR_NAME_LIMIT:  # said beside the field, the name kept as typed
            errors[f"n-{code}"] = f"Nama indikator paling banyak {INDICATOR_NAME_LIMIT} karakter"
        questions = []
        for n in range(len(indicator.questions) + 1):  # the last one: a new question, when filled in
            text = values.get(f"q-{code}-{n}-text", "").strip()
            evidence = values.get(f"q-{code}-{n}-evidence", "").strip()
            prefill = values.get(f"q-{code}-{n}-prefill", "") or None
            if values.get(f"q-{code}-{n}-hapus") or (
                n == len(indicator.questions) and not text and not evidence
            ):
                continue
            if not text:
                errors[f"q-{code}-{n}-text"] = "Isi pertanyaan"
            if not evidence:
                errors[f"q-{code}-{n}-evidence"] = "Isi data dukung yang diperlukan"
            if prefill not in (None, *(p.value for p in Prefill)):
                errors[f"q-{code}-{n}-prefill"] = "Pilih sumber isian otomatis dari daftar"
                prefill = None
            questions.append({"text": text, "evidence": evidence, "prefill": prefill})
        if not questions:
            errors[f"q-{code}-0-text"] = "Setiap indikator memerlukan paling sedikit satu pertanyaan"
        indicators.append({"code": code, "name": name, "weight": int(weight_text) if weight_text.isdecimal() else 0,
                           "questions": questions})  # fmt: skip
    again: dict[str, Any] = {"values": values, "failed": "kuesioner"}
    if errors:
        return await _round_page(
            request, session, state, staff, year, errors=errors, status_code=422, **again
        )
    try:
        payload = api.QuestionnaireIn.model_validate({"indicators": indicators})
        await api.edit_questionnaire(session, staff, _komisi_of(staff), year, payload)
    except ValidationError as exc:
        return await _round_page(
            request, session, state, staff, year, form_error="; ".join(field_errors(exc).values()), status_code=422,
            **again,
        )  # fmt: skip
    except HTTPException as exc:
        errs, message = refusal(exc)
        if "indicators" in errs:  # the weights' sum: said beside the weights
            errs = {"weights": errs.pop("indicators"), **errs}
        return await _round_page(
            request,
            session,
            state,
            staff,
            year,
            errors=errs,
            form_error=message,
            status_code=exc.status_code,
            **again,
        )
    return RedirectResponse(f"/ki/monev/{year}?pesan=kuesioner#kuesioner", status_code=303)


@router.post("/ki/monev/{year}/buka", dependencies=[Depends(verify_csrf)])
async def ki_open(
    request: Request, year: YearPath, staff: PageStaffDep, session: SessionDep, state: StateDep
) -> Response:
    try:
        await api.opening(
            session, await get_temporal(state), staff, _komisi_of(staff), year, now=await state.now(),
            task_queue=state.settings.temporal_task_queue,
        )  # fmt: skip
    except HTTPException as exc:
        if exc.status_code == 404:
            return message_page(request, exc)
        errors, message = refusal(exc)
        message = message or "; ".join(errors.values())
        return await _round_page(
            request,
            session,
            state,
            staff,
            year,
            failed="buka",
            form_error=message,
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/ki/monev/{year}?pesan=dibuka", status_code=303)


@router.post("/ki/monev/{year}/umumkan", dependencies=[Depends(verify_csrf)])
async def ki_publish(
    request: Request, year: YearPath, staff: PageStaffDep, session: SessionDep, state: StateDep
) -> Response:
    try:
        await api.publish(session, await get_temporal(state), staff, _komisi_of(staff), year)
    except HTTPException as exc:
        if exc.status_code == 404:
            return message_page(request, exc)
        _, message = refusal(exc)
        return await _round_page(
            request,
            session,
            state,
            staff,
            year,
            failed="umumkan",
            form_error=message,
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/ki/monev/{year}?pesan=diumumkan", status_code=303)


async def _assessment_context(
    session: AsyncSession, state: StateDep, staff: Staff, komisi_slug: str, year: int, body_slug: str
) -> dict[str, Any]:
    round_, komisi = await api.load_round(session, komisi_slug, year)
    body = await api.load_body(session, staff, komisi, body_slug)
    if round_.status == registers.DRAFT and not api.is_clerk(staff, komisi):
        raise HTTPException(404, f"Monev {year} belum dibuka")
    view = await api.self_assessment(
        session, round_, komisi, body, now=await state.now(), public_url=state.settings.public_url
    )
    answers = {a.question_id: a for a in view.answers}
    result = next(
        (r for r in (await api.results_view(session, round_, komisi)).results if r.body == body.slug), None
    )
    return {
        "round": round_, "komisi": komisi, "body": body, "v": view, "answers": answers, "result": result,
        "closes": registers.closes_text(round_, komisi.timezone), "fmt": _fmt, "accept": ACCEPT,
        "prefill_labels": {p.value: PREFILL_LABELS[p] for p in Prefill},
    }  # fmt: skip


@router.get("/ki/monev/{year}/badan/{body}")
async def ki_verification(
    request: Request, year: YearPath, body: SlugPath, staff: PageStaffDep, session: SessionDep, state: StateDep,
    pesan: str = "",
) -> Response:  # fmt: skip
    return await _verification_page(request, session, state, staff, year, body, flash=FLASH.get(pesan))


async def _verification_page(
    request: Request, session: AsyncSession, state: StateDep, staff: Staff, year: int, body: str, *,
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None, form_error: str | None = None,
    status_code: int = 200, flash: str | None = None,
) -> Response:  # fmt: skip
    try:
        context = await _assessment_context(session, state, staff, _komisi_of(staff), year, body)
    except HTTPException as exc:
        return message_page(request, exc)
    if values is None:
        values = {}
        for qid, a in context["answers"].items():
            values[f"score-{qid}"] = "" if a.score is None else str(a.score)
            values[f"note-{qid}"] = a.note or ""
    can_score = context["v"].submitted_at is not None and context["round"].status != registers.PUBLISHED
    context |= {"nav": "monev", "values": values, "errors": errors or {}, "form_error": form_error, "flash": flash,
                "can_score": can_score}  # fmt: skip
    return render(request, "staf/monev_ki_verifikasi.html", context, status_code=status_code)


@router.post("/ki/monev/{year}/badan/{body}", dependencies=[Depends(verify_csrf)])
async def ki_score(
    request: Request,
    year: YearPath,
    body: SlugPath,
    staff: PageStaffDep,
    session: SessionDep,
    state: StateDep,
) -> Response:
    form = await request.form()
    values = {
        k: str(v)[:2000] for k, v in form.items() if isinstance(v, str) and k.startswith(("score-", "note-"))
    }
    errors: dict[str, str] = {}
    scores = []
    for key, text in values.items():
        if not key.startswith("score-") or not key[6:].isdecimal():
            continue
        qid = int(key[6:])
        text = text.strip()
        if not text:
            continue  # not scored yet: left as it is
        if not text.isdecimal() or int(text) > 100:
            errors[key] = "Nilai harus bilangan bulat 0 sampai 100"
            continue
        scores.append(api.ScoreIn(question_id=qid, score=int(text), note=values.get(f"note-{qid}") or None))
    if errors:
        return await _verification_page(
            request, session, state, staff, year, body, values=values, errors=errors, status_code=422
        )
    if not scores:
        return await _verification_page(
            request, session, state, staff, year, body, values=values, form_error="Isi paling sedikit satu nilai.",
            status_code=422,
        )  # fmt: skip
    try:
        await api.verify(
            session,
            staff,
            _komisi_of(staff),
            year,
            body,
            api.VerificationIn(scores=scores),
            now=await state.now(),
        )
    except HTTPException as exc:
        errs, message = refusal(exc)
        return await _verification_page(
            request, session, state, staff, year, body, values=values, errors=errs, form_error=message,
            status_code=exc.status_code,
        )  # fmt: skip
    return RedirectResponse(f"/ki/monev/{year}/badan/{body}?pesan=dinilai", status_code=303)


@router.get("/ki/monev/{year}/badan/{body}/berkas/{question_id}/{index}")
async def ki_file(
    year: YearPath, body: SlugPath, question_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    index: Annotated[int, Path(ge=0, le=100)], request: Request, staff: PageStaffDep, session: SessionDep,
    state: StateDep,
) -> Response:  # fmt: skip
    try:
        return await api.evidence_file(
            session, staff, state.settings, _komisi_of(staff), year, body, question_id, index
        )
    except HTTPException as exc:
        return message_page(request, exc)


# --- the PPID Utama's desk ------------------------------------------------------------------------------------


async def _own_body(session: AsyncSession, staff: Staff) -> Body:
    if staff.role != Role.PPID or staff.unit_id is not None or staff.body_id is None:
        raise HTTPException(403, "Kuesioner monev diisi oleh PPID Utama badan publik")
    body = await session.get(Body, staff.body_id)
    assert body is not None
    return body


@router.get("/staf/monev")
async def body_rounds(request: Request, staff: PageStaffDep, session: SessionDep) -> Response:
    try:
        body = await _own_body(session, staff)
    except HTTPException as exc:
        return message_page(request, exc)
    komisi = await session.get(KomisiInformasi, body.komisi_id)
    assert komisi is not None
    rounds = await api.visible_rounds(session, staff, komisi)
    submitted = {}
    for r in rounds:
        sub = (await registers.submissions(session, r.id)).get(body.id)
        submitted[r.id] = sub
    context = {"nav": "monev", "komisi": komisi, "rounds": rounds, "labels": registers.STATUS_LABELS,
               "submitted": submitted, "body": body}  # fmt: skip
    return render(request, "staf/monev_daftar.html", context)


async def _form_page(
    request: Request, session: AsyncSession, state: StateDep, staff: Staff, komisi: str, year: int, *,
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None, form_error: str | None = None,
    status_code: int = 200, flash: str | None = None, failed: str | None = None,
) -> Response:  # fmt: skip
    try:
        body = await _own_body(session, staff)
        context = await _assessment_context(session, state, staff, komisi, year, body.slug)
    except HTTPException as exc:
        return message_page(request, exc)
    if values is None:
        values = {}
        for qid, a in context["answers"].items():
            values[f"answer-{qid}"] = a.answer
            values[f"links-{qid}"] = "\n".join(a.links)
    now = await state.now()
    try:
        api.check_window(context["round"], context["komisi"], now)
        window_problem = None
    except HTTPException as exc:
        window_problem = str(exc.detail)
    context |= {
        "nav": "monev", "values": values, "errors": errors or {}, "form_error": form_error, "flash": flash,
        "failed": failed, "editable": window_problem is None and context["v"].submitted_at is None,
        "window_problem": window_problem,
    }  # fmt: skip
    return render(request, "staf/monev_kuesioner.html", context, status_code=status_code)


@router.get("/staf/monev/{komisi}/{year}")
async def body_form(
    request: Request, komisi: SlugPath, year: YearPath, staff: PageStaffDep, session: SessionDep, state: StateDep,
    pesan: str = "",
) -> Response:  # fmt: skip
    return await _form_page(request, session, state, staff, komisi, year, flash=FLASH.get(pesan))


@router.post("/staf/monev/{komisi}/{year}", dependencies=[Depends(verify_csrf)])
async def body_save(
    request: Request,
    komisi: SlugPath,
    year: YearPath,
    staff: PageStaffDep,
    session: SessionDep,
    state: StateDep,
) -> Response:
    form = await request.form()
    values = {
        k: str(v)[:5000]
        for k, v in form.items()
        if isinstance(v, str) and k.startswith(("answer-", "links-"))
    }
    errors: dict[str, str] = {}
    answers: dict[int, api.AnswerIn] = {}
    for key, text in values.items():
        if not key.startswith("answer-") or not key[7:].isdecimal():
            continue
        qid = int(key[7:])
        links = [line.strip() for line in values.get(f"links-{qid}", "").splitlines() if line.strip()]
        try:
            answers[qid] = api.AnswerIn(answer=text, links=links)
        except ValidationError as exc:
            for name, said in field_errors(exc).items():
                errors[f"{'links' if name == 'links' or name.isdecimal() else 'answer'}-{qid}"] = said
    files = [
        (k[5:], v)
        for k, v in form.multi_items()
        if k.startswith("file-") and isinstance(v, UploadFile) and v.filename
    ]
    body = None
    try:
        body = await _own_body(session, staff)
        now = await state.now()
        if not errors and answers:
            await api.save_answers(session, staff, komisi, year, body.slug, answers, now=now)
        for qid_text, upload in files:
            if errors or not qid_text.isdecimal():
                break
            try:
                content = await upload.read(10 * 1024 * 1024 + 1)
                await api.add_file(
                    session, staff, state.settings, komisi, year, body.slug, int(qid_text), upload.filename or "",
                    content, now=now, field=f"file-{qid_text}",
                )  # fmt: skip
            except HTTPException as exc:
                if exc.status_code != 422:
                    raise
                errors |= refusal(exc)[0]
    except HTTPException as exc:
        if exc.status_code in (403, 404):
            return message_page(request, exc)
        errs, message = refusal(exc)
        return await _form_page(
            request, session, state, staff, komisi, year, values=values, errors=errs, form_error=message,
            status_code=exc.status_code,
        )  # fmt: skip
    if errors:
        return await _form_page(
            request, session, state, staff, komisi, year, values=values, errors=errors, status_code=422
        )
    return RedirectResponse(f"/staf/monev/{komisi}/{year}?pesan=tersimpan", status_code=303)


@router.post("/staf/monev/{komisi}/{year}/kirim", dependencies=[Depends(verify_csrf)])
async def body_submit(
    request: Request,
    komisi: SlugPath,
    year: YearPath,
    staff: PageStaffDep,
    session: SessionDep,
    state: StateDep,
) -> Response:
    try:
        body = await _own_body(session, staff)
        await api.submit(
            session,
            staff,
            komisi,
            year,
            body.slug,
            now=await state.now(),
            public_url=state.settings.public_url,
        )
    except HTTPException as exc:
        if exc.status_code in (403, 404):
            return message_page(request, exc)
        _, message = refusal(exc)
        return await _form_page(
            request,
            session,
            state,
            staff,
            komisi,
            year,
            form_error=message,
            failed="kirim",
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/staf/monev/{komisi}/{year}?pesan=terkirim", status_code=303)


@router.get("/staf/monev/{komisi}/{year}/berkas/{question_id}/{index}")
async def body_file(
    komisi: SlugPath, year: YearPath, question_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    index: Annotated[int, Path(ge=0, le=100)], request: Request, staff: PageStaffDep, session: SessionDep,
    state: StateDep,
) -> Response:  # fmt: skip
    try:
        body = await _own_body(session, staff)
        return await api.evidence_file(
            session, staff, state.settings, komisi, year, body.slug, question_id, index
        )
    except HTTPException as exc:
        return message_page(request, exc)


# --- the public ranking ---------------------------------------------------------------------------------------


@router.get("/monev/{komisi}/{year}.csv")
async def public_csv(
    request: Request, komisi: SlugPath, year: YearPath, session: SessionDep, staff: OptionalStaffDep
) -> Response:
    try:
        return api.results_csv((await api.readable_results(session, None, komisi, year))[2])
    except HTTPException as exc:
        return _public_message(request, exc)


def _public_message(request: Request, exc: HTTPException) -> Response:
    context = {"title": "Tidak ditemukan", "message": str(exc.detail)}
    return render(request, "publik/permohonan_pesan.html", context, status_code=exc.status_code)


@router.get("/monev/{komisi}/{year}")
async def public_ranking(request: Request, komisi: SlugPath, year: YearPath, session: SessionDep) -> Response:
    try:
        round_, found, results = await api.readable_results(session, None, komisi, year)
    except HTTPException as exc:
        return _public_message(request, exc)
    context = {"komisi": found, "round": round_, "results": results, "fmt": _fmt, "bands": BAND_TEXT}
    return render(request, "publik/monev.html", context)
