// CommonJS modules from the package manifest's module index: each file is a factory, and
// `require` resolves through the dependency map the compiler wrote for it.

/** @type {Map<string, {deps: Record<string,string>, factory: Function, module?: {exports: any}}>} */
const modules = new Map();

function defineModule(id, deps, factory) {
  modules.set(id, { deps, factory });
}

function requireModule(id) {
  const m = modules.get(id);
  if (!m) throw new Error('no such module: ' + id);
  if (m.module) return m.module.exports;
  const module = { exports: {} };
  m.module = module;
  const req = (specifier) => {
    const target = m.deps[specifier];
    if (target !== undefined) return requireModule(target);
    // Not resolved at build time (a computed path, or a file that was missing): WeChat
    // resolves it against the package's modules when it runs, and throws if none matches.
    const path = resolveAtRunTime(id, String(specifier));
    if (modules.has(path)) return requireModule(path);
    throw new Error(`module '${path}' is not defined, require args is '${specifier}'`);
  };
  try {
    m.factory.call(module.exports, req, module, module.exports);
  } catch (e) {
    m.module = undefined;
    throw e;
  }
  return module.exports;
}

/** `spec` relative to module `from` (or from the root with `/`), with `.js` added. */
function resolveAtRunTime(from, spec) {
  const parts = spec.startsWith('/') ? [] : from.split('/').slice(0, -1);
  for (const seg of spec.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  const path = parts.join('/');
  return /\.(js|json)$/.test(path) ? path : path + '.js';
}
