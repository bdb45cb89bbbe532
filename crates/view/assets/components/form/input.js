// <input> and <textarea>: a real browser field inside the host, WeChat's events and `model:value`.
// The placeholder is an element of its own so `placeholder-style` can go through the CSSOM.
import { bool, num, str, h } from '../util.js';
import { kebab, reflect, extClasses, swapClasses, whenConnected } from './common.js';

// What each keyboard type lets through (the phone keyboard offers nothing else).
const FILTERS = {
  number: /[^0-9]/g,
  digit: /[^0-9.]/g,
  idcard: /[^0-9Xx]/g,
};
const INPUT_MODES = { number: 'numeric', digit: 'decimal', idcard: 'text' };

function textField(ctx, multi) {
  const el = ctx.el;
  const kind = multi ? 'textarea' : 'input';
  const wrap = h('div', `wx-${kind}-wrapper`, el);
  const ph = h('div', `wx-${kind}-placeholder`, wrap);
  const field = h(multi ? 'textarea' : 'input', `wx-${kind}-inner`, wrap);
  field.setAttribute('autocomplete', 'off');
  field.spellcheck = false;
  let phClasses = swapClasses(ph, [], [`${kind}-placeholder`]);

  const st = {
    type: 'text', password: false, maxlength: 140, focus: false, confirmType: multi ? 'return' : 'done',
    confirmHold: false, cursor: -1, selStart: -1, selEnd: -1, autoHeight: false,
    keyCode: undefined, composing: false, lines: 0,
  };

  function showPlaceholder() {
    ph.hidden = field.value !== '';
  }

  function limit(v) {
    return st.maxlength >= 0 && v.length > st.maxlength ? v.slice(0, st.maxlength) : v;
  }

  function setValue(v) {
    v = limit(str(v));
    if (field.value !== v) field.value = v; // never touch the caret when nothing changed
    showPlaceholder();
    if (multi) lines();
  }

  function applyType() {
    if (multi) return;
    const secret = st.password || st.type === 'password' || st.type === 'safe-password';
    field.type = secret ? 'password' : 'text';
    const mode = INPUT_MODES[st.type];
    if (mode) field.setAttribute('inputmode', mode);
    else field.removeAttribute('inputmode');
    const ent = { send: 'send', search: 'search', next: 'next', go: 'go', done: 'done' }[st.confirmType];
    if (ent) field.setAttribute('enterkeyhint', ent);
  }

  function applySelection() {
    if (document.activeElement !== field) return;
    const len = field.value.length;
    if (st.selStart >= 0 && st.selEnd >= 0) {
      field.setSelectionRange(Math.min(st.selStart, len), Math.min(st.selEnd, len));
    } else if (st.cursor >= 0) {
      const c = Math.min(st.cursor, len);
      field.setSelectionRange(c, c);
    }
  }

  function applyFocus() {
    if (st.focus) {
      whenConnected(el, () => {
        if (st.focus && document.activeElement !== field) field.focus();
        applySelection();
      });
    } else if (document.activeElement === field) {
      field.blur();
    }
  }

  // Line counting for textarea: `linechange` and `auto-height`.
  function lines() {
    if (!el.isConnected) return;
    const cs = getComputedStyle(field);
    let lh = parseFloat(cs.lineHeight);
    if (!Number.isFinite(lh)) lh = parseFloat(cs.fontSize) * 1.2 || 20;
    if (st.autoHeight) {
      field.style.height = '0px';
      field.style.height = `${Math.max(lh, field.scrollHeight)}px`;
    }
    const count = Math.max(1, Math.round(field.scrollHeight / lh));
    if (count !== st.lines) {
      const first = st.lines === 0;
      st.lines = count;
      if (!first) {
        const height = count * lh;
        ctx.emit('linechange', { height, heightRpx: (height * 750) / window.innerWidth, lineCount: count });
      }
    }
  }

  field.addEventListener('compositionstart', () => { st.composing = true; });
  field.addEventListener('compositionend', () => {
    st.composing = false;
    field.dispatchEvent(new Event('input'));
  });
  field.addEventListener('keydown', (e) => {
    st.keyCode = e.keyCode;
    if (e.key !== 'Enter' || e.isComposing) return;
    if (multi && (st.confirmType === 'return' || !st.confirmType)) return;
    e.preventDefault();
    ctx.emit('confirm', { value: field.value });
    if (!st.confirmHold) field.blur();
  });
  field.addEventListener('input', () => {
    if (st.composing) return;
    const re = !multi && FILTERS[st.type];
    if (re && re.test(field.value)) {
      const at = field.selectionStart;
      const before = field.value.slice(0, at).replace(re, '');
      field.value = field.value.replace(re, '');
      field.setSelectionRange(before.length, before.length);
    }
    showPlaceholder();
    if (multi) lines();
    const value = field.value;
    ctx.emit('input', { value, cursor: field.selectionStart, keyCode: st.keyCode });
    st.keyCode = undefined; // a paste or drop has no key
    ctx.model('value', value);
  });
  field.addEventListener('focus', () => {
    ctx.emit('focus', { value: field.value, height: 0 });
    ctx.emit('keyboardheightchange', { height: 0, duration: 0 });
  });
  field.addEventListener('blur', () => {
    ctx.emit('blur', multi ? { value: field.value, cursor: field.selectionStart } : { value: field.value });
    ctx.emit('keyboardheightchange', { height: 0, duration: 0 });
  });
  // A tap on the host's padding still focuses the field, as on the phone.
  el.addEventListener('click', (e) => {
    if (e.target !== field && !field.disabled) field.focus();
  });

  let ro = null;
  if (multi) {
    ro = new ResizeObserver(() => lines());
    ro.observe(field);
  }

  const inst = {
    slot: document.createElement('div'), // WeChat shows no children of input/textarea
    name: '',
    attr(name, value) {
      switch (kebab(name)) {
        case 'value': setValue(value); break;
        case 'type': st.type = str(value) || 'text'; applyType(); break;
        case 'password': st.password = bool(value); applyType(); break;
        case 'placeholder': ph.textContent = str(value); break;
        case 'placeholder-style': ph.style.cssText = str(value); break;
        case 'placeholder-class': {
          const next = extClasses(el, value);
          phClasses = swapClasses(ph, phClasses, next.length ? next : [`${kind}-placeholder`]);
          break;
        }
        case 'disabled': field.disabled = bool(value); break;
        case 'maxlength': {
          st.maxlength = Math.trunc(num(value, 140));
          if (st.maxlength >= 0) field.maxLength = st.maxlength;
          else field.removeAttribute('maxlength');
          setValue(field.value);
          break;
        }
        case 'focus':
        case 'auto-focus': st.focus = bool(value); applyFocus(); break;
        case 'confirm-type': st.confirmType = str(value); applyType(); break;
        case 'confirm-hold': st.confirmHold = bool(value); break;
        case 'cursor': st.cursor = num(value, -1); applySelection(); break;
        case 'selection-start': st.selStart = num(value, -1); applySelection(); break;
        case 'selection-end': st.selEnd = num(value, -1); applySelection(); break;
        case 'auto-height':
          st.autoHeight = multi && bool(value);
          reflect(el, 'auto-height', st.autoHeight); // an attribute: the core owns the host's classes
          if (!st.autoHeight) field.style.height = '';
          lines();
          break;
        case 'name': inst.name = str(value); break;
        default: break; // keyboard placement attributes mean nothing off the phone
      }
    },
    formValue() { return field.value; },
    formReset() {
      setValue('');
      ctx.model('value', '');
    },
    /** A <label> tap focuses the field. */
    activate() { if (!field.disabled) field.focus(); },
    destroy() { if (ro) ro.disconnect(); },
  };
  if (multi) whenConnected(el, lines);
  return inst;
}

export const input = { create: (ctx) => textField(ctx, false) };
export const textarea = { create: (ctx) => textField(ctx, true) };
