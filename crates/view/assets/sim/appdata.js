// The AppData panel: the top page's path, query and data as a live JSON tree.

import { h, button } from './dom.js';
import { pageUrl } from './format.js';
import { createTree } from './tree.js';

export function createAppData({ refresh }) {
  const path = h('span', { class: 'mono page-path' });
  const tree = createTree({ emptyText: 'This page has no data' });
  const el = h('section', { class: 'appdata' }, [
    h('div', { class: 'panel-bar' }, [
      button('Refresh', refresh, { class: 'icon-btn', title: 'Ask the app for its current state' }),
      h('span', { class: 'muted', text: 'Page' }),
      path,
    ]),
    h('div', { class: 'scroll' }, [tree.el]),
  ]);
  path.textContent = '—';
  return {
    el,
    page(top) {
      path.textContent = top ? pageUrl(top.path, top.query) : '—';
    },
    data(d) {
      tree.set(d);
    },
  };
}
