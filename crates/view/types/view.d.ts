// Helper types for the view's JSDoc, built on the generated protocol types (protocol.d.ts).
import type { AppMessage, HostMessage, Op, ToView, ViewMessage, ViewToHost } from './protocol';

/** The fields of op `K`, after its name. */
export type OpFields<K extends Op[0]> = Extract<Op, [K, ...any[]]> extends [any, ...infer F] ? F : never;

/** A handler for every op, by name, taking the op's fields: `core/ops.js`'s table. */
export type OpTable<This> = { [K in Op[0]]: (this: This, ...fields: OpFields<K>) => void };

/** The message of type `T` (`t`) among everything the view receives. */
export type Received<T extends ToView['t']> = Extract<ToView, { t: T }>;

/** The message of type `T` among everything the view sends. */
export type Sent<T extends (ViewMessage | ViewToHost)['t']> = Extract<ViewMessage | ViewToHost, { t: T }>;

export type { AppMessage, HostMessage, Op, ToView, ViewMessage, ViewToHost };

declare global {
  // What the view keeps on the DOM nodes it made from ops (core/ops.js).
  interface Node {
    /** The node's id in the app's tree. */
    __coveId?: number;
    /** The node's record, on the node an op created. */
    __cove?: import('../assets/core/ops.js').NodeRecord;
    /** The element's style scope prefix, for its class-name attributes. */
    __coveScope?: string | null;
    /** A page root's path. */
    __covePath?: string;
    /** The drag axis a component claimed (`ctx.claimGesture`). */
    __coveGesture?: string;
    __coveHoverOff?: unknown;
  }
}
