// The DevTools-style tab strip over the panels.

import { h, prefs } from './dom.js';

/** Tabs in `strip`, panels in `body`; the chosen tab is remembered. */
export function createTabs(strip, body) {
  const tabs = new Map();
  let current = null;
  const listeners = [];

  function select(id) {
    if (!tabs.has(id)) return;
    current = id;
    for (const [key, t] of tabs) {
      const on = key === id;
      t.tab.classList.toggle('selected', on);
      t.tab.setAttribute('aria-selected', String(on));
      t.panel.hidden = !on;
    }
    prefs.set('tab', id);
    for (const f of listeners) f(id);
  }

  return {
    /** A tab labelled `label` showing `panel`. */
    add(id, label, panel) {
      const badge = h('span', { class: 'badge' });
      badge.hidden = true;
      const tab = h('button', {
        class: 'tab',
        attrs: { type: 'button', role: 'tab', 'data-tab': id },
        on: { click: () => select(id) },
      }, [label, badge]);
      panel.classList.add('panel');
      panel.setAttribute('role', 'tabpanel');
      panel.dataset.panel = id;
      panel.hidden = true;
      strip.append(tab);
      body.append(panel);
      tabs.set(id, { tab, panel, badge });
    },
    select,
    get current() {
      return current;
    },
    onSelect(f) {
      listeners.push(f);
    },
    /** A count on the tab (`kind`: `error` or `warn`); 0 hides it. */
    badge(id, count, kind = 'error') {
      const t = tabs.get(id);
      if (!t) return;
      t.badge.hidden = !count;
      t.badge.textContent = count > 999 ? '999+' : String(count);
      t.badge.className = 'badge ' + kind;
    },
    restore(fallback) {
      const saved = prefs.get('tab', fallback);
      select(tabs.has(saved) ? saved : fallback);
    },
  };
}
