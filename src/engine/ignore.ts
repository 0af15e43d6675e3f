/**
 * A listener or rejection handler that does nothing, on purpose: where an error or a value is
 * known and deliberately let go (a stream being released, a promise settled only for its timing),
 * one named function says so, and costs no closure.
 */
export function ignore(): void {}
