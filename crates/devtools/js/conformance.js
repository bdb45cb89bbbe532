// The wx.* conformance suite: one check per API name, run inside a launched mini-program.
//
// This file is not part of the runtime. `cove-devtools apis` (crates/devtools/src/apis.rs)
// launches the fixture app crates/container/tests/fixtures/apis, evaluates this file in it, and
// drives the run. A method counts as implemented or delegated only when its check here passed in that
// run, and every check calls its method and asserts the effect: what storage, the file
// sandbox or the local test server saw, the message the host received, the page stack, the
// request the host was asked and how its answer (or refusal) came back. A name that the
// runtime does not serve gets the generated `unsupported` check: it must fail with exactly
// "<name>:fail not supported", through callbacks and without them, and `canIUse` says false.
//
// The driver protocol (JSON both ways):
// - before this file, the driver sets `globalThis.__conformanceKinds` to `App::api_kinds()`
//   (the runtime's own table is out of the app's reach);
// - `__conformance.start(config)`: `config` is `{http, ws, appId, entry, system}` (the local
//   server's base URLs and what the app was launched with). Runs every check in turn and
//   returns their names.
// - `__conformance.feed(input)`, once per driver step: `input` is `{messages, console,
//   requests, acks}`: what the host received since the last step (`Host::send` messages,
//   console lines `[level, text]`, and `Host::request` calls `{id, api, args}`, which the host
//   holds unanswered), and the results of inbound messages the driver sent for a check.
//   Answers `{answers: [{id, ok} | {id, fail}], send: [{id, msg}], done}`: how to answer each
//   held request, and inbound messages to deliver through `App::send`.
// - `__conformance.results()`: `{name: {ok, error?, ms}}`.

(function (global) {
  'use strict';

  const wx = global.wx;
  const USR = () => wx.env.USER_DATA_PATH;
  /** How each typed method is served (the driver's copy of `App::api_kinds`). */
  const apiKinds = () => global.__conformanceKinds || {};

  // ---- values ---------------------------------------------------------------------------------------------------
  class CheckFailed extends Error {}

  function fmt(v) {
    if (v instanceof ArrayBuffer) return `ArrayBuffer[${Array.from(new Uint8Array(v)).join(',')}]`;
    if (typeof v === 'function') return 'function';
    try {
      const s = JSON.stringify(v);
      return s === undefined ? String(v) : s.length > 400 ? s.slice(0, 400) + '…' : s;
    } catch (_e) {
      return String(v);
    }
  }
  function deepEq(a, b) {
    if (a === b) return true;
    if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
    if (a instanceof ArrayBuffer || b instanceof ArrayBuffer) {
      if (!(a instanceof ArrayBuffer && b instanceof ArrayBuffer) || a.byteLength !== b.byteLength) return false;
      const x = new Uint8Array(a);
      const y = new Uint8Array(b);
      return x.every((v, i) => v === y[i]);
    }
    if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return false;
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEq(a[k], b[k]));
  }
  function bytes(...list) {
    return new Uint8Array(list).buffer;
  }
  function isPromise(p) {
    return !!p && typeof p.then === 'function';
  }
  function header(h, name) {
    const k = Object.keys(h || {}).find((x) => x.toLowerCase() === name.toLowerCase());
    return k === undefined ? undefined : h[k];
  }
  function pages() {
    return global.getCurrentPages().map((p) => p.route);
  }
  function topPage() {
    const p = global.getCurrentPages();
    return p[p.length - 1];
  }

  // ---- the run --------------------------------------------------------------------------------------------------
  /** @type {null | {config: any, names: string[], results: Record<string, any>, current: T | null, done: boolean, outbox: any[], nextSend: number, ids: Map<string, number>}} */
  let run = null;
  const CHECK_MS = 8000;

  /** What a check gets besides `wx`: assertions, and what the host saw while it ran. */
  class T {
    constructor(name) {
      this.name = name;
      this.messages = [];
      this.console = [];
      this.requests = [];
      this.answers = {};
      this.waiters = [];
      this.cleanups = [];
      this.sends = new Map();
      this.deadline = Date.now() + CHECK_MS;
      this.expired = new Promise((_resolve, reject) => {
        this.expire = reject;
      });
    }
    get http() {
      return run.config.http;
    }
    get ws() {
      return run.config.ws;
    }
    get config() {
      return run.config;
    }
    // assertions
    ok(cond, what) {
      if (!cond) throw new CheckFailed(what || 'expected a truthy value');
      return cond;
    }
    eq(actual, expected, what) {
      if (!deepEq(actual, expected)) throw new CheckFailed(`${what ? what + ': ' : ''}expected ${fmt(expected)}, got ${fmt(actual)}`);
    }
    match(actual, re, what) {
      if (typeof actual !== 'string' || !re.test(actual)) throw new CheckFailed(`${what ? what + ': ' : ''}expected a string matching ${re}, got ${fmt(actual)}`);
    }
    /** `fn` throws an Error whose message is exactly `message` (or matches it). */
    throws(fn, message, what) {
      let thrown = null;
      try {
        fn();
      } catch (e) {
        thrown = e;
      }
      if (!thrown) throw new CheckFailed(`${what || 'the call'} did not throw`);
      const m = thrown && thrown.message !== undefined ? thrown.message : String(thrown);
      if (message instanceof RegExp ? !message.test(m) : m !== message) throw new CheckFailed(`${what || 'the call'} threw ${fmt(m)}, expected ${message}`);
    }
    // calling conventions
    /**
     * Call `wx[name]` with success/fail/complete. Asserts that exactly one of success/fail
     * runs, before complete and with the same result, and that the call returned nothing (a
     * task API: its task). Returns `{task, done}`; `done` resolves `{ok, res}` at complete.
     */
    start(name, opts) {
      let task;
      const done = new Promise((resolve, reject) => {
        let outcome = null;
        const o = Object.assign({}, opts, {
          success: (r) => {
            if (outcome) reject(new CheckFailed(`${name}: success after ${outcome.ok ? 'success' : 'fail'}`));
            outcome = { ok: true, res: r };
          },
          fail: (r) => {
            if (outcome) reject(new CheckFailed(`${name}: fail after ${outcome.ok ? 'success' : 'fail'}`));
            outcome = { ok: false, res: r };
          },
          complete: (r) => {
            if (!outcome) return reject(new CheckFailed(`${name}: complete before success or fail`));
            if (outcome.res !== r) return reject(new CheckFailed(`${name}: complete got another result than ${outcome.ok ? 'success' : 'fail'}`));
            resolve({ ok: outcome.ok, res: r });
          },
        });
        task = wx[name](o);
        if (TASK_APIS.has(name)) {
          if (!task || typeof task !== 'object') reject(new CheckFailed(`${name} with callbacks returned ${fmt(task)}, not its task`));
        } else if (task !== undefined) {
          reject(new CheckFailed(`${name} with callbacks returned ${fmt(task)}`));
        }
      });
      return { task, done: this.bounded(done, `${name} to complete`) };
    }
    /** `start` and wait: resolves `{ok, res}`. */
    cb(name, opts) {
      return this.start(name, opts).done;
    }
    /** Callback style that must succeed with errMsg "<name>:ok"; resolves the result. */
    async succeeds(name, opts) {
      const r = await this.cb(name, opts);
      if (!r.ok) throw new CheckFailed(`${name} failed: ${fmt(r.res)}`);
      this.eq(r.res.errMsg, `${name}:ok`, `${name} errMsg`);
      return r.res;
    }
    /** Callback style that must fail with exactly `errMsg` (or matching it). */
    async fails(name, opts, errMsg) {
      const r = await this.cb(name, opts);
      if (r.ok) throw new CheckFailed(`${name} succeeded, expected ${errMsg}: ${fmt(r.res)}`);
      if (errMsg instanceof RegExp) this.match(r.res.errMsg, errMsg, `${name} errMsg`);
      else this.eq(r.res.errMsg, errMsg, `${name} errMsg`);
      return r.res;
    }
    /** Promise style (no callbacks): must return a promise resolving errMsg "<name>:ok". */
    async resolves(name, opts) {
      const p = wx[name](opts);
      if (!isPromise(p)) throw new CheckFailed(`${name} without callbacks returned ${fmt(p)}, not a promise`);
      const r = await this.bounded(p, `${name}'s promise`);
      this.eq(r.errMsg, `${name}:ok`, `${name} errMsg`);
      return r;
    }
    /** Promise style that must reject with `{errMsg}` exactly (or matching it). */
    async rejects(name, opts, errMsg) {
      const p = wx[name](opts);
      if (!isPromise(p)) throw new CheckFailed(`${name} without callbacks returned ${fmt(p)}, not a promise`);
      let r = null;
      await this.bounded(
        p.then(
          (v) => {
            throw new CheckFailed(`${name} resolved ${fmt(v)}, expected ${errMsg}`);
          },
          (e) => {
            r = e;
          },
        ),
        `${name}'s promise`,
      );
      if (errMsg instanceof RegExp) this.match(r && r.errMsg, errMsg, `${name} rejection`);
      else this.eq(r && r.errMsg, errMsg, `${name} rejection`);
      return r;
    }
    /** `p`, or a failure when the check runs out of time first. */
    bounded(p, what) {
      return new Promise((resolve, reject) => {
        const w = { pred: () => false, resolve, reject, what };
        this.waiters.push(w);
        p.then(
          (v) => {
            this.drop(w);
            resolve(v);
          },
          (e) => {
            this.drop(w);
            reject(e);
          },
        );
      });
    }
    drop(w) {
      const i = this.waiters.indexOf(w);
      if (i >= 0) this.waiters.splice(i, 1);
    }
    // waiting on the outside world
    /** Resolves the first truthy value of `pred`, re-evaluated at every driver step. */
    until(pred, what) {
      const v = pred();
      if (v) return Promise.resolve(v);
      return new Promise((resolve, reject) => this.waiters.push({ pred, resolve, reject, what }));
    }
    /** A message the host received during this check. */
    sent(pred, what) {
      return this.until(() => this.messages.find(pred), what || 'a message to the host');
    }
    /** A console line `[level, text]` the host received during this check. */
    logged(level, text, what) {
      return this.until(() => this.console.find(([l, s]) => l === level && (text instanceof RegExp ? text.test(s) : s === text)), what || `console.${level} ${text}`);
    }
    /** A `Host::request` for `api` made during this check. */
    requested(api) {
      return this.until(() => this.requests.find((r) => r.api === api), `a host request for ${api}`);
    }
    /** How the host answers `api` during this check: a value or a function of the args. */
    answer(api, value) {
      this.answers[api] = { ok: value };
    }
    /** The host refuses `api` with this errMsg tail. */
    refuse(api, tail) {
      this.answers[api] = { fail: tail };
    }
    /** Deliver an inbound message through `App::send`; resolves `{result}` or `{error}`. */
    send(msg) {
      const id = ++run.nextSend;
      run.outbox.push({ id, msg });
      return new Promise((resolve, reject) => this.sends.set(id, { resolve, reject }));
    }
    /** Wait `n` driver steps (each moves the manual clock forward). */
    steps(n) {
      let left = n || 1;
      return this.until(() => --left < 0, `${n} steps`);
    }
    /** The node id the view knows element `id` of the current pages by. */
    node(id) {
      return this.until(() => run.ids.get(id), `an element with id ${id}`);
    }
    cleanup(fn) {
      this.cleanups.push(fn);
    }
    /** Re-check waiters: called at every driver step. */
    poll() {
      if (Date.now() > this.deadline) {
        const waiting = this.waiters.splice(0);
        for (const w of waiting) w.reject(new CheckFailed(`timed out waiting for ${w.what}`));
        for (const [, s] of this.sends) s.reject(new CheckFailed('timed out waiting for an inbound message'));
        this.sends.clear();
        this.expire(new CheckFailed(`timed out after ${CHECK_MS} ms`));
        return;
      }
      for (const w of this.waiters.slice()) {
        let v;
        try {
          v = w.pred();
        } catch (e) {
          this.drop(w);
          w.reject(e);
          continue;
        }
        if (v) {
          this.drop(w);
          w.resolve(v);
        }
      }
    }
  }

  const checks = {};
  /** APIs that return a task, with or without callbacks, and never a promise. */
  const TASK_APIS = new Set(['request', 'uploadFile', 'downloadFile', 'connectSocket']);

  async function runAll() {
    for (const name of run.names) {
      const t = new T(name);
      run.current = t;
      const started = Date.now();
      let error = null;
      try {
        await Promise.race([checks[name](wx, t), t.expired]);
      } catch (e) {
        error = e instanceof Error ? e.message : fmt(e);
      }
      for (const fn of t.cleanups.reverse()) {
        try {
          await fn();
        } catch (e) {
          if (!error) error = `cleanup: ${e instanceof Error ? e.message : fmt(e)}`;
        }
      }
      run.results[name] = error ? { ok: false, error, ms: Date.now() - started } : { ok: true, ms: Date.now() - started };
      run.current = null;
    }
    run.done = true;
  }

  function answerFor(req) {
    const t = run.current;
    const a = t && Object.prototype.hasOwnProperty.call(t.answers, req.api) ? t.answers[req.api] : null;
    if (!a) {
      if (req.api === 'layout') return { id: req.id, ok: null };
      return { id: req.id, fail: `fail ${req.api} is not answered by the conformance host` };
    }
    if (a.fail !== undefined) return { id: req.id, fail: a.fail };
    return { id: req.id, ok: typeof a.ok === 'function' ? a.ok(req.args) : a.ok };
  }

  function feed(input) {
    const t = run.current;
    const answers = [];
    for (const m of input.messages || []) {
      if (m.t === 'ops') {
        for (const op of m.ops) {
          if (op[0] === 'id' && typeof op[2] === 'string') run.ids.set(op[2].replace(/^.*--/, ''), op[1]);
        }
      }
      if (t) t.messages.push(m);
    }
    for (const c of input.console || []) if (t) t.console.push(c);
    for (const r of input.requests || []) {
      if (t) t.requests.push(r);
      answers.push(answerFor(r));
    }
    for (const a of input.acks || []) {
      const s = t && t.sends.get(a.id);
      if (s) {
        t.sends.delete(a.id);
        s.resolve(a.error !== undefined ? { error: a.error } : { result: a.result });
      }
    }
    if (t) t.poll();
    return { answers, send: run.outbox.splice(0), done: run.done };
  }

  // ---- check families -------------------------------------------------------------------------------------------
  /** A storage key unique to the check. */
  function key(t, k) {
    return `conformance.${t.name}.${k}`;
  }
  function storageInfo() {
    return wx.getStorageInfoSync();
  }

  /** Back to a known page stack: the index page alone. */
  async function home(t) {
    // Node ids of the pages closed now are stale: `t.node` waits for the new page's.
    run.ids.clear();
    await t.bounded(wx.reLaunch({ url: '/pages/index/index' }), 'reLaunch home');
    t.eq(pages(), ['pages/index/index'], 'the stack after reLaunch');
  }

  /** A UI change: the call succeeds and the view gets `{"t":"ui", api, args, page}`. */
  function uiCheck(name, args, bad) {
    return async (wx, t) => {
      await home(t);
      const top = topPage();
      await t.succeeds(name, args);
      const m = await t.sent((x) => x.t === 'ui' && x.api === name, `a ui message for ${name}`);
      t.eq(m.args, args, `${name}: the view gets the arguments`);
      t.eq(m.page, top.__pageId__, `${name}: for the top page`);
      await t.resolves(name, args);
      await t.sent((x) => x.t === 'ui' && x.api === name && x !== m, `a second ui message for ${name}`);
      if (bad) await t.fails(name, bad.args, bad.errMsg);
    };
  }

  /** A host API: the host gets the arguments; its answer is the result, its refusal the failure. */
  function hostCheck(name, args, answer) {
    return async (wx, t) => {
      const a = answer === undefined ? { answered: name } : answer;
      t.answer(name, a);
      const res = await t.succeeds(name, args);
      const req = await t.requested(name);
      t.eq(req.args, args, `${name}: the host gets the arguments`);
      t.eq(res, Object.assign({ errMsg: `${name}:ok` }, a), `${name}: the host's answer`);
      t.refuse(name, 'fail cancel');
      await t.rejects(name, args, `${name}:fail cancel`);
      t.eq(t.requests.filter((r) => r.api === name).length, 2, 'one host request per call');
      delete t.answers[name];
      await t.fails(name, args, `${name}:fail ${name} is not answered by the conformance host`);
    };
  }

  /** An `onX`/`offX` pair: `trigger(t)` causes the event; `expect(t, got)` checks what came. */
  function listenerCheck(on, off, trigger, expect, setup) {
    return async (wx, t) => {
      if (setup) await setup(t);
      const got = [];
      const fn = (...a) => got.push(a.length > 1 ? a : a[0]);
      wx[on](fn);
      t.cleanup(() => wx[off](fn));
      await trigger(t, 1);
      await t.until(() => got.length >= 1, `${on}'s listener`);
      await expect(t, got[0]);
      wx[off](fn);
      await trigger(t, 2);
      await t.steps(2);
      t.eq(got.length, 1, `${off}: the listener is not called again`);
    };
  }

  // ---- storage --------------------------------------------------------------------------------------------------
  checks.setStorageSync = async (wx, t) => {
    const k = key(t, 'v');
    const before = storageInfo().currentSize;
    wx.setStorageSync(k, { a: 1, list: [1, 'two', null], nested: { ok: true } });
    t.eq(wx.getStorageSync(k), { a: 1, list: [1, 'two', null], nested: { ok: true } }, 'read back');
    const info = storageInfo();
    t.ok(info.keys.includes(k), 'getStorageInfo lists the key');
    t.ok(info.currentSize >= before, 'currentSize');
    wx.setStorageSync(k, 'replaced');
    t.eq(wx.getStorageSync(k), 'replaced', 'overwritten');
    for (const v of [0, 12.5, true, false, 'text', [], {}]) {
      wx.setStorageSync(k, v);
      t.eq(wx.getStorageSync(k), v, `type kept for ${fmt(v)}`);
    }
    t.throws(() => wx.setStorageSync(42, 'x'), 'setStorageSync:fail parameter error: parameter.key should be String', 'a non-string key');
    wx.removeStorageSync(k);
  };
  checks.getStorageSync = async (wx, t) => {
    const k = key(t, 'v');
    t.eq(wx.getStorageSync(k), '', 'a missing key reads as an empty string');
    wx.setStorageSync(k, [1, 2, 3]);
    t.eq(wx.getStorageSync(k), [1, 2, 3]);
    const copy = wx.getStorageSync(k);
    copy.push(4);
    t.eq(wx.getStorageSync(k), [1, 2, 3], 'a copy is returned');
    wx.removeStorageSync(k);
  };
  checks.removeStorageSync = async (wx, t) => {
    const k = key(t, 'v');
    wx.setStorageSync(k, 1);
    wx.removeStorageSync(k);
    t.eq(wx.getStorageSync(k), '', 'gone');
    t.ok(!storageInfo().keys.includes(k), 'not listed');
    wx.removeStorageSync(k);
  };
  checks.clearStorageSync = async (wx, t) => {
    wx.setStorageSync(key(t, 'a'), 1);
    wx.setStorageSync(key(t, 'b'), 'x'.repeat(3000));
    t.ok(storageInfo().currentSize > 0, 'something stored');
    wx.clearStorageSync();
    t.eq(storageInfo().keys, [], 'no keys');
    t.eq(storageInfo().currentSize, 0, 'no size');
    t.eq(wx.getStorageSync(key(t, 'a')), '');
  };
  checks.getStorageInfoSync = async (wx, t) => {
    wx.clearStorageSync();
    wx.setStorageSync(key(t, 'first'), 'x'.repeat(2048));
    wx.setStorageSync(key(t, 'second'), 2);
    const info = wx.getStorageInfoSync();
    t.eq(info.keys, [key(t, 'first'), key(t, 'second')], 'keys in insertion order');
    t.ok(info.currentSize >= 2, `currentSize in KB (${info.currentSize})`);
    t.eq(info.limitSize, 10240, 'the 10 MB quota in KB');
    wx.clearStorageSync();
  };
  checks.batchSetStorageSync = async (wx, t) => {
    wx.batchSetStorageSync([
      { key: key(t, 'a'), value: 1 },
      { key: key(t, 'b'), value: { x: [1] } },
    ]);
    t.eq(wx.getStorageSync(key(t, 'a')), 1);
    t.eq(wx.getStorageSync(key(t, 'b')), { x: [1] });
    t.ok(storageInfo().keys.includes(key(t, 'b')), 'listed');
    t.throws(() => wx.batchSetStorageSync([{ key: 5, value: 1 }]), /^batchSetStorageSync:fail parameter error/, 'a non-string key');
  };
  checks.batchGetStorageSync = async (wx, t) => {
    wx.setStorageSync(key(t, 'a'), 'A');
    wx.setStorageSync(key(t, 'b'), { b: true });
    t.eq(wx.batchGetStorageSync([key(t, 'a'), key(t, 'b'), key(t, 'missing')]), ['A', { b: true }, ''], 'values in order, missing as ""');
  };
  checks.setStorage = async (wx, t) => {
    const k = key(t, 'v');
    await t.succeeds('setStorage', { key: k, data: { via: 'callback' } });
    t.eq(wx.getStorageSync(k), { via: 'callback' });
    await t.resolves('setStorage', { key: k, data: { via: 'promise' } });
    t.eq(wx.getStorageSync(k), { via: 'promise' });
    t.ok(storageInfo().keys.includes(k), 'listed');
    await t.fails('setStorage', { data: 1 }, 'setStorage:fail parameter error: parameter.key should be String');
  };
  checks.getStorage = async (wx, t) => {
    const k = key(t, 'v');
    wx.setStorageSync(k, { n: 7 });
    const r = await t.succeeds('getStorage', { key: k });
    t.eq(r.data, { n: 7 });
    t.eq((await t.resolves('getStorage', { key: k })).data, { n: 7 });
    await t.fails('getStorage', { key: key(t, 'missing') }, 'getStorage:fail data not found');
    await t.rejects('getStorage', { key: key(t, 'missing') }, 'getStorage:fail data not found');
  };
  checks.removeStorage = async (wx, t) => {
    const k = key(t, 'v');
    wx.setStorageSync(k, 1);
    await t.succeeds('removeStorage', { key: k });
    t.eq(wx.getStorageSync(k), '');
    wx.setStorageSync(k, 1);
    await t.resolves('removeStorage', { key: k });
    t.ok(!storageInfo().keys.includes(k), 'not listed');
  };
  checks.clearStorage = async (wx, t) => {
    wx.setStorageSync(key(t, 'a'), 1);
    await t.succeeds('clearStorage', {});
    t.eq(storageInfo().keys, []);
    wx.setStorageSync(key(t, 'a'), 1);
    await t.resolves('clearStorage');
    t.eq(storageInfo().keys, []);
  };
  checks.getStorageInfo = async (wx, t) => {
    wx.clearStorageSync();
    wx.setStorageSync(key(t, 'a'), 'x'.repeat(1500));
    const r = await t.succeeds('getStorageInfo', {});
    t.eq(r.keys, [key(t, 'a')]);
    t.ok(r.currentSize >= 1, 'currentSize');
    t.eq(r.limitSize, 10240);
    const p = await t.resolves('getStorageInfo');
    t.eq(p.keys, r.keys);
    wx.clearStorageSync();
  };
  checks.batchSetStorage = async (wx, t) => {
    await t.succeeds('batchSetStorage', { kvList: [{ key: key(t, 'a'), value: 'A' }] });
    t.eq(wx.getStorageSync(key(t, 'a')), 'A');
    await t.resolves('batchSetStorage', { kvList: [{ key: key(t, 'b'), value: [2] }] });
    t.eq(wx.getStorageSync(key(t, 'b')), [2]);
    await t.fails('batchSetStorage', { kvList: [{ key: 1, value: 1 }] }, 'batchSetStorage:fail parameter error: parameter.key should be String');
  };
  checks.batchGetStorage = async (wx, t) => {
    wx.setStorageSync(key(t, 'a'), 1);
    const r = await t.succeeds('batchGetStorage', { keyList: [key(t, 'a'), key(t, 'none')] });
    t.eq(r.dataList, [1, '']);
    t.eq((await t.resolves('batchGetStorage', { keyList: [key(t, 'a')] })).dataList, [1]);
  };

  // ---- system -----------------------------------------------------------------------------------------------------
  /** The host's device description reaches every info API. */
  function systemMatches(t, info, keys) {
    for (const k of keys) if (t.config.system[k] !== undefined) t.eq(info[k], t.config.system[k], `${k} from the host's device description`);
  }
  const WINDOW_KEYS = ['pixelRatio', 'screenWidth', 'screenHeight', 'windowWidth', 'windowHeight', 'statusBarHeight'];
  function fullInfo(t, info) {
    systemMatches(t, info, WINDOW_KEYS.concat(['brand', 'model', 'system', 'platform', 'language', 'version', 'SDKVersion']));
    // As in WeChat, the theme shows only to an app with app.json `"darkmode": true`.
    t.eq(info.theme, undefined, 'no theme without darkmode');
    t.eq(typeof info.SDKVersion, 'string', 'SDKVersion');
    t.eq(info.safeArea.width, info.screenWidth, 'safeArea width');
    t.eq(info.safeArea.top, info.statusBarHeight, 'safeArea below the status bar');
  }
  checks.getSystemInfoSync = async (wx, t) => {
    fullInfo(t, wx.getSystemInfoSync());
    const a = wx.getSystemInfoSync();
    a.windowWidth = -1;
    t.ok(wx.getSystemInfoSync().windowWidth !== -1, 'a copy is returned');
  };
  checks.getSystemInfo = async (wx, t) => {
    fullInfo(t, await t.succeeds('getSystemInfo', {}));
    fullInfo(t, await t.resolves('getSystemInfo'));
  };
  checks.getSystemInfoAsync = async (wx, t) => {
    const r = await t.succeeds('getSystemInfoAsync', {});
    fullInfo(t, r);
    delete r.errMsg;
    t.eq(r, wx.getSystemInfoSync(), 'the same as getSystemInfoSync');
  };
  checks.getWindowInfo = async (wx, t) => {
    const w = wx.getWindowInfo();
    systemMatches(t, w, WINDOW_KEYS);
    t.eq(w.safeArea.height, w.screenHeight - w.statusBarHeight, 'safeArea height');
    t.eq(w.screenTop, 0);
    t.ok(w.brand === undefined, 'window fields only');
  };
  checks.getDeviceInfo = async (wx, t) => {
    const d = wx.getDeviceInfo();
    systemMatches(t, d, ['brand', 'model', 'system', 'platform', 'pixelRatio']);
    t.ok(d.windowWidth === undefined, 'device fields only');
  };
  checks.getAppBaseInfo = async (wx, t) => {
    const b = wx.getAppBaseInfo();
    systemMatches(t, b, ['SDKVersion', 'language', 'version']);
    t.eq(b.theme, undefined, 'no theme without darkmode');
    t.eq(typeof b.enableDebug, 'boolean');
    t.ok(b.screenWidth === undefined, 'app fields only');
  };
  // No ext.json and no host configuration: an empty object, as WeChat gives an app with none.
  // Background fetch: the token round-trips; nothing was prefetched, so reading fails.
  checks.setBackgroundFetchToken = checks.getBackgroundFetchToken = async (wx, t) => {
    await t.succeeds('setBackgroundFetchToken', { token: 'abc' });
    t.eq((await t.succeeds('getBackgroundFetchToken', {})).token, 'abc');
    await t.fails('setBackgroundFetchToken', { token: 1 }, 'setBackgroundFetchToken:fail parameter error: parameter.token should be String');
  };
  checks.getBackgroundFetchData = async (wx, t) => {
    await t.fails('getBackgroundFetchData', { fetchType: 'pre' }, 'getBackgroundFetchData:fail no background fetch data');
  };
  checks.onBackgroundFetchData = async (wx, t) => {
    t.eq(wx.onBackgroundFetchData(() => {}), undefined, 'registered; never called here');
  };
  // No experiment runs here: WeChat's answer when the app is in none.
  checks.getExptInfoSync = async (wx, t) => {
    t.eq(wx.getExptInfoSync(['color']), {});
  };
  checks.getExtConfigSync = async (wx, t) => {
    t.eq(wx.getExtConfigSync(), {});
  };
  checks.getExtConfig = async (wx, t) => {
    t.eq((await t.succeeds('getExtConfig', {})).extConfig, {});
  };
  checks.getSystemSetting = async (wx, t) => {
    const s = wx.getSystemSetting();
    const stated = t.config.system.systemSetting || {};
    for (const k of Object.keys(stated)) t.eq(s[k], stated[k], `${k} as the host states it`);
    for (const k of ['bluetoothEnabled', 'locationEnabled', 'wifiEnabled']) t.eq(typeof s[k], 'boolean', k);
    t.eq(s.deviceOrientation, 'portrait');
  };
  checks.getAppAuthorizeSetting = async (wx, t) => {
    const s = wx.getAppAuthorizeSetting();
    const stated = t.config.system.appAuthorizeSetting || {};
    for (const k of Object.keys(stated)) t.eq(s[k], stated[k], `${k} as the host states it`);
    for (const k of ['albumAuthorized', 'cameraAuthorized', 'locationAuthorized', 'microphoneAuthorized', 'notificationAuthorized']) t.ok(['authorized', 'denied', 'not determined'].includes(s[k]), `${k}: ${s[k]}`);
  };
  function launchOptions(t) {
    const [path, query] = t.config.entry.split('?');
    const q = {};
    for (const part of (query || '').split('&').filter(Boolean)) {
      const [k, v] = part.split('=');
      q[k] = v;
    }
    return { path, query: q, scene: 1001, referrerInfo: {}, apiCategory: 'default' };
  }
  checks.getLaunchOptionsSync = async (wx, t) => {
    t.eq(wx.getLaunchOptionsSync(), launchOptions(t), 'the entry the app was launched with');
    const o = wx.getLaunchOptionsSync();
    o.query.changed = '1';
    t.eq(wx.getLaunchOptionsSync().query.changed, undefined, 'a copy is returned');
  };
  checks.getEnterOptionsSync = async (wx, t) => {
    t.eq(wx.getEnterOptionsSync(), launchOptions(t));
  };
  checks.getApiCategory = async (wx, t) => {
    t.eq(wx.getApiCategory(), 'default');
    t.eq(wx.getApiCategory(), wx.getLaunchOptionsSync().apiCategory);
  };
  checks.getAccountInfoSync = async (wx, t) => {
    const a = wx.getAccountInfoSync();
    t.eq(a.miniProgram.appId, t.config.appId, 'the app id it runs as');
    t.eq(a.miniProgram.envVersion, 'release');
    t.eq(typeof a.miniProgram.version, 'string');
    t.eq(a.plugin, {});
  };
  checks.getMenuButtonBoundingClientRect = async (wx, t) => {
    const r = wx.getMenuButtonBoundingClientRect();
    const s = wx.getSystemInfoSync();
    t.eq(r.right - r.left, r.width, 'width');
    t.eq(r.bottom - r.top, r.height, 'height');
    t.ok(r.right <= s.windowWidth && r.left > s.windowWidth / 2, 'at the right of the window');
    t.ok(r.top >= s.statusBarHeight, 'below the status bar');
  };
  checks.canIUse = async (wx, t) => {
    for (const s of ['request', 'wx.request', 'getStorageSync', 'request.object.method', 'getSystemInfoSync.return.windowWidth', 'onAppShow', 'view', 'button', 'scroll-view']) t.eq(wx.canIUse(s), true, s);
    for (const s of ['', 'noSuchApi', 'no-such-component', 'openBluetoothAdapter']) t.eq(wx.canIUse(s), false, s);
    const kinds = apiKinds();
    for (const n of Object.keys(kinds)) t.eq(wx.canIUse(n), kinds[n] !== 'unsupported', `canIUse(${n})`);
  };
  checks.nextTick = async (wx, t) => {
    const order = [];
    setTimeout(() => order.push('timeout'), 0);
    wx.nextTick(() => order.push('tick'));
    order.push('sync');
    await t.until(() => order.length === 3, 'the tick and the timeout');
    t.eq(order, ['sync', 'tick', 'timeout'], 'after the current code, before timers');
  };
  checks.arrayBufferToBase64 = async (wx, t) => {
    t.eq(wx.arrayBufferToBase64(bytes(0, 1, 2, 253, 254, 255)), 'AAEC/f7/');
    t.eq(wx.arrayBufferToBase64(bytes(65)), 'QQ==');
    t.eq(wx.arrayBufferToBase64(bytes(65, 66)), 'QUI=');
    t.eq(wx.arrayBufferToBase64(new ArrayBuffer(0)), '');
    const view = new Uint8Array([9, 65, 66, 67, 9]).subarray(1, 4);
    t.eq(wx.arrayBufferToBase64(view), 'QUJD', 'a view encodes its own bytes');
    t.eq(wx.arrayBufferToBase64(new Uint16Array([0x4241]).buffer), 'QUI=');
  };
  checks.base64ToArrayBuffer = async (wx, t) => {
    t.eq(wx.base64ToArrayBuffer('AAEC/f7/'), bytes(0, 1, 2, 253, 254, 255));
    t.eq(wx.base64ToArrayBuffer('QQ=='), bytes(65));
    t.eq(wx.base64ToArrayBuffer('QUI='), bytes(65, 66));
    t.eq(wx.base64ToArrayBuffer('QUI'), bytes(65, 66), 'unpadded');
    t.eq(wx.base64ToArrayBuffer(''), new ArrayBuffer(0));
    const all = new Uint8Array(256).map((_, i) => i).buffer;
    t.eq(wx.base64ToArrayBuffer(wx.arrayBufferToBase64(all)), all, 'every byte round-trips');
  };
  checks.getUpdateManager = async (wx, t) => {
    const um = wx.getUpdateManager();
    for (const m of ['onCheckForUpdate', 'onUpdateReady', 'onUpdateFailed', 'applyUpdate']) t.eq(typeof um[m], 'function', m);
    let got = null;
    um.onCheckForUpdate((r) => {
      got = r;
    });
    await t.until(() => got, 'onCheckForUpdate');
    t.eq(got, { hasUpdate: false }, 'a launched package has no pending update');
  };
  checks.getRandomValues = async (wx, t) => {
    const a = await t.succeeds('getRandomValues', { length: 32 });
    t.ok(a.randomValues instanceof ArrayBuffer, 'an ArrayBuffer');
    t.eq(a.randomValues.byteLength, 32);
    const b = await t.resolves('getRandomValues', { length: 32 });
    t.ok(!deepEq(a.randomValues, b.randomValues), 'two draws differ');
    t.ok(new Uint8Array(a.randomValues).some((x) => x !== 0), 'not zeros');
    await t.fails('getRandomValues', { length: 0 }, /^getRandomValues:fail parameter error/);
  };

  // ---- app events -----------------------------------------------------------------------------------------------
  const showHide = {
    trigger: async (t) => {
      t.eq(await t.send({ t: 'hide' }), { result: null }, 'hide delivered');
      t.eq(await t.send({ t: 'show' }), { result: null }, 'show delivered');
    },
  };
  checks.onAppShow = checks.offAppShow = listenerCheck('onAppShow', 'offAppShow', showHide.trigger, (t, opts) => {
    t.eq(opts, launchOptions(t), 'the listener gets the enter options');
    t.ok(global.getApp().globalData.shows >= 2, 'App.onShow ran too');
  });
  checks.onAppHide = checks.offAppHide = listenerCheck('onAppHide', 'offAppHide', showHide.trigger, (t) => {
    t.ok(global.getApp().globalData.hides >= 1, 'App.onHide ran too');
  });
  checks.onError = checks.offError = listenerCheck(
    'onError',
    'offError',
    async (t, n) => {
      setTimeout(() => {
        throw new Error(`conformance boom ${n}`);
      }, 0);
      await t.until(() => global.getApp().globalData.errors.some((e) => e.includes(`conformance boom ${n}`)), 'App.onError');
    },
    async (t, msg) => {
      t.match(msg, /conformance boom 1/, 'the listener gets the error');
      await t.sent((m) => m.t === 'error' && /conformance boom 1/.test(m.message), 'the error reported to the host');
    },
  );
  checks.onUnhandledRejection = checks.offUnhandledRejection = listenerCheck(
    'onUnhandledRejection',
    'offUnhandledRejection',
    async (t, n) => {
      const reason = new Error(`conformance rejection ${n}`);
      Promise.reject(reason);
      await t.until(() => global.getApp().globalData.rejections.includes(reason), 'App.onUnhandledRejection');
    },
    (t, res) => {
      t.eq(res.reason && res.reason.message, 'conformance rejection 1', 'the listener gets the reason');
    },
  );
  checks.onPageNotFound = checks.offPageNotFound = listenerCheck(
    'onPageNotFound',
    'offPageNotFound',
    async (t, n) => {
      await home(t);
      await t.fails('navigateTo', { url: `/pages/missing${n}/missing?x=${n}` }, `navigateTo:fail page "pages/missing${n}/missing" is not found`);
      t.ok(global.getApp().globalData.notFound.includes(`pages/missing${n}/missing`), 'App.onPageNotFound ran too');
      t.eq(pages(), ['pages/index/index'], 'the stack is unchanged');
    },
    (t, res) => {
      t.eq(res, { path: 'pages/missing1/missing', query: { x: '1' }, isEntryPage: false });
    },
  );
  checks.onAppRoute = checks.offAppRoute = listenerCheck(
    'onAppRoute',
    'offAppRoute',
    async (t, n) => {
      await t.resolves('navigateTo', { url: `/pages/other/other?n=${n}` });
    },
    (t, res) => {
      t.eq(res.path, 'pages/other/other');
      t.eq(res.query, { n: '1' });
      t.eq(res.openType, 'navigateTo');
      t.eq(res.webviewId, global.getCurrentPages()[1].__pageId__);
      t.cleanup(() => home(t));
    },
    home,
  );
  checks.onAppRouteDone = checks.offAppRouteDone = listenerCheck(
    'onAppRouteDone',
    'offAppRouteDone',
    async (t) => {
      await t.resolves('redirectTo', { url: '/pages/other/other' });
    },
    (t, res) => {
      t.eq([res.path, res.openType], ['pages/other/other', 'redirectTo']);
      t.eq(pages(), ['pages/other/other'], 'the route is done when the listener runs');
      t.cleanup(() => home(t));
    },
    home,
  );
  /** A device event the host tells through `{"t":"device", event, data}`. */
  function deviceCheck(event, data, after) {
    const on = 'on' + event[0].toUpperCase() + event.slice(1);
    const off = 'off' + on.slice(2);
    return listenerCheck(
      on,
      off,
      async (t) => {
        t.eq(await t.send({ t: 'device', event, data }), { result: null }, 'delivered');
      },
      async (t, res) => {
        t.eq(res, data, `${on}: the listener gets the event`);
        if (after) await after(t);
        const r = await t.send({ t: 'device', event: 'noSuchEvent', data: {} });
        t.eq(r.error, 'unknown device event "noSuchEvent"', 'an unknown device event is refused');
      },
    );
  }
  checks.onNetworkStatusChange = checks.offNetworkStatusChange = deviceCheck('networkStatusChange', { isConnected: false, networkType: 'none' });
  // The fixture app has no app.json `"darkmode": true`: as in WeChat, it runs light, sees no
  // theme and hears no change (tests/it/theme.rs covers an app with darkmode).
  checks.onThemeChange = checks.offThemeChange = async (wx, t) => {
    let heard = 0;
    const listener = () => heard++;
    wx.onThemeChange(listener);
    t.cleanup(() => {
      wx.offThemeChange(listener);
      return t.send({ t: 'device', event: 'themeChange', data: { theme: t.config.system.theme || 'light' } });
    });
    t.eq(await t.send({ t: 'device', event: 'themeChange', data: { theme: 'dark' } }), { result: null }, 'delivered');
    t.eq(heard, 0, 'an app without darkmode does not hear of it');
    t.eq(wx.getSystemInfoSync().theme, undefined, 'nor sees a theme');
  };
  checks.onMemoryWarning = checks.offMemoryWarning = deviceCheck('memoryWarning', { level: 10 });
  checks.onKeyboardHeightChange = checks.offKeyboardHeightChange = deviceCheck('keyboardHeightChange', { height: 260 });
  const SENSOR_SAMPLES = {
    accelerometerChange: { x: 0.1, y: -0.2, z: 9.8 },
    compassChange: { direction: 90, accuracy: 'high' },
    gyroscopeChange: { x: 0, y: 0.1, z: 0 },
    deviceMotionChange: { alpha: 1, beta: 2, gamma: 3 },
    locationChange: { latitude: 22.54, longitude: 114.05, speed: 0, accuracy: 10 },
    locationChangeError: { errCode: 2, errMsg: 'location unavailable' },
    userCaptureScreen: {},
    screenRecordingStateChanged: { state: 'start' },
    batteryInfoChange: { level: 50, isCharging: true },
    audioInterruptionBegin: {},
    audioInterruptionEnd: {},
  };
  for (const e of Object.keys(SENSOR_SAMPLES)) {
    const cap = e[0].toUpperCase() + e.slice(1);
    checks['on' + cap] = checks['off' + cap] = deviceCheck(e, SENSOR_SAMPLES[e]);
  }
  checks.onWindowResize = checks.offWindowResize = listenerCheck(
    'onWindowResize',
    'offWindowResize',
    async (t, n) => {
      t.eq(await t.send({ t: 'resize', size: { windowWidth: 400 + n, windowHeight: 800 } }), { result: null }, 'resize delivered');
    },
    async (t, res) => {
      t.eq(res, { size: { windowWidth: 401, windowHeight: 800 } });
      t.eq(wx.getWindowInfo().windowWidth, 401, 'the window info follows');
      t.cleanup(() => t.send({ t: 'resize', size: { windowWidth: t.config.system.windowWidth, windowHeight: t.config.system.windowHeight } }));
    },
  );

  // ---- routing ----------------------------------------------------------------------------------------------------
  function routeMessage(t, action) {
    return t.sent((m) => m.t === 'route' && m.action === action, `a route message for ${action}`);
  }
  checks.navigateTo = async (wx, t) => {
    await home(t);
    let loaded = null;
    let pong = null;
    const res = await t.succeeds('navigateTo', {
      url: '/pages/other/other?x=1&y=two%20words',
      events: {
        loaded: (q) => {
          loaded = q;
        },
        pong: (v) => {
          pong = v;
        },
      },
    });
    t.eq(pages(), ['pages/index/index', 'pages/other/other'], 'pushed');
    t.eq(topPage().options, { x: '1', y: 'two words' }, 'the page gets its query');
    t.eq(loaded, { x: '1', y: 'two words' }, 'the opened page talks through the EventChannel');
    res.eventChannel.emit('ping', 41);
    t.eq(pong, 42, 'and answers');
    const m = await routeMessage(t, 'navigateTo');
    t.eq(m.stack.map((p) => p.path), pages(), 'the view is told the new stack');
    t.eq(m.window.navigationBarTitleText, 'Other', "the page's window config");
    await t.resolves('navigateTo', { url: 'other?rel=1' });
    t.eq(pages().length, 3, 'a relative url');
    await t.fails('navigateTo', { url: '/pages/tab/tab' }, 'navigateTo:fail can not navigateTo a tabbar page');
    while (pages().length < 10) await t.resolves('navigateTo', { url: '/pages/other/other' });
    await t.rejects('navigateTo', { url: '/pages/other/other' }, 'navigateTo:fail webview count limit exceed');
    t.eq(pages().length, 10, 'at most 10 pages');
    await home(t);
  };
  checks.redirectTo = async (wx, t) => {
    await home(t);
    await t.resolves('navigateTo', { url: '/pages/other/other?a=1' });
    const before = topPage().__pageId__;
    await t.succeeds('redirectTo', { url: '/pages/other/other?a=2' });
    t.eq(pages(), ['pages/index/index', 'pages/other/other'], 'replaced, not pushed');
    t.eq(topPage().options, { a: '2' });
    t.ok(topPage().__pageId__ !== before, 'a new page');
    await t.sent((m) => m.t === 'pageClosed' && m.id === before, 'the old page closed');
    await routeMessage(t, 'redirectTo');
    await t.rejects('redirectTo', { url: '/pages/tab/tab' }, 'redirectTo:fail can not redirectTo a tabbar page');
    await home(t);
  };
  checks.navigateBack = async (wx, t) => {
    await home(t);
    await t.resolves('navigateTo', { url: '/pages/other/other?d=1' });
    await t.resolves('navigateTo', { url: '/pages/other/other?d=2' });
    await t.resolves('navigateTo', { url: '/pages/other/other?d=3' });
    await t.succeeds('navigateBack', {});
    t.eq(topPage().options, { d: '2' }, 'one back by default');
    await t.resolves('navigateBack', { delta: 5 });
    t.eq(pages(), ['pages/index/index'], 'a large delta stops at the first page');
    await routeMessage(t, 'navigateBack');
    await t.fails('navigateBack', {}, 'navigateBack:fail cannot navigate back at first page.');
  };
  checks.switchTab = async (wx, t) => {
    await home(t);
    await t.resolves('navigateTo', { url: '/pages/other/other' });
    await t.succeeds('switchTab', { url: '/pages/tab/tab' });
    t.eq(pages(), ['pages/tab/tab'], 'non-tab pages close');
    const m = await routeMessage(t, 'switchTab');
    t.eq(m.tab, 'pages/tab/tab', 'the view is told the selected tab');
    await t.resolves('switchTab', { url: '/pages/index/index' });
    t.eq(pages(), ['pages/index/index']);
    await t.rejects('switchTab', { url: '/pages/other/other' }, 'switchTab:fail can not switch to no-tabBar page');
    await home(t);
  };
  checks.reLaunch = async (wx, t) => {
    await home(t);
    await t.resolves('navigateTo', { url: '/pages/other/other' });
    await t.succeeds('reLaunch', { url: '/pages/other/other?fresh=1' });
    t.eq(pages(), ['pages/other/other'], 'one page left');
    t.eq(topPage().options, { fresh: '1' });
    await routeMessage(t, 'reLaunch');
    await t.resolves('reLaunch', { url: '/pages/tab/tab' });
    t.eq(pages(), ['pages/tab/tab'], 'a tab page too');
    await t.rejects('reLaunch', { url: '/pages/nowhere/nowhere' }, 'reLaunch:fail page "pages/nowhere/nowhere" is not found');
    await home(t);
  };

  // ---- UI ----------------------------------------------------------------------------------------------------------
  const TITLE_ERROR = { args: {}, errMsg: 'showToast:fail parameter error: parameter.title should be String' };
  checks.showToast = uiCheck('showToast', { title: 'Saved', icon: 'success', duration: 1500 }, TITLE_ERROR);
  checks.hideToast = uiCheck('hideToast', {});
  checks.showLoading = uiCheck('showLoading', { title: 'Loading', mask: true }, { args: {}, errMsg: 'showLoading:fail parameter error: parameter.title should be String' });
  checks.hideLoading = uiCheck('hideLoading', {});
  checks.setNavigationBarTitle = uiCheck('setNavigationBarTitle', { title: 'Conformance' });
  checks.setNavigationBarColor = uiCheck('setNavigationBarColor', { frontColor: '#ffffff', backgroundColor: '#ff0000', animation: { duration: 400, timingFunc: 'easeIn' } });
  checks.showNavigationBarLoading = uiCheck('showNavigationBarLoading', {});
  checks.hideNavigationBarLoading = uiCheck('hideNavigationBarLoading', {});
  checks.setBackgroundColor = uiCheck('setBackgroundColor', { backgroundColor: '#eeeeee', backgroundColorTop: '#ffffff', backgroundColorBottom: '#000000' });
  checks.setBackgroundTextStyle = uiCheck('setBackgroundTextStyle', { textStyle: 'dark' });
  checks.startPullDownRefresh = uiCheck('startPullDownRefresh', {});
  checks.stopPullDownRefresh = uiCheck('stopPullDownRefresh', {});
  checks.pageScrollTo = uiCheck('pageScrollTo', { scrollTop: 120, duration: 0 });
  checks.hideHomeButton = uiCheck('hideHomeButton', {});
  checks.hideKeyboard = uiCheck('hideKeyboard', {});
  const tabRange = (name) => ({ args: { index: 5, text: 'x' }, errMsg: `${name}:fail tabbar item index 5 out of range` });
  checks.setTabBarBadge = uiCheck('setTabBarBadge', { index: 1, text: '3' }, tabRange('setTabBarBadge'));
  checks.removeTabBarBadge = uiCheck('removeTabBarBadge', { index: 1 }, tabRange('removeTabBarBadge'));
  checks.showTabBarRedDot = uiCheck('showTabBarRedDot', { index: 0 }, tabRange('showTabBarRedDot'));
  checks.hideTabBarRedDot = uiCheck('hideTabBarRedDot', { index: 0 }, tabRange('hideTabBarRedDot'));
  checks.setTabBarItem = uiCheck('setTabBarItem', { index: 1, text: 'Mine' }, tabRange('setTabBarItem'));
  checks.setTabBarStyle = uiCheck('setTabBarStyle', { color: '#000000', selectedColor: '#ff0000', backgroundColor: '#ffffff', borderStyle: 'white' });
  checks.showTabBar = uiCheck('showTabBar', { animation: true });
  checks.hideTabBar = uiCheck('hideTabBar', { animation: false });

  // ---- host APIs ---------------------------------------------------------------------------------------------------
  /** Host APIs with more to them than a request and its answer. */
  const SPECIAL_HOST = {
    // The view renders the canvas node's drawing (a 2D node or a legacy canvas-id); the
    // pixels come back as a temp file.
    async canvasToTempFilePath(wx, t) {
      await home(t);
      const cc = await t.node('cc');
      await t.fails('canvasToTempFilePath', {}, 'canvasToTempFilePath:fail parameter error: parameter.canvasId should be String (or canvas, the node of a canvas type="2d")');
      await t.fails('canvasToTempFilePath', { canvas: {} }, 'canvasToTempFilePath:fail canvas is not the node of a canvas type="2d" (from a SelectorQuery)');
      const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==';
      t.answer('canvas', { dataURL: `data:image/png;base64,${png}` });
      const res = await t.succeeds('canvasToTempFilePath', { canvas: { __coveNode: 7 }, destWidth: 10, fileType: 'png' });
      const req = await t.requested('canvas');
      t.eq([req.args.node, req.args.op, req.args.destWidth, req.args.fileType], [7, 'snapshot', 10, 'png'], 'the view is asked for a snapshot of that node');
      t.ok(/^wxfile:\/\/tmp_\w+\.png$/.test(res.tempFilePath), `a temp png file: ${res.tempFilePath}`);
      const bytes = new Uint8Array(wx.getFileSystemManager().readFileSync(res.tempFilePath));
      t.eq([bytes.length, bytes[1], bytes[2], bytes[3]], [70, 0x50, 0x4e, 0x47], 'the file holds the PNG the view made');
      // A legacy canvas by its canvas-id: CSS px, and the pixel ratio for the default size.
      t.requests.length = 0;
      const legacy = await t.resolves('canvasToTempFilePath', { canvasId: 'cc', x: 2, width: 8, fileType: 'jpg', quality: 0.8 });
      t.match(legacy.tempFilePath, /^wxfile:\/\/tmp_\w+\.jpg$/, 'a temp jpg file');
      const lreq = await t.requested('canvas');
      t.eq([lreq.args.node, lreq.args.op, lreq.args.x, lreq.args.width, lreq.args.fileType, lreq.args.quality, lreq.args.ratio], [cc, 'snapshot', 2, 8, 'jpg', 0.8, wx.getSystemInfoSync().pixelRatio], 'the view is asked for the canvas-id canvas');
      await t.fails('canvasToTempFilePath', { canvasId: 'none' }, 'canvasToTempFilePath:fail canvas is empty: no <canvas canvas-id="none"> in page pages/index/index');
      t.answer('canvas', null);
      await t.fails('canvasToTempFilePath', { canvasId: 'cc' }, 'canvasToTempFilePath:fail canvas "cc" cannot be exported: this host has no view that draws it');
      t.refuse('canvas', 'fail no canvas node 7');
      await t.rejects('canvasToTempFilePath', { canvas: { __coveNode: 7 } }, 'canvasToTempFilePath:fail no canvas node 7');
    },
    // Pixels of a legacy canvas, in CSS px: RGBA bytes from the view.
    async canvasGetImageData(wx, t) {
      await home(t);
      const cc = await t.node('cc');
      t.answer('canvas', { width: 1, height: 1, data: { $bytes: 'BwgJ/w==' } });
      const res = await t.succeeds('canvasGetImageData', { canvasId: 'cc', x: 3, y: 4, width: 1, height: 1 });
      t.eq([res.width, res.height, res.data instanceof Uint8ClampedArray, Array.from(res.data)], [1, 1, true, [7, 8, 9, 255]], 'the pixels the view read');
      const req = await t.requested('canvas');
      t.eq(req.args, { node: cc, op: 'imageData', x: 3, y: 4, width: 1, height: 1 }, 'the view is asked for that region');
      await t.resolves('canvasGetImageData', { canvasId: 'cc', x: 0, y: 0, width: 1, height: 1 });
      await t.fails('canvasGetImageData', { canvasId: 'cc', x: 0, y: 0, width: 1 }, 'canvasGetImageData:fail parameter error: parameter.height should be Number instead of Undefined;');
      await t.fails('canvasGetImageData', { canvasId: 'none', x: 0, y: 0, width: 1, height: 1 }, 'canvasGetImageData:fail canvas is empty: no <canvas canvas-id="none"> in page pages/index/index');
      t.refuse('canvas', 'fail the canvas cannot be read');
      await t.rejects('canvasGetImageData', { canvasId: 'cc', x: 0, y: 0, width: 1, height: 1 }, 'canvasGetImageData:fail the canvas cannot be read');
    },
    // Pixels to a legacy canvas: the bytes go to the view, which replaces that region.
    async canvasPutImageData(wx, t) {
      await home(t);
      const cc = await t.node('cc');
      t.answer('canvas', {});
      await t.succeeds('canvasPutImageData', { canvasId: 'cc', x: 1, y: 2, width: 1, data: new Uint8ClampedArray([1, 2, 3, 4]) });
      const req = await t.requested('canvas');
      t.eq(req.args, { node: cc, op: 'putImageData', x: 1, y: 2, width: 1, height: 1, data: { $bytes: 'AQIDBA==' } }, 'the view gets the bytes, height from their length');
      await t.resolves('canvasPutImageData', { canvasId: 'cc', x: 0, y: 0, width: 1, height: 1, data: new Uint8ClampedArray(4) });
      await t.fails('canvasPutImageData', { canvasId: 'cc', x: 0, y: 0, width: 2, height: 2, data: new Uint8ClampedArray(4) }, 'canvasPutImageData:fail parameter error: data holds 4 bytes, not width * height * 4 = 16');
      await t.fails('canvasPutImageData', { canvasId: 'cc', x: 0, y: 0, width: 1 }, 'canvasPutImageData:fail parameter error: parameter.data should be Uint8ClampedArray');
      await t.fails('canvasPutImageData', { canvasId: 'none', x: 0, y: 0, width: 1, data: new Uint8ClampedArray(4) }, 'canvasPutImageData:fail canvas is empty: no <canvas canvas-id="none"> in page pages/index/index');
    },
  };
  const HOST = {
    showModal: [{ title: 'Delete?', content: 'This cannot be undone', showCancel: true }, { confirm: true, cancel: false }],
    showActionSheet: [{ itemList: ['A', 'B', 'C'] }, { tapIndex: 1 }],
    login: [{ timeout: 5000 }, { code: 'conformance-code' }],
    checkSession: [{}, {}],
    getUserProfile: [{ desc: 'profile' }, { userInfo: { nickName: 'Cove', avatarUrl: '' } }],
    getUserInfo: [{ withCredentials: false }, { userInfo: { nickName: 'Cove' } }],
    authorize: [{ scope: 'scope.userLocation' }, {}],
    getSetting: [{ withSubscriptions: false }, { authSetting: { 'scope.userLocation': true } }],
    openSetting: [{}, { authSetting: { 'scope.userLocation': false } }],
    getLocation: [{ type: 'gcj02' }, { latitude: 22.54, longitude: 114.05, speed: 0, accuracy: 30 }],
    getFuzzyLocation: [{ type: 'wgs84' }, { latitude: 22.5, longitude: 114.1 }],
    chooseLocation: [{ latitude: 22.54, longitude: 114.05 }, { name: 'Bank HQ', address: 'Main St 1', latitude: 22.54, longitude: 114.05 }],
    openLocation: [{ latitude: 22.54, longitude: 114.05, scale: 18 }, {}],
    chooseImage: [{ count: 1, sizeType: ['compressed'], sourceType: ['album'] }, { tempFilePaths: ['wxfile://tmp_a.jpg'], tempFiles: [{ path: 'wxfile://tmp_a.jpg', size: 10 }] }],
    makePhoneCall: [{ phoneNumber: '95555' }, {}],
    setClipboardData: [{ data: 'copied' }, {}],
    getClipboardData: [{}, { data: 'pasted' }],
    getNetworkType: [{}, { networkType: 'wifi', signalStrength: 4 }],
    scanCode: [{ onlyFromCamera: true }, { result: 'https://example.com', scanType: 'QR_CODE', charSet: 'utf-8' }],
    requestPayment: [{ timeStamp: '1', nonceStr: 'n', package: 'prepay_id=1', signType: 'RSA', paySign: 's' }, {}],
    getBatteryInfo: [{}, { level: 80, isCharging: false }],
  };
  const HOST_NAMES = Object.keys(apiKinds()).filter((n) => apiKinds()[n] === 'host' && !SPECIAL_HOST[n]);
  for (const n of Object.keys(SPECIAL_HOST)) checks[n] = SPECIAL_HOST[n];
  for (const n of HOST_NAMES) {
    const [args, answer] = HOST[n] || [{ probe: n, count: 1 }, { answered: n }];
    checks[n] = hostCheck(n, args, answer);
  }

  // ---- layout: selector queries and intersection observers through the host -------------------------------------
  checks.createSelectorQuery = async (wx, t) => {
    await home(t);
    const box = await t.node('box');
    const far = await t.node('far');
    // One `fields` request for the whole query: each item names its node and what to measure.
    t.answer('layout', (a) => {
      if (a.what !== 'fields') return null;
      return a.items.map((it) => {
        const out = {};
        if (it.rect) out.rect = it.node === box ? { left: 10, top: 20, width: 100, height: 50 } : { left: 0, top: 600, width: 375, height: 40 };
        if (it.scroll) out.scroll = { scrollLeft: 0, scrollTop: 30, scrollWidth: 375, scrollHeight: 1200 };
        return out;
      });
    });
    const res = await t.bounded(
      new Promise((resolve) => {
        const q = wx.createSelectorQuery();
        q.select('#box').boundingClientRect();
        q.selectAll('.far').boundingClientRect();
        q.select('#far').scrollOffset();
        q.select('#none').boundingClientRect();
        q.exec(resolve);
      }),
      'the query to answer',
    );
    t.eq(res[0], { id: 'box', dataset: {}, left: 10, top: 20, right: 110, bottom: 70, width: 100, height: 50 }, 'the rect the host measured');
    t.eq(res[1], [{ id: 'far', dataset: {}, left: 0, top: 600, right: 375, bottom: 640, width: 375, height: 40 }], 'selectAll');
    t.eq(res[2], { id: 'far', dataset: {}, scrollLeft: 0, scrollTop: 30, scrollWidth: 375, scrollHeight: 1200 }, 'scrollOffset');
    t.eq(res[3], null, 'no such element');
    const asked = t.requests.filter((r) => r.api === 'layout').map((r) => r.args);
    const items = asked.flatMap((a) => (a.what === 'fields' ? a.items : []));
    t.ok(items.some((i) => deepEq(i, { node: box, rect: true })), `the host is asked about #box's node: ${fmt(asked)}`);
    t.ok(items.some((i) => deepEq(i, { node: far, scroll: true })), "and #far's scroll offset");
  };
  checks.createIntersectionObserver = async (wx, t) => {
    await home(t);
    const box = await t.node('box');
    const got = [];
    const ob = wx.createIntersectionObserver(topPage(), { thresholds: [0, 1] });
    ob.relativeToViewport({ bottom: 10 }).observe('#box', (r) => got.push(r));
    const m = await t.sent((x) => x.t === 'ops' && x.ops.some((op) => op[0] === 'observe' && op[2] === box), 'an observe op for #box');
    const op = m.ops.find((o) => o[0] === 'observe');
    t.eq(op.slice(2), [box, null, '0px 0px 10px 0px', [0, 1]], 'target, viewport, margins, thresholds');
    const entry = { intersectionRatio: 1, intersectionRect: { left: 0, top: 0, width: 100, height: 50 }, boundingClientRect: { left: 0, top: 0, width: 100, height: 50 }, relativeRect: { left: 0, top: 0, width: 375, height: 667 }, time: 1 };
    // The adapter swallows the first report that crosses a threshold from `initialRatio`;
    // the view's later reports all arrive.
    await t.send({ t: 'intersection', id: op[1], entry });
    await t.send({ t: 'intersection', id: op[1], entry: Object.assign({}, entry, { intersectionRatio: 0.5, time: 2 }) });
    await t.until(() => got.some((g) => g.time === 2), 'the observer callback');
    t.eq(got.find((g) => g.time === 2).intersectionRatio, 0.5, 'the entry the view measured');
    ob.disconnect();
    await t.sent((x) => x.t === 'ops' && x.ops.some((o) => o[0] === 'unobserve' && o[1] === op[1]), 'an unobserve op');
  };

  // ---- the legacy canvas: contexts record, draw() sends one unit to the view ----------------------------------
  checks.createCanvasContext = async (wx, t) => {
    await home(t);
    const cc = await t.node('cc');
    t.answer('canvas', {});
    const ctx = wx.createCanvasContext('cc');
    ctx.setFillStyle('#07c160');
    ctx.fillRect(0, 0, 10, 10);
    ctx.setFontSize(16);
    t.eq(ctx.font, '16px sans-serif', 'setFontSize sets the font size in px');
    t.eq(ctx.measureText('W').width, 15.1, 'measureText is answered at once, from the font');
    let drawn = 0;
    ctx.draw(false, () => {
      drawn += 1;
    });
    t.eq(drawn, 0, 'draw is asynchronous');
    const m = await t.sent((x) => x.t === 'canvas' && x.node === cc, 'the drawing for the canvas');
    t.eq(m.calls, [['draw', false], ['=', 'fillStyle', '#07c160'], ['fillRect', 0, 0, 10, 10], ['=', 'font', '16px sans-serif']], 'one unit, cleared first');
    const req = await t.requested('canvas');
    t.eq(req.args, { node: cc, op: 'drawn' }, 'the callback waits for the view');
    await t.until(() => drawn === 1, 'the draw callback');
    t.eq([ctx.fillStyle, ctx.font], ['#000000', '10px sans-serif'], 'each draw starts from the default state');
    ctx.fillRect(1, 1, 2, 2);
    ctx.draw(true);
    const m2 = await t.sent((x) => x.t === 'canvas' && x.node === cc && x !== m, 'a second unit');
    t.eq(m2.calls, [['draw', true], ['fillRect', 1, 1, 2, 2]], 'draw(true) keeps what is there');
  };
  checks.createContext = async (wx, t) => {
    const ctx = wx.createContext();
    ctx.setFillStyle('red');
    ctx.fillRect(0, 0, 1, 1);
    t.eq(ctx.getActions(), [['=', 'fillStyle', 'red'], ['fillRect', 0, 0, 1, 1]], 'the actions for drawCanvas');
    t.eq(ctx.getActions(), [], 'getActions hands them over once');
  };
  checks.drawCanvas = async (wx, t) => {
    await home(t);
    const cc = await t.node('cc');
    t.answer('canvas', {});
    const ctx = wx.createContext();
    ctx.rect(0, 0, 2, 2);
    ctx.fill();
    await t.succeeds('drawCanvas', { canvasId: 'cc', actions: ctx.getActions(), reserve: true });
    const m = await t.sent((x) => x.t === 'canvas' && x.node === cc, 'the drawing for the canvas');
    t.eq(m.calls, [['draw', true], ['rect', 0, 0, 2, 2], ['fill']]);
    await t.resolves('drawCanvas', { canvasId: 'cc', actions: [] });
    await t.fails('drawCanvas', { canvasId: 'none', actions: [] }, 'drawCanvas:fail canvas is empty: no <canvas canvas-id="none"> in page pages/index/index');
  };

  // ---- animation, logs, reports --------------------------------------------------------------------------------
  checks.createAnimation = async (wx, t) => {
    const a = wx.createAnimation({ duration: 300, timingFunction: 'ease' });
    t.eq(a.translate(10, 20).opacity(0.5).width(100).step(), a, 'chainable');
    a.rotate(45).height('2rem').step({ duration: 100, transformOrigin: 'left top' });
    const base = { transformOrigin: '50% 50% 0', transition: { duration: 300, timingFunction: 'ease', delay: 0 } };
    const first = [
      { type: 'translate', args: [10, 20] },
      { type: 'style', args: ['opacity', 0.5] },
      { type: 'style', args: ['width', '100px'] },
    ];
    const data = a.export();
    t.eq(data, {
      actions: [
        { animates: first, option: base },
        {
          animates: first.concat([{ type: 'rotate', args: [45] }, { type: 'style', args: ['height', '2rem'] }]),
          option: { transformOrigin: 'left top', transition: { duration: 100, timingFunction: 'ease', delay: 0 } },
        },
      ],
    });
    t.eq(a.export(), { actions: [] }, 'export clears the queue');
    const b = wx.createAnimation();
    b.scale(2).matrix().skew(5).backgroundColor('#fff').step();
    t.eq(b.export().actions[0], {
      animates: [
        { type: 'scale', args: [2, 2] },
        { type: 'matrix', args: [1, 0, 0, 1, 0, 0] },
        { type: 'skew', args: [5, 0] },
        { type: 'style', args: ['backgroundColor', '#fff'] },
      ],
      option: { transformOrigin: '50% 50% 0', transition: { duration: 400, timingFunction: 'linear', delay: 0 } },
    });
    // Bound to a view's `animation` attribute, the data reaches the view.
    await home(t);
    const node = await t.node('anim');
    topPage().setData({ anim: data });
    const set = (op) => op[0] === 'attr' && op[1] === node && op[2] === 'animation' && op[3] !== null;
    const m = await t.sent((x) => x.t === 'ops' && x.ops.some(set), "the view's animation attribute");
    t.eq(m.ops.find(set)[3], data, 'the exported data as is');
  };
  checks.getLogManager = async (wx, t) => {
    const log = wx.getLogManager({ level: 1 });
    log.debug('d', 1);
    log.info('i', { a: 1 });
    log.log('l');
    log.warn('w');
    await t.logged('debug', '[LogManager] d 1');
    await t.logged('info', '[LogManager] i {"a":1}');
    await t.logged('log', '[LogManager] l');
    await t.logged('warn', '[LogManager] w');
  };
  checks.getRealtimeLogManager = async (wx, t) => {
    const rt = wx.getRealtimeLogManager();
    const before = rt.getCurrentState();
    rt.info('pay start', { amount: 1 });
    rt.warn('slow');
    rt.error('failed');
    await t.logged('info', '[RealtimeLog] pay start {"amount":1}');
    await t.logged('warn', '[RealtimeLog] slow');
    await t.logged('error', '[RealtimeLog] failed');
    const after = rt.getCurrentState();
    t.eq(after.logCount, before.logCount + 3, 'counted');
    t.ok(after.size > before.size && after.maxSize > after.size && after.maxLogCount > 0, 'sized');
    rt.tag('pay').info('tagged');
    await t.logged('info', '[RealtimeLog] [pay] tagged');
    rt.in(topPage());
    rt.setFilterMsg('order-1');
    rt.info('x');
    await t.logged('info', `[RealtimeLog] [${topPage().route}] [filter order-1] x`);
    rt.in(null);
    rt.setFilterMsg('');
    realtimeReset(rt);
  };
  function realtimeReset(rt) {
    rt.setFilterMsg('');
  }
  function reportCheck(name, args, expect, bad) {
    return async (wx, t) => {
      t.eq(wx[name](...args), undefined);
      const m = await t.sent((x) => x.t === 'report' && x.api === name, `a report message for ${name}`);
      t.eq(m.args, expect, `${name}: what the host gets`);
      t.throws(() => wx[name](...bad), /^\w+:fail parameter error/, 'a bad first argument');
    };
  }
  checks.reportAnalytics = reportCheck('reportAnalytics', ['purchase', { price: 120, item: 'card' }], { eventName: 'purchase', data: { price: 120, item: 'card' } }, [1, {}]);
  checks.reportEvent = reportCheck('reportEvent', ['open_account', { step: 2 }], { eventId: 'open_account', data: { step: 2 } }, [null]);
  checks.reportMonitor = reportCheck('reportMonitor', ['1', 3], { name: '1', value: 3 }, [1, 1]);
  checks.reportPerformance = reportCheck('reportPerformance', [1101, 680, 'custom'], { id: 1101, value: 680, dimensions: 'custom' }, ['x', 1]);

  // ---- files -------------------------------------------------------------------------------------------------------
  checks.getFileSystemManager = async (wx, t) => {
    const fs = wx.getFileSystemManager();
    t.eq(fs, wx.getFileSystemManager(), 'one manager');
    const dir = `${USR()}/conformance-fs`;
    try {
      fs.rmdirSync(dir, true);
    } catch (_e) {
      // not there yet
    }
    fs.mkdirSync(`${dir}/a/b`, true);
    fs.writeFileSync(`${dir}/a/hello.txt`, 'hello, 世界', 'utf8');
    t.eq(fs.readFileSync(`${dir}/a/hello.txt`, 'utf8'), 'hello, 世界', 'utf8 text read back');
    fs.appendFileSync(`${dir}/a/hello.txt`, '!', 'utf8');
    t.eq(fs.readFileSync(`${dir}/a/hello.txt`, 'utf8'), 'hello, 世界!', 'appended');
    fs.writeFileSync(`${dir}/a/b/bin`, bytes(0, 1, 2, 255));
    t.eq(fs.readFileSync(`${dir}/a/b/bin`), bytes(0, 1, 2, 255), 'binary read back as an ArrayBuffer');
    t.eq(fs.readFileSync(`${dir}/a/b/bin`, 'base64'), 'AAEC/w==', 'base64');
    t.eq(fs.readFileSync(`${dir}/a/b/bin`, 'hex'), '000102ff', 'hex');
    t.eq(fs.readFileSync(`${dir}/a/b/bin`, undefined, 1, 2), bytes(1, 2), 'a range');
    t.eq(fs.readdirSync(`${dir}/a`).sort(), ['b', 'hello.txt'], 'readdir');
    const st = fs.statSync(`${dir}/a/hello.txt`);
    t.eq(st.size, 14, 'size in bytes');
    t.ok(st.isFile() && !st.isDirectory(), 'a file');
    t.ok(fs.statSync(`${dir}/a`).isDirectory(), 'a directory');
    const all = fs.statSync(dir, true);
    t.eq(all.map((e) => e.path).sort(), ['/', '/a', '/a/b', '/a/b/bin', '/a/hello.txt'], 'recursive stat');
    fs.accessSync(`${dir}/a/hello.txt`);
    t.throws(() => fs.accessSync(`${dir}/nope`), `accessSync:fail no such file or directory, access ${dir}/nope`, 'access of a missing file');
    fs.copyFileSync(`${dir}/a/hello.txt`, `${dir}/copy.txt`);
    t.eq(fs.readFileSync(`${dir}/copy.txt`, 'utf8'), 'hello, 世界!', 'copied');
    fs.renameSync(`${dir}/copy.txt`, `${dir}/moved.txt`);
    t.ok(fs.readdirSync(dir).includes('moved.txt') && !fs.readdirSync(dir).includes('copy.txt'), 'renamed');
    fs.truncateSync(`${dir}/moved.txt`, 5);
    t.eq(fs.readFileSync(`${dir}/moved.txt`, 'utf8'), 'hello', 'truncated');
    fs.unlinkSync(`${dir}/moved.txt`);
    t.throws(() => fs.readFileSync(`${dir}/moved.txt`), /^readFileSync:fail no such file or directory/, 'unlinked');
    t.throws(() => fs.writeFileSync('wxfile://usr/../../escape', 'x'), /^writeFileSync:fail/, 'no way out of the sandbox');
    t.throws(() => fs.rmdirSync(`${dir}/a`), /^rmdirSync:fail directory not empty/, 'rmdir of a non-empty directory');
    // The async forms: callbacks and promises, errMsg named after the method.
    await new Promise((resolve, reject) =>
      fs.writeFile({ filePath: `${dir}/async.txt`, data: 'async', encoding: 'utf8', success: resolve, fail: (e) => reject(new CheckFailed(e.errMsg)) }),
    );
    const r = await t.bounded(
      new Promise((resolve, reject) => fs.readFile({ filePath: `${dir}/async.txt`, encoding: 'utf8', success: resolve, fail: (e) => reject(new CheckFailed(e.errMsg)) })),
      'readFile',
    );
    t.eq([r.errMsg, r.data], ['readFile:ok', 'async']);
    const p = fs.stat({ path: `${dir}/async.txt` });
    t.ok(isPromise(p), 'a promise without callbacks');
    t.eq((await p).stats.size, 5);
    let failed = null;
    await fs.readdir({ dirPath: `${dir}/none` }).catch((e) => {
      failed = e;
    });
    t.match(failed && failed.errMsg, /^readdir:fail no such file or directory/, 'an async failure');
    const info = await fs.getFileInfo({ filePath: `${dir}/async.txt`, digestAlgorithm: 'md5' });
    t.eq(info.size, 5, 'getFileInfo size');
    t.match(info.digest, /^[0-9a-f]{32}$/, 'an md5 digest');
    fs.rmdirSync(dir, true);
    t.ok(!fs.readdirSync(USR()).includes('conformance-fs'), 'removed recursively');
  };
  /** A temp file to save: downloaded from the local server. */
  async function tempFile(t, n) {
    const r = await t.succeeds('downloadFile', { url: `${t.http}/download/${n}` });
    t.match(r.tempFilePath, /^wxfile:\/\/tmp_/, 'a temp file');
    return r.tempFilePath;
  }
  checks.saveFile = async (wx, t) => {
    const tmp = await tempFile(t, 10);
    const r = await t.succeeds('saveFile', { tempFilePath: tmp });
    t.match(r.savedFilePath, /^wxfile:\/\/store_/, 'a saved file');
    t.eq(wx.getFileSystemManager().readFileSync(r.savedFilePath).byteLength, 10, 'readable');
    t.throws(() => wx.getFileSystemManager().accessSync(tmp), /^accessSync:fail no such file or directory/, 'the temp file moved');
    await t.resolves('removeSavedFile', { filePath: r.savedFilePath });
  };
  checks.getSavedFileList = async (wx, t) => {
    const tmp = await tempFile(t, 20);
    const saved = (await t.resolves('saveFile', { tempFilePath: tmp })).savedFilePath;
    const r = await t.succeeds('getSavedFileList', {});
    const e = r.fileList.find((f) => f.filePath === saved);
    t.ok(e, 'listed');
    t.eq(e.size, 20);
    t.eq(typeof e.createTime, 'number');
    await t.resolves('removeSavedFile', { filePath: saved });
    t.ok(!(await t.resolves('getSavedFileList')).fileList.some((f) => f.filePath === saved), 'gone after removeSavedFile');
  };
  checks.getSavedFileInfo = async (wx, t) => {
    const saved = (await t.resolves('saveFile', { tempFilePath: await tempFile(t, 30) })).savedFilePath;
    const r = await t.succeeds('getSavedFileInfo', { filePath: saved });
    t.eq(r.size, 30);
    t.eq(typeof r.createTime, 'number');
    await t.resolves('removeSavedFile', { filePath: saved });
    await t.rejects('getSavedFileInfo', { filePath: saved }, /^getSavedFileInfo:fail no such file or directory/);
  };
  checks.removeSavedFile = async (wx, t) => {
    const saved = (await t.resolves('saveFile', { tempFilePath: await tempFile(t, 5) })).savedFilePath;
    await t.succeeds('removeSavedFile', { filePath: saved });
    t.throws(() => wx.getFileSystemManager().accessSync(saved), /^accessSync:fail no such file or directory/, 'removed');
    await t.fails('removeSavedFile', { filePath: saved }, /^removeSavedFile:fail no such file or directory/);
  };
  checks.getFileInfo = async (wx, t) => {
    const fs = wx.getFileSystemManager();
    const f = `${USR()}/conformance-info.txt`;
    fs.writeFileSync(f, 'abc', 'utf8');
    const r = await t.succeeds('getFileInfo', { filePath: f });
    t.eq(r.size, 3);
    t.eq(r.digest, '900150983cd24fb0d6963f7d28e17f72', 'md5 of "abc"');
    const s = await t.resolves('getFileInfo', { filePath: f, digestAlgorithm: 'sha1' });
    t.eq(s.digest, 'a9993e364706816aba3e25717850c26c9cd0d89d', 'sha1 of "abc"');
    fs.unlinkSync(f);
  };

  // ---- network -----------------------------------------------------------------------------------------------------
  checks.request = async (wx, t) => {
    // POST with headers and a JSON body; the server echoes what it got.
    const { task, done } = t.start('request', { url: `${t.http}/echo?a=1`, method: 'POST', header: { 'X-Conformance': 'yes' }, data: { n: 1, s: 'x' } });
    t.eq(typeof task.abort, 'function', 'a RequestTask');
    const heads = [];
    task.onHeadersReceived((h) => heads.push(h));
    const r = await done;
    t.ok(r.ok, `succeeded: ${fmt(r.res)}`);
    const res = r.res;
    t.eq(res.errMsg, 'request:ok');
    t.eq(res.statusCode, 200);
    t.eq(res.data.method, 'POST', 'the method');
    t.eq(res.data.query, 'a=1', 'the query');
    t.eq(res.data.headers['x-conformance'], 'yes', 'the header');
    t.eq(res.data.headers['content-type'], 'application/json', 'JSON by default');
    t.eq(JSON.parse(res.data.body), { n: 1, s: 'x' }, 'the body');
    t.eq(header(res.header, 'x-served-by'), 'cove-conformance', 'response headers');
    t.ok(heads.length === 1 && header(heads[0].header, 'x-served-by') === 'cove-conformance', 'onHeadersReceived');
    // GET data becomes the query string.
    const g = await t.succeeds('request', { url: `${t.http}/echo`, data: { q: 'a b', n: 2 } });
    t.eq([g.data.method, g.data.query], ['GET', 'q=a%20b&n=2']);
    // dataType text, responseType arraybuffer, a non-2xx status.
    const txt = await t.succeeds('request', { url: `${t.http}/echo`, dataType: 'text' });
    t.eq(typeof txt.data, 'string', 'dataType text');
    const bin = await t.succeeds('request', { url: `${t.http}/bin`, responseType: 'arraybuffer' });
    t.eq(bin.data, bytes(0, 1, 2, 255), 'responseType arraybuffer');
    const missing = await t.succeeds('request', { url: `${t.http}/status/404` });
    t.eq(missing.statusCode, 404, 'an HTTP error status still succeeds');
    // Without callbacks: the task, not a promise (as WeChat does for request).
    const bare = wx.request({ url: `${t.http}/echo` });
    t.ok(bare && typeof bare.abort === 'function' && !isPromise(bare), 'the task without callbacks');
    // abort and timeout
    const slow = t.start('request', { url: `${t.http}/slow` });
    slow.task.abort();
    const aborted = await slow.done;
    t.eq([aborted.ok, aborted.res.errMsg], [false, 'request:fail abort']);
    await t.fails('request', { url: `${t.http}/slow`, timeout: 100 }, 'request:fail timeout');
    await t.fails('request', { url: 'ftp://example.com/x' }, /^request:fail /);
  };
  checks.uploadFile = async (wx, t) => {
    const fs = wx.getFileSystemManager();
    const file = `${USR()}/conformance-up.bin`;
    fs.writeFileSync(file, bytes(1, 2, 3, 4, 5));
    const { task, done } = t.start('uploadFile', { url: `${t.http}/upload`, filePath: file, name: 'file', formData: { who: 'cove' }, header: { 'X-Conformance': 'up' } });
    const progress = [];
    task.onProgressUpdate((p) => progress.push(p));
    const r = await done;
    t.ok(r.ok, `succeeded: ${fmt(r.res)}`);
    t.eq([r.res.errMsg, r.res.statusCode], ['uploadFile:ok', 200]);
    t.eq(typeof r.res.data, 'string', 'data as text');
    const got = JSON.parse(r.res.data);
    t.eq(got.fields, { who: 'cove' }, 'formData');
    t.eq(got.file, { field: 'file', fileName: 'conformance-up.bin', size: 5, sum: 15 }, 'the file as the server got it');
    t.eq(got.header, 'up', 'the header');
    t.ok(progress.length > 0 && progress[progress.length - 1].progress === 100, `progress: ${fmt(progress)}`);
    await t.fails('uploadFile', { url: `${t.http}/upload`, filePath: `${USR()}/none.bin`, name: 'file' }, /^uploadFile:fail no such file or directory/);
    fs.unlinkSync(file);
  };
  checks.downloadFile = async (wx, t) => {
    const fs = wx.getFileSystemManager();
    const { task, done } = t.start('downloadFile', { url: `${t.http}/download/3000` });
    const progress = [];
    task.onProgressUpdate((p) => progress.push(p));
    const r = await done;
    t.ok(r.ok, `succeeded: ${fmt(r.res)}`);
    t.eq([r.res.errMsg, r.res.statusCode], ['downloadFile:ok', 200]);
    t.match(r.res.tempFilePath, /^wxfile:\/\/tmp_.*\.tmp$|^wxfile:\/\/tmp_[^.]*$/, 'a temp file');
    const data = new Uint8Array(fs.readFileSync(r.res.tempFilePath));
    t.eq(data.length, 3000, 'all bytes on disk');
    t.ok(data.every((b, i) => b === i % 251), 'the right bytes');
    t.ok(progress.length > 0 && progress[progress.length - 1].totalBytesWritten === 3000, `progress: ${fmt(progress.slice(-1))}`);
    // Into the user's files, then visible there.
    const dest = `${USR()}/conformance-dl.bin`;
    const saved = await t.succeeds('downloadFile', { url: `${t.http}/download/100`, filePath: dest });
    t.eq(saved.filePath, dest, 'filePath');
    t.eq(fs.statSync(dest).size, 100);
    t.ok(fs.readdirSync(USR()).includes('conformance-dl.bin'), 'listed');
    fs.unlinkSync(dest);
    await t.fails('downloadFile', { url: `${t.http}/download/1`, filePath: 'wxfile://usr/../../x' }, /^downloadFile:fail /);
  };
  /** Open a socket to the echo server; resolves when open, with its events. */
  async function openSocket(t, opts) {
    const events = [];
    const task = wx.connectSocket(Object.assign({ url: t.ws }, opts || {}));
    task.onOpen((r) => events.push(['open', r]));
    task.onMessage((m) => events.push(['message', m.data]));
    task.onError((e) => events.push(['error', e]));
    task.onClose((c) => events.push(['close', c]));
    await t.until(() => events.find((e) => e[0] === 'open' || e[0] === 'error'), 'the socket to open');
    t.ok(events[0][0] === 'open', `opened: ${fmt(events)}`);
    return { task, events };
  }
  checks.connectSocket = async (wx, t) => {
    const cb = t.start('connectSocket', { url: t.ws, header: { 'x-token': 't1' }, protocols: ['chat'] });
    const r = await cb.done;
    t.eq(r.res.errMsg, 'connectSocket:ok', 'callbacks');
    const first = cb.task;
    const opened = [];
    first.onOpen((o) => opened.push(o));
    await t.until(() => opened.length, 'onOpen');
    t.eq(header(opened[0].header, 'x-token-echo'), 't1', 'the header reached the server');
    t.eq(header(opened[0].header, 'sec-websocket-protocol'), 'chat', 'the protocol');
    first.close({});
    const { task, events } = await openSocket(t);
    const sent = await t.bounded(new Promise((resolve) => task.send({ data: 'hello', success: resolve })), 'send');
    t.eq(sent.errMsg, 'sendSocketMessage:ok');
    await t.until(() => events.find((e) => e[0] === 'message' && e[1] === 'hello'), 'the echo');
    await t.bounded(task.send({ data: bytes(1, 2, 3) }), 'send without callbacks');
    await t.until(() => events.find((e) => e[0] === 'message' && e[1] instanceof ArrayBuffer), 'the binary echo');
    t.eq(events.find((e) => e[1] instanceof ArrayBuffer)[1], bytes(1, 2, 3), 'binary frames stay binary');
    const closed = await t.bounded(new Promise((resolve) => task.close({ code: 4000, reason: 'done', success: resolve })), 'close');
    t.eq(closed.errMsg, 'closeSocket:ok');
    const c = await t.until(() => events.find((e) => e[0] === 'close'), 'onClose');
    t.eq(c[1], { code: 4000, reason: 'done' });
    let late = null;
    task.send({ data: 'late', fail: (e) => (late = e) });
    await t.until(() => late, 'a send after close to fail');
    t.match(late.errMsg, /^sendSocketMessage:fail /);
    // The server closes: onClose with its code.
    const s = await openSocket(t);
    s.task.send({ data: 'close-me' });
    const sc = await t.until(() => s.events.find((e) => e[0] === 'close'), 'the server to close');
    t.eq(sc[1], { code: 4001, reason: 'bye' });
  };
  /** The legacy single-socket functions, end to end. */
  async function legacySession(t) {
    const seen = { open: 0, messages: [], close: null, errors: [] };
    const live = { on: true };
    t.cleanup(() => {
      live.on = false;
    });
    wx.onSocketOpen(() => live.on && seen.open++);
    wx.onSocketMessage((m) => live.on && seen.messages.push(m.data));
    wx.onSocketClose((c) => live.on && (seen.close = c));
    wx.onSocketError((e) => live.on && seen.errors.push(e));
    wx.connectSocket({ url: t.ws });
    await t.until(() => seen.open, 'onSocketOpen');
    await t.succeeds('sendSocketMessage', { data: 'legacy' });
    await t.until(() => seen.messages.includes('legacy'), 'onSocketMessage');
    await t.resolves('sendSocketMessage', { data: bytes(7) });
    await t.until(() => seen.messages.some((m) => m instanceof ArrayBuffer), 'a binary message');
    await t.succeeds('closeSocket', { code: 1000, reason: 'bye' });
    await t.until(() => seen.close, 'onSocketClose');
    t.eq(seen.close, { code: 1000, reason: 'bye' });
    await t.fails('sendSocketMessage', { data: 'late' }, /^sendSocketMessage:fail /);
    // A connection that cannot open: onSocketError.
    wx.connectSocket({ url: 'ws://127.0.0.1:1/' });
    await t.until(() => seen.errors.length, 'onSocketError');
    t.match(seen.errors[0].errMsg, /^fail /);
    // Its close follows the error. Wait for it here: arriving later, it would reach the next
    // session's onSocketClose (the legacy socket's listeners are global) as that session's close.
    await t.until(() => seen.close && seen.close.code === 1006, 'onSocketClose after the error');
  }
  for (const n of ['sendSocketMessage', 'closeSocket', 'onSocketOpen', 'onSocketMessage', 'onSocketClose', 'onSocketError']) {
    checks[n] = async (wx, t) => legacySession(t);
  }

  // ---- what is not served ---------------------------------------------------------------------------------------
  /** The generated check for a name the runtime does not serve. */
  function unsupportedCheck(name) {
    // A listener registers and is never called; a context or manager exists, and each of
    // its methods fails (so that pages which create one at load still open).
    if (/^(on|off)[A-Z]/.test(name)) {
      return async (wx, t) => {
        t.eq(typeof wx[name], 'function', 'it exists');
        t.eq(wx.canIUse(name), false, 'canIUse');
        t.eq(wx[name](() => {}), undefined, 'registers nothing and returns undefined');
      };
    }
    if (name === 'getXrFrameSystem') {
      return async (wx, t) => {
        const xr = wx.getXrFrameSystem();
        class Rotate extends xr.Component {}
        t.eq(typeof new Rotate(), 'object', 'its classes can be extended at load');
        t.eq(typeof xr.registerComponent('rotate', Rotate), 'function', 'its calls do nothing');
      };
    }
    if (/^create[A-Z]|^get.*Manager$/.test(name)) {
      return async (wx, t) => {
        t.eq(typeof wx[name], 'function', 'it exists');
        t.eq(wx.canIUse(name), false, 'canIUse');
        const o = wx[name]({});
        t.eq(o !== null && typeof o === 'object', true, 'returns an object');
        t.eq(typeof o.onError(() => {}), 'object', 'listeners register nothing');
        const r = await new Promise((ok) => o.start({ success: () => ok('success'), fail: (e) => ok(e.errMsg) }));
        t.eq(r, `${name}.start:fail not supported`, 'a method fails through callbacks');
      };
    }
    return async (wx, t) => {
      const errMsg = `${name}:fail not supported`;
      t.eq(typeof wx[name], 'function', 'it exists');
      t.eq(wx.canIUse(name), false, 'canIUse');
      const r = await t.cb(name, {});
      t.eq([r.ok, r.res], [false, { errMsg }], 'through callbacks');
      let got;
      try {
        const p = wx[name]();
        if (!isPromise(p)) throw new CheckFailed(`without callbacks it returned ${fmt(p)}`);
        await p.then(
          (v) => {
            throw new CheckFailed(`it resolved ${fmt(v)}`);
          },
          (e) => {
            got = e && e.errMsg;
          },
        );
      } catch (e) {
        if (e instanceof CheckFailed) throw e;
        got = e && e.message;
      }
      t.eq(got, errMsg, 'without callbacks');
    };
  }

  Object.defineProperty(global, '__conformance', {
    value: Object.freeze({
      /** Names of every check, served APIs and generated ones. */
      names() {
        const kinds = apiKinds();
        const out = Object.keys(checks).filter((n) => kinds[n] !== 'unsupported');
        for (const n of Object.keys(kinds)) if (kinds[n] === 'unsupported') out.push(n);
        return out;
      },
      start(config) {
        const kinds = apiKinds();
        for (const n of Object.keys(kinds)) if (kinds[n] === 'unsupported') checks[n] = unsupportedCheck(n);
        const names = this.names().filter((n) => !config.only || config.only.includes(n));
        run = { config, names, results: {}, current: null, done: false, outbox: [], nextSend: 0, ids: new Map() };
        runAll();
        return names;
      },
      feed,
      results: () => (run ? run.results : {}),
    }),
  });
})(globalThis);
