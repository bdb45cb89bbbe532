// @ts-check
// Developer overlays in the phone (textContent only):
// - compile errors: full screen, until the build is good again;
// - the app stopped for good (`fatal`: it did not load or start, ran out of memory, hung,
//   crashed): full screen, with the reason and a Reload button; never a blank phone;
// - "Starting…" while the app has not shown its first page;
// - uncaught errors of the mini-program: they belong to the page they happened on (the
//   `error` message's `page`, else the page on top; errors before the first page belong to
//   it). Only the top page's errors show, as a banner with a count that can be expanded or
//   dismissed; they go when that page is left and come back with it (WeChat DevTools keeps
//   them in the console, not over later pages). A page that rendered nothing and has errors
//   shows them in its place instead of a blank page;
// - a status strip (refused protocol).
import { h } from '../components/util.js';

/** How long the phone stays blank before it says that the app is starting. */
const STARTING_AFTER_MS = 400;
/** Errors kept per page (the console has them all). */
const MAX_PER_PAGE = 50;

const firstLine = (s) => String(s).split('\n', 1)[0];

export class Overlay {
  /**
   * @param {HTMLElement} root the phone screen (full-screen overlays)
   * @param {{pagesEl?: HTMLElement, pages?: any, reload?: () => void}} [hooks] the page area
   *   (page overlays), the page layers (to tell a blank page), and a reload of the view
   */
  constructor(root, hooks = {}) {
    this.root = root;
    this.hooks = hooks;
    this.compile = null;
    this.fatalEl = null;
    this.startingEl = null;
    this.startTimer = 0;
    this.started = false;
    /** pageId -> messages */
    this.errors = new Map();
    /** Errors before the first page was shown: they are the launch page's. */
    this.early = [];
    this.topId = null;
    this.banner = null;
    this.blank = null;
    this.expanded = false;
  }

  // ---- compile errors --------------------------------------------------------------------

  /** `compileError`: every diagnostic as file:line:col, code, message and its frame. */
  compileError(diagnostics) {
    this.compileOk();
    this.clearStarting();
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

  // ---- starting and stopping -------------------------------------------------------------

  /** The app is launching (`config` arrived): say so if its first page is slow to come. */
  starting() {
    if (this.started || this.startTimer || this.startingEl) return;
    this.startTimer = setTimeout(() => {
      this.startTimer = 0;
      if (this.started || this.fatalEl || this.compile) return;
      const s = h('div', 'cove-starting', this.root);
      s.setAttribute('role', 'status');
      const dots = h('div', 'cove-starting__dots', s);
      for (let i = 0; i < 3; i++) h('i', '', dots);
      h('div', 'cove-starting__text', s).textContent = 'Starting the app…';
      this.startingEl = s;
    }, STARTING_AFTER_MS);
  }

  clearStarting() {
    clearTimeout(this.startTimer);
    this.startTimer = 0;
    if (this.startingEl) this.startingEl.remove();
    this.startingEl = null;
  }

  /**
   * `fatal`: the app stopped for good. `{code, title, message, help}` from the simulator
   * (crates/simulator/src/stop.rs).
   */
  fatal(stop) {
    const s = stop && typeof stop === 'object' ? stop : {};
    this.clearStarting();
    if (this.fatalEl) this.fatalEl.remove();
    const o = h('div', 'cove-fatal', this.root);
    o.setAttribute('role', 'alert');
    if (s.code) o.dataset.code = String(s.code);
    h('div', 'cove-fatal__icon', o).textContent = '!';
    h('div', 'cove-fatal__title', o).textContent = s.title ? String(s.title) : 'The app stopped';
    if (s.code) h('div', 'cove-fatal__code', o).textContent = String(s.code);
    h('pre', 'cove-fatal__msg', o).textContent = s.message == null ? '' : String(s.message);
    if (s.help) h('div', 'cove-fatal__help', o).textContent = String(s.help);
    const early = this.early.length ? this.early : this.errors.get(this.topId) || [];
    if (early.length) {
      h('div', 'cove-fatal__sub', o).textContent = early.length === 1 ? 'Error before it stopped' : `${early.length} errors before it stopped`;
      for (const m of early.slice(-5)) h('pre', 'cove-fatal__err', o).textContent = String(m);
    }
    const actions = h('div', 'cove-fatal__actions', o);
    const reload = h('button', 'cove-fatal__reload', actions);
    reload.type = 'button';
    reload.textContent = 'Reload';
    reload.addEventListener('click', () => this.hooks.reload && this.hooks.reload());
    h('div', 'cove-fatal__foot', o).textContent = 'The console and the Problems panel have the details. Saving a file reloads too.';
    this.fatalEl = o;
    this.hideBanner();
  }

  // ---- page errors -----------------------------------------------------------------------

  /** An uncaught error of the mini-program; `page` is the page it happened on, if known. */
  error(message, page) {
    const text = message == null ? 'Error' : String(message);
    let id = typeof page === 'number' ? page : null;
    if (id === null) id = this.started ? this.topId : null;
    if (id === null) {
      this.early.push(text);
      if (this.early.length > MAX_PER_PAGE) this.early.shift();
      return;
    }
    const list = this.errors.get(id) || [];
    list.push(text);
    if (list.length > MAX_PER_PAGE) list.shift();
    this.errors.set(id, list);
    if (id === this.topId) this.render();
  }

  /** A page came on top (a route was applied). */
  pageShown(info) {
    const id = info ? info.pageId : null;
    if (!this.started) {
      this.started = true;
      this.clearStarting();
      if (id !== null && this.early.length) {
        this.errors.set(id, [...this.early, ...(this.errors.get(id) || [])]);
        this.early = [];
      }
    }
    if (id !== this.topId) this.expanded = false;
    this.topId = id;
    this.render();
  }

  /** A page was unloaded: its errors go with it (the console keeps them). */
  pageClosed(id) {
    this.errors.delete(id);
    if (id === this.topId) this.render();
  }

  /** The ops of a batch were applied: a blank page may have drawn something since. */
  afterOps() {
    if (this.errors.has(this.topId)) this.render();
  }

  /** The × of the banner: this page's errors are seen. */
  dismiss() {
    this.errors.delete(this.topId);
    this.render();
  }

  /** Whether the top page rendered nothing at all (its script threw, say). */
  topIsBlank() {
    const pages = this.hooks.pages;
    const info = pages && pages.byId && pages.byId.get(this.topId);
    if (!info || !info.el) return false;
    return info.el.childElementCount === 0 && !info.el.textContent.trim();
  }

  render() {
    const list = this.fatalEl ? null : this.errors.get(this.topId);
    if (!list || list.length === 0) {
      this.hideBanner();
      return;
    }
    const area = this.hooks.pagesEl || this.root;
    if (this.topIsBlank()) {
      if (this.banner) this.banner.remove();
      this.banner = null;
      if (!this.blank) {
        const b = h('div', 'cove-pageerror', area);
        b.setAttribute('role', 'alert');
        h('div', 'cove-pageerror__title', b).textContent = 'This page did not render';
        this.blankList = h('div', 'cove-pageerror__list', b);
        h('div', 'cove-pageerror__foot', b).textContent = 'It drew nothing and threw the errors above. The console has them all.';
        this.blank = b;
      }
      this.blankList.textContent = '';
      for (const m of list.slice(-5)) h('pre', 'cove-pageerror__msg', this.blankList).textContent = m;
      return;
    }
    if (this.blank) this.blank.remove();
    this.blank = null;
    if (!this.banner) {
      const b = h('div', 'cove-banner', area);
      b.setAttribute('role', 'alert');
      this.bannerText = h('div', 'cove-banner__text', b);
      this.bannerCount = h('span', 'cove-banner__count', b);
      const x = h('div', 'cove-banner__close', b);
      x.setAttribute('role', 'button');
      x.setAttribute('aria-label', 'dismiss');
      x.textContent = '×';
      x.addEventListener('click', (e) => {
        e.stopPropagation();
        this.dismiss();
      });
      // The first line is shown; a click shows the whole message (its stack).
      b.addEventListener('click', () => {
        this.expanded = !this.expanded;
        this.render();
      });
      this.banner = b;
    }
    const last = list[list.length - 1];
    this.banner.classList.toggle('is-expanded', this.expanded);
    this.bannerText.textContent = this.expanded ? last : firstLine(last);
    this.bannerCount.textContent = list.length > 1 ? `×${list.length}` : '';
  }

  hideBanner() {
    if (this.banner) this.banner.remove();
    if (this.blank) this.blank.remove();
    this.banner = null;
    this.blank = null;
  }

  /** The number of errors the top page shows (for tests and the automator). */
  get count() {
    const list = this.errors.get(this.topId);
    return list ? list.length : 0;
  }

  /** A short status strip: a refused protocol. */
  status(text) {
    this.clearStarting();
    if (!this.statusEl) this.statusEl = h('div', 'cove-status', this.root);
    this.statusEl.textContent = text;
  }
}
