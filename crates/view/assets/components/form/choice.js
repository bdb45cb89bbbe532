// <checkbox>, <radio> and their groups, and <switch>. A box reports to its group, which emits
// `change`; a tap anywhere on the host (its label text included) toggles it.
import { bool, str, h } from '../util.js';
import { kebab, pressable, closestHost } from './common.js';

/** Members of a group: the boxes whose nearest group is this one, in DOM order. */
function members(ctx, group, tag) {
  const out = [];
  for (const node of group.querySelectorAll(tag)) {
    if (closestHost(node, group.localName) !== group) continue;
    const inst = ctx.instanceOf(node);
    if (inst) out.push(inst);
  }
  return out;
}

function box(ctx, kind) {
  const el = ctx.el;
  const wrap = h('div', `wx-${kind}-wrapper`, el);
  const input = h('div', `wx-${kind}-input`, wrap);
  const st = { checked: false, disabled: false, value: '', color: '' };
  pressable(el, kind);

  function paint() {
    input.classList.toggle(`wx-${kind}-input-checked`, st.checked);
    input.classList.toggle(`wx-${kind}-input-disabled`, st.disabled);
    el.setAttribute('aria-checked', String(st.checked));
    // checkbox: the tick takes the colour; radio: the filled disc does
    input.style.color = st.checked && st.color ? st.color : '';
    if (kind === 'radio') {
      input.style.backgroundColor = st.checked && st.color && !st.disabled ? st.color : '';
      input.style.borderColor = st.checked && st.color && !st.disabled ? st.color : '';
    }
  }

  const inst = {
    slot: wrap,
    get checked() { return st.checked; },
    get value() { return st.value; },
    attr(name, value) {
      switch (kebab(name)) {
        case 'checked': st.checked = bool(value); break;
        case 'disabled': st.disabled = bool(value); break;
        case 'value': st.value = str(value); break;
        case 'color': st.color = str(value); break;
        default: return;
      }
      paint();
    },
    setChecked(on) {
      st.checked = on;
      paint();
    },
    /** A user tap (also from a <label>). */
    activate() {
      if (st.disabled) return;
      if (kind === 'radio' && st.checked) return; // a radio is only ever turned on by a tap
      inst.setChecked(!st.checked);
      ctx.model('checked', st.checked);
      const group = closestHost(el, `wx-${kind}-group`);
      const g = group && ctx.instanceOf(group);
      if (g && typeof g.changed === 'function') g.changed(inst);
    },
  };
  el.addEventListener('click', () => inst.activate());
  paint();
  return inst;
}

export const checkbox = { create: (ctx) => box(ctx, 'checkbox') };
export const radio = { create: (ctx) => box(ctx, 'radio') };

export const checkboxGroup = {
  create(ctx) {
    const el = ctx.el;
    el.setAttribute('role', 'group');
    const values = () => members(ctx, el, 'wx-checkbox').filter((m) => m.checked).map((m) => m.value);
    const inst = {
      slot: el,
      name: '',
      attr(name, value) {
        if (name === 'name') inst.name = str(value);
      },
      changed() {
        ctx.emit('change', { value: values() });
      },
      formValue: values,
      formReset() {
        for (const m of members(ctx, el, 'wx-checkbox')) m.setChecked(false);
      },
    };
    return inst;
  },
};

export const radioGroup = {
  create(ctx) {
    const el = ctx.el;
    el.setAttribute('role', 'radiogroup');
    const value = () => {
      const on = members(ctx, el, 'wx-radio').find((m) => m.checked);
      return on ? on.value : '';
    };
    const inst = {
      slot: el,
      name: '',
      attr(name, v) {
        if (name === 'name') inst.name = str(v);
      },
      changed(which) {
        for (const m of members(ctx, el, 'wx-radio')) if (m !== which && m.checked) m.setChecked(false);
        ctx.emit('change', { value: which.value });
      },
      formValue: value,
      formReset() {
        for (const m of members(ctx, el, 'wx-radio')) m.setChecked(false);
      },
    };
    return inst;
  },
};

export const switchComponent = {
  create(ctx) {
    const el = ctx.el;
    const wrap = h('div', 'wx-switch-wrapper', el);
    const input = h('div', 'wx-switch-input', wrap);
    const st = { checked: false, disabled: false, type: 'switch', color: '' };
    pressable(el, 'switch');

    function paint() {
      const cb = st.type === 'checkbox';
      input.className = cb ? 'wx-checkbox-input' : 'wx-switch-input';
      input.classList.toggle(cb ? 'wx-checkbox-input-checked' : 'wx-switch-input-checked', st.checked);
      input.classList.toggle(cb ? 'wx-checkbox-input-disabled' : 'wx-switch-input-disabled', st.disabled);
      el.setAttribute('aria-checked', String(st.checked));
      const c = st.checked && st.color ? st.color : '';
      input.style.color = cb ? c : '';
      input.style.backgroundColor = cb ? '' : c;
      input.style.borderColor = cb ? '' : c;
    }

    const inst = {
      slot: document.createElement('div'), // a switch shows no children
      name: '',
      attr(name, value) {
        switch (kebab(name)) {
          case 'checked': st.checked = bool(value); break;
          case 'disabled': st.disabled = bool(value); break;
          case 'type': st.type = value === 'checkbox' ? 'checkbox' : 'switch'; break;
          case 'color': st.color = str(value); break;
          case 'name': inst.name = str(value); return;
          default: return;
        }
        paint();
      },
      activate() {
        if (st.disabled) return;
        st.checked = !st.checked;
        paint();
        ctx.emit('change', { value: st.checked });
        ctx.model('checked', st.checked);
      },
      formValue: () => st.checked,
      formReset() {
        st.checked = false;
        paint();
      },
    };
    el.addEventListener('click', () => inst.activate());
    paint();
    return inst;
  },
};
