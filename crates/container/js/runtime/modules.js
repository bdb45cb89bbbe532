// CommonJS modules from the package manifest's module index: each file is a factory, and
// `require` resolves through the dependency map the compiler wrote for it.

/** @type {Map<string, {deps: Record<string,string>, factory: Function, module?: {exports: any}}>} */
const modules = new $Map();
/**
 * What modules see as `global`: in WeChat an object every module shares, not the global
 * scope (`global.a = 1` does not make `a` a variable). uni-app and others store their
 * factories there.
 */
const sharedGlobal = {};

function defineModule(id, deps, factory) {
  $mapSet(modules, id, { deps, factory });
}

function requireModule(id) {
  const m = $mapGet(modules, id);
  if (!m) throw new Error('no such module: ' + id);
  if (m.module) return m.module.exports;
  const module = { exports: {} };
  m.module = module;
  const resolve = (specifier) => {
    const target = m.deps[specifier];
    if (target !== undefined) return requireModule(target);
    // Not resolved at build time (a computed path, or a file that was missing): WeChat
    // resolves it against the package's modules when it runs, and throws if none matches.
    const spec = String(specifier);
    const found = runTimeCandidates(id, spec).find((c) => $mapHas(modules, c));
    if (found) return requireModule(found);
    throw new Error(`module '${runTimeCandidates(id, spec)[0]}' is not defined, require args is '${spec}'`);
  };
  // `require(path, success, fail)`: WeChat's callback form, for a subpackage's module that
  // may load later; every module is already here, so it answers on the next tick.
  const req = (specifier, success, fail) => {
    if (typeof success !== 'function' && typeof fail !== 'function') return resolve(specifier);
    Promise.resolve().then(() => {
      let mod;
      try {
        mod = resolve(specifier);
      } catch (e) {
        if (typeof fail === 'function') fail({ mod: specifier, errMsg: e.message });
        else throw e;
        return;
      }
      if (typeof success === 'function') success(mod);
    });
    return undefined;
  };
  /** `require.async(path)`: the module, as a promise. */
  req.async = (specifier) => new Promise((ok) => ok(resolve(specifier)));
  try {
    $apply(m.factory, module.exports, [req, module, module.exports, sharedGlobal]);
  } catch (e) {
    m.module = undefined;
    throw e;
  }
  return module.exports;
}

/**
 * The module ids a specifier may name when it is resolved at run time, in WeChat's order:
 * relative to the requiring module (or the root with `/`), with `.js` or `/index.js`; then,
 * for a bare name, `miniprogram_npm/<name>` in the module's folder and each one above it.
 */
function runTimeCandidates(from, spec) {
  const join = (base, rel) => {
    const parts = rel.startsWith('/') ? [] : base.slice();
    for (const seg of rel.split('/')) {
      if (seg === '..') parts.pop();
      else if (seg !== '.' && seg !== '') parts.push(seg);
    }
    return parts.join('/');
  };
  const files = (path) => (/\.(js|json)$/.test(path) ? [path] : [path + '.js', path + '/index.js']);
  const dir = from.split('/').slice(0, -1);
  const out = files(join(dir, spec));
  if (!/^(\.|\/)/.test(spec)) {
    for (let d = dir.slice(); ; d.pop()) {
      out.push(...files(join(d.concat('miniprogram_npm'), spec)));
      if (!d.length) break;
    }
  }
  return out;
}
