// The console's progressive enhancements; every page works without them.
// A form marked data-confirm asks before it is sent.
document.addEventListener("submit", (e) => {
  const msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) e.preventDefault();
});

// The developers' corner: a value marked data-copy gets a Copy button
// (copying needs the clipboard API; without it the text is selectable).
document.querySelectorAll("[data-copy]").forEach((el) => {
  if (!navigator.clipboard) return;
  const b = document.createElement("button");
  b.type = "button";
  b.className = "link";
  b.textContent = "Copy";
  b.setAttribute("aria-label", "Copy " + el.getAttribute("data-copy"));
  b.addEventListener("click", () => navigator.clipboard.writeText(el.textContent.trim()).then(() => { b.textContent = "Copied"; }));
  el.after(b);
});

// The brand page: the dialog's previews follow the colour and logo inputs
// as they change (debounced), before anything is saved, and so does what
// the save form will save. Without this, "Preview" reloads the page.
(() => {
  const form = document.getElementById("brand-try");
  if (!form) return;
  const base = form.getAttribute("data-preview");
  const el = form.elements;
  let timer = 0;
  const update = () => {
    const color = el.color.value;
    const logo = el.logo.checkValidity() ? el.logo.value.trim() : null;
    if (logo === null) return; // a URL half typed: keep the previews as they are
    const q = new URLSearchParams({ color: color.replace("#", ""), logo: logo });
    if (base) for (const f of document.querySelectorAll(".dialog-previews iframe")) f.src = base + "?" + q;
    const saveColor = document.getElementById("save-color");
    if (saveColor) {
      saveColor.value = color;
      document.getElementById("save-logo").value = logo;
      document.getElementById("brand-save-what").textContent = "Saving keeps the brand previewed above: " +
        (color ? "colour " + color : "the service's colours") + ", " + (logo ? "logo " + logo + "." : "no logo.");
    }
    document.getElementById("brand-adjusted").textContent =
      "Press Preview to see the colours the dialog uses for " + color + " in light and dark mode (adjusted for contrast).";
  };
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 300); });
  form.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(update, 300); });
})();
