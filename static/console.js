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
