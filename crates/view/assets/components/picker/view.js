// <picker-view> and <picker-view-column>: wheels inside the page. Each child of a column is a
// row; the row height is the indicator's when the app styles it, else the first row's.
import { str, h } from '../util.js';
import { kebab, extClasses, swapClasses, closestHost } from '../form/common.js';
import { wheel } from './wheel.js';

const DEFAULT_ROW = 34;

export const pickerView = {
  create(ctx) {
    const el = ctx.el;
    const wrapper = h('div', 'wx-picker-view-wrapper', el);
    const mask = h('div', 'wx-picker-view-mask', el);
    const indicator = h('div', 'wx-picker-view-indicator', el);
    const st = {
      value: [], immediate: false, indicatorStyle: '', indicatorClass: [], maskStyle: '', maskClass: [],
      known: null, // the value the app and the page agree on: `change` only when it differs
    };
    const moving = new Set();

    function columns() {
      const out = [];
      for (const c of wrapper.querySelectorAll('wx-picker-view-column')) {
        if (closestHost(c, 'wx-picker-view') !== el) continue;
        const inst = ctx.instanceOf(c);
        if (inst) out.push(inst);
      }
      return out;
    }
    const value = () => columns().map((c) => c.index());
    const same = (a, b) => !!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]);

    function apply() {
      columns().forEach((c, k) => c.set(Number(st.value[k]) || 0));
      st.known = null; // re-read once the columns are laid out
    }

    function emitIfChanged(v) {
      if (st.known === null) {
        // the app's value as the columns show it (past the end means the last row)
        st.known = columns().map((c, k) => Math.max(0, Math.min(c.count() - 1, Number(st.value[k]) || 0)));
      }
      if (same(v, st.known)) return;
      st.known = v;
      ctx.emit('change', { value: v });
    }

    // Rows appear after the value arrives: re-apply it when columns come.
    const mo = new MutationObserver(apply);
    mo.observe(wrapper, { childList: true });

    const inst = {
      slot: wrapper,
      name: '',
      /** The row step the columns use (and the indicator and mask follow). */
      step(firstRow) {
        const styled = st.indicatorStyle || st.indicatorClass.length;
        if (!styled) indicator.style.height = `${firstRow || DEFAULT_ROW}px`;
        const r = styled ? indicator.getBoundingClientRect().height : firstRow || DEFAULT_ROW;
        const pad = Math.max(0, (el.clientHeight - r) / 2);
        mask.style.setProperty('--wx-picker-view-pad', `${pad}px`);
        return r;
      },
      colStart(col) {
        if (moving.size === 0) ctx.emit('pickstart', {});
        moving.add(col);
      },
      colRelease(col, i) {
        if (!st.immediate) return;
        const v = columns().map((c) => (c === col ? i : c.index()));
        emitIfChanged(v);
      },
      colSettle(col) {
        moving.delete(col);
        emitIfChanged(value());
        if (moving.size === 0) ctx.emit('pickend', {});
      },
      attr(name, v) {
        switch (kebab(name)) {
          case 'value':
            st.value = Array.isArray(v) ? v : [];
            st.known = null;
            apply();
            break;
          case 'immediate-change': st.immediate = v === true || v === '' || v === 'true'; break;
          case 'indicator-style':
            st.indicatorStyle = str(v);
            indicator.style.cssText = st.indicatorStyle;
            for (const c of columns()) c.layout();
            break;
          case 'indicator-class':
            st.indicatorClass = swapClasses(indicator, st.indicatorClass, extClasses(el, v));
            for (const c of columns()) c.layout();
            break;
          case 'mask-style': {
            const pad = mask.style.getPropertyValue('--wx-picker-view-pad');
            mask.style.cssText = str(v);
            if (pad) mask.style.setProperty('--wx-picker-view-pad', pad);
            break;
          }
          case 'mask-class': st.maskClass = swapClasses(mask, st.maskClass, extClasses(el, v)); break;
          case 'name': inst.name = str(v); break;
          default: break;
        }
      },
      formValue: value,
      formReset() {
        st.value = [];
        apply();
      },
      destroy() { mo.disconnect(); },
    };
    return inst;
  },
};

export const pickerViewColumn = {
  create(ctx) {
    const el = ctx.el;
    const scroller = h('div', 'wx-picker-view-scroller', el);
    const content = h('div', 'wx-picker-view-content', scroller);
    const view = () => {
      const p = closestHost(el, 'wx-picker-view');
      return p ? ctx.instanceOf(p) : null;
    };
    const w = wheel(scroller, content, {
      rowHeight() {
        const first = content.firstElementChild;
        const r = first ? first.getBoundingClientRect().height : 0;
        const v = view();
        return v ? v.step(r) : r || DEFAULT_ROW;
      },
      onStart: () => view()?.colStart(inst),
      onRelease: (i) => view()?.colRelease(inst, i),
      onSettle: () => view()?.colSettle(inst),
    });
    const inst = {
      slot: content,
      attr() {},
      index: () => w.index(),
      count: () => content.children.length,
      set: (i) => w.set(i),
      layout: () => w.layout(),
      destroy: () => w.destroy(),
    };
    return inst;
  },
};
