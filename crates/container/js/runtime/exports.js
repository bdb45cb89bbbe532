// What the runtime hands to Rust (its control object, through `native.bind`) and to the app
// (`wx`, and FinClip's `ft`).

// Every typed wx method we do not serve still exists and fails as WeChat does.
for (const name of API_NAMES) if (!apiKinds[name]) unsupported(name);

// `PROTOCOL` (the view protocol's version, `hello`) is cove-protocol's PROTOCOL_VERSION,
// declared by Rust before the runtime's parts (src/app.rs).

function turnEnd() {
  flushReady();
  flushOps();
  flushCanvas();
}

/** The runtime's control object, for Rust only. */
const control = $freeze({
  defineModule,
  load(templateGroup, unitConfigs, app, system, account, hostApis, theme) {
    Object.assign(systemInfo, system || {});
    if (account) accountInfo = account;
    registerHostApis(hostApis);
    // `theme`: the manifest's `cove.theme` ({light, dark} variables) for the view to resolve
    // `@` references with; `theme` beside `app`: the system theme now (DarkMode, wx.js).
    const themes = theme && typeof theme === 'object' ? theme : null;
    post({
      t: 'hello', protocol: PROTOCOL, appId: accountInfo.miniProgram.appId,
      app: { window: app.window || {}, tabBar: app.tabBar || null, pages: app.pages || [], darkmode: app.darkmode === true, theme: themes },
      theme: systemInfo.theme === 'dark' ? 'dark' : 'light',
    });
    load(templateGroup, unitConfigs, app);
  },
  launch,
  setExtConfig,
  inbound,
  deliver,
  unhandledRejection,
  reportError: (message) => reportError(new Error(message)),
  turnEnd,
  callTop,
  pageData: () => {
    const top = stack[stack.length - 1];
    return top ? top.caller.data : null;
  },
  stack: () => stack.map(pageInfo),
  apis: () => Object.assign({}, apiKinds),
  apiNames: () => API_NAMES.slice(),
  auto: $freeze(automation),
});
// Rust keeps it (src/instance.rs); nothing in the global scope leads to it. Without the
// container's natives (a benchmark evaluating the runtime alone) there is nobody to hand it to.
if (native && typeof native.bind === 'function') native.bind(control);
global.wx = wx;
global.ft = wx;
