/**
 * The validation contract (src/http/validation.ts): a validator is a middleware carrying its
 * Standard Schema schemas in `schemas`, which `schemasOf()` reads for the router's listing.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { schemasOf, type Validator } from '../../src/http/validation.js';
import { validate } from '../../src/middleware/index.js';

const Id = z.object({ id: z.coerce.number() });
/** A fresh pass-through middleware: each case dresses its own. */
const pass =
  () =>
  (_ctx: unknown, next: () => Promise<void>): Promise<void> =>
    next();

describe('schemasOf', () => {
  it("should read validate()'s schemas, as given", () => {
    const schemas = { params: Id, body: z.object({ name: z.string() }) };
    const v: Validator<typeof schemas> = validate(schemas);
    expect(v.schemas).toBe(schemas);
    expect(schemasOf(v)).toBe(schemas);
  });

  it('should read a third-party validator, callable schemas included (ArkType schemas are functions)', () => {
    const callable = Object.assign(() => true, {
      '~standard': { version: 1, vendor: 'arktype', validate: (value: unknown) => ({ value }) },
    });
    expect(schemasOf(Object.assign(pass(), { schemas: { query: callable } }))).toEqual({ query: callable });
  });

  it('should be null for anything else', () => {
    expect(schemasOf(pass())).toBeNull();
    expect(schemasOf({ schemas: { query: Id } })).toBeNull();
    expect(schemasOf(Object.assign(pass(), { schemas: {} }))).toBeNull();
    expect(schemasOf(Object.assign(pass(), { schemas: { body: { parse: () => 1 } } }))).toBeNull();
    expect(schemasOf(Object.assign(pass(), { schemas: 'body' }))).toBeNull();
  });
});
