// `wx.cloud`: WeChat's cloud development runs on Tencent's servers, which a bank's private
// deployment does not have. Apps call it at load (`wx.cloud.init()` in `app.js`), so it is
// present: `init` succeeds with a one-time warning, and every call that would reach the cloud
// fails asynchronously with an errMsg that says why, in WeChat's `cloud.<api>:fail …` shape.

const CLOUD_UNAVAILABLE = 'cloud development is not available on this platform: the app runs on its host\'s own servers, not WeChat\'s cloud';
let cloudWarned = false;

/** A cloud call's failure, through callbacks when given, else as a rejected promise. */
function cloudFail(name, opts) {
  const r = { errMsg: `cloud.${name}:fail ${CLOUD_UNAVAILABLE}`, errCode: -1 };
  const o = opts && typeof opts === 'object' ? opts : {};
  if (typeof o.success === 'function' || typeof o.fail === 'function' || typeof o.complete === 'function') {
    Promise.resolve().then(() => {
      if (typeof o.fail === 'function') safe(() => o.fail(r));
      if (typeof o.complete === 'function') safe(() => o.complete(r));
    });
    return undefined;
  }
  return Promise.reject(r);
}

/**
 * The database API is chained (`db.collection('x').where({…}).orderBy(…).get()`): every link
 * returns the chain, and the calls that would reach the server fail.
 */
const DB_TERMINALS = new Set(['get', 'add', 'update', 'remove', 'set', 'count', 'end']);
function dbChain(path) {
  const target = function () {};
  return new Proxy(target, {
    get(_t, key) {
      if (typeof key === 'symbol') return undefined;
      if (key === 'then') return undefined; // never a thenable
      if (DB_TERMINALS.has(key)) return (opts) => cloudFail(`database.${path}.${key}`, opts);
      if (key === 'watch') {
        return (opts) => {
          const o = opts || {};
          Promise.resolve().then(() => {
            if (typeof o.onError === 'function') safe(() => o.onError(new Error(`cloud.database.watch:fail ${CLOUD_UNAVAILABLE}`)));
          });
          return { close: () => Promise.resolve() };
        };
      }
      return dbChain(key);
    },
    apply() {
      return dbChain(path);
    },
  });
}

function cloudApi(env) {
  const api = {
    init(options) {
      if (!cloudWarned) {
        cloudWarned = true;
        console.warn(`wx.cloud.init: ${CLOUD_UNAVAILABLE}; cloud calls will fail`);
      }
      void options;
      return Promise.resolve();
    },
    database: () => dbChain('collection'),
    CDN: (target) => ({ type: 'CDN', target }),
    extend: {},
  };
  for (const name of ['callFunction', 'uploadFile', 'downloadFile', 'getTempFileURL', 'deleteFile', 'callContainer', 'connectContainer', 'getOpenData', 'getVoIPSign', 'openapi']) {
    api[name] = (opts) => cloudFail(name, opts);
  }
  void env;
  return api;
}

wx.cloud = cloudApi(null);
/** `new wx.cloud.Cloud({resourceEnv})`: another environment, failing the same way. */
wx.cloud.Cloud = function Cloud(options) {
  return cloudApi(options);
};
