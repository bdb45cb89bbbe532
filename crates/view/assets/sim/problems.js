// The Problems panel: the compiler's diagnostics (file:line:col, message, code frame).

import { h, clear } from './dom.js';

export function createProblems() {
  const list = h('div', { class: 'problems-list' });
  const el = h('section', { class: 'problems' }, [h('div', { class: 'scroll' }, [list])]);
  set([]);

  function set(diagnostics) {
    clear(list);
    if (!diagnostics.length) {
      list.append(h('div', { class: 'empty', text: 'No problems' }));
      return;
    }
    for (const d of diagnostics) {
      const where = [d.file || '(unknown file)', d.line, d.col].filter((x) => x !== undefined && x !== null && x !== '').join(':');
      list.append(h('div', { class: 'problem' }, [
        h('div', { class: 'problem-head' }, [
          h('span', { class: 'problem-icon', text: '✖', attrs: { 'aria-label': 'error' } }),
          h('span', { class: 'mono where', text: where }),
          d.code ? h('span', { class: 'code', text: String(d.code) }) : null,
        ]),
        h('div', { class: 'problem-msg', text: String(d.message ?? '') }),
        d.frame ? h('pre', { class: 'frame mono', text: String(d.frame) }) : null,
      ]));
    }
  }

  return { el, set };
}
