"""Browser-side checks shared by the report tests (Selenium) and the app tests (Playwright).

:data:`CONSOLE_HOOK` runs before a page's scripts and records every ``console.warn``,
``console.error`` and ``console.trace`` call (plotly.js logs its warnings with
``console.trace``, which chromedriver's browser log leaves out) and uncaught errors in
``window.__influsimConsole``; :data:`CONSOLE_READ` reads them back.

:data:`FIGURE_FAULTS` returns, for every Plotly figure of the page, the text that is cut by
the figure's edge (a title running off the right), the texts that lie over a panel's plot
area (an axis title or tick labels reaching into the panel beside) and the pairs of texts
that overlap (a panel title over another); each entry names the figure by its title. Both are plain JavaScript function bodies: Selenium's
``execute_script`` runs them as they are, Playwright's ``evaluate`` as ``() => {...}``.
"""

from __future__ import annotations

CONSOLE_HOOK = """
(() => {
  if (window.__influsimConsole) return;
  const seen = window.__influsimConsole = [];
  const text = (args) => args.map(a => { try { return typeof a === 'string' ? a : (a && a.stack) || JSON.stringify(a); }
                                         catch (e) { return String(a); } }).join(' ');
  for (const kind of ['warn', 'error', 'trace']) {
    const original = console[kind];
    console[kind] = function (...args) { seen.push(kind + ': ' + text(args).slice(0, 500));
                                         return original.apply(this, args); };
  }
  window.addEventListener('error', e => seen.push('uncaught: ' + (e.message || e.type)));
  window.addEventListener('unhandledrejection', e => seen.push('unhandled rejection: ' + e.reason));
})();
"""

CONSOLE_READ = "return window.__influsimConsole || ['console hook missing'];"

FIGURE_FAULTS = """
const faults = [];
const texts = (plot) => {
  const out = [];
  const add = (selector, kind) => plot.querySelectorAll(selector).forEach(e => {
    const r = e.getBoundingClientRect();
    const t = (e.textContent || '').trim();
    if (r.width > 0 && r.height > 0 && t) out.push({kind, t: t.slice(0, 60), r, e});
  });
  add('.gtitle', 'figure title');
  add('.annotation-text', 'panel title');
  add('g[class^="g-x"][class$="title"] > text, g[class^="g-y"][class$="title"] > text', 'axis title');
  add('.xtick > text, .ytick > text', 'tick label');
  add('.legendtext', 'legend');
  return out;
};
for (const plot of document.querySelectorAll('.js-plotly-plot')) {
  const svg = plot.querySelector('.main-svg');
  if (!svg) continue;
  const edge = svg.getBoundingClientRect();
  const items = texts(plot);
  const title = (items.find(i => i.kind === 'figure title') || {t: '(untitled)'}).t;
  for (const i of items)
    if (i.r.left < edge.left - 1 || i.r.right > edge.right + 1 || i.r.top < edge.top - 1 || i.r.bottom > edge.bottom + 1)
      faults.push(`${title}: ${i.kind} "${i.t}" is cut by the figure's edge`);
  // no text over a panel's plot area (an axis title or tick labels reaching into the panel beside)
  for (const bg of plot.querySelectorAll('.bglayer rect.bg, .bglayer .bg')) {
    const r = bg.getBoundingClientRect();
    if (r.width <= 0) continue;
    for (const i of items) {
      const w = Math.min(i.r.right, r.right) - Math.max(i.r.left, r.left);
      const h = Math.min(i.r.bottom, r.bottom) - Math.max(i.r.top, r.top);
      if (w > 2 && h > 2) faults.push(`${title}: ${i.kind} "${i.t}" lies over a plot area`);
    }
  }
  for (let a = 0; a < items.length; a++)
    for (let b = a + 1; b < items.length; b++) {
      const p = items[a], q = items[b];
      if (p.kind === 'tick label' && q.kind === 'tick label') continue;  // plotly spaces an axis' own ticks
      const w = Math.min(p.r.right, q.r.right) - Math.max(p.r.left, q.r.left);
      const h = Math.min(p.r.bottom, q.r.bottom) - Math.max(p.r.top, q.r.top);
      if (w > 2 && h > 2) faults.push(`${title}: ${p.kind} "${p.t}" overlaps ${q.kind} "${q.t}"`);
    }
}
return faults;
"""

#: Text of the page cut short: a label or a chosen value shown with an ellipsis (Vuetify cuts a field's
#: label and a select's value that do not fit the field).
CUT_TEXT = """
const cut = [];
for (const e of document.querySelectorAll('.v-label, .v-select__selection, .v-tab, .v-btn__content')) {
  const r = e.getBoundingClientRect();
  if (r.width > 0 && e.scrollWidth > e.clientWidth + 1) cut.push(`${e.className}: "${e.textContent.trim()}"`);
}
return cut;
"""
