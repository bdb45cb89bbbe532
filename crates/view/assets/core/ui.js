// @ts-check
// Interaction overlays drawn over the phone screen: toast/loading, modal and action sheet.
// Text from the mini-program goes through textContent only.
import { h, bool } from '../components/util.js';
import { pkgUrl, resolvePath } from './url.js';

const SVG = 'http://www.w3.org/2000/svg';

function svgIcon(kind) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 48 48');
  svg.setAttribute('class', `cove-toast__svg cove-toast__svg--${kind}`);
  const path = document.createElementNS(SVG, 'path');
  if (kind === 'success') path.setAttribute('d', 'M9 25 L19.5 35.5 L40 14');
  else {
    // error: a ring with an exclamation mark
    const c = document.createElementNS(SVG, 'circle');
    c.setAttribute('cx', '24');
    c.setAttribute('cy', '24');
    c.setAttribute('r', '19');
    svg.appendChild(c);
    path.setAttribute('d', 'M24 13 V27 M24 33 V35');
  }
  svg.appendChild(path);
  return svg;
}

function spinner(cls) {
  const s = h('i', cls);
  for (let i = 0; i < 12; i++) h('b', '', s);
  return s;
}

const str = (x, d = '') => (x == null ? d : String(x));

export class Ui {
  /** @param {import('../view.js').View} v */
  constructor(v, layer) {
    this.v = v;
    this.layer = layer; // .cove-ui, over the whole phone screen
    this.toastEl = null;
    this.toastTimer = 0;
    /** The shared bottom picker panel: `components/picker.js` provides it (see view.js). */
    this.sheet = null;
  }

  // ---- toast & loading (one at a time, as in WeChat) -----------------------------------------------
  toast(a = {}) {
    this.hideToast();
    const icon = a.image ? 'image' : str(a.icon, 'success');
    const wrap = h('div', 'cove-toast-wrap', this.layer);
    if (bool(a.mask)) wrap.classList.add('has-mask');
    const box = h('div', `cove-toast cove-toast--${icon === 'none' ? 'text' : 'icon'}`, wrap);
    if (icon === 'image') {
      const img = h('img', 'cove-toast__img', box);
      img.alt = '';
      const p = resolvePath(String(a.image), this.v.pages.top() ? this.v.pages.top().path : '');
      img.src = pkgUrl(p);
    } else if (icon === 'loading') box.appendChild(spinner('cove-toast__spinner'));
    else if (icon === 'success' || icon === 'error') box.appendChild(svgIcon(icon));
    const t = h('div', 'cove-toast__title', box);
    t.textContent = str(a.title);
    this.toastEl = wrap;
    if (!a.__sticky) {
      const ms = a.duration === undefined ? 1500 : Math.max(0, Number(a.duration) || 0);
      this.toastTimer = setTimeout(() => this.hideToast(), ms);
    }
    return wrap;
  }

  hideToast() {
    clearTimeout(this.toastTimer);
    if (this.toastEl) this.toastEl.remove();
    this.toastEl = null;
  }

  loading(a = {}) {
    this.toast({ title: a.title, icon: 'loading', mask: a.mask, __sticky: true });
  }

  // ---- modal ------------------------------------------------------------------------------------
  /** WeChat's showModal; resolves with {confirm, cancel, content?}. */
  modal(a = {}) {
    return new Promise((resolve) => {
      const mask = h('div', 'cove-mask', this.layer);
      const box = h('div', 'cove-modal', mask);
      box.setAttribute('role', 'dialog');
      const title = str(a.title);
      if (title) h('div', 'cove-modal__title', box).textContent = title;
      const body = h('div', title ? 'cove-modal__body' : 'cove-modal__body is-alone', box);
      let input = null;
      if (bool(a.editable)) {
        input = h('textarea', 'cove-modal__input', body);
        input.rows = 1;
        input.placeholder = str(a.placeholderText);
        input.value = str(a.content);
      } else body.textContent = str(a.content);
      const foot = h('div', 'cove-modal__foot', box);
      const done = (confirm) => {
        mask.remove();
        const r = { confirm, cancel: !confirm };
        if (input) r.content = confirm ? input.value : '';
        resolve(r);
      };
      if (a.showCancel === undefined || bool(a.showCancel)) {
        const c = h('div', 'cove-modal__btn cove-modal__cancel', foot);
        c.setAttribute('role', 'button');
        c.textContent = str(a.cancelText, '取消');
        c.style.color = str(a.cancelColor, '#000000');
        c.addEventListener('click', () => done(false));
      }
      const ok = h('div', 'cove-modal__btn cove-modal__confirm', foot);
      ok.setAttribute('role', 'button');
      ok.textContent = str(a.confirmText, '确定');
      ok.style.color = str(a.confirmColor, '#576B95');
      ok.addEventListener('click', () => done(true));
      if (input) input.focus();
    });
  }

  // ---- action sheet --------------------------------------------------------------------------------
  /** WeChat's showActionSheet; resolves with the tapped index, or -1 on cancel. */
  actionSheet(a = {}) {
    return new Promise((resolve) => {
      const mask = h('div', 'cove-mask cove-mask--bottom', this.layer);
      const sheet = h('div', 'cove-actionsheet', mask);
      const close = (i) => {
        mask.remove();
        resolve(i);
      };
      mask.addEventListener('click', (e) => {
        if (e.target === mask) close(-1);
      });
      const alert = str(a.alertText);
      if (alert) h('div', 'cove-actionsheet__title', sheet).textContent = alert;
      const menu = h('div', 'cove-actionsheet__menu', sheet);
      const items = Array.isArray(a.itemList) ? a.itemList.slice(0, 6) : [];
      items.forEach((text, i) => {
        const it = h('div', 'cove-actionsheet__item', menu);
        it.setAttribute('role', 'button');
        it.textContent = str(text);
        it.style.color = str(a.itemColor, '#000000');
        it.addEventListener('click', () => close(i));
      });
      const cancel = h('div', 'cove-actionsheet__item cove-actionsheet__cancel', sheet);
      cancel.setAttribute('role', 'button');
      cancel.textContent = '取消';
      cancel.addEventListener('click', () => close(-1));
    });
  }
}
