// The console's progressive enhancements; every page works without them.
// A form marked data-confirm asks before it is sent.
document.addEventListener("submit", (e) => {
  const msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) e.preventDefault();
});
