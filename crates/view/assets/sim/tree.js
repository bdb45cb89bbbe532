// A collapsible JSON tree built from DOM nodes. Children are only built when expanded, so a
// large page data costs nothing until opened; expansion survives updates (keyed by path),
// and leaves whose value changed since the last update flash.

import { h, clear } from './dom.js';
import { preview } from './format.js';

const PAGE = 100; // children shown per "show more" step

export function createTree({ emptyText = 'No data' } = {}) {
  const el = h('div', { class: 'tree', attrs: { role: 'tree' } });
  const expanded = new Set();
  const limits = new Map();
  let value;
  let prev;
  let first = true;

  function set(v) {
    prev = first ? v : value;
    first = false;
    value = v;
    render();
  }

  function render() {
    clear(el);
    if (!isContainer(value) || !size(value)) {
      const none = isContainer(value) || value === undefined || value === null;
      el.append(h('div', { class: 'muted', text: none ? emptyText : preview(value) }));
      return;
    }
    el.append(children(value, prev, []));
  }

  function children(v, old, path) {
    const box = h('div', { class: 'tree-children', attrs: { role: 'group' } });
    const keys = Object.keys(v);
    const key = pathKey(path);
    const limit = limits.get(key) || PAGE;
    for (const k of keys.slice(0, limit)) {
      const oldChild = isContainer(old) && Object.hasOwn(old, k) ? old[k] : undefined;
      box.append(node(k, v[k], oldChild, isContainer(old) && Object.hasOwn(old, k), [...path, k], Array.isArray(v)));
    }
    if (keys.length > limit) {
      box.append(h('div', {
        class: 'tree-more',
        text: `… ${keys.length - limit} more`,
        attrs: { role: 'button', tabindex: '0' },
        on: { click: () => { limits.set(key, limit + PAGE); render(); } },
      }));
    }
    return box;
  }

  function node(k, v, old, existed, path, inArray) {
    const row = h('div', { class: 'tree-row', attrs: { role: 'treeitem' } });
    const wrap = h('div', { class: 'tree-node' }, [row]);
    const keyEl = h('span', { class: inArray ? 'key index' : 'key', text: k });
    if (isContainer(v) && size(v)) {
      const key = pathKey(path);
      const open = expanded.has(key);
      row.classList.add('branch');
      row.setAttribute('aria-expanded', String(open));
      row.append(h('span', { class: 'toggle' }), keyEl, h('span', { class: 'colon', text: ': ' }), h('span', { class: 'summary', text: summary(v) }));
      row.addEventListener('click', () => {
        if (expanded.has(key)) expanded.delete(key);
        else expanded.add(key);
        // re-render in place: only this node changes
        const fresh = node(k, v, v, true, path, inArray);
        wrap.replaceWith(fresh);
      });
      if (open) wrap.append(children(v, old, path));
    } else {
      row.append(h('span', { class: 'toggle' }), keyEl, h('span', { class: 'colon', text: ': ' }), leaf(v));
      if (existed ? !same(old, v) : prev !== value && isContainer(prev)) row.classList.add('changed');
    }
    return wrap;
  }

  return { el, set, expand(path) { expanded.add(pathKey(path)); render(); } };
}

function leaf(v) {
  if (isContainer(v)) return h('span', { class: 'val empty-obj', text: Array.isArray(v) ? '[]' : '{}' });
  const type = v === null ? 'null' : typeof v;
  const text = typeof v === 'string' ? preview(v, 500) : v === undefined ? 'undefined' : String(v);
  return h('span', { class: 'val t-' + type, text, title: typeof v === 'string' && v.length > 60 ? v.slice(0, 2000) : null });
}

function summary(v) {
  if (Array.isArray(v)) return `Array(${v.length})`;
  const keys = Object.keys(v);
  const shown = keys.slice(0, 4).join(', ');
  return `{${shown}${keys.length > 4 ? ', …' : ''}}`;
}

const isContainer = (v) => v !== null && typeof v === 'object';
const size = (v) => (Array.isArray(v) ? v.length : Object.keys(v).length);
const pathKey = (path) => JSON.stringify(path);

function same(a, b) {
  if (a === b) return true;
  if (isContainer(a) && isContainer(b)) return !size(a) && !size(b) && Array.isArray(a) === Array.isArray(b);
  if (isContainer(a) || isContainer(b)) return false;
  return Number.isNaN(a) && Number.isNaN(b);
}
