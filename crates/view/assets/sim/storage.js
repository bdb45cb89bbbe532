// The Storage panel: the app's wx storage as a key/value table with sizes; a row opens its
// value as a tree; "Clear storage" asks the server to clear it.

import { h, button, clear } from './dom.js';
import { bytes, preview, utf8 } from './format.js';
import { createTree } from './tree.js';

// wx.getStorageInfo's limitSize: 10240 KB per app
const LIMIT = '10 MB';

export function createStorage({ clearStorage, refresh }) {
  const tbody = h('tbody');
  const total = h('span', { class: 'muted' });
  const filter = h('input', { class: 'filter', attrs: { type: 'search', placeholder: 'Filter keys', 'aria-label': 'Filter storage keys', spellcheck: 'false' } });
  const empty = h('div', { class: 'empty', text: 'Storage is empty' });
  const tree = createTree({ emptyText: '' });
  const valueTitle = h('span', { class: 'detail-title mono' });
  const detail = h('div', { class: 'storage-detail' }, [h('div', { class: 'detail-bar' }, [valueTitle]), h('div', { class: 'scroll' }, [tree.el])]);
  detail.hidden = true;
  const el = h('section', { class: 'storage' }, [
    h('div', { class: 'panel-bar' }, [
      button('Refresh', refresh, { class: 'icon-btn', title: 'Ask the app for its current storage' }),
      button('Clear storage', clearStorage, { class: 'icon-btn danger', title: 'wx.clearStorageSync() for this app' }),
      filter,
      total,
    ]),
    h('div', { class: 'storage-split' }, [
      h('div', { class: 'scroll' }, [
        h('table', { class: 'grid storage-grid' }, [
          h('thead', {}, [h('tr', {}, ['Key', 'Value', 'Type', 'Size'].map((c) => h('th', { text: c })))]),
          tbody,
        ]),
        empty,
      ]),
      detail,
    ]),
  ]);

  let storage = {};
  let selectedKey = null;
  filter.addEventListener('input', render);

  function render() {
    clear(tbody);
    const needle = filter.value.trim().toLowerCase();
    const entries = Object.entries(storage);
    let sum = 0;
    for (const [k, v] of entries) {
      const json = JSON.stringify(v) ?? '';
      const size = utf8(k) + utf8(json);
      sum += size;
      if (needle && !k.toLowerCase().includes(needle)) continue;
      const row = h('tr', { on: { click: () => choose(k) } }, [
        h('td', { class: 'mono key', text: k, title: k }),
        h('td', { class: 'mono', text: typeof v === 'string' ? clip(v) : preview(v, 300) }),
        h('td', { class: 'muted', text: typeOf(v) }),
        h('td', { class: 'num', text: bytes(size) }),
      ]);
      if (k === selectedKey) row.classList.add('selected');
      tbody.append(row);
    }
    empty.hidden = entries.length > 0;
    total.textContent = `${entries.length} key${entries.length === 1 ? '' : 's'} · ${bytes(sum)} of ${LIMIT}`;
    if (selectedKey !== null && !Object.hasOwn(storage, selectedKey)) selectedKey = null;
    detail.hidden = selectedKey === null;
    if (selectedKey !== null) showValue();
  }

  function choose(k) {
    selectedKey = k;
    render();
  }

  function showValue() {
    valueTitle.textContent = selectedKey;
    const v = storage[selectedKey];
    tree.set(v !== null && typeof v === 'object' ? v : { value: v });
  }

  return {
    el,
    set(s) {
      storage = s && typeof s === 'object' && !Array.isArray(s) ? s : {};
      render();
    },
  };
}

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

const clip = (s) => (s.length > 300 ? s.slice(0, 299) + '…' : s);
