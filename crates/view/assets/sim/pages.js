// The Pages panel: the page stack (bottom first) and the app's pages, each of which can be
// opened as the start page.

import { h, clear } from './dom.js';
import { queryString } from './format.js';

export function createPages({ open }) {
  const stack = h('ol', { class: 'stack' });
  const all = h('ul', { class: 'app-pages' });
  const el = h('section', { class: 'pages' }, [
    h('div', { class: 'scroll' }, [
      h('h3', { text: 'Page stack' }),
      stack,
      h('h3', { text: 'App pages' }),
      all,
    ]),
  ]);
  setStack([]);
  setPages(null);

  function setStack(list) {
    clear(stack);
    if (!list.length) stack.append(h('li', { class: 'muted', text: 'No pages yet' }));
    list.forEach((p, i) => {
      const q = queryString(p.query);
      const li = h('li', { class: i === list.length - 1 ? 'top' : '' }, [
        h('span', { class: 'index', text: String(i + 1) }),
        h('span', { class: 'mono path', text: String(p.path ?? '') }),
        q ? h('span', { class: 'mono query', text: '?' + q }) : null,
        h('span', { class: 'muted id', text: p.id === undefined ? '' : `#${p.id}` }),
        i === list.length - 1 ? h('span', { class: 'tag', text: 'current' }) : null,
      ]);
      stack.append(li);
    });
  }

  function setPages(session) {
    clear(all);
    const pages = session && Array.isArray(session.pages) ? session.pages : [];
    if (!pages.length) all.append(h('li', { class: 'muted', text: session ? 'The server did not list the pages' : 'Waiting for the app…' }));
    for (const p of pages) {
      const path = String(p);
      const li = h('li', { title: 'Relaunch the simulator at this page' }, [
        h('button', { class: 'link mono', text: path, attrs: { type: 'button' }, on: { click: () => open(path) } }),
        path === session.entry ? h('span', { class: 'tag', text: 'entry' }) : null,
      ]);
      all.append(li);
    }
  }

  return { el, stack: setStack, session: setPages };
}
