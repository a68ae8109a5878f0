// The demo store's page: fits the payment iframe to the height its pages
// report (messages from this service's origin only).
(function () {
  var frame = document.getElementById("pay-frame");
  if (!frame) return;
  window.addEventListener("message", function (e) {
    if (e.origin !== location.origin || e.source !== frame.contentWindow) return;
    if (e.data && e.data.type === "coft:resize") frame.style.height = Math.min(+e.data.height || 0, 2000) + "px";
  });
})();
