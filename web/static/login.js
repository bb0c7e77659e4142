// The one-click link from "ledger token --login-url" carries the token in the URL fragment, which the
// browser never sends to the server. Move it into the sign-in form and drop it from the address bar
// and history, so the token travels only in a POST body. The form is NOT posted by itself: any site
// could link here with a token of its own choosing, and signing a visitor in as somebody else
// without their say would be a login CSRF. The page says whose token it is; the visitor signs in.
(function () {
  var m = /^#token=(.+)$/.exec(window.location.hash);
  if (!m) return;
  history.replaceState(null, "", window.location.pathname + window.location.search);
  var token = decodeURIComponent(m[1]);
  document.getElementById("token").value = token;
  var who = document.getElementById("token-holder");
  try {
    var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    var claims = JSON.parse(atob(part + "===".slice((part.length + 3) % 4)));
    who.textContent = "This link signs you in as " + claims.name + " (" + claims.role + ", " + claims.org + "). Check that this is you, then sign in.";
  } catch (e) {
    who.textContent = "This link filled in a token. Sign in only if you expected it.";
  }
  who.hidden = false;
  document.querySelector("#login button[type=submit]").focus();
})();
