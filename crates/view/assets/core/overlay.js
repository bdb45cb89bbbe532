// Developer overlays: compile errors (full screen), uncaught mini-program errors (a dismissible
// red banner, like DevTools), and the connection state. textContent only.
import { h } from '../components/util.js';

export class Overlay {
  constructor(root) {
    this.root = root;
    this.compile = null;
    this.banner = null;
    this.count = 0;
  }

  /** `compileError`: every diagnostic as file:line:col, code, message and its frame. */
  compileError(diagnostics) {
    this.compileOk();
    const o = h('div', 'cove-compile', this.root);
    o.setAttribute('role', 'alert');
    const list = Array.isArray(diagnostics) ? diagnostics : [];
    h('div', 'cove-compile__head', o).textContent = list.length === 1 ? 'Compile error' : `${list.length} compile errors`;
    for (const d of list) {
      const item = h('div', 'cove-compile__item', o);
      const where = h('div', 'cove-compile__where', item);
      const loc = [d.file, d.line, d.col].filter((x) => x !== undefined && x !== null && x !== '').join(':');
      h('span', 'cove-compile__loc', where).textContent = loc;
      if (d.code) h('span', 'cove-compile__code', where).textContent = String(d.code);
      h('div', 'cove-compile__msg', item).textContent = d.message == null ? '' : String(d.message);
      if (d.frame) h('pre', 'cove-compile__frame', item).textContent = String(d.frame);
      if (d.help) h('div', 'cove-compile__help', item).textContent = String(d.help);
    }
    h('div', 'cove-compile__foot', o).textContent = 'Fix the file and save: the page reloads by itself.';
    this.compile = o;
  }

  compileOk() {
    if (this.compile) this.compile.remove();
    this.compile = null;
  }

  /** An uncaught error of the mini-program. */
  error(message) {
    this.count += 1;
    if (!this.banner) {
      const b = h('div', 'cove-banner', this.root);
      b.setAttribute('role', 'alert');
      this.bannerText = h('div', 'cove-banner__text', b);
      this.bannerCount = h('span', 'cove-banner__count', b);
      const x = h('div', 'cove-banner__close', b);
      x.setAttribute('role', 'button');
      x.setAttribute('aria-label', 'dismiss');
      x.textContent = '×';
      x.addEventListener('click', () => this.dismiss());
      this.banner = b;
    }
    this.bannerText.textContent = message == null ? 'Error' : String(message);
    this.bannerCount.textContent = this.count > 1 ? `×${this.count}` : '';
  }

  dismiss() {
    if (this.banner) this.banner.remove();
    this.banner = null;
    this.count = 0;
  }

  /** A short status strip: refused protocol, lost connection. */
  status(text) {
    if (!this.statusEl) this.statusEl = h('div', 'cove-status', this.root);
    this.statusEl.textContent = text;
  }
}
