// The code form of a tracking page (api/templates/publik/lacak_kode.html), as an enhancement: the receipt
// email's link carries the code in the fragment (#kode=…), which browsers never send to the server. The code
// is taken out of the address (history.replaceState), put in the field and the form is submitted, so the
// link opens the case in one step. Without JavaScript the citizen types the code.
(function () {
  var form = document.getElementById("form-kode");
  var field = document.getElementById("f-kode");
  if (!form || !field || !location.hash) return;
  var code = new URLSearchParams(location.hash.slice(1)).get("kode");
  if (window.history && history.replaceState) {
    history.replaceState(null, "", location.pathname + location.search);
  }
  if (!code || !/^[A-Za-z0-9-]{4,40}$/.test(code)) return;
  field.value = code;
  form.submit();
})();
