// The in-page half of tests/browser/harness.py: one object literal, evaluated as
// `(arg) => (<this file>).name(arg)`.
({
  // Everything check() needs from the page in one call (each call to the page costs a round trip):
  // the page's own layout checks, and on a phone (`tap` given) the finger-sized ones.
  report(tap) {
    const phone = tap !== null;
    return {
      lang: document.documentElement.lang,
      csp: window.__cspViolations || [],
      scrollWidth: document.scrollingElement.scrollWidth,
      innerWidth: window.innerWidth,
      scrollHeight: document.scrollingElement.scrollHeight,
      cramped: this.crampedChecks(),
      splitDates: this.splitDates(),
      smallTargets: phone ? this.smallTargets(tap) : [],
      scrollingBoxes: phone ? this.scrollingBoxes() : [],
      splitWords: phone ? this.splitWords() : [],
    };
  },

  // Visible controls lower (or narrower) than `tap` px. A checkbox or radio counts with its label
  // or .form-check, which is where a finger lands; links in running text are exempt (WCAG 2.5.5).
  smallTargets(tap) {
    const selector = [
      "button", ".btn", "input:not([type=hidden])", "select", "textarea", ".nav-link", ".dropdown-item",
      ".page-link", ".navbar-brand", ".form-check-input",
    ].join(", ");
    const visible = (el) => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden"
        && !el.closest("[hidden], .visually-hidden, .dropdown-menu:not(.show)");
    };
    const small = [];
    for (const el of document.querySelectorAll(selector)) {
      if (!visible(el)) continue;
      const box = el.getBoundingClientRect();
      let height = box.height, width = box.width;
      if (el.matches("input[type=checkbox], input[type=radio]")) {
        const wrap = el.closest(".form-check") || (el.labels && el.labels[0]);
        if (wrap) {
          const outer = wrap.getBoundingClientRect();
          height = Math.max(height, outer.height);
          width = Math.max(width, outer.width);
        }
      }
      if (height < tap - 0.5 || width < tap - 0.5) {
        const name = (el.innerText || el.value || el.name || el.id || el.className || "").toString();
        small.push(`${el.tagName.toLowerCase()} "${name.trim().slice(0, 40)}" ${Math.round(width)}x${Math.round(height)}`);
      }
    }
    return small;
  },

  // What sticks out furthest on the right (an element, or text that does not wrap).
  widest() {
    let worst = "", right = window.innerWidth;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.nodeType === Node.TEXT_NODE;
      if (text) range.selectNodeContents(node);
      const edge = (text ? range : node).getBoundingClientRect().right;
      if (edge > right) {
        right = edge;
        const el = text ? node.parentElement : node;
        const what = text ? ` text "${node.textContent.trim().slice(0, 30)}"` : "";
        const classes = [...el.classList].join(".");
        worst = `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${classes}${what} ends at ${Math.round(edge)}px`;
      }
    }
    return worst;
  },

  // Help texts and errors of a tick box that sit beside its label instead of under it: on a phone
  // the label was squeezed to a syllable a line (the referral form's "Share the data").
  crampedChecks() {
    const cramped = [];
    for (const check of document.querySelectorAll(".form-check")) {
      const label = check.querySelector(":scope > .form-check-label");
      if (!label || !label.offsetParent) continue;
      const bottom = label.getBoundingClientRect().bottom;
      for (const note of check.querySelectorAll(":scope > .form-text, :scope > .invalid-feedback")) {
        const box = note.getBoundingClientRect();
        if (box.height > 0 && box.top < bottom - 1) {
          cramped.push(`${check.id || label.htmlFor}: "${label.innerText.trim().slice(0, 30)}" beside its note`);
        }
      }
    }
    return cramped;
  },

  // How many lines a range of text is laid out on (its boxes' distinct tops).
  lines(range) {
    return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
  },

  // Dates cut in two by a line break ("01.03.199" above "0"): text broken anywhere in a narrow column.
  splitDates() {
    const split = [];
    const date = /\d{1,4}[./-]\d{1,2}[./-]\d{2,4}/g;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement.offsetParent) continue;
      for (const match of node.textContent.matchAll(date)) {
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        if (this.lines(range) > 1) split.push(`${node.parentElement.tagName.toLowerCase()} "${match[0]}"`);
      }
    }
    return split;
  },

  // Words of the content cut in two by a line break ("кайтарылга" above "н"): a narrow column on a
  // phone. Text that holds on one line is passed over without looking at its words.
  splitWords() {
    const split = [];
    const word = /\p{L}{2,}/gu;
    const main = document.querySelector("main");
    if (!main) return split;
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement.offsetParent || !node.textContent.trim()) continue;
      range.selectNodeContents(node);
      if (this.lines(range) < 2) continue;
      for (const match of node.textContent.matchAll(word)) {
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        if (this.lines(range) > 1) split.push(`${node.parentElement.tagName.toLowerCase()} "${match[0]}"`);
      }
    }
    return split;
  },

  // Boxes of the page's content that scroll sideways inside themselves (a wide table in its
  // .table-responsive): on a phone a list reads as cards and a figure table fits, so none should.
  scrollingBoxes() {
    const boxes = [];
    for (const el of document.querySelectorAll("main *")) {
      const overflow = getComputedStyle(el).overflowX;
      if ((overflow === "auto" || overflow === "scroll") && el.scrollWidth > el.clientWidth + 1) {
        const inner = el.querySelector("[id]");
        const what = `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}${inner ? " holding #" + inner.id : ""}`;
        boxes.push(`${what} ${el.scrollWidth}px wide in ${el.clientWidth}px`);
      }
    }
    return boxes;
  },

  // axe-core's violations (axe.min.js evaluated before), each with up to three places.
  async axe() {
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => {
        const why = (n.failureSummary || "").split("\n").slice(1, 2).join("").trim();
        return `${n.target.join(" ")} :: ${why}`;
      }),
    }));
  },
})
