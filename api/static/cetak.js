// The tanda bukti's "Cetak" button: shown only when scripts run (without them the page says how to print).
document.querySelectorAll("[data-cetak]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
