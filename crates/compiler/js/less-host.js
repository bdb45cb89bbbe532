// The host of npm `less` (its Node build, `dist/less-node.cjs`) inside Cove's QuickJS.
//
// Evaluated after the bundle has been wrapped as `__coveLessFactory(module, exports, require)`.
// Node's `path`, `fs` and `url` are stubs: the bundle's own file managers are never used. Files
// come from the project's in-memory tree through `__coveRead(path)` (a Rust function that
// answers a string or `undefined`), with `/` as the mini-program root. Defines
// `__coveLessRender(filename, source)`, which returns `{css}` or `{error}`.
'use strict';

(function () {
  /** @param {string} p */
  function normalize(p) {
    const out = [];
    for (const seg of p.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') {
        if (!out.length) return null;
        out.pop();
      } else {
        out.push(seg);
      }
    }
    return '/' + out.join('/');
  }

  const stubPath = {
    sep: '/',
    join: (...parts) => normalize(parts.join('/')) || '/',
    dirname: (p) => p.replace(/\/[^/]*$/, '') || '/',
    basename: (p) => p.replace(/^.*\//, ''),
    extname: (p) => (/\.[^./]*$/.exec(p) || [''])[0],
    isAbsolute: (p) => p.startsWith('/'),
    resolve: (...parts) => normalize(parts.join('/')) || '/',
  };
  const noFs = new Proxy({}, {
    get() {
      return () => {
        throw new Error('no file system in Cove\'s LESS host');
      };
    },
  });
  function require(name) {
    if (name === 'path') return stubPath;
    if (name === 'fs') return noFs;
    if (name === 'url') return {};
    throw new Error(`Cannot find module '${name}'`);
  }
  require.resolve = (name) => {
    throw new Error(`Cannot find module '${name}'`);
  };

  // less copies `e.stack` from plain error objects that have none; QuickJS's `stack` setter
  // throws on a non-string where V8 takes anything. Such a value becomes an own property.
  const stackDesc = Object.getOwnPropertyDescriptor(Error.prototype, 'stack');
  if (stackDesc && stackDesc.set) {
    Object.defineProperty(Error.prototype, 'stack', {
      configurable: true,
      get: stackDesc.get,
      set(v) {
        if (typeof v === 'string') stackDesc.set.call(this, v);
        else Object.defineProperty(this, 'stack', { value: v, writable: true, configurable: true });
      },
    });
  }

  const module = { exports: {} };
  globalThis.__coveLessFactory(module, module.exports, require);
  delete globalThis.__coveLessFactory;
  const nodeLess = module.exports;

  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  /** Base64 of a string's UTF-8 bytes (for `data-uri()`). */
  function base64(str) {
    const bytes = [];
    for (const ch of unescape(encodeURIComponent(str))) bytes.push(ch.charCodeAt(0));
    let out = '';
    for (let i = 0; i < bytes.length; i += 3) {
      const [a, b = 0, c = 0] = bytes.slice(i, i + 3);
      const n = (a << 16) | (b << 8) | c;
      out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
      out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=';
      out += i + 2 < bytes.length ? B64[n & 63] : '=';
    }
    return out;
  }

  const environment = {
    encodeBase64: base64,
    mimeLookup: (filename) => (/\.svg$/i.test(filename) ? 'image/svg+xml' : 'application/octet-stream'),
    charsetLookup: () => undefined,
    getSourceMapGenerator: () => undefined,
  };

  const Abstract = nodeLess.AbstractFileManager;

  /** Reads the project's tree, resolving as DevTools' LESS plugin does: relative to the
   * importing file, `/` from the mini-program root, `.less` added to a path without an
   * extension, and a bare path tried from the root when it is not beside the importer. */
  class TreeFileManager extends Abstract {
    supports() {
      return true;
    }
    supportsSync() {
      return true;
    }
    loadFile(filename, currentDirectory, options, env, callback) {
      const r = this.loadFileSync(filename, currentDirectory, options, env);
      if (callback) {
        callback(r.error || null, r);
        return undefined;
      }
      return r.error ? Promise.reject(r.error) : Promise.resolve(r);
    }
    loadFileSync(filename, currentDirectory, options) {
      if (options && (options.mime === 'application/javascript' || /\.js$/.test(filename))) {
        return { error: { type: 'File', message: `'${filename}': LESS plugins (@plugin) are not supported` } };
      }
      const withExt = (p) => (options && options.ext ? this.tryAppendExtension(p, options.ext) : p);
      const bases = filename.startsWith('/') ? [''] : [currentDirectory || '/'];
      if (!/^\.{1,2}\//.test(filename) && !filename.startsWith('/')) bases.push('/');
      const tried = [];
      for (const base of bases) {
        for (const name of new Set([withExt(filename), filename])) {
          const full = normalize(base + '/' + name);
          if (full === null || tried.includes(full)) continue;
          tried.push(full);
          const contents = globalThis.__coveRead(full);
          if (typeof contents === 'string') return { contents, filename: full };
        }
      }
      return {
        error: { type: 'File', message: `'${filename}' wasn't found. Tried - ${tried.join(',')}` },
      };
    }
  }

  const less = nodeLess.createFromEnvironment(environment, [new TreeFileManager()]);
  // `@plugin` would run the project's JS inside the compiler: refused.
  const refusePlugin = (name) => ({
    type: 'File',
    message: `'${name}': LESS plugins (@plugin) are not supported`,
  });
  less.PluginLoader = function () {};
  less.PluginLoader.prototype = Object.assign(new nodeLess.AbstractPluginLoader(), {
    loadPluginSync: refusePlugin,
    loadPlugin: (name) => Promise.reject(refusePlugin(name)),
  });
  // Deprecation and other warnings would go to the console; the build has no use for them.
  less.logger._listeners = [];

  globalThis.__coveLessRender = function (filename, source) {
    let result = null;
    const options = {
      filename,
      syncImport: true,
      javascriptEnabled: false,
    };
    less.render(source, options, (err, output) => {
      if (err) {
        result = {
          error: {
            message: String(err.message || err),
            filename: err.filename || filename,
            line: typeof err.line === 'number' ? err.line : null,
            column: typeof err.column === 'number' ? err.column : null,
            type: err.type || 'Error',
          },
        };
      } else {
        result = { css: output.css };
      }
    });
    return result;
  };
})();
