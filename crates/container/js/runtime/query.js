// SelectorQuery as WeChat answers it, where adapter 0.12.1 differs: `node()` and the viewport's
// scroll offset. The NodesRef class is not exported, so its prototype is patched once, from
// the first page's query object.

let nodeQueriesPatched = false;

/**
 * `selectViewport().scrollOffset()`: the adapter reads the page root's rect, whose top is
 * minus the scroll position; WeChat answers the scroll position itself.
 */
function viewportScroll(cb) {
  return (res) => {
    if (res) {
      res.scrollTop = -res.scrollTop || 0;
      res.scrollLeft = -res.scrollLeft || 0;
    }
    if (typeof cb === 'function') cb(res);
  };
}

/**
 * WeChat's `NodesRef.node()` and `fields({node: true})`, which adapter 0.12.1 lacks: they
 * ride on its `context` field (the backend's getContext) and rename the result. Also fixes
 * the viewport's scroll offset (below).
 */
function supportNodeQueries(caller) {
  if (nodeQueriesPatched) return;
  nodeQueriesPatched = true;
  const proto = Object.getPrototypeOf(caller.createSelectorQuery().select('#__cove_probe'));
  const fields = proto.fields;
  proto.fields = function (f, cb) {
    if (this._$sel === null && f && f.scrollOffset) return fields.call(this, f, viewportScroll(cb));
    if (!f || !f.node) return fields.call(this, f, cb);
    const wantsContext = !!f.context;
    const f2 = Object.assign({}, f, { context: true });
    delete f2.node;
    return fields.call(this, f2, (res) => {
      if (res) {
        res.node = res.context;
        if (!wantsContext) delete res.context;
      }
      if (typeof cb === 'function') cb(res);
    });
  };
  const scrollOffset = proto.scrollOffset;
  proto.scrollOffset = function (cb) {
    return scrollOffset.call(this, this._$sel === null ? viewportScroll(cb) : cb);
  };
  if (typeof proto.node !== 'function') {
    proto.node = function (cb) {
      return this.fields({ node: true }, cb);
    };
  }
}
