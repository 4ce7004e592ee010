// The citizen's request form, enhanced (the form works fully without this file; the server checks everything
// again): the NIK checked as it is typed with the rules of domain/identity.py, the fields of the chosen kind of
// requester only, the units of the chosen body only, and the button disabled once the form is sent.
(function () {
  "use strict";
  var form = document.querySelector("form[data-permohonan]");
  if (!form) { return; }

  // --- NIK: 16 digits, a province code, no 00 regency/district, a plausible birth date, a serial -----------
  var nik = form.querySelector("[data-nik]");
  var live = document.getElementById("l-nik");
  var provinces = nik ? (nik.getAttribute("data-provinsi") || "").split(" ") : [];

  function nikProblem(value) {
    var n = value.replace(/[\s.\-]/g, "");
    if (!/^[0-9]{16}$/.test(n)) {
      if (/\p{Nd}/u.test(n.replace(/[0-9]/g, ""))) {
        return "NIK harus ditulis dengan angka 0-9 biasa (bukan angka lebar penuh atau aksara lain)";
      }
      if (/^[0-9]*$/.test(n) && n.length < 16) {
        return "NIK harus 16 digit angka (baru " + n.length + " digit)";
      }
      return "NIK harus 16 digit angka";
    }
    if (provinces.indexOf(String(parseInt(n.slice(0, 2), 10))) < 0) {
      return "Dua digit pertama NIK bukan kode provinsi yang dikenal";
    }
    if (n.slice(2, 4) === "00" || n.slice(4, 6) === "00") {
      return "Kode kabupaten/kota dan kecamatan pada NIK tidak boleh 00";
    }
    var day = parseInt(n.slice(6, 8), 10), month = parseInt(n.slice(8, 10), 10);
    if (day > 40) { day -= 40; }
    if (!(day >= 1 && day <= 31 && month >= 1 && month <= 12)) {
      return "Tanggal lahir pada NIK (digit 7-12) tidak masuk akal";
    }
    if (n.slice(12) === "0000") { return "Nomor urut pada NIK tidak boleh 0000"; }
    return "";
  }

  function describe(el, id, on) {
    var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(function (x) { return x && x !== id; });
    if (on) { ids.push(id); }
    if (ids.length) { el.setAttribute("aria-describedby", ids.join(" ")); } else { el.removeAttribute("aria-describedby"); }
  }

  function checkNik(final) {
    if (!nik || !live) { return; }
    var value = nik.value.trim();
    var problem = value ? nikProblem(value) : "";
    // While typing, a NIK that is only still short is not an error yet.
    if (!final && /^[0-9\s.\-]*$/.test(value) && value.replace(/[\s.\-]/g, "").length < 16) { problem = ""; }
    live.textContent = problem;
    describe(nik, "l-nik", !!problem);
    if (problem) { nik.setAttribute("aria-invalid", "true"); }
    else if (!document.getElementById("e-nik")) { nik.removeAttribute("aria-invalid"); }
  }

  if (nik) {
    nik.addEventListener("input", function () { checkNik(false); });
    nik.addEventListener("blur", function () { checkNik(true); });
  }

  // --- The fields of the chosen kind of requester ----------------------------------------------------------
  var kinds = form.querySelectorAll("input[name=jenis]");
  function showKind() {
    var chosen = form.querySelector("input[name=jenis]:checked");
    if (!chosen) { return; }
    form.querySelectorAll("[data-jenis]").forEach(function (el) {
      el.hidden = el.getAttribute("data-jenis").split(" ").indexOf(chosen.value) < 0;
    });
  }
  kinds.forEach(function (radio) { radio.addEventListener("change", showKind); });
  showKind();

  // --- Only the units of the chosen body ---------------------------------------------------------------------
  var body = form.querySelector("select[data-badan]");
  var unit = form.querySelector("select[data-unit]");
  function showUnits() {
    if (!body || !unit) { return; }
    var any = false;
    unit.querySelectorAll("optgroup").forEach(function (group) {
      var mine = group.getAttribute("data-badan") === body.value;
      group.hidden = !mine;
      group.disabled = !mine;
      any = any || mine;
    });
    var selected = unit.options[unit.selectedIndex];
    if (selected && selected.parentNode.tagName === "OPTGROUP" && selected.parentNode.disabled) { unit.value = ""; }
    unit.closest(".field").hidden = !any;
  }
  if (body && unit) { body.addEventListener("change", showUnits); showUnits(); }

  // --- One submission: the button is disabled once the form is on its way --------------------------------------
  var button = form.querySelector("[data-kirim]");
  form.addEventListener("submit", function () {
    if (!button) { return; }
    window.setTimeout(function () {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      button.textContent = "Mengirim permohonan…";
    }, 0);
  });
})();
