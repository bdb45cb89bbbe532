// The Problems panel: the compiler's diagnostics, grouped by code and then by file, so that
// a build with hundreds of warnings stays readable (WeChat's official demo has ~870), and the
// app's launch problems (why it stopped, errors while it loaded and opened its first page).
// Errors come first; a group is a <details> whose rows are built only when it is opened.
// What is open is remembered across rebuilds.

import { h, clear } from './dom.js';

const ICON = { error: '✖', warning: '⚠' };

function severity(d) {
  return d.severity === 'warning' ? 'warning' : 'error';
}

/** `[[key, items]]` in first-seen order. */
function groupBy(list, key) {
  const m = new Map();
  for (const d of list) {
    const k = key(d);
    if (!m.has(k)) m.set(k, []);
    m.get(k).push(d);
  }
  return [...m];
}

/** Why the app stopped (`app-…`) comes before everything else. */
function first(code) {
  return code.startsWith('app-') ? 0 : 1;
}

function counts(items) {
  const errors = items.filter((d) => severity(d) === 'error').length;
  return { errors, warnings: items.length - errors };
}

function countText({ errors, warnings }) {
  const parts = [];
  if (errors) parts.push(`${errors} error${errors === 1 ? '' : 's'}`);
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  return parts.join(', ');
}

export function createProblems() {
  const summary = h('div', { class: 'problems-summary muted' });
  const list = h('div', { class: 'problems-list' });
  const el = h('section', { class: 'problems' }, [h('div', { class: 'scroll' }, [summary, list])]);
  /** Keys (`code` or `code\u0000file`) of the groups the user opened or closed. */
  const opened = new Map();
  let errors = [];
  let warnings = [];
  /** Launch problems of the running app (`app-did-not-start`, `launch-error`...). */
  let runtime = [];
  render();

  /** A collapsible group; `fill(body)` builds its content the first time it opens. */
  function group(key, cls, head, defaultOpen, fill) {
    const d = h('details', { class: `pgroup ${cls}` });
    const s = h('summary', { class: 'pgroup-head' }, head);
    const body = h('div', { class: 'pgroup-body' });
    d.append(s, body);
    let filled = false;
    const ensure = () => {
      if (!filled && d.open) {
        filled = true;
        fill(body);
      }
    };
    d.open = opened.has(key) ? opened.get(key) : defaultOpen;
    ensure();
    d.addEventListener('toggle', () => {
      opened.set(key, d.open);
      ensure();
    });
    return d;
  }

  function icon(sev) {
    return h('span', { class: `problem-icon ${sev}`, text: ICON[sev], attrs: { 'aria-label': sev, role: 'img' } });
  }

  function row(d) {
    const sev = severity(d);
    const at = [d.file || '(project)', d.line, d.col].filter((x) => x !== undefined && x !== null && x !== '').join(':');
    return h('div', { class: `problem ${sev}` }, [
      h('div', { class: 'problem-head' }, [
        icon(sev),
        h('span', { class: 'problem-msg', text: String(d.message ?? '') }),
      ]),
      h('div', { class: 'mono where', text: at }),
      d.frame ? h('pre', { class: 'frame mono', text: String(d.frame) }) : null,
    ]);
  }

  function render() {
    clear(list);
    const all = [...runtime, ...errors, ...warnings].filter((d) => d && typeof d === 'object');
    const total = counts(all);
    summary.textContent = all.length ? countText(total) : '';
    summary.hidden = !all.length;
    if (!all.length) {
      list.append(h('div', { class: 'empty', text: 'No problems' }));
      return;
    }
    // By code: groups holding an error first, then the largest, then as reported (stable).
    const byCode = groupBy(all, (d) => String(d.code || 'other'))
      .map(([code, items]) => ({ code, items, c: counts(items) }))
      .sort((a, b) => (b.c.errors > 0) - (a.c.errors > 0) || first(a.code) - first(b.code) || b.items.length - a.items.length);
    for (const { code, items, c } of byCode) {
      const sev = c.errors ? 'error' : 'warning';
      list.append(group(code, `pgroup-code ${sev}`, [
        icon(sev),
        h('span', { class: 'pgroup-name mono', text: code }),
        h('span', { class: 'pgroup-count', text: countText(c) }),
      ], sev === 'error' || byCode.length === 1, (body) => {
        const byFile = groupBy(items, (d) => String(d.file || '(project)'))
          .sort((a, b) => (counts(b[1]).errors > 0) - (counts(a[1]).errors > 0));
        for (const [file, rows] of byFile) {
          const fc = counts(rows);
          const fsev = fc.errors ? 'error' : 'warning';
          body.append(group(`${code}\u0000${file}`, `pgroup-file ${fsev}`, [
            h('span', { class: 'pgroup-name mono', text: file }),
            h('span', { class: 'pgroup-count', text: String(rows.length) }),
          ], fsev === 'error' || byFile.length === 1, (fileBody) => {
            for (const d of rows) fileBody.append(row(d));
          }));
        }
      }));
    }
  }

  return {
    el,
    /** The errors of the last build (none once it compiles). */
    setErrors(list) {
      errors = Array.isArray(list) ? list.map((d) => ({ ...d, severity: d.severity || 'error' })) : [];
      render();
    },
    /** The warnings of the last good build. */
    setWarnings(list) {
      warnings = Array.isArray(list) ? list.map((d) => ({ ...d, severity: 'warning' })) : [];
      render();
    },
    /** The launch problems of the app now running (none for a new app). */
    setRuntime(list) {
      runtime = Array.isArray(list) ? list.slice() : [];
      render();
    },
    addRuntime(d) {
      if (runtime.length >= 200) return;
      runtime.push({ ...d, severity: 'error' });
      render();
    },
    counts() {
      return { errors: errors.length + runtime.length, warnings: warnings.length };
    },
  };
}
