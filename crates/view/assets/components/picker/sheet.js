// The bottom picker panel (`ctx.ui.sheet`): a mask over the whole screen, a bar with 取消 and
// 确定, and one snapping wheel per column with the middle row highlighted.
import { h } from '../util.js';
import { wheel } from './wheel.js';

/**
 * opts: {columns: string[][], value: number[], title?, onColumnChange?(k, index),
 *        onConfirm(value: number[]), onCancel()}
 * Returns {setColumn(k, labels, index), value(): number[], close()}.
 */
export function sheet(opts) {
  const root = h('div', 'wx-picker-sheet', document.body);
  const mask = h('div', 'wx-picker-sheet-mask', root);
  const panel = h('div', 'wx-picker', root);
  panel.setAttribute('role', 'dialog');
  const bar = h('div', 'wx-picker-hd', panel);
  const cancel = h('div', 'wx-picker-action wx-picker-cancel', bar);
  cancel.textContent = '取消';
  const title = h('div', 'wx-picker-title', bar);
  title.textContent = opts.title || '';
  const confirm = h('div', 'wx-picker-action wx-picker-confirm', bar);
  confirm.textContent = '确定';
  for (const b of [cancel, confirm]) {
    b.setAttribute('role', 'button');
    b.tabIndex = 0;
  }
  const body = h('div', 'wx-picker-bd', panel);
  const cols = h('div', 'wx-picker-cols', body);
  h('div', 'wx-picker-indicator', body);
  h('div', 'wx-picker-mask', body);

  const wheels = [];
  const contents = [];
  const scrollers = [];

  function fill(content, labels) {
    const now = Array.from(content.children, (c) => c.textContent);
    if (now.length === labels.length && now.every((t, i) => t === labels[i])) return;
    content.replaceChildren(...labels.map((t) => {
      const row = h('div', 'wx-picker-item');
      row.textContent = t;
      return row;
    }));
  }

  function addColumn(k) {
    const col = h('div', 'wx-picker-col', cols);
    const scroller = h('div', 'wx-picker-scroller', col);
    const content = h('div', 'wx-picker-content', scroller);
    contents[k] = content;
    scrollers[k] = scroller;
    wheels[k] = wheel(scroller, content, {
      rowHeight: () => (content.firstElementChild ? content.firstElementChild.offsetHeight : 0),
      onSettle: (i) => opts.onColumnChange && opts.onColumnChange(k, i),
    });
  }

  opts.columns.forEach((labels, k) => {
    addColumn(k);
    fill(contents[k], labels);
    wheels[k].set((opts.value && opts.value[k]) || 0);
  });

  let closed = false;
  function close() {
    if (closed) return;
    closed = true;
    root.classList.remove('wx-picker-sheet-show');
    document.removeEventListener('keydown', onKey, true);
    for (const w of wheels) w.destroy();
    setTimeout(() => root.remove(), 300);
  }
  const value = () => wheels.map((w) => w.index());
  const done = (ok) => {
    if (closed) return;
    const v = value();
    close();
    if (ok) opts.onConfirm && opts.onConfirm(v);
    else if (opts.onCancel) opts.onCancel();
  };
  function onKey(e) {
    if (e.key === 'Escape') done(false);
    else if (e.key === 'Enter' && e.target !== cancel) done(true);
    else return;
    e.preventDefault();
    e.stopPropagation();
  }
  mask.addEventListener('click', () => done(false));
  cancel.addEventListener('click', () => done(false));
  confirm.addEventListener('click', () => done(true));
  document.addEventListener('keydown', onKey, true);

  requestAnimationFrame(() => {
    root.classList.add('wx-picker-sheet-show');
    for (const w of wheels) w.layout();
    if (scrollers[0]) scrollers[0].focus({ preventScroll: true }); // arrow keys work at once
  });

  return {
    setColumn(k, labels, index) {
      if (closed) return;
      if (!wheels[k]) addColumn(k);
      fill(contents[k], labels);
      wheels[k].layout();
      if (index !== undefined) wheels[k].set(index);
    },
    value,
    close,
  };
}
