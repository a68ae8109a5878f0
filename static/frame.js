// Adds the form factor to a consent decision as it is posted; and tells
// the merchant's page that frames this page (the iframe checkout or the
// saved-cards screen) how tall it is, so the iframe can fit it. Only
// the merchant's allowed origins can frame these pages (CSP
// frame-ancestors); the message goes to exactly the framing origin.
(function () {
  // A consent decision says which screen it was taken on: the form gets a
  // form_factor field as it is submitted (the go-app dialog keeps one up
  // to date too). The rule is coft.ViewportFormFactor's, applied to the
  // window, or to the device's screen when the dialog is framed (a
  // frame's size says little about the device).
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form || !form.querySelector || !form.querySelector('input[name="text_id"]')) return;
    var framed = window.parent !== window;
    var w = framed ? screen.width : window.innerWidth, h = framed ? screen.height : window.innerHeight;
    var ff = !(w > 0 && h > 0) ? "" : w <= h && w < 600 ? "mobile-portrait" :
      w > h && h <= 500 && w <= 1000 ? "mobile-landscape" : "desktop";
    if (!ff) return;
    var el = form.querySelector('input[name="form_factor"]');
    if (!el) {
      el = document.createElement("input");
      el.type = "hidden";
      el.name = "form_factor";
      form.appendChild(el);
    }
    el.value = ff;
  }, true);

  // The demo gallery's previews show the dialog as in a window of their
  // size, not framed in a merchant's page.
  if (window.parent === window || location.pathname === "/demo/dialog") return;
  // The drop-in's dialog names the page's origin in its URL (the server
  // framed it for that origin only); other pages ask the browser.
  var origins = window.location.ancestorOrigins;
  var target = location.pathname === "/v2/consent/widget" ? new URLSearchParams(location.search).get("origin") || "" :
    origins && origins.length ? origins[0] : "";
  if (!target || target === "null") return;
  // The frame follows the page's height: the page must not follow the
  // frame's (coft-framed drops the full-viewport layouts), and the height
  // sent is the content's, not the viewport's, so that the frame also
  // shrinks when the content does (after the customer chose, say).
  document.documentElement.classList.add("coft-framed");
  var last = 0;
  function send() {
    var b = document.body, cs = getComputedStyle(b);
    var h = Math.ceil(b.getBoundingClientRect().height + parseFloat(cs.marginTop) + parseFloat(cs.marginBottom));
    if (h === last) return;
    last = h;
    window.parent.postMessage({ type: "coft:resize", height: h, page: document.title }, target);
  }
  window.addEventListener("load", send);
  if (window.ResizeObserver) new ResizeObserver(send).observe(document.body);
  send();

  // The dialog embedded by the drop-in (coft.js) also says whether it is
  // shown and, once the customer chose, the choice.
  if (location.pathname !== "/v2/consent/widget") return;
  function post(m) { window.parent.postMessage(m, target); }
  var msg = document.querySelector("[data-coft-message]");
  if (!msg) {
    if (document.getElementById("coft-consent")) {
      post({ type: "coft:eligibility", eligible: true });
      post({ type: "coft:ready" });
    }
    return;
  }
  var d = msg.dataset;
  if (d.coftMessage === "eligibility") post({ type: "coft:eligibility", eligible: d.eligible === "true" });
  else if (d.coftMessage === "decision") post({ type: "coft:decision", decision: d.decision, consentId: d.consentId });
  else post({ type: "coft:error", message: msg.textContent.trim() });
})();
