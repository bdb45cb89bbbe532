// The built-ins the runtime's own paths use, taken before any app code runs.
//
// App code shares this global scope, and may replace or extend any built-in: WeChat apps
// polyfill `Array.prototype.includes`, add `Date.prototype.format`, wrap `JSON.parse`, and
// that must keep working for them. It must not change what the runtime does, nor hand the
// runtime's objects to app code as `this` or as an argument. So where the runtime talks to
// the bridge (calls, task results, messages for the view), dispatches what the view sent,
// keeps its tables of tasks, elements and modules, and counts a data update for setData's
// limit, it calls these captured copies, as plain functions: `$mapGet(map, key)` never
// looks up `Map.prototype.get` again. What it builds for the view has no prototype
// (`opList`, `record`), so no getter, setter or `toJSON` an app puts on `Object.prototype`
// or `Array.prototype` applies to it.

const $apply = Reflect.apply;
const $bind = Function.prototype.bind;
const $call = Function.prototype.call;
/** `f` as a function of `(self, ...args)`: a bound `call`, which later changes to `call`, `bind` or `f`'s owner do not reach. */
const uncurry = (f) => $apply($bind, $call, [f]);

const $stringify = JSON.stringify;
const $parse = JSON.parse;
const $freeze = Object.freeze;
const $keys = Object.keys;
const $create = Object.create;
const $defineProperty = Object.defineProperty;
const $setPrototypeOf = Object.setPrototypeOf;
const $getPrototypeOf = Object.getPrototypeOf;
const $isArray = Array.isArray;
const $ArrayBuffer = ArrayBuffer;
const $isView = ArrayBuffer.isView;
const $Uint8Array = Uint8Array;
const $ObjectPrototype = Object.prototype;
const $Error = Error;
const $Promise = Promise;
const $then = uncurry(Promise.prototype.then);
const $Map = Map;
const $mapGet = uncurry(Map.prototype.get);
const $mapSet = uncurry(Map.prototype.set);
const $mapHas = uncurry(Map.prototype.has);
const $mapDelete = uncurry(Map.prototype.delete);

/** An array without a prototype, for what the runtime sends. */
function opList() {
  const a = [];
  $setPrototypeOf(a, null);
  return a;
}
/** Append to an array without calling `push` (which app code may have replaced). */
function append(list, v) {
  list[list.length] = v;
}
/** An object without a prototype. */
function record() {
  return $create(null);
}
/**
 * `v` rebuilt from prototype-less arrays and objects (plain objects and arrays only; other
 * objects, such as an app's Date, stay as they are): a message the app's `toJSON`,
 * getters and setters on the shared prototypes cannot rewrite once it is built.
 */
function sealed(v, depth) {
  if (v === null || typeof v !== 'object' || (depth || 0) > 64) return v;
  if ($isArray(v)) {
    const out = opList();
    for (let i = 0; i < v.length; i++) out[i] = sealed(v[i], (depth || 0) + 1);
    return out;
  }
  const proto = $getPrototypeOf(v);
  if (proto !== $ObjectPrototype && proto !== null) return v;
  const out = record();
  const keys = $keys(v);
  for (let i = 0; i < keys.length; i++) out[keys[i]] = sealed(v[keys[i]], (depth || 0) + 1);
  return out;
}
