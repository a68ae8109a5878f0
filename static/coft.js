// coft.js — the consent drop-in for merchants that take tokenization
// consent on their own checkout page. One tag:
//
//   <script src="https://PAY/static/coft.js" integrity="sha384-…" crossorigin="anonymous"
//     data-client-auth-token="ORDER'S CLIENT_AUTH_TOKEN"
//     data-card-input="#card-number"      (or data-card-token="tkn_…" for a saved card)
//     data-form="#checkout"
//     data-mount="#consent-slot"></script>  (optional: where the dialog goes)
//
// When the card can be tokenized it shows the consent dialog, in an iframe
// from PAY, and writes the customer's explicit choice into hidden fields of
// the form: tokenize (true|false) and consent_id. Until the customer
// chooses, neither field exists. The form's page hears, as DOM events on
// the form, coft:ready, coft:eligibility {eligible}, coft:decision
// {decision, consentId}, coft:resize {height} and coft:error {message}.
// Messages are accepted only from PAY's origin and the dialog's own frame.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me) return;
  var base = new URL(me.src).origin;
  var d = me.dataset;
  var form = document.querySelector(d.form || "form");
  var input = d.cardInput ? document.querySelector(d.cardInput) : null;
  if (!form || !d.clientAuthToken || (!input && !d.cardToken)) {
    console.error("coft.js: data-client-auth-token, data-form and data-card-input or data-card-token are required");
    return;
  }
  var slot = d.mount ? document.querySelector(d.mount) : null;
  var frame = null, shown = "";

  function field(name, value) {
    var el = form.querySelector('input[type="hidden"][name="' + name + '"]');
    if (value === null) {
      if (el) el.remove();
      return;
    }
    if (!el) {
      el = document.createElement("input");
      el.type = "hidden";
      el.name = name;
      form.appendChild(el);
    }
    el.value = value;
  }
  function reset() {
    field("tokenize", null);
    field("consent_id", null);
    if (frame) frame.remove();
    frame = null;
  }
  function emit(type, detail) {
    form.dispatchEvent(new CustomEvent("coft:" + type, { detail: detail, bubbles: true }));
  }
  function show(query) {
    if (query === shown) return;
    reset();
    shown = query;
    if (!query) return;
    frame = document.createElement("iframe");
    frame.title = "Save your card";
    frame.style.cssText = "display:block;width:100%;border:0;height:0";
    frame.src = base + "/v2/consent/widget?client_auth_token=" + encodeURIComponent(d.clientAuthToken) +
      "&origin=" + encodeURIComponent(location.origin) + query + (d.lang ? "&lang=" + encodeURIComponent(d.lang) : "");
    if (slot) slot.appendChild(frame);
    else (input || form).insertAdjacentElement("afterend", frame);
  }
  function onCard() {
    var digits = (input.value || "").replace(/\D/g, "");
    // A BIN and the last four are all that leave the page: never the number.
    show(digits.length >= 12 && digits.length <= 19 ? "&bin=" + digits.slice(0, 6) + "&last4=" + digits.slice(-4) : "");
  }

  window.addEventListener("message", function (e) {
    if (e.origin !== base || !frame || e.source !== frame.contentWindow) return;
    var m = e.data || {};
    switch (m.type) {
      case "coft:resize":
        frame.style.height = Math.max(0, Math.min(+m.height || 0, 2000)) + "px";
        emit("resize", { height: m.height });
        break;
      case "coft:ready":
        emit("ready", {});
        break;
      case "coft:eligibility":
        if (!m.eligible) {
          frame.remove();
          frame = null;
        }
        emit("eligibility", { eligible: !!m.eligible });
        break;
      case "coft:decision":
        if (m.decision !== "accept" && m.decision !== "decline") return;
        field("tokenize", m.decision === "accept" ? "true" : "false");
        field("consent_id", String(m.consentId || ""));
        emit("decision", { decision: m.decision, consentId: m.consentId });
        break;
      case "coft:error":
        emit("error", { message: String(m.message || "") });
        break;
    }
  });

  if (input) {
    input.addEventListener("input", onCard);
    input.addEventListener("change", onCard);
    onCard();
  } else {
    show("&card_token=" + encodeURIComponent(d.cardToken));
  }
})();
