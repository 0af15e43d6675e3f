/**
 * The type errors a newcomer meets first read in their own words: the compiler's message for a
 * missing param, a wrong body type, a validator that is not the route's first handler, or a whole
 * validated `ctx` used wrongly names the plain types involved (`{ id: string; }`), never one of the
 * router's or the validator's helper types (`Flatten<{} & {}>`) or a schema library's internals
 * (`ZodObject<…>`). Each snippet is checked by the project's own `tsc` (one run for all of them),
 * through the harness the docs' code blocks use.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSnippets } from '../docs/doc-blocks.js';

const PRELUDE = `import { App, Router } from 'shallot';
import { body, validate } from 'shallot/middleware';
import { z } from 'zod';
const app = new App();
const User = z.object({ name: z.string(), age: z.number() });
void Router; void body; void validate; void User;
`;

/** Names of helper types that must not appear in a message (whole words, or the start of a generic). */
const INTERNAL =
  /\b(Flatten|Scan|TakeName|AfterName|AfterBrace|SkipGroup|PlainChain|NotSchemas|NotASchema|WithName|ValidatedContext|ValidatedHandler|Out|Obj|FilesOut|JoinPaths|Params|ParamKeys|Zod\w+)\b|& \{\}/;

const cases = {
  missingParam: {
    code: `app.get('/users/:id', (ctx) => ctx.params.nope);`,
    expected: `Property 'nope' does not exist on type '{ id: string; }'`,
  },
  missingPrefixParam: {
    code: `new Router({ prefix: '/users/:userId' }).get('/posts/:postId', (ctx) => ctx.params.nope);`,
    expected: `Property 'nope' does not exist on type '{ postId: string; userId: string; }'`,
  },
  noParams: {
    code: `new Router().get('/health', (ctx) => ctx.params.id);`,
    expected: `Property 'id' does not exist on type '{}'`,
  },
  validatedParam: {
    code: `app.get('/users/:id', validate({ params: z.object({ id: z.coerce.number() }) }), (ctx) => ctx.params.nope);`,
    expected: `Property 'nope' does not exist on type '{ id: number; }'`,
  },
  wrongBodyType: {
    code: `app.post('/users', validate({ body: User }), (ctx) => {
  const age: string = ctx.request.body.age;
  return { age };
});`,
    expected: `Type 'number' is not assignable to type 'string'`,
  },
  missingBodyField: {
    code: `app.post('/users', validate({ body: User }), (ctx) => ctx.request.body.email);`,
    expected: `Property 'email' does not exist on type '{ name: string; age: number; }'`,
  },
  validateNotFirst: {
    code: `app.post('/users', body(), validate({ body: User }), (ctx) => ctx.request.body.name);`,
    expected: `'ctx.request.body' is of type 'unknown'`,
  },
  wholeValidatedContext: {
    code: `app.post('/users', validate({ body: User }), (ctx) => {
  const n: number = ctx;
  return n;
});`,
    expected: `Type 'TypedContext<DefaultState, {}, ParsedQuery, { name: string; age: number; }, {}, UploadedFiles | undefined>' is not assignable to type 'number'`,
  },
} as const;

const checked = checkSnippets(
  Object.entries(cases).map(([name, c]) => ({ name, code: PRELUDE + c.code })),
  'type-messages',
);

afterAll(() => rmSync(checked.dir, { recursive: true, force: true }));

describe('type errors of common mistakes', () => {
  it('should check the snippets with no error outside them', () => {
    expect(checked.other).toEqual([]);
  });

  it.each(Object.entries(cases))('%s: should say what is wrong with plain types only', (name, c) => {
    const errors = checked.errors.get(name) ?? [];
    expect(errors.length, errors.join('\n')).toBe(1);
    expect(errors[0]).toContain(c.expected);
    expect(errors[0]).not.toMatch(INTERNAL);
  });

  it('should recognise the internal names it guards against', () => {
    expect(`Property 'userId' does not exist on type 'Flatten<{} & {}>'`).toMatch(INTERNAL);
    expect(`Type 'ValidatedContext<DefaultState, {}, { readonly body: ZodObject<{}> }>'`).toMatch(INTERNAL);
    expect(`Property 'nope' does not exist on type '{ id: string; }'`).not.toMatch(INTERNAL);
  });
});
