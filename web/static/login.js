// The one-click link from "ledger token --login-url" carries the token in the URL fragment, which the
// browser never sends to the server. Move it into the sign-in form, drop it from the address bar and
// history, and post the form, so the token travels only in a POST body.
(function () {
  var m = /^#token=(.+)$/.exec(window.location.hash);
  if (!m) return;
  history.replaceState(null, "", window.location.pathname + window.location.search);
  var form = document.getElementById("login");
  document.getElementById("token").value = decodeURIComponent(m[1]);
  form.submit();
})();
