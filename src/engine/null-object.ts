/**
 * A constructor for prototype-less records. Why not `Object.create(null)`: V8 creates that object
 * in dictionary (hash-table) mode, so every header store and `for…in` on it takes the slow path;
 * `new NullObject()` gets a normal fast-mode hidden class while still inheriting nothing, so a
 * `__proto__` or `constructor` key is plain data (find-my-way's trick).
 *
 * @example const headers = new NullObject() as Record<string, string>
 */
export const NullObject = function NullObject() {} as unknown as new () => Record<string, unknown>;
NullObject.prototype = Object.create(null) as object;
