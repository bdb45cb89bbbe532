// The Cove platform console: a single-page app over /api/v1. No framework and no build step.
// Every node is built with createElement and textContent, never from HTML strings, so
// names and messages from the API (CJK app names, reasons, error text) cannot inject markup.
// The Content-Security-Policy forbids inline styles too: charts are SVG with attributes.

const state = { user: null, csrf: null };
const main = document.getElementById('main');
let renderSeq = 0;

// ---------------------------------------------------------------------------------------
// API

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  // Every state-changing request carries the session's CSRF token.
  if (method !== 'GET') headers['x-csrf-token'] = state.csrf || '';
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network', `The server could not be reached (${e.message}).`);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const code = (data && data.code) || `http_${res.status}`;
    // Not every refusal is JSON (a body the server could not parse is answered in text).
    const message = (data && data.message) || text.trim().slice(0, 500) || res.statusText || 'request failed';
    if (res.status === 403 && code === 'password_change_required' && !state.mustChange) {
      state.mustChange = true;
      queueMicrotask(() => render());
    }
    if (res.status === 401 && path !== '/session') {
      // The session ended (expired, or logged out elsewhere): back to the login form.
      state.user = null;
      state.csrf = null;
      state.expired = true;
      queueMicrotask(() => render());
    }
    throw new ApiError(res.status, code, message);
  }
  return data;
}

const enc = encodeURIComponent;

// ---------------------------------------------------------------------------------------
// DOM helpers

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  let value;
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'value') value = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  add(el, children);
  // After the children, so that a <select> has its options.
  if (value !== undefined) el.value = value;
  return el;
}

function add(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null) continue;
    el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

function badge(text, kind) {
  return h('span', { class: `badge ${kind || ''}` }, text);
}

function table(headers, rows, attrs) {
  return h(
    'table',
    attrs || {},
    // A header ending in '#' heads a numeric (right-aligned) column.
    h('thead', {}, h('tr', {}, headers.map((x) => (String(x).endsWith('#') ? h('th', { scope: 'col', class: 'num' }, x.slice(0, -1)) : h('th', { scope: 'col' }, x))))),
    h('tbody', {}, rows),
  );
}

function empty(cols, text) {
  return h('tr', { class: 'empty' }, h('td', { colspan: cols }, text));
}

function section(title, ...children) {
  return h('section', { class: 'card' }, h('h3', {}, title), children);
}

function field(label, input, hint) {
  return h('label', { class: 'field' }, h('span', {}, label), input, hint ? h('small', { class: 'muted' }, hint) : null);
}

function pad(n) {
  return String(n).padStart(2, '0');
}

function fmtTime(t) {
  if (t == null || t === '') return '—';
  const d = typeof t === 'number' ? new Date(t * 1000) : new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function fmtBytes(n) {
  if (n == null) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}

function fmtNum(n) {
  return n == null ? '—' : Number(n).toLocaleString('en-US');
}

// A share (failures / calls, bytes / limit) as a percentage.
function fmtRate(r) {
  if (r == null || Number.isNaN(r)) return '—';
  const pct = r * 100;
  return `${pct.toFixed(pct < 10 ? 2 : 1)}%`;
}

function list(text) {
  return text
    .split(/[\s,，]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

// A user as the API names one: a name, or (in some rows) only an id.
function userRef(x) {
  if (x == null || x === '') return '—';
  return typeof x === 'number' ? `user #${x}` : String(x);
}

// The user's roles: `role` in the contract, `roles` (a set) in the platform's User.
function rolesOf(u) {
  if (u.role) return String(u.role);
  return (u.roles || []).join(', ').replace(/_/g, '-');
}

function errText(e) {
  if (e instanceof ApiError) return `${e.message} (${e.code})`;
  return String((e && e.message) || e);
}

// ---------------------------------------------------------------------------------------
// Banners: API errors are always shown; successes briefly.

const banner = document.getElementById('error');
const bannerText = document.getElementById('error-text');
document.getElementById('error-close').addEventListener('click', clearError);

function showError(e) {
  bannerText.textContent = errText(e);
  banner.className = 'error';
  banner.setAttribute('role', 'alert');
  banner.hidden = false;
  if (e instanceof ApiError) banner.dataset.code = e.code;
}

function showNotice(text) {
  bannerText.textContent = text;
  banner.className = 'notice';
  banner.setAttribute('role', 'status');
  delete banner.dataset.code;
  banner.hidden = false;
}

function clearError() {
  banner.hidden = true;
  bannerText.textContent = '';
  delete banner.dataset.code;
}

// Run a mutation from a button: disabled meanwhile, errors to the banner, then refresh.
async function act(button, fn, done) {
  if (button) button.disabled = true;
  clearError();
  try {
    const r = await fn();
    if (done) showNotice(done);
    await render({ keepBanner: true });
    return r;
  } catch (e) {
    showError(e);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

// A modal dialog. With `reason`, it asks for a required reason. `run` gets the reason; an
// error it throws is shown in the dialog, which stays open.
function dialog({ title, text, reason, confirm, danger, run }) {
  return new Promise((resolve) => {
    const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const area = reason
      ? h('textarea', { name: 'reason', rows: 3, required: true, placeholder: 'Why? (recorded in the audit log)' })
      : null;
    const ok = h('button', { type: 'submit', class: danger ? 'danger' : 'primary' }, confirm || 'Confirm');
    const cancel = h('button', { type: 'button', class: 'ghost' }, 'Cancel');
    const form = h(
      'form',
      { method: 'dialog', novalidate: true },
      h('h3', {}, title),
      text ? h('p', {}, text) : null,
      area ? field(reason, area) : null,
      err,
      h('div', { class: 'actions' }, cancel, ok),
    );
    const dlg = h('dialog', { class: 'modal' }, form);
    const close = (v) => {
      dlg.close();
      dlg.remove();
      resolve(v);
    };
    cancel.addEventListener('click', () => close(null));
    dlg.addEventListener('cancel', (e) => {
      e.preventDefault();
      close(null);
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const value = area ? area.value.trim() : '';
      if (area && !value) {
        err.textContent = 'A reason is required.';
        err.hidden = false;
        area.focus();
        return;
      }
      ok.disabled = true;
      err.hidden = true;
      try {
        const r = await run(value);
        close(r === undefined ? true : r);
      } catch (x) {
        err.textContent = errText(x);
        err.hidden = false;
      } finally {
        ok.disabled = false;
      }
    });
    document.body.append(dlg);
    dlg.showModal();
    (area || ok).focus();
  });
}

async function dialogAct(opts, done) {
  clearError();
  const r = await dialog(opts);
  if (r !== null) {
    if (done) showNotice(done);
    await render({ keepBanner: true });
  }
}

// ---------------------------------------------------------------------------------------
// Routing: #/apps, #/apps/{id}[/{tab}], #/apps/{id}/versions/{code}, #/hosts, #/audit

function parseRoute() {
  const parts = location.hash
    .replace(/^#\/?/, '')
    .split('?')[0]
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  const [section, id, tab, code] = parts;
  if (section === 'hosts') return { section: 'hosts' };
  if (section === 'audit') return { section: 'audit' };
  if (section === 'apps' && id) return { section: 'apps', id, tab: tab || 'versions', code };
  return { section: 'apps' };
}

window.addEventListener('hashchange', () => render());

async function render(opts = {}) {
  const seq = ++renderSeq;
  if (!opts.keepBanner) clearError();
  const top = document.getElementById('top');
  if (!state.user) {
    top.hidden = true;
    main.replaceChildren(loginView());
    document.title = 'Sign in · Cove console';
    return;
  }
  if (state.mustChange) {
    top.hidden = true;
    main.replaceChildren(passwordChangeView());
    document.title = 'New password · Cove console';
    return;
  }
  top.hidden = false;
  const u = state.user;
  document.getElementById('who').replaceChildren(
    h('strong', {}, u.username),
    ' · ',
    rolesOf(u),
    ' · ',
    u.org_name || u.org_id,
    u.operator ? badge('operator org', 'info') : null,
  );
  const route = parseRoute();
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.dataset.section === route.section);
  }
  let view;
  try {
    if (route.section === 'hosts') view = await hostsView();
    else if (route.section === 'audit') view = await auditView();
    else if (route.id) view = await appView(route);
    else view = await appsView();
  } catch (e) {
    if (seq !== renderSeq) return;
    showError(e);
    view = h('div', { class: 'failed' }, h('p', {}, 'This page could not be loaded.'), h('p', { class: 'muted' }, errText(e)));
  }
  // A newer navigation started meanwhile: its view wins.
  if (seq !== renderSeq) return;
  main.replaceChildren(view);
}

// ---------------------------------------------------------------------------------------
// Login

function loginView() {
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const err = h('p', { class: 'form-error', id: 'login-error', role: 'alert', hidden: true });
  const go = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { id: 'login', class: 'card login' },
    h('h2', {}, 'Cove platform console'),
    h('p', { class: 'muted' }, 'Sign in with your platform account.'),
    state.expired ? h('p', { class: 'notice-text', role: 'status' }, 'Your session ended: sign in again.') : null,
    field('Username', user),
    field('Password', pass),
    err,
    h('div', { class: 'actions' }, go),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    go.disabled = true;
    try {
      const s = await api('POST', '/session', { username: user.value.trim(), password: pass.value });
      state.user = s.user;
      state.csrf = s.csrf;
      state.mustChange = !!s.must_change_password;
      state.expired = false;
      if (!location.hash || location.hash === '#/') location.hash = '#/apps';
      await render();
    } catch (x) {
      err.textContent = `Sign-in failed: ${errText(x)}`;
      err.hidden = false;
      pass.select();
    } finally {
      go.disabled = false;
    }
  });
  return h('div', { class: 'center' }, form);
}

// A one-time password (the demo admin's, or one an admin set) must be replaced before
// anything else: until then the API answers every other call with password_change_required.
function passwordChangeView() {
  const pw = (name, auto) => h('input', { name, type: 'password', autocomplete: auto, required: true });
  const cur = pw('current', 'current-password');
  const next = pw('new', 'new-password');
  const again = pw('repeat', 'new-password');
  const err = h('p', { class: 'form-error', id: 'password-error', role: 'alert', hidden: true });
  const go = h('button', { type: 'submit', class: 'primary' }, 'Change password');
  const form = h(
    'form',
    { id: 'change-password', class: 'card login' },
    h('h2', {}, 'Choose your own password'),
    h('p', { class: 'muted' }, 'The password you signed in with was set for you and works only once. Choose a new one of at least 12 characters to continue.'),
    field('Current password', cur),
    field('New password', next),
    field('Repeat new password', again),
    err,
    h('div', { class: 'actions' }, go),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    if (next.value !== again.value) {
      err.textContent = 'The new passwords differ.';
      err.hidden = false;
      return;
    }
    go.disabled = true;
    try {
      await api('PUT', '/session/password', { current: cur.value, new: next.value });
      state.mustChange = false;
      if (!location.hash || location.hash === '#/') location.hash = '#/apps';
      await render();
    } catch (x) {
      err.textContent = `The password was not changed: ${errText(x)}`;
      err.hidden = false;
    } finally {
      go.disabled = false;
    }
  });
  return h('div', { class: 'center' }, form);
}

const logout = document.getElementById('logout');
logout.addEventListener('click', async () => {
  logout.disabled = true;
  try {
    await api('DELETE', '/session');
  } catch (x) {
    // The session is gone either way on this side; a failure is still worth seeing.
    if (!(x instanceof ApiError && x.status === 401)) showError(x);
  } finally {
    logout.disabled = false;
  }
  state.user = null;
  state.csrf = null;
  state.mustChange = false;
  await render({ keepBanner: true });
});

// ---------------------------------------------------------------------------------------
// Mini-programs

function stateBadges(app) {
  const out = [];
  if (app.taken_down) out.push(badge('taken down', 'bad'), ' ');
  if (app.live_version != null) out.push(badge(`live v${app.live_version}`, app.taken_down ? 'muted' : 'good'));
  else out.push(badge('not published', 'muted'));
  return out;
}

async function appsView() {
  const [apps, orgs] = await Promise.all([
    api('GET', '/apps'),
    // Organisations a new mini-program may belong to; without the list, those seen.
    api('GET', '/orgs').catch(() => null),
  ]);
  const rows = (filter) => {
    const f = filter.trim().toLowerCase();
    const shown = apps.filter(
      (a) =>
        !f ||
        [a.name, a.app_id, a.org_name, a.org_id, a.category].some((x) => String(x ?? '').toLowerCase().includes(f)),
    );
    if (!shown.length) return [empty(6, apps.length ? 'No mini-program matches.' : 'No mini-programs yet.')];
    return shown.map((a) =>
      h(
        'tr',
        { 'data-app': a.app_id },
        h('td', { class: 'name' }, h('a', { href: `#/apps/${enc(a.app_id)}` }, a.name)),
        h('td', {}, h('code', {}, a.app_id)),
        h('td', {}, a.category || '—'),
        h('td', {}, a.org_name || a.org_id),
        h('td', { class: 'num' }, a.live_version ?? '—'),
        h('td', { class: 'state' }, stateBadges(a)),
      ),
    );
  };
  const tbody = h('tbody', {}, rows(''));
  const search = h('input', { type: 'search', placeholder: 'Filter by name, app id, organisation…', 'aria-label': 'Filter' });
  search.addEventListener('input', () => tbody.replaceChildren(...rows(search.value)));
  const tbl = h(
    'table',
    { id: 'apps' },
    h(
      'thead',
      {},
      h('tr', {}, ['Name', 'App ID', 'Category', 'Organisation'].map((x) => h('th', { scope: 'col' }, x)), h('th', { scope: 'col', class: 'num' }, 'Live version'), h('th', { scope: 'col' }, 'State')),
    ),
    tbody,
  );
  document.title = 'Mini-programs · Cove console';
  return h(
    'div',
    {},
    h('div', { class: 'title' }, h('h2', {}, 'Mini-programs ', h('span', { class: 'count' }, String(apps.length))), search),
    tbl,
    newAppForm(apps, orgs),
  );
}

function newAppForm(apps, known) {
  const orgs = new Map();
  orgs.set(state.user.org_id, state.user.org_name || state.user.org_id);
  for (const o of Array.isArray(known) ? known : []) orgs.set(o.id, o.name || o.id);
  for (const a of apps) orgs.set(a.org_id, a.org_name || a.org_id);
  const appId = h('input', { name: 'app_id', required: true, pattern: '[A-Za-z0-9_\\-]+', placeholder: 'wx0123456789abcdef' });
  const name = h('input', { name: 'name', required: true, placeholder: '电费缴纳' });
  const category = h('input', { name: 'category', placeholder: 'utilities' });
  const org = h(
    'select',
    { name: 'org_id', value: state.user.org_id },
    [...orgs].map(([id, n]) => h('option', { value: id }, n)),
  );
  const go = h('button', { type: 'submit', class: 'primary' }, 'Create');
  const form = h(
    'form',
    { class: 'grid' },
    field('App ID', appId),
    field('Name', name),
    field('Category', category),
    field('Organisation', org),
    h('div', { class: 'actions' }, go),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    // Organisation ids are numbers in the API; the select holds strings.
    const orgId = /^\d+$/.test(org.value) ? Number(org.value) : org.value;
    const body = { app_id: appId.value.trim(), name: name.value.trim(), category: category.value.trim(), org_id: orgId };
    act(go, () => api('POST', '/apps', body), `Mini-program ${body.name} created.`);
  });
  return h('details', { class: 'card' }, h('summary', {}, 'New mini-program'), form);
}

const TABS = [
  ['versions', 'Versions'],
  ['gray', 'Gray release'],
  ['domains', 'Domains'],
  ['stats', 'Statistics'],
];

async function appView(route) {
  const id = route.id;
  const app = await api('GET', `/apps/${enc(id)}`);
  document.title = `${app.name} · Cove console`;
  let body;
  if (route.tab === 'gray') body = await grayTab(app);
  else if (route.tab === 'domains') body = domainsTab(app);
  else if (route.tab === 'stats') body = await statsTab(app);
  else body = await versionsTab(app, route.code);
  const takedown = app.taken_down
    ? h('button', {
        type: 'button',
        id: 'restore',
        onclick: () =>
          dialogAct(
            {
              title: `Restore ${app.name}?`,
              text: 'Users can launch it again; the live version is served as before.',
              confirm: 'Restore',
              run: () => api('POST', `/apps/${enc(id)}/restore`),
            },
            `${app.name} restored.`,
          ),
      }, 'Restore')
    : h('button', {
        type: 'button',
        id: 'takedown',
        class: 'danger',
        onclick: () =>
          dialogAct(
            {
              title: `Take down ${app.name}?`,
              text: 'Every container refuses to launch it from its next check, on every host app.',
              reason: 'Reason',
              confirm: 'Take down',
              danger: true,
              run: (reason) => api('POST', `/apps/${enc(id)}/takedown`, { reason }),
            },
            `${app.name} taken down.`,
          ),
      }, 'Emergency takedown');
  return h(
    'div',
    { class: 'app' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/apps' }, 'Mini-programs'), ' / ', app.name),
    h(
      'div',
      { class: 'title' },
      h(
        'div',
        {},
        h('h2', { id: 'app-name' }, app.name),
        h('p', { class: 'muted' }, h('code', {}, app.app_id), ' · ', app.org_name || app.org_id, app.category ? ` · ${app.category}` : ''),
        app.taken_down && app.takedown_reason ? h('p', { class: 'reason', id: 'takedown-reason' }, `Taken down: ${app.takedown_reason}`) : null,
      ),
      h('div', { class: 'state' }, stateBadges(app), takedown),
    ),
    h(
      'nav',
      { class: 'tabs', role: 'tablist' },
      TABS.map(([t, label]) =>
        h('a', { href: `#/apps/${enc(id)}/${t}`, role: 'tab', 'aria-selected': String(route.tab === t), class: route.tab === t ? 'active' : '' }, label),
      ),
    ),
    h('div', { class: 'tab', id: `tab-${route.tab}` }, body),
  );
}

// --- Versions and the review report ------------------------------------------------------

const STATE_KIND = { uploaded: 'muted', in_review: 'warn', approved: 'info', rejected: 'bad', released: 'good' };

async function versionsTab(app, code) {
  const id = app.app_id;
  const versions = await api('GET', `/apps/${enc(id)}/versions`);
  versions.sort((a, b) => b.code - a.code);
  const path = (c, step) => `/apps/${enc(id)}/versions/${enc(c)}/${step}`;
  const actions = (v) => {
    const out = [];
    const btn = (label, cls, onclick) => h('button', { type: 'button', class: `small ${cls || ''}`, onclick }, label);
    // The reviewer runs the candidate in the simulator (a new tab, opened by the user's click).
    out.push(
      btn('Preview', '', async (e) => {
        const b = e.currentTarget;
        b.disabled = true;
        clearError();
        try {
          const r = await api('POST', path(v.code, 'preview'));
          const link = h('a', { href: r.url, target: '_blank', rel: 'noopener noreferrer', class: 'preview-link' }, `Open ${v.name} (${v.code}) in the simulator`);
          b.replaceWith(link);
          showNotice(`The simulator runs version ${v.name} at ${r.url}`);
        } catch (err) {
          showError(err);
          b.disabled = false;
        }
      }),
    );
    if (v.state === 'uploaded') out.push(btn('Submit', '', (e) => act(e.currentTarget, () => api('POST', path(v.code, 'submit')), `Version ${v.name} submitted for review.`)));
    if (v.state === 'in_review') {
      out.push(
        btn('Approve', 'primary', () =>
          dialogAct(
            { title: `Approve ${v.name} (${v.code})?`, text: 'Read the review report first. Approval lets an operator publish it.', confirm: 'Approve', run: () => api('POST', path(v.code, 'approve')) },
            `Version ${v.name} approved.`,
          ),
        ),
        btn('Reject', 'danger', () =>
          dialogAct(
            { title: `Reject ${v.name} (${v.code})`, text: 'The developer sees the reason and uploads again.', reason: 'Reason', confirm: 'Reject', danger: true, run: (reason) => api('POST', path(v.code, 'reject'), { reason }) },
            `Version ${v.name} rejected.`,
          ),
        ),
      );
    }
    if (v.state === 'approved') {
      out.push(
        btn('Publish to gray', '', () =>
          dialogAct(
            { title: `Publish ${v.name} (${v.code}) to gray only?`, text: 'It is signed and sealed, but only users matched by a gray rule get it until it is promoted.', confirm: 'Publish to gray', run: () => api('POST', path(v.code, 'publish-gray')) },
            `Version ${v.name} published to gray.`,
          ),
        ),
        btn('Publish', 'primary', () =>
          dialogAct(
            { title: `Publish ${v.name} (${v.code})?`, text: 'It is signed, sealed for each host app and becomes the live version for everyone not matched by a gray rule.', confirm: 'Publish', run: () => api('POST', path(v.code, 'publish')) },
            `Version ${v.name} published.`,
          ),
        ),
      );
    }
    if (v.state === 'released' && v.code !== app.live_version && (app.live_version == null || v.code > app.live_version)) {
      out.push(
        btn('Promote to live', 'primary', () =>
          dialogAct(
            { title: `Make ${v.name} (${v.code}) the live version?`, text: 'Everyone not matched by a gray rule gets it from their next launch.', confirm: 'Promote', run: () => api('POST', `/apps/${enc(id)}/promote`, { version_code: v.code }) },
            `${v.name} is live.`,
          ),
        ),
      );
    }
    if (v.state === 'released' && app.live_version != null && v.code < app.live_version) {
      out.push(
        btn('Roll back to this', '', () =>
          dialogAct(
            { title: `Roll back to ${v.name} (${v.code})?`, text: `It replaces the live version${app.live_version != null ? ` ${app.live_version}` : ''} at once.`, confirm: 'Roll back', danger: true, run: () => api('POST', `/apps/${enc(id)}/rollback`, { version_code: v.code }) },
            `Rolled back to ${v.name}.`,
          ),
        ),
      );
    }
    return out;
  };
  const rows = versions.length
    ? versions.map((v) =>
        h(
          'tr',
          { 'data-code': v.code, class: String(v.code) === String(code) ? 'selected' : '' },
          h('td', { class: 'num' }, v.code),
          h('td', {}, v.name),
          h(
            'td',
            { class: 'state' },
            badge(v.state.replace('_', ' '), STATE_KIND[v.state]),
            v.code === app.live_version ? [' ', badge('live', app.taken_down ? 'muted' : 'good')] : null,
            v.reason ? h('div', { class: 'reason' }, `Reason: ${v.reason}`) : null,
          ),
          h('td', { class: 'note' }, v.note || ''),
          h('td', { class: 'num' }, fmtBytes(v.size)),
          h('td', {}, userRef(v.uploaded_by_name ?? v.uploaded_by)),
          h('td', { class: 'time' }, fmtTime(v.uploaded_at)),
          h('td', { class: 'actions' }, h('a', { class: 'report-link', href: `#/apps/${enc(id)}/versions/${enc(v.code)}` }, 'Report'), actions(v)),
        ),
      )
    : [empty(8, 'No versions uploaded yet. Upload one with `cove upload`.')];
  const out = [table(['Code#', 'Name', 'State', 'Note', 'Size#', 'Uploaded by', 'Uploaded', 'Actions'], rows, { id: 'versions' })];
  if (code != null) out.push(await reportView(app, code));
  return out;
}

async function reportView(app, code) {
  const v = await api('GET', `/apps/${enc(app.app_id)}/versions/${enc(code)}`);
  const r = v.report;
  const head = h('h3', {}, `Review report — ${v.name} (${v.code}) `, badge(v.state.replace('_', ' '), STATE_KIND[v.state]));
  if (!r) return h('section', { class: 'card report', id: 'report' }, head, h('p', { class: 'muted' }, 'No report for this version.'));

  const findings = (r.findings || []).length
    ? h('ul', { class: 'findings' }, r.findings.map((f) => h('li', { class: f.level }, badge(f.level, f.level === 'warn' ? 'warn' : 'info'), ' ', h('code', {}, f.code), ' ', f.message)))
    : h('p', { class: 'ok-text' }, 'No findings.');

  const apis = Object.entries(r.apis || {}).sort((a, b) => Number(b[1].sensitive) - Number(a[1].sensitive) || a[0].localeCompare(b[0]));
  const apiRows = apis.length
    ? apis.map(([name, u]) =>
        h(
          'tr',
          { class: u.sensitive ? 'flag' : '' },
          h('td', {}, h('code', {}, `wx.${name}`)),
          h('td', {}, u.sensitive ? badge('sensitive', 'warn') : ''),
          h('td', { class: 'num' }, u.calls),
          h('td', { class: 'files' }, [...(u.files || [])].join(', ')),
        ),
      )
    : [empty(4, 'No wx APIs called.')];

  const whitelist = app.domains || {};
  const referenced = new Set();
  const domRows = (r.domains || []).length
    ? r.domains.map((d) => {
        referenced.add(d.host.toLowerCase());
        const insecure = d.scheme === 'http' || d.scheme === 'ws';
        const missing = !d.whitelisted_in || d.whitelisted_in.length === 0;
        return h(
          'tr',
          { class: missing || insecure ? 'violation' : '' },
          h('td', {}, h('code', {}, `${d.scheme}://${d.host}`)),
          h('td', {}, missing ? badge('not whitelisted', 'bad') : d.whitelisted_in.map((l) => badge(l, 'good'))),
          h('td', {}, insecure ? badge('insecure scheme', 'bad') : ''),
          h('td', { class: 'files' }, [...(d.files || [])].join(', ')),
        );
      })
    : [empty(4, 'No domains referenced.')];
  const unused = [];
  for (const [kind, hosts] of Object.entries(whitelist)) {
    for (const host of hosts || []) if (!referenced.has(String(host).toLowerCase())) unused.push(`${host} (${kind})`);
  }

  const partLimit = 2 * 1024 * 1024;
  const totalLimit = 20 * 1024 * 1024;
  const sizeRows = (r.sizes || []).map((p) =>
    h(
      'tr',
      { class: p.bytes > partLimit ? 'violation' : '' },
      h('td', {}, p.part === 'main' ? 'main package' : h('code', {}, p.part)),
      h('td', { class: 'num' }, p.files),
      h('td', { class: 'num' }, fmtBytes(p.bytes)),
      h('td', {}, meter(p.bytes, partLimit, '2 MB')),
    ),
  );
  sizeRows.push(
    h(
      'tr',
      { class: `total ${r.total_bytes > totalLimit ? 'violation' : ''}` },
      h('td', {}, 'total'),
      h('td', { class: 'num' }, (r.sizes || []).reduce((n, p) => n + (p.files || 0), 0)),
      h('td', { class: 'num' }, fmtBytes(r.total_bytes)),
      h('td', {}, meter(r.total_bytes, totalLimit, '20 MB')),
    ),
  );

  const npmRows = (r.npm || []).length
    ? r.npm.map((m) => h('tr', {}, h('td', {}, h('code', {}, m.name)), h('td', { class: 'num' }, m.files), h('td', { class: 'num' }, fmtBytes(m.bytes))))
    : [empty(3, 'No npm modules.')];

  const scopes = [...(r.scopes || [])];
  return h(
    'section',
    { class: 'card report', id: 'report' },
    head,
    h('p', { class: 'muted' }, `Uploaded by ${userRef(v.uploaded_by_name ?? v.uploaded_by)} at ${fmtTime(v.uploaded_at)}${v.note ? ` — ${v.note}` : ''}`),
    (v.warnings || []).length ? h('ul', { class: 'findings' }, v.warnings.map((w) => h('li', { class: 'warn' }, badge('upload', 'warn'), ' ', w))) : null,
    h('h4', {}, 'Findings'),
    findings,
    h('h4', {}, `wx APIs (${apis.length}, ${apis.filter(([, u]) => u.sensitive).length} sensitive)`),
    table(['API', '', 'Calls#', 'Files'], apiRows, { id: 'report-apis' }),
    h('h4', {}, 'Domains referenced vs whitelist'),
    table(['Domain', 'Whitelisted in', 'Scheme', 'Files'], domRows, { id: 'report-domains' }),
    unused.length ? h('p', { class: 'muted' }, `Whitelisted but not referenced: ${unused.join(', ')}`) : null,
    h('h4', {}, 'Permission scopes'),
    scopes.length ? h('ul', { class: 'chips', id: 'report-scopes' }, scopes.map((x) => h('li', {}, h('code', {}, x)))) : h('p', { class: 'muted' }, 'No scopes.'),
    h('h4', {}, 'Size'),
    table(['Part', 'Files#', 'Size#', 'Against the limit'], sizeRows, { id: 'report-sizes' }),
    h('h4', {}, 'npm modules'),
    table(['Module', 'Files#', 'Size#'], npmRows, { id: 'report-npm' }),
    h('h4', {}, 'Diff against the live version'),
    diffView(r.diff, app.live_version),
  );
}

// A bar against a limit, as SVG (inline styles are not allowed).
function meter(value, limit, label) {
  const share = Math.min(1, (value || 0) / limit);
  const over = value > limit;
  return h(
    'span',
    { class: 'meter' },
    s(
      'svg',
      { width: 160, height: 10, viewBox: '0 0 160 10', role: 'img', 'aria-label': `${fmtRate(value / limit)} of ${label}` },
      s('rect', { x: 0, y: 0, width: 160, height: 10, rx: 3, class: 'meter-bg' }),
      s('rect', { x: 0, y: 0, width: Math.max(1, Math.round(share * 160)), height: 10, rx: 3, class: over ? 'meter-over' : share > 0.8 ? 'meter-high' : 'meter-fill' }),
    ),
    ` ${fmtRate(value / limit)} of ${label}`,
  );
}

function diffView(diff, live) {
  if (diff == null) return h('p', { class: 'muted', id: 'report-diff' }, 'No diff: nothing was live to compare against.');
  if (!diff.length) return h('p', { class: 'muted', id: 'report-diff' }, `No change against the live version ${live ?? ''}.`);
  const added = diff.reduce((n, f) => n + f.added, 0);
  const removed = diff.reduce((n, f) => n + f.removed, 0);
  return h(
    'div',
    { id: 'report-diff', class: 'diff' },
    h('p', {}, `${diff.length} files changed against live version ${live ?? ''}: `, h('span', { class: 'add' }, `+${added}`), ' ', h('span', { class: 'del' }, `−${removed}`)),
    diff.map((f) =>
      h(
        'details',
        { class: 'file', open: diff.length <= 5 },
        h('summary', {}, badge(f.status, f.status === 'added' ? 'good' : f.status === 'removed' ? 'bad' : 'info'), ' ', h('code', {}, f.path), ' ', h('span', { class: 'add' }, `+${f.added}`), ' ', h('span', { class: 'del' }, `−${f.removed}`)),
        h(
          'pre',
          { class: 'patch' },
          (f.patch || '').split('\n').map((line) => {
            const cls = line.startsWith('@@')
              ? 'hunk'
              : line.startsWith('+++') || line.startsWith('---')
                ? 'meta'
                : line.startsWith('+')
                  ? 'add'
                  : line.startsWith('-')
                    ? 'del'
                    : '';
            return h('span', { class: `line ${cls}` }, `${line}\n`);
          }),
        ),
      ),
    ),
  );
}

// --- Gray release -------------------------------------------------------------------------

const KINDS = {
  users: 'User ids',
  percent: 'Percentage',
  host_version: 'Host version',
  platforms: 'Platforms',
  tags: 'Tags',
  window: 'Time window',
};

function newCondition(kind) {
  switch (kind) {
    case 'users':
      return { kind, ids: [] };
    case 'percent':
      return { kind, percent: 10 };
    case 'host_version':
      return { kind, min: null, max: null };
    case 'platforms':
      return { kind, any: [] };
    case 'tags':
      return { kind, any: [] };
    default:
      return { kind: 'window', from: null, until: null };
  }
}

function toLocalInput(t) {
  if (t == null) return '';
  const d = new Date(t * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(v) {
  if (!v) return null;
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? null : Math.floor(t / 1000);
}

async function grayTab(app) {
  const id = app.app_id;
  const [versions, hosts] = await Promise.all([
    api('GET', `/apps/${enc(id)}/versions`),
    // Host apps are for the operator organisation; the explain form works without them.
    api('GET', '/hosts').catch(() => []),
  ]);
  versions.sort((a, b) => b.code - a.code);
  // The editor works on a copy; Save sends it whole.
  const rules = structuredClone((app.release && app.release.rules) || []);
  const box = h('div', { id: 'rules' });
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });

  const condEditor = (rule, c, i) => {
    const set = (k, v) => {
      c[k] = v;
    };
    let inputs;
    if (c.kind === 'users') {
      inputs = [field('User ids', h('textarea', { rows: 2, value: (c.ids || []).join('\n'), oninput: (e) => set('ids', list(e.target.value)) }), 'one per line or comma-separated')];
    } else if (c.kind === 'percent') {
      inputs = [field('Percent', h('input', { type: 'number', min: 0, max: 100, step: 0.01, value: c.percent, oninput: (e) => set('percent', Number(e.target.value)) }), 'stable per user')];
    } else if (c.kind === 'host_version') {
      inputs = [
        field('Min', h('input', { value: c.min || '', placeholder: '3.10.0', oninput: (e) => set('min', e.target.value.trim() || null) })),
        field('Max', h('input', { value: c.max || '', placeholder: '4', oninput: (e) => set('max', e.target.value.trim() || null) })),
      ];
    } else if (c.kind === 'platforms' || c.kind === 'tags') {
      inputs = [field(c.kind === 'tags' ? 'Any of the tags' : 'Any of the platforms', h('input', { value: (c.any || []).join(', '), placeholder: c.kind === 'tags' ? 'staff, beta' : 'ios, android, harmony', oninput: (e) => set('any', list(e.target.value)) }))];
    } else {
      inputs = [
        field('From', h('input', { type: 'datetime-local', value: toLocalInput(c.from), oninput: (e) => set('from', fromLocalInput(e.target.value)) })),
        field('Until', h('input', { type: 'datetime-local', value: toLocalInput(c.until), oninput: (e) => set('until', fromLocalInput(e.target.value)) })),
      ];
    }
    return h(
      'div',
      { class: 'cond' },
      h('span', { class: 'kind' }, KINDS[c.kind] || c.kind),
      inputs,
      h('button', { type: 'button', class: 'ghost small', title: 'Remove condition', onclick: () => { rule.conditions.splice(i, 1); draw(); } }, 'Remove'),
    );
  };

  const draw = () => {
    box.replaceChildren(
      ...(rules.length
        ? rules.map((rule, i) => {
            const kind = h('select', { 'aria-label': 'Condition kind' }, Object.entries(KINDS).map(([k, l]) => h('option', { value: k }, l)));
            return h(
              'div',
              { class: 'rule card', 'data-rule': rule.id },
              h(
                'div',
                { class: 'rule-head' },
                h('span', { class: 'order' }, `#${i + 1}`),
                field('Rule id', h('input', { value: rule.id, required: true, oninput: (e) => { rule.id = e.target.value.trim(); } })),
                field(
                  'Serves version',
                  h(
                    'select',
                    { value: String(rule.version_code), onchange: (e) => { rule.version_code = Number(e.target.value); } },
                    versions.some((v) => v.code === rule.version_code) ? null : h('option', { value: String(rule.version_code) }, `${rule.version_code} (unknown)`),
                    versions.map((v) => h('option', { value: String(v.code) }, `${v.code} — ${v.name} (${v.state.replace('_', ' ')})`)),
                  ),
                ),
                h(
                  'span',
                  { class: 'buttons' },
                  h('button', { type: 'button', class: 'ghost small', disabled: i === 0, title: 'Earlier', onclick: () => { rules.splice(i - 1, 0, rules.splice(i, 1)[0]); draw(); } }, '↑'),
                  h('button', { type: 'button', class: 'ghost small', disabled: i === rules.length - 1, title: 'Later', onclick: () => { rules.splice(i + 1, 0, rules.splice(i, 1)[0]); draw(); } }, '↓'),
                  h('button', { type: 'button', class: 'ghost small', onclick: () => { rules.splice(i, 1); draw(); } }, 'Delete rule'),
                ),
              ),
              rule.conditions.length ? rule.conditions.map((c, j) => condEditor(rule, c, j)) : h('p', { class: 'muted' }, 'No conditions: this rule matches everyone.'),
              h('div', { class: 'add-cond' }, kind, h('button', { type: 'button', class: 'small', onclick: () => { rule.conditions.push(newCondition(kind.value)); draw(); } }, 'Add condition')),
            );
          })
        : [h('p', { class: 'muted' }, 'No gray rules: everyone gets the live version.')]),
    );
  };
  draw();

  const save = h('button', { type: 'button', class: 'primary', id: 'save-rules' }, 'Save rules');
  save.addEventListener('click', () => {
    err.hidden = true;
    const ids = rules.map((r) => r.id);
    const bad = ids.find((x, i) => !x || ids.indexOf(x) !== i);
    if (bad !== undefined) {
      err.textContent = bad ? `Rule id ${bad} is used twice.` : 'Every rule needs an id.';
      err.hidden = false;
      return;
    }
    act(save, () => api('PUT', `/apps/${enc(id)}/release`, { rules }), 'Gray rules saved.');
  });
  const addRule = h('button', {
    type: 'button',
    onclick: () => {
      let n = rules.length + 1;
      while (rules.some((r) => r.id === `rule-${n}`)) n += 1;
      const latest = versions[0];
      rules.push({ id: `rule-${n}`, version_code: latest ? latest.code : app.live_version || 0, conditions: [newCondition('percent')] });
      draw();
    },
  }, 'Add rule');

  return [
    section(
      'Gray rules',
      h('p', { class: 'muted' }, `Rules are tried in order; the first whose conditions all hold decides. Otherwise the live version (${app.live_version ?? 'none'}) is served.`),
      box,
      err,
      h('div', { class: 'actions' }, addRule, save),
    ),
    explainForm(app, hosts),
  ];
}

function explainForm(app, hosts) {
  const user = h('input', { name: 'user_id', required: true, placeholder: 'u123' });
  const host = hosts.length
    ? h('select', { name: 'host' }, h('option', { value: '' }, '(any host app)'), hosts.map((x) => h('option', { value: x.id }, x.name)))
    : h('input', { name: 'host', placeholder: 'host app id (optional)' });
  const hv = h('input', { name: 'host_version', placeholder: '3.12.0' });
  const platform = h('select', { name: 'platform' }, ['android', 'ios', 'harmony', 'windows', 'macos'].map((p) => h('option', { value: p }, p)));
  const tags = h('input', { name: 'tags', placeholder: 'staff, beta' });
  const at = h('input', { name: 'at', type: 'datetime-local' });
  const out = h('div', { id: 'explain-result', 'aria-live': 'polite' });
  const go = h('button', { type: 'submit', class: 'primary' }, 'Explain');
  const form = h('form', { class: 'grid', id: 'explain' }, field('User id', user), field('Host app', host), field('Host version', hv), field('Platform', platform), field('Tags', tags), field('At', at, 'now if empty'), h('div', { class: 'actions' }, go));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const q = new URLSearchParams({ user_id: user.value.trim(), platform: platform.value });
    if (host.value) q.set('host', host.value);
    if (hv.value.trim()) q.set('host_version', hv.value.trim());
    const t = list(tags.value);
    if (t.length) q.set('tags', t.join(','));
    const when = fromLocalInput(at.value);
    if (when != null) q.set('at', String(when));
    go.disabled = true;
    try {
      const d = await api('GET', `/apps/${enc(app.app_id)}/explain?${q}`);
      out.replaceChildren(
        h(
          'p',
          { class: 'decision' },
          d.version_code == null ? h('strong', {}, 'No version: ') : h('strong', {}, `Version ${d.version_code}`),
          d.version_code == null ? 'nothing is live and no rule matched.' : d.rule ? [' by rule ', h('code', {}, d.rule)] : ' (the live version: no rule matched)',
        ),
        h('ol', { class: 'trace' }, (d.trace || []).map((line) => h('li', {}, line))),
      );
    } catch (x) {
      out.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, errText(x)));
    } finally {
      go.disabled = false;
    }
  });
  return section('Explain: which version does a user get, and why?', form, out);
}

// --- Domains --------------------------------------------------------------------------------

const DOMAIN_LISTS = ['request', 'socket', 'upload', 'download', 'webview'];

// The web-view list is `webview` in the API contract and `web_view` in the report's Domains;
// read either and write back the key the server used.
function domainKey(domains, kind) {
  if (kind !== 'webview') return kind;
  return domains && 'web_view' in domains && !('webview' in domains) ? 'web_view' : 'webview';
}

function domainsTab(app) {
  const id = app.app_id;
  const cur = app.domains || {};
  const areas = {};
  const lists = DOMAIN_LISTS.map((kind) => {
    const key = domainKey(cur, kind);
    areas[kind] = h('textarea', { name: kind, rows: 5, spellcheck: 'false', value: (cur[key] || []).join('\n') });
    return field(kind === 'webview' ? 'web-view' : kind, areas[kind], 'one host per line');
  });
  const save = h('button', { type: 'submit', class: 'primary' }, 'Propose change');
  const form = h('form', { id: 'domains-form' }, h('div', { class: 'lists' }, lists), h('div', { class: 'actions' }, save));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const domains = {};
    for (const kind of DOMAIN_LISTS) domains[domainKey(cur, kind)] = list(areas[kind].value);
    act(save, () => api('PUT', `/apps/${enc(id)}/domains`, { domains }), 'Domain change proposed: it needs approval.');
  });

  const out = [];
  const p = app.pending_domains;
  if (p) {
    const rows = DOMAIN_LISTS.map((kind) => {
      const before = new Set(cur[domainKey(cur, kind)] || []);
      const after = new Set((p.domains || {})[domainKey(p.domains, kind)] || []);
      const added = [...after].filter((x) => !before.has(x));
      const removed = [...before].filter((x) => !after.has(x));
      return h(
        'tr',
        {},
        h('td', {}, kind === 'webview' ? 'web-view' : kind),
        h('td', {}, added.length ? added.map((x) => h('div', { class: 'add' }, `+ ${x}`)) : h('span', { class: 'muted' }, '—')),
        h('td', {}, removed.length ? removed.map((x) => h('div', { class: 'del' }, `− ${x}`)) : h('span', { class: 'muted' }, '—')),
      );
    });
    out.push(
      h(
        'section',
        { class: 'card pending', id: 'pending-domains' },
        h('h3', {}, 'Pending whitelist change ', badge('needs approval', 'warn')),
        h('p', { class: 'muted' }, `Proposed by ${userRef(p.by ?? p.proposed_by)} at ${fmtTime(p.at ?? p.proposed_at)}`),
        table(['List', 'Added', 'Removed'], rows),
        h(
          'div',
          { class: 'actions' },
          h('button', {
            type: 'button',
            class: 'danger',
            onclick: () =>
              dialogAct(
                { title: 'Reject the whitelist change', reason: 'Reason', confirm: 'Reject', danger: true, run: (reason) => api('POST', `/apps/${enc(id)}/domains/reject`, { reason }) },
                'Whitelist change rejected.',
              ),
          }, 'Reject'),
          h('button', {
            type: 'button',
            class: 'primary',
            onclick: (e) => act(e.currentTarget, () => api('POST', `/apps/${enc(id)}/domains/approve`), 'Whitelist change approved.'),
          }, 'Approve'),
        ),
      ),
    );
  }
  out.push(section('Domain whitelists', h('p', { class: 'muted' }, 'Containers let the mini-program reach only these hosts. A change takes effect once another person approves it.'), form));
  return out;
}

// --- Statistics -----------------------------------------------------------------------------

async function statsTab(app) {
  const days = Number(new URLSearchParams(location.hash.split('?')[1] || '').get('days')) || 14;
  const st = await api('GET', `/apps/${enc(app.app_id)}/stats?days=${days}`);
  const series = st.days || [];
  const total = (k) => series.reduce((n, d) => n + (d[k] || 0), 0);
  const chart = (key, title, cls) =>
    h('figure', { class: 'chart', id: `chart-${key}` }, h('figcaption', {}, `${title} — ${fmtNum(total(key))} in ${series.length} days`), lineChart(series, key, cls));

  // The contract's names, or stats.rs's Summary as it serialises.
  const top = st.top_failing_apis || st.failing_apis || [];
  const recent = st.recent_errors || [];
  const versions = st.versions || [];
  const releases = st.data_releases || [];
  const range = h(
    'select',
    { 'aria-label': 'Days', value: String(days), onchange: (e) => { location.hash = `#/apps/${enc(app.app_id)}/stats?days=${e.target.value}`; } },
    [7, 14, 30, 90].map((n) => h('option', { value: String(n) }, `last ${n} days`)),
  );
  return [
    h('div', { class: 'toolbar' }, range),
    h(
      'div',
      { class: 'charts' },
      chart('launches', 'Launches', 'c1'),
      chart('users', 'Users', 'c2'),
      chart('errors', 'Errors', 'c3'),
    ),
    versions.length ? section('By version', genericTable(versions, 'stats-versions')) : null,
    section(
      'Top failing APIs',
      table(
        ['API', 'Calls#', 'Failures#', 'Failure rate#', 'Last error'],
        top.length
          ? top.map((a) =>
              h(
                'tr',
                {},
                h('td', {}, h('code', {}, a.api)),
                h('td', { class: 'num' }, fmtNum(a.calls)),
                h('td', { class: 'num' }, fmtNum(a.failures)),
                h('td', { class: 'num' }, fmtRate(a.rate ?? a.failure_rate)),
                h('td', { class: 'message' }, a.last_error || ''),
              ),
            )
          : [empty(5, 'No failing API calls.')],
        { id: 'top-failing' },
      ),
    ),
    section(
      'Recent errors',
      table(
        ['Message', 'Version#', 'Count#', 'Last seen'],
        recent.length
          ? recent.map((x) =>
              h(
                'tr',
                {},
                h('td', { class: 'message' }, x.stack ? h('details', {}, h('summary', {}, x.message), h('pre', {}, x.stack)) : x.message),
                h('td', { class: 'num' }, x.version_code ?? '—'),
                h('td', { class: 'num' }, fmtNum(x.count)),
                h('td', { class: 'time' }, fmtTime(x.last_at ?? (x.last_at_ms != null ? x.last_at_ms / 1000 : null))),
              ),
            )
          : [empty(4, 'No errors reported.')],
        { id: 'recent-errors' },
      ),
    ),
    section(
      'Personal data released',
      table(
        ['API', 'Data', 'Releases#', 'Reduced by policy#'],
        releases.length
          ? releases.map((r) =>
              h(
                'tr',
                {},
                h('td', {}, h('code', {}, r.api)),
                h('td', {}, r.data),
                h('td', { class: 'num' }, fmtNum(r.releases)),
                h('td', { class: 'num' }, fmtNum(r.reduced)),
              ),
            )
          : [empty(4, 'No personal data released.')],
        { id: 'data-releases' },
      ),
    ),
  ];
}

// A table of whatever objects the server sends (the per-version breakdown).
function genericTable(rows, idAttr) {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return table(
    cols.map((c) => `${c.replace(/_/g, ' ')}${rows.every((r) => typeof r[c] === 'number' || r[c] == null) ? '#' : ''}`),
    rows.map((r) => h('tr', {}, cols.map((c) => h('td', { class: typeof r[c] === 'number' ? 'num' : '' }, r[c] == null ? '—' : typeof r[c] === 'object' ? JSON.stringify(r[c]) : String(r[c]))))),
    { id: idAttr },
  );
}

// A day as `date` (YYYY-MM-DD), a day number since 1970 (stats.rs), or Unix seconds.
function dayLabel(d0) {
  const day = d0.date ?? d0.day;
  if (typeof day === 'number' && day < 1e6) return new Date(day * 86400000).toISOString().slice(5, 10);
  if (typeof day === 'number') {
    const d = new Date(day * 1000);
    return `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }
  const m = /^\d{4}-(\d\d-\d\d)/.exec(String(day));
  return m ? m[1] : String(day);
}

// A line chart with points, drawn as SVG: y from 0 to a rounded maximum.
function lineChart(series, key, cls) {
  const W = 360;
  const H = 160;
  const L = 40;
  const R = 10;
  const T = 10;
  const B = 24;
  const values = series.map((d) => Number(d[key]) || 0);
  const max = niceMax(Math.max(0, ...values));
  const x = (i) => L + (series.length <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (series.length - 1));
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: `line ${cls}`, role: 'img', 'aria-label': `${key} per day` });
  for (const tick of [0, max / 2, max]) {
    svg.append(
      s('line', { x1: L, x2: W - R, y1: y(tick), y2: y(tick), class: 'gridline' }),
      s('text', { x: L - 6, y: y(tick) + 4, 'text-anchor': 'end', class: 'tick' }, fmtNum(tick)),
    );
  }
  if (!series.length) {
    svg.append(s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'tick' }, 'no data'));
    return svg;
  }
  const labels = new Set([0, Math.floor((series.length - 1) / 2), series.length - 1]);
  for (const i of labels) {
    // The end labels lean inwards so that they are not clipped.
    const anchor = series.length > 1 && i === 0 ? 'start' : series.length > 1 && i === series.length - 1 ? 'end' : 'middle';
    svg.append(s('text', { x: x(i), y: H - 6, 'text-anchor': anchor, class: 'tick' }, dayLabel(series[i])));
  }
  const pts = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
  svg.append(
    s('polygon', { points: `${x(0)},${y(0)} ${pts.join(' ')} ${x(values.length - 1)},${y(0)}`, class: 'area' }),
    s('polyline', { points: pts.join(' '), class: 'stroke' }),
  );
  values.forEach((v, i) => {
    const label = series[i].date ?? series[i].day;
    svg.append(s('circle', { cx: x(i), cy: y(v), r: 3, class: 'dot', 'data-day': label, 'data-value': v }, s('title', {}, `${label}: ${fmtNum(v)} ${key}`)));
  });
  return svg;
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

// ---------------------------------------------------------------------------------------
// Host apps

let createdHost = null;

async function hostsView() {
  const hosts = await api('GET', '/hosts');
  document.title = 'Host apps · Cove console';
  const rows = hosts.length
    ? hosts.map((x) => {
        const key = h('code', { class: 'key masked' }, mask(x.sdk_key));
        const show = h('button', {
          type: 'button',
          class: 'ghost small',
          onclick: (e) => {
            const masked = key.classList.toggle('masked');
            key.textContent = masked ? mask(x.sdk_key) : x.sdk_key;
            e.currentTarget.textContent = masked ? 'Show' : 'Hide';
          },
        }, 'Show');
        return h(
          'tr',
          { 'data-host': x.id },
          h('td', { class: 'name' }, x.name),
          h('td', {}, h('code', {}, x.id)),
          h('td', {}, (x.platforms || []).map((p) => badge(p, 'info'))),
          h('td', { class: 'sdk-key' }, key, ' ', show),
          h('td', {}, x.sealing_key ? [badge('sealed', 'good'), ' ', h('code', { class: 'muted', title: x.sealing_key }, sealingLabel(x.sealing_key))] : badge('not sealed', 'muted')),
          h(
            'td',
            {},
            (x.apps || []).length
              ? x.apps.map((a) => {
                  // An app id, or a grant `{app_id, grants}`.
                  const appId = typeof a === 'string' ? a : a.app_id;
                  return h('a', { href: `#/apps/${enc(appId)}`, class: 'chip' }, appId);
                })
              : h('span', { class: 'muted' }, 'none'),
          ),
        );
      })
    : [empty(6, 'No host apps yet.')];

  const out = [h('div', { class: 'title' }, h('h2', {}, 'Host apps ', h('span', { class: 'count' }, String(hosts.length))))];
  if (createdHost) {
    // The secret exists only in this response: show it once, then forget it.
    const c = createdHost;
    createdHost = null;
    out.push(
      h(
        'section',
        { class: 'card secret', id: 'host-secret', role: 'status' },
        h('h3', {}, `Host app ${c.name} created`),
        h('p', {}, 'SDK key: ', h('code', {}, c.sdk_key)),
        h('p', {}, 'SDK secret: ', h('code', { id: 'sdk-secret' }, c.sdk_secret)),
        h('p', { class: 'warn-text' }, 'This is the only time the secret is shown. Store it in the host app’s build secrets now; it cannot be shown again.'),
      ),
    );
  }
  out.push(table(['Name', 'ID', 'Platforms', 'SDK key', 'Package sealing', 'Mini-programs'], rows, { id: 'hosts' }));

  const name = h('input', { name: 'name', required: true, placeholder: '掌上银行' });
  const platforms = ['android', 'ios', 'harmony', 'windows', 'macos'].map((p) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'platforms', value: p, checked: p === 'android' || p === 'ios' }), p));
  const sealing = h('textarea', { name: 'sealing_key', rows: 2, spellcheck: 'false', placeholder: 'optional: the host’s public key for sealed packages' });
  const go = h('button', { type: 'submit', class: 'primary' }, 'Create host app');
  const form = h('form', { class: 'grid', id: 'new-host' }, field('Name', name), h('fieldset', {}, h('legend', {}, 'Platforms'), platforms), field('Sealing key', sealing), h('div', { class: 'actions' }, go));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = { name: name.value.trim(), platforms: platforms.map((l) => l.firstChild).filter((i) => i.checked).map((i) => i.value) };
    if (sealing.value.trim()) body.sealing_key = sealing.value.trim();
    act(go, async () => {
      createdHost = await api('POST', '/hosts', body);
    }, null);
  });
  out.push(h('details', { class: 'card' }, h('summary', {}, 'New host app'), form));
  return h('div', {}, out);
}

// The host's sealing key is a public key file (JSON: suite, id, public); name it briefly.
function sealingLabel(key) {
  try {
    const k = JSON.parse(key);
    const pub = typeof k.public === 'string' ? ` ${k.public.slice(0, 10)}…` : '';
    return `${k.suite || ''} ${k.id || ''}${pub}`.trim();
  } catch {
    return `${String(key).slice(0, 16)}…`;
  }
}

function mask(key) {
  if (!key) return '—';
  return key.length > 8 ? `${key.slice(0, 6)}••••••${key.slice(-2)}` : '••••••';
}

// ---------------------------------------------------------------------------------------
// Audit log

async function auditView() {
  const limit = Number(new URLSearchParams(location.hash.split('?')[1] || '').get('limit')) || 100;
  const rows = await api('GET', `/audit?limit=${limit}`);
  document.title = 'Audit log · Cove console';
  const json = (v) => {
    if (v == null || v === '') return null;
    if (typeof v === 'string') {
      try {
        const parsed = JSON.parse(v);
        return parsed == null ? null : JSON.stringify(parsed, null, 2);
      } catch {
        return v;
      }
    }
    return JSON.stringify(v, null, 2);
  };
  const body = rows.length
    ? rows.map((r) => {
        const before = json(r.before);
        const after = json(r.after);
        return h(
          'tr',
          { 'data-seq': r.seq },
          h('td', { class: 'num' }, r.seq),
          h('td', { class: 'time' }, fmtTime(r.at)),
          h('td', {}, r.actor),
          h('td', {}, r.org || '—'),
          h('td', {}, h('code', {}, r.action)),
          h('td', { class: 'target' }, r.target),
          h(
            'td',
            {},
            before || after
              ? h('details', {}, h('summary', {}, 'change'), before ? [h('div', { class: 'muted' }, 'before'), h('pre', {}, before)] : null, after ? [h('div', { class: 'muted' }, 'after'), h('pre', {}, after)] : null)
              : '',
          ),
        );
      })
    : [empty(7, 'The audit log is empty.')];
  const tbl = table(['Seq#', 'Time', 'Actor', 'Org', 'Action', 'Target', 'Change'], body, { id: 'audit' });
  const result = h('div', { id: 'verify-result', 'aria-live': 'polite' });
  const verify = h('button', { type: 'button', id: 'verify', class: 'primary' }, 'Verify chain');
  verify.addEventListener('click', async () => {
    verify.disabled = true;
    result.replaceChildren(h('span', { class: 'muted' }, 'Verifying…'));
    for (const tr of tbl.querySelectorAll('tr.broken')) tr.classList.remove('broken');
    try {
      const v = await api('GET', '/audit/verify');
      if (v.ok) {
        result.replaceChildren(h('p', { class: 'verify ok' }, `✓ Chain intact: ${fmtNum(v.rows)} rows verified.`));
      } else {
        // `broken` is `{seq, why}`, or the server's sentence naming the row.
        const b = typeof v.broken === 'string' ? { seq: /\bseq\D{0,3}(\d+)/i.exec(v.broken)?.[1], why: v.broken } : v.broken || {};
        const where = b.seq != null ? ` at seq ${b.seq}` : '';
        const rows = v.rows != null ? ` (${fmtNum(v.rows)} rows checked)` : '';
        result.replaceChildren(h('p', { class: 'verify bad' }, `✗ Chain broken${where}: ${b.why || 'unknown'}${rows}.`));
        const tr = b.seq == null ? null : tbl.querySelector(`tr[data-seq="${CSS.escape(String(b.seq))}"]`);
        if (tr) {
          tr.classList.add('broken');
          tr.scrollIntoView({ block: 'center' });
        }
      }
    } catch (x) {
      result.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, errText(x)));
    } finally {
      verify.disabled = false;
    }
  });
  const limitSel = h('select', { 'aria-label': 'Rows', value: String(limit), onchange: (e) => { location.hash = `#/audit?limit=${e.target.value}`; } }, [100, 500, 1000].map((n) => h('option', { value: String(n) }, `last ${n}`)));
  return h(
    'div',
    {},
    h('div', { class: 'title' }, h('h2', {}, 'Audit log'), h('div', { class: 'actions' }, limitSel, verify)),
    h('p', { class: 'muted' }, 'Every change on the platform, hash-chained: editing or deleting a row breaks the chain from there on.'),
    result,
    tbl,
  );
}

// ---------------------------------------------------------------------------------------
// Start: an existing session skips the login form.

(async () => {
  try {
    const s = await api('GET', '/session');
    state.user = s.user;
    state.csrf = s.csrf;
    state.mustChange = !!s.must_change_password;
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) showError(e);
  }
  await render({ keepBanner: true });
})();
