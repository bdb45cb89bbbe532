// <form> collects the named fields under it; <label> forwards a tap to its control.
import { bool, str } from '../util.js';
import { kebab } from './common.js';

// Controls a label can activate, in WeChat's list (input focuses).
const CONTROLS = 'wx-checkbox, wx-radio, wx-switch, wx-button, wx-input, wx-textarea';
// A tap on any of these inside a label is the control's own; the label stays out of it.
const INTERACTIVE = `${CONTROLS}, wx-slider, wx-picker, wx-picker-view`;

export const form = {
  create(ctx) {
    const el = ctx.el;
    const st = { reportSubmit: false };

    /** Descendant hosts whose instance is a field (`formValue`). */
    function fields() {
      const out = [];
      for (const node of el.querySelectorAll('*')) {
        const inst = ctx.instanceOf(node);
        if (inst && typeof inst.formValue === 'function') out.push(inst);
      }
      return out;
    }

    const inst = {
      slot: el,
      attr(name, value) {
        if (kebab(name) === 'report-submit') st.reportSubmit = bool(value);
      },
      submit() {
        const value = {};
        for (const f of fields()) if (f.name) value[f.name] = f.formValue();
        const detail = { value };
        if (st.reportSubmit) detail.formId = 'the formId is a mock one';
        ctx.emit('submit', detail);
      },
      reset() {
        for (const f of fields()) if (typeof f.formReset === 'function') f.formReset();
        ctx.emit('reset', {});
      },
    };
    return inst;
  },
};

export const label = {
  create(ctx) {
    const el = ctx.el;
    const st = { for: '' };

    function target() {
      if (st.for) {
        // glass-easel prefixes ids per component instance: `<prefix>--<id>`
        const root = ctx.page || el.getRootNode();
        const tail = `--${st.for}`;
        for (const node of root.querySelectorAll('[id]')) {
          if (node.id === st.for || node.id.endsWith(tail)) return node;
        }
        return null;
      }
      return el.querySelector(CONTROLS);
    }

    el.addEventListener('click', (e) => {
      const hit = e.target instanceof Element ? e.target.closest(INTERACTIVE) : null;
      if (hit && el.contains(hit)) return;
      const t = target();
      if (!t || t.contains(e.target)) return;
      const inst = ctx.instanceOf(t);
      if (inst && typeof inst.activate === 'function') inst.activate();
    });

    return {
      slot: el,
      attr(name, value) {
        if (name === 'for') st.for = str(value);
      },
    };
  },
};
