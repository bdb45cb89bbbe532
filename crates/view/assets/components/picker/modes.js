// The columns of each <picker> mode and what a choice means: `cols` (labels per column) and
// `sel` (row per column) are what the sheet shows; `change(k)` recomputes the columns after
// column k and returns the ones that changed; `result()` is {value, detail} for `change`.
import { num, str } from '../util.js';
import { regions } from './region.js';

const pad = (n) => String(n).padStart(2, '0');
const clampTo = (i, len) => Math.max(0, Math.min(len - 1, Number.isFinite(i) ? Math.trunc(i) : 0));

/** The labels of a `range` column (`range-key` for arrays of objects). */
export function labels(range, key) {
  if (!Array.isArray(range)) return [];
  return range.map((item) => (item && typeof item === 'object' && key ? str(item[key]) : str(item)));
}

function selector(st) {
  const cols = [labels(st.range, st.rangeKey)];
  const sel = [clampTo(num(st.value, 0), cols[0].length)];
  return { cols, sel, change: () => [], result: () => ({ value: sel[0], detail: { value: sel[0] } }) };
}

function multiSelector(st) {
  const range = Array.isArray(st.range) ? st.range : [];
  const cols = range.map((c) => labels(c, st.rangeKey));
  const v = Array.isArray(st.value) ? st.value : [];
  const sel = cols.map((c, k) => clampTo(num(v[k], 0), c.length));
  return { cols, sel, change: () => [], result: () => ({ value: sel.slice(), detail: { value: sel.slice() } }) };
}

/** A list of numbers lo..hi. */
const span = (lo, hi) => Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);

function time(st) {
  const parse = (s, d) => {
    const m = /^(\d{1,2}):(\d{1,2})$/.exec(str(s).trim());
    return m ? Math.min(23, +m[1]) * 60 + Math.min(59, +m[2]) : d;
  };
  const lo = parse(st.start, 0);
  const hi = Math.max(lo, parse(st.end, 23 * 60 + 59));
  const now = new Date();
  let t = Math.min(hi, Math.max(lo, parse(st.value, now.getHours() * 60 + now.getMinutes())));
  let hours = [];
  let mins = [];
  const cols = [[], []];
  const sel = [0, 0];
  function build() {
    const h = Math.floor(t / 60);
    hours = span(Math.floor(lo / 60), Math.floor(hi / 60));
    mins = span(h === Math.floor(lo / 60) ? lo % 60 : 0, h === Math.floor(hi / 60) ? hi % 60 : 59);
    cols[0] = hours.map(pad);
    cols[1] = mins.map(pad);
    sel[0] = hours.indexOf(h);
    sel[1] = clampTo(mins.indexOf(t % 60), mins.length);
  }
  build();
  return {
    cols, sel,
    change(k) {
      const h = hours[sel[0]];
      const m = k === 0 ? t % 60 : mins[sel[1]];
      t = Math.min(hi, Math.max(lo, h * 60 + m));
      build();
      return k === 0 ? [1] : [];
    },
    result() {
      const v = `${pad(hours[sel[0]])}:${pad(mins[sel[1]])}`;
      return { value: v, detail: { value: v } };
    },
  };
}

function date(st) {
  // "2030" or "2030-06" as an end means the whole year or month
  const parse = (s, end) => {
    const m = /^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?/.exec(str(s).trim());
    if (!m) return null;
    return [+m[1], m[2] ? +m[2] : end ? 12 : 1, m[3] ? +m[3] : end ? 31 : 1];
  };
  const key = ([y, m, d]) => y * 10000 + m * 100 + d;
  const lo = parse(st.start, false) || [1900, 1, 1];
  const hiP = parse(st.end, true);
  const hi = hiP && key(hiP) >= key(lo) ? hiP : [Math.max(2100, lo[0]), 12, 31];
  const n = { year: 1, month: 2 }[st.fields] || 3;
  const now = new Date();
  const clampDate = (d) => (key(d) < key(lo) ? lo.slice() : key(d) > key(hi) ? hi.slice() : d);
  let cur = clampDate(parse(st.value, false) || [now.getFullYear(), now.getMonth() + 1, now.getDate()]);
  const lists = [[], [], []];
  const cols = [];
  const sel = [];
  function build() {
    const [y, m] = cur;
    const inDays = new Date(y, m, 0).getDate();
    lists[0] = span(lo[0], hi[0]);
    lists[1] = span(y === lo[0] ? lo[1] : 1, y === hi[0] ? hi[1] : 12);
    const firstM = y === lo[0] && m === lo[1];
    const lastM = y === hi[0] && m === hi[1];
    lists[2] = span(firstM ? lo[2] : 1, lastM ? Math.min(hi[2], inDays) : inDays);
    const suffix = ['年', '月', '日'];
    for (let k = 0; k < n; k++) {
      cols[k] = lists[k].map((v) => (k === 0 ? String(v) : pad(v)) + suffix[k]);
      sel[k] = clampTo(lists[k].indexOf(cur[k]), lists[k].length);
    }
  }
  function fix() {
    // keep the day inside the month after a year or month change
    const [y, m] = cur;
    cur[2] = Math.min(cur[2], new Date(y, m, 0).getDate());
    cur = clampDate(cur);
  }
  build();
  return {
    cols, sel,
    change(k) {
      cur[k] = lists[k][sel[k]];
      fix();
      build();
      return span(k + 1, n - 1);
    },
    result() {
      const parts = [String(lists[0][sel[0]]).padStart(4, '0')];
      if (n > 1) parts.push(pad(lists[1][sel[1]]));
      if (n > 2) parts.push(pad(lists[2][sel[2]]));
      const v = parts.join('-');
      return { value: v, detail: { value: v } };
    },
  };
}

function region(st) {
  const custom = str(st.customItem);
  const n = { province: 1, city: 2 }[st.level] || 3; // sub-district: no data, shown as region
  const want = Array.isArray(st.value) ? st.value.map(str) : [];
  const lists = []; // per column: [{name, code, children}] (custom item as {name, code: ''})
  const cols = [];
  const sel = [];
  function build(from) {
    for (let k = from; k < n; k++) {
      let list;
      if (k === 0) list = regions;
      else {
        const parent = lists[k - 1][sel[k - 1]];
        list = parent && parent.children ? parent.children : [];
        if (custom && parent && parent.custom) list = [];
      }
      lists[k] = custom ? [{ name: custom, code: '', custom: true, children: [] }, ...list] : list;
      cols[k] = lists[k].map((r) => r.name);
      if (sel[k] === undefined) {
        const i = lists[k].findIndex((r) => r.name === want[k]);
        sel[k] = i >= 0 ? i : 0;
      } else sel[k] = clampTo(sel[k], lists[k].length);
    }
  }
  build(0);
  return {
    cols, sel,
    change(k) {
      for (let j = k + 1; j < n; j++) sel[j] = 0;
      build(k + 1);
      return span(k + 1, n - 1);
    },
    result() {
      const picked = lists.slice(0, n).map((l, k) => l[sel[k]]);
      const value = picked.map((r) => (r ? r.name : ''));
      const code = picked.map((r) => (r ? r.code : ''));
      return { value, detail: { value, code } };
    },
  };
}

const MODES = { selector, multiSelector, time, date, region };

/** The model for a picker's current attributes. */
export function makeMode(st) {
  return (MODES[st.mode] || selector)(st);
}

/** The value a picker of that mode starts from and resets to. */
export function emptyValue(mode) {
  if (mode === 'multiSelector' || mode === 'region') return [];
  if (mode === 'time' || mode === 'date') return '';
  return 0;
}
