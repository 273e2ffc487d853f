// The family form's rows of children, added and removed in the page (no inline scripts: the site
// runs under a strict CSP). Without JavaScript the same form still works: "Add another child"
// posts the form back with one more row, and a row's "Remove this row" box leaves it out on saving.
(() => {
  const rows = document.getElementById("child-rows");
  const template = document.getElementById("child-empty-row");
  const total = document.querySelector("input[name='child-TOTAL_FORMS']");
  const add = document.querySelector(".js-add-row");
  if (!rows || !template || !total || !add) return;
  const max = parseInt(document.getElementById("children").dataset.max, 10) || 15;

  const refresh = () => {
    add.disabled = parseInt(total.value, 10) >= max;
  };

  // The row's DELETE box stays in the form (the server reads it); a button ticks it and hides the row.
  const makeRemovable = (row) => {
    const box = row.querySelector("input[type=checkbox][name$='-DELETE']");
    if (!box || row.querySelector(".js-remove-row")) return;
    const holder = box.closest("[id^='div_id_']") || box.parentElement;
    const label = row.querySelector(`label[for='${box.id}']`);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-danger js-remove-row";
    button.textContent = label ? label.textContent.trim() : "×";
    holder.hidden = true;
    holder.after(button);
    button.addEventListener("click", () => {
      box.checked = true;
      row.hidden = true;
      add.focus();
    });
    if (box.checked) row.hidden = true;
  };

  rows.querySelectorAll(".family-row").forEach(makeRemovable);

  add.addEventListener("click", (event) => {
    event.preventDefault();
    const index = parseInt(total.value, 10);
    if (index >= max) return;
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    const holder = document.createElement("div");
    holder.innerHTML = html;
    const row = holder.querySelector(".family-row");
    rows.append(...holder.childNodes);
    total.value = String(index + 1);
    if (row) {
      makeRemovable(row);
      const first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    }
    refresh();
  });
  refresh();
})();
