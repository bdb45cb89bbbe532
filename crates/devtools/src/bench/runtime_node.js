// The peer for `cove-devtools bench runtime`: the same glass-easel, adapter, Cove runtime and
// compiled app, run by Node's V8 instead of QuickJS, with in-memory natives. Prints JSON timings.
//   node bench_runtime_node.js <scripts.json> <package dir> <iterations>
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const [scriptsFile, pkg, iterArg] = process.argv.slice(2);
const iterations = Number(iterArg) || 20;
let ops = 0;
const storage = new Map();
const ctx = vm.createContext({
  console: { log() {}, info() {}, warn() {}, error() {}, debug() {} },
  setTimeout, clearTimeout, setInterval, clearInterval, Date, Math, JSON, Promise,
});
ctx.globalThis = ctx;
ctx.__coveNative = {
  call(name, args) {
    const a = JSON.parse(args);
    if (name === 'storage.get') return JSON.stringify(storage.has(a.key) ? { ok: storage.get(a.key) } : { err: 'fail data not found' });
    if (name === 'storage.set') storage.set(a.key, a.data);
    return JSON.stringify({ ok: null });
  },
  start() { return 0; },
  taskCall() { return JSON.stringify({ ok: null }); },
  post(msg) { const m = JSON.parse(msg); if (m.t === 'ops') ops += m.ops.length; },
  pace() { return -1; },
  // The runtime hands its control object over here; the bench drives it as Rust does.
  bind(control) { ctx.__cove = control; return true; },
  dataSize(changes) { return JSON.stringify(changes).length; },
};
for (const [file, code] of JSON.parse(fs.readFileSync(scriptsFile, 'utf8'))) vm.runInContext(code, ctx, { filename: file });

const read = (f) => fs.readFileSync(path.join(pkg, f), 'utf8');
const manifest = JSON.parse(read('manifest.json'));
const cove = manifest.cove;
for (const [id, m] of Object.entries(cove.modules || {})) {
  vm.runInContext(`__cove.defineModule(${JSON.stringify(id)},${JSON.stringify(m.deps || {})},function(require,module,exports){\n${read(m.file || id)}\n});`, ctx);
}
const units = {};
for (const u of Object.keys(cove.units || {})) units[u] = JSON.parse(read(u + '.json'));
const appJson = JSON.parse(read('app.json'));
const now = () => Number(process.hrtime.bigint()) / 1e6;
let t = now();
vm.runInContext(`(function(){var module={exports:{}};var exports=module.exports;\n${read(cove.templates || 'wxml.js')}\n;__cove.load(module.exports,${JSON.stringify(units)},${JSON.stringify(appJson)},{},null);})();`, ctx);
vm.runInContext('__cove.launch(); __cove.turnEnd();', ctx);
const first = now() - t;
const firstOps = ops;
const times = [];
let maxOps = 0;
for (let i = 0; i < Math.max(iterations, 20); i++) {
  ops = 0;
  t = now();
  vm.runInContext(`__cove.callTop('touch', [${(i * 37) % 1000}, 'Changed ${i}']); __cove.turnEnd();`, ctx);
  times.push(now() - t);
  maxOps = Math.max(maxOps, ops);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ first, firstOps, update: times[times.length >> 1], updateOps: maxOps }));
