// The tracking page (api/pages/lacak.html): served as a file, so the page runs under a CSP without inline code.
const id = location.pathname.split("/").pop();
const STATUS = {received: "Diterima, menunggu keputusan PPID", extended: "Diperpanjang", decided: "Sudah diputuskan",
  overdue: "Tidak ditanggapi dalam batas waktu", closed: "Selesai"};
const ZONES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"};
let zone = "Asia/Jakarta";  // the body's time zone: deadlines end at 23.59 local time
const fmt = (iso) => iso ? new Date(iso).toLocaleString("id-ID", {dateStyle: "full", timeStyle: "short", timeZone: zone})
  + " " + (ZONES[zone] || "") : "-";
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
async function show(code) {
  const r = await fetch(`/v1/requests/${id}`, {headers: {"X-Tracking-Code": code}});
  document.getElementById("msg").textContent = r.ok ? "" : "Kode lacak tidak cocok atau permohonan tidak ditemukan.";
  if (!r.ok) { document.getElementById("out").innerHTML = ""; return; }
  const c = await r.json();
  zone = c.timezone;
  document.getElementById("out").innerHTML = `
    <dl><dt>Nomor pendaftaran</dt><dd>${esc(c.registration_number)}</dd>
    <dt>Status</dt><dd>${esc(STATUS[c.status] || c.status)}</dd>
    <dt>Batas waktu tanggapan</dt><dd>${fmt(c.due_at)}${c.extended ? " (diperpanjang)" : ""}</dd>
    ${c.objection_deadline ? `<dt>Batas pengajuan keberatan</dt><dd>${fmt(c.objection_deadline)}</dd>` : ""}
    </dl><h2>Riwayat</h2><ol>${c.timeline.map((e) => `<li>${esc(e.label)}<br><small>${fmt(e.at)}</small></li>`).join("")}</ol>`;
}
document.getElementById("f").addEventListener("submit", (e) => { e.preventDefault(); show(document.getElementById("kode").value); });
const fromLink = new URLSearchParams(location.hash.slice(1)).get("kode");  // the fragment never reaches the server
if (fromLink) { document.getElementById("kode").value = fromLink; show(fromLink); }
