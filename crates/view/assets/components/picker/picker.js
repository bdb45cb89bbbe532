// <picker>: its children are what the page shows; a tap opens the bottom sheet for its mode.
import { bool, str } from '../util.js';
import { kebab } from '../form/common.js';
import { makeMode, emptyValue } from './modes.js';
import { sheet as ownSheet } from './sheet.js';

export const picker = {
  create(ctx) {
    const el = ctx.el;
    const st = {
      mode: 'selector', range: [], rangeKey: '', value: undefined, start: '', end: '', fields: 'day',
      customItem: '', level: 'region', disabled: false, headerText: '',
    };
    let open = null; // {sheet, model}

    const current = () => (st.value === undefined || st.value === null ? emptyValue(st.mode) : st.value);

    function show() {
      if (st.disabled || open) return;
      const model = makeMode({ ...st, value: current() });
      const make = (ctx.ui && typeof ctx.ui.sheet === 'function' && ctx.ui.sheet) || ownSheet;
      const o = { model };
      open = o;
      o.sheet = make({
        columns: model.cols,
        value: model.sel,
        title: st.headerText,
        onColumnChange(k, i) {
          if (open !== o) return;
          model.sel[k] = i;
          if (st.mode === 'multiSelector') {
            ctx.emit('columnchange', { column: k, value: i });
            return;
          }
          for (const j of model.change(k)) o.sheet.setColumn(j, model.cols[j], model.sel[j]);
        },
        onConfirm(sel) {
          if (open !== o) return;
          open = null;
          // a wheel still moving at 确定 has not reported yet: take its row now
          for (let k = 0; k < model.cols.length; k++) {
            const i = Math.max(0, Math.min(sel[k] ?? 0, model.cols[k].length - 1));
            if (model.sel[k] === i) continue;
            model.sel[k] = i;
            if (st.mode !== 'multiSelector') model.change(k);
          }
          const { value, detail } = model.result();
          st.value = value;
          ctx.emit('change', detail);
          ctx.model('value', value);
        },
        onCancel() {
          if (open !== o) return;
          open = null;
          ctx.emit('cancel', {});
        },
      });
    }

    // The app answers `columnchange` by changing `range` (and maybe `value`) while the sheet is open.
    function refresh(valueChanged) {
      if (!open || (st.mode !== 'multiSelector' && st.mode !== 'selector')) return;
      const shown = open.sheet.value();
      const v = valueChanged ? current() : st.mode === 'selector' ? shown[0] : shown;
      const model = makeMode({ ...st, value: v });
      open.model = model;
      model.cols.forEach((labels, k) => open.sheet.setColumn(k, labels, model.sel[k]));
    }

    el.addEventListener('click', show);

    const inst = {
      slot: el,
      name: '',
      attr(name, value) {
        switch (kebab(name)) {
          case 'mode': st.mode = str(value) || 'selector'; break;
          case 'range': st.range = Array.isArray(value) ? value : []; refresh(false); break;
          case 'range-key': st.rangeKey = str(value); refresh(false); break;
          case 'value': st.value = value; refresh(true); break;
          case 'start': st.start = str(value); break;
          case 'end': st.end = str(value); break;
          case 'fields': st.fields = str(value) || 'day'; break;
          case 'custom-item': st.customItem = str(value); break;
          case 'level': st.level = str(value) || 'region'; break;
          case 'disabled': st.disabled = bool(value); break;
          case 'header-text': st.headerText = str(value); break;
          case 'name': inst.name = str(value); break;
          default: break;
        }
      },
      formValue: () => current(),
      formReset() {
        st.value = emptyValue(st.mode);
        ctx.model('value', st.value);
      },
      destroy() {
        if (open) open.sheet.close();
        open = null;
      },
    };
    return inst;
  },
};
