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

// Lists read as cards on a phone (repat.css, table.table-cards): every table of the page with column
// headings (unless marked .table-plain), the case summary's plain tables too, takes the class, and
// each cell carries its column's heading as data-label. Tables whose content is wider than their box
// (in a .table-responsive) take keyboard focus, so they can be scrolled without a mouse.
function labelTableCells(root) {
  root.querySelectorAll("table.table:not(.table-plain), .case-summary table").forEach((table) => {
    if (table.querySelector("thead th")) table.classList.add("table-cards");
    // A wide table scrolls in its own box, never the page.
    if (!table.closest(".table-responsive")) {
      const box = document.createElement("div");
      box.className = "table-responsive";
      table.replaceWith(box);
      box.appendChild(table);
    }
  });
  root.querySelectorAll("table.table-cards").forEach((table) => {
    const headings = [...table.querySelectorAll("thead th")].map((th) => th.innerText.trim());
    table.querySelectorAll("tbody tr").forEach((row) => {
      [...row.children].forEach((cell, index) => {
        if (headings[index] && !cell.hasAttribute("colspan")) cell.dataset.label = headings[index];
      });
    });
  });
  root.querySelectorAll(".table-responsive").forEach((box) => {
    if (box.scrollWidth > box.clientWidth) box.tabIndex = 0;
    else box.removeAttribute("tabindex");
  });
}
document.addEventListener("DOMContentLoaded", () => labelTableCells(document));
document.addEventListener("htmx:afterSettle", (event) => labelTableCells(event.target));
window.addEventListener("resize", () => labelTableCells(document));
