import { describe, expectTypeOf, it } from 'vitest';
import type { JoinPaths, ParamKeys, Params } from '../../src/router/types.js';

// These assertions are checked by `tsc` (npm run typecheck); at run time vitest only sees empty tests.
describe('ParamKeys', () => {
  it('should collect :name, {name} and *name keys', () => {
    expectTypeOf<ParamKeys<'/users/:id/posts/{postId}/*rest'>>().toEqualTypeOf<'id' | 'postId' | 'rest'>();
  });

  it('should name a bare wildcard *', () => {
    expectTypeOf<ParamKeys<'/static/*'>>().toEqualTypeOf<'*'>();
  });

  it('should read the name of a pattern param and skip its regex', () => {
    expectTypeOf<ParamKeys<'/u/:id(\\d+)/{slug([a-z]{2,}(?:-x)?)}'>>().toEqualTypeOf<'id' | 'slug'>();
    expectTypeOf<ParamKeys<'/u/:id([:{*)]+)'>>().toEqualTypeOf<'id'>();
  });

  it('should split params that share a segment', () => {
    expectTypeOf<ParamKeys<'/flights/:from-:to'>>().toEqualTypeOf<'from' | 'to'>();
    expectTypeOf<ParamKeys<'/files/{name}.json'>>().toEqualTypeOf<'name'>();
  });

  it('should include optional params and skip an escaped colon', () => {
    expectTypeOf<ParamKeys<'/docs/:lang?'>>().toEqualTypeOf<'lang'>();
    expectTypeOf<ParamKeys<'/v1/{name}::cancel'>>().toEqualTypeOf<'name'>();
  });

  it('should be never for a static route', () => {
    expectTypeOf<ParamKeys<'/users/all'>>().toEqualTypeOf<never>();
  });
});

describe('Params', () => {
  it('should give required string keys and optional keys for :name?', () => {
    expectTypeOf<Params<'/:lang?/users/:id(\\d+)/*rest'>>().toEqualTypeOf<{
      id: string;
      rest: string;
      lang?: string;
    }>();
    expectTypeOf<Params<'/docs/{lang}?'>>().toEqualTypeOf<{ lang?: string }>();
  });

  it('should be an empty object type for a static route', () => {
    expectTypeOf<Params<'/health'>>().toEqualTypeOf<Record<never, string>>();
    expectTypeOf<Params<'/health'>>().toEqualTypeOf<{}>();
  });

  it('should fall back to a string record for a non-literal path', () => {
    expectTypeOf<Params<string>>().toEqualTypeOf<Record<string, string>>();
  });

  it('should reject access to a key the route does not declare', () => {
    const params = { id: '1' } as Params<'/users/:id'>;
    expectTypeOf(params.id).toEqualTypeOf<string>();
    // @ts-expect-error `name` is not a param of '/users/:id'
    void params.name;
  });
});

describe('JoinPaths', () => {
  it('should join a prefix and a route with exactly one slash', () => {
    expectTypeOf<JoinPaths<'/api', '/users/:id'>>().toEqualTypeOf<'/api/users/:id'>();
    expectTypeOf<JoinPaths<'/api/', '/users'>>().toEqualTypeOf<'/api/users'>();
    expectTypeOf<JoinPaths<'/api', 'users'>>().toEqualTypeOf<'/api/users'>();
    expectTypeOf<JoinPaths<'/', '/users'>>().toEqualTypeOf<'/users'>();
  });

  it('should treat an empty or root route as the prefix itself', () => {
    expectTypeOf<JoinPaths<'/api', '/'>>().toEqualTypeOf<'/api'>();
    expectTypeOf<JoinPaths<'', ''>>().toEqualTypeOf<'/'>();
  });

  it('should keep the params of both parts', () => {
    expectTypeOf<ParamKeys<JoinPaths<'/orgs/:org', '/repos/:repo'>>>().toEqualTypeOf<'org' | 'repo'>();
  });
});
