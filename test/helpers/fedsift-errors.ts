import type { FedsiftError } from '../../shared/errors/index.js';

/** A fedsift error class: its instances and its stable code. */
type FedsiftErrorClass = (abstract new (...args: never[]) => FedsiftError) & { readonly code: string };

/**
 * A check for assert.throws / assert.rejects: the error is a `type`, carries its code, and its message matches
 * `fragment` (STYLE 21: class, code and a fragment of the message).
 */
export function fedsiftError(type: FedsiftErrorClass, fragment: RegExp): (err: unknown) => boolean {
  return (err) => err instanceof type && err.code === type.code && fragment.test(err.message);
}
