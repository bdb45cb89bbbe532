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
    if (target === undefined) throw new Error(`module ${id}: unresolved require("${specifier}")`);
    return requireModule(target);
  };
  try {
    m.factory.call(module.exports, req, module, module.exports);
  } catch (e) {
    m.module = undefined;
    throw e;
  }
  return module.exports;
}
