// The Console panel: the mini-program's console output and uncaught errors, newest last,
// with a text filter, a level filter and a cap of MAX_LINES lines.

import { h, button, select, clear } from './dom.js';
import { clock, truncate } from './format.js';

export const MAX_LINES = 2000;
const MAX_TEXT = 20000;
const LEVELS = ['log', 'info', 'warn', 'error', 'debug'];

/** `onCounts({errors, warnings})` follows the visible totals for the tab badge. */
export function createConsole({ onCounts } = {}) {
  const list = h('div', { class: 'console-list', attrs: { role: 'log' } });
  const filter = h('input', {
    class: 'filter',
    attrs: { type: 'search', placeholder: 'Filter', 'aria-label': 'Filter console', spellcheck: 'false' },
  });
  let level = 'all';
  const levelSel = select(
    [['all', 'All levels'], ['log', 'Log'], ['info', 'Info'], ['warn', 'Warnings'], ['error', 'Errors'], ['debug', 'Debug']],
    'all',
    (v) => {
      level = v;
      refilter();
    },
    { attrs: { 'aria-label': 'Console level' } },
  );
  const el = h('section', { class: 'console' }, [
    h('div', { class: 'panel-bar' }, [
      button('Clear', () => clearAll(), { class: 'icon-btn', title: 'Clear console' }),
      filter,
      levelSel,
    ]),
    list,
  ]);

  const lines = [];
  let errors = 0;
  let warnings = 0;
  let stick = true;
  let scrollQueued = false;
  let needle = '';

  filter.addEventListener('input', () => {
    needle = filter.value.trim().toLowerCase();
    refilter();
  });
  // follow new lines until the user scrolls up; our own scrolling reports late, after more
  // lines may have arrived, so only a move above where we scrolled to unsticks
  let autoTop = 0;
  list.addEventListener('scroll', () => {
    if (list.scrollTop + list.clientHeight >= list.scrollHeight - 8) stick = true;
    else if (list.scrollTop < autoTop - 2) stick = false;
  });

  function visible(line) {
    if (level !== 'all' && line.level !== level) return false;
    return !needle || line.search.includes(needle);
  }

  function refilter() {
    for (const line of lines) line.el.hidden = !visible(line);
    queueScroll();
  }

  function queueScroll() {
    if (!stick || scrollQueued) return;
    scrollQueued = true;
    requestAnimationFrame(() => {
      scrollQueued = false;
      if (!stick) return;
      list.scrollTop = list.scrollHeight;
      autoTop = list.scrollTop;
    });
  }

  function counts() {
    if (onCounts) onCounts({ errors, warnings });
  }

  function clearAll() {
    lines.length = 0;
    errors = warnings = 0;
    clear(list);
    stick = true;
    autoTop = 0;
    counts();
  }

  /** A line from the mini-program; `kind` marks our own notes (`system`). */
  function add(lvl, text, time, kind) {
    const lv = LEVELS.includes(lvl) ? lvl : 'log';
    const body = truncate(typeof text === 'string' ? text : String(text ?? ''), MAX_TEXT);
    const el = h('div', { class: `line lv-${lv}${kind ? ' ' + kind : ''}` }, [
      h('span', { class: 'time', text: clock(time) }),
      h('span', { class: 'lvl', text: lv === 'log' ? '' : lv, attrs: { 'aria-label': lv } }),
      h('span', { class: 'msg', text: body }),
    ]);
    const line = { level: lv, el, search: body.toLowerCase() };
    el.hidden = !visible(line);
    lines.push(line);
    list.append(el);
    if (lv === 'error') errors++;
    if (lv === 'warn') warnings++;
    while (lines.length > MAX_LINES) {
      const old = lines.shift();
      old.el.remove();
      if (old.level === 'error') errors--;
      if (old.level === 'warn') warnings--;
    }
    counts();
    queueScroll();
  }

  return {
    el,
    add,
    clear: clearAll,
    /** Our own notes (app started, reloaded), set apart from the app's output. */
    note(text, lvl = 'info') {
      add(lvl, text, Date.now(), 'system');
    },
    shown() {
      queueScroll();
    },
  };
}
