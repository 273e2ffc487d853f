// Small behaviours without inline scripts (the pages are served under a strict CSP).
document.addEventListener("change", (event) => {
  const form = event.target.closest("form.js-autosubmit");
  if (form) form.submit();
});

// A form is sent once: the button is disabled after the first click. The server also refuses a
// second submission of the same form token, so this is a courtesy, not the protection.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.method.toLowerCase() !== "post") return;
  if (form.dataset.submitted) {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "1";
  form.querySelectorAll("button[type=submit], input[type=submit]").forEach((button) => {
    setTimeout(() => { button.disabled = true; }, 0);
  });
});

// "Print" on the case summary: the browser's print dialog (the print stylesheet lays the page out).
document.addEventListener("click", (event) => {
  if (event.target.closest(".js-print")) window.print();
});
