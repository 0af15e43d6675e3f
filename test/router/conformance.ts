/**
 * The router conformance suite: every route table implementation runs these same cases
 * (Hono's `common.case.test.ts` idea), so a faster or simpler router can replace the radix tree
 * only by behaving identically. Call it from a `*.test.ts` file with a factory.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RadixTreeOptions, RouteMatch } from '../../src/router/types.js';

/**
 * What a route table must offer to run the suite.
 *
 * @example
 * ```ts
 * const router: ConformanceRouter = new RadixTree<string>();
 * ```
 */
export interface ConformanceRouter {
  add(method: string, path: string, value: string): void;
  match(method: string, path: string): RouteMatch<string> | null;
  allowed(path: string): string[];
  freeze(): void;
}

/**
 * Builds a fresh, empty router with the given options.
 *
 * @example
 * ```ts
 * const make: MakeRouter = (options) => new RadixTree<string>(options);
 * ```
 */
export type MakeRouter = (options?: RadixTreeOptions) => ConformanceRouter;

/**
 * Register the conformance cases with vitest.
 *
 * @example
 * ```ts
 * runRouterConformance((options) => new RadixTree<string>(options));
 * ```
 */
export function runRouterConformance(makeRouter: MakeRouter): void {
  /** A router with `GET` routes (or `METHOD /path` entries) whose value is the entry itself. */
  const build = (routes: readonly string[], options?: RadixTreeOptions): ConformanceRouter => {
    const router = makeRouter(options);
    for (const entry of routes) {
      const [method, path] = entry.includes(' ') ? entry.split(' ') : ['GET', entry];
      router.add(method!, path!, entry);
    }
    return router;
  };
  /** The pattern and own params a path resolves to, or null. */
  const hit = (router: ConformanceRouter, path: string, method = 'GET') => {
    const m = router.match(method, path);
    return m === null ? null : { route: m.path, params: { ...m.params } };
  };
  const conflictOf = (router: ConformanceRouter, path: string, method = 'GET'): string => {
    try {
      router.add(method, path, path);
    } catch (err) {
      expect((err as { code?: string }).code).toBe('ERR_ROUTER_CONFLICT');
      return (err as Error).message;
    }
    throw new Error(`expected ${path} to conflict`);
  };

  describe('static routes', () => {
    it('should match a registered static path and report its pattern', () => {
      const r = build(['/', '/users', '/users/all', '/user']);
      expect(hit(r, '/')).toEqual({ route: '/', params: {} });
      expect(hit(r, '/users')).toEqual({ route: '/users', params: {} });
      expect(hit(r, '/users/all')).toEqual({ route: '/users/all', params: {} });
      expect(hit(r, '/user')).toEqual({ route: '/user', params: {} });
    });

    it('should not match a prefix or an extension of a static path', () => {
      const r = build(['/users/all']);
      for (const path of ['/users', '/users/al', '/users/alls', '/users/all/x', '/usersall']) {
        expect(hit(r, path)).toBeNull();
      }
    });

    it('should return the value registered for the method', () => {
      const r = build(['GET /a', 'POST /a']);
      expect(r.match('GET', '/a')?.value).toBe('GET /a');
      expect(r.match('POST', '/a')?.value).toBe('POST /a');
      expect(r.match('PUT', '/a')).toBeNull();
    });

    it('should never match a path that does not start with a slash', () => {
      const r = build(['/', '/*rest']);
      for (const path of ['', 'a', '*', 'http://x/']) expect(r.match('GET', path)).toBeNull();
    });

    it('should keep a split node under its new parent (regression: splitting moved the child up)', () => {
      const r = build(['/', '/files/*path']);
      expect(hit(r, '//')).toBeNull();
      expect(hit(r, '/files')).toEqual({ route: '/files/*path', params: { path: '' } });
    });

    it('should match every registered static path to itself (property)', () => {
      const segment = fc.stringMatching(/^[a-z0-9._~-]{1,6}$/);
      const path = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => `/${s.join('/')}`);
      fc.assert(
        fc.property(fc.uniqueArray(path, { minLength: 1, maxLength: 40 }), (paths) => {
          const r = build(paths);
          for (const p of paths) expect(r.match('GET', p)).toMatchObject({ value: p, path: p, params: {} });
        }),
      );
    });
  });

  describe('params', () => {
    it('should capture a param written as :name or {name}', () => {
      const r = build(['/a/:id', '/b/{id}/posts/{postId}']);
      expect(hit(r, '/a/42')).toEqual({ route: '/a/:id', params: { id: '42' } });
      expect(hit(r, '/b/1/posts/2')).toEqual({ route: '/b/{id}/posts/{postId}', params: { id: '1', postId: '2' } });
    });

    it('should neither match an empty param nor let a param span a slash', () => {
      const r = build(['/a/:id']);
      expect(hit(r, '/a/')).toBeNull();
      expect(hit(r, '/a/1/2')).toBeNull();
      expect(hit(r, '/a//x')).toBeNull();
    });

    it('should end a param at the static text that follows it in the segment, shortest first', () => {
      const r = build(['/f/{name}.json', '/f/:name', '/fl/:from-:to']);
      expect(hit(r, '/f/a.b.json')).toEqual({ route: '/f/{name}.json', params: { name: 'a.b' } });
      expect(hit(r, '/f/a.b')).toEqual({ route: '/f/:name', params: { name: 'a.b' } });
      expect(hit(r, '/fl/x-y-z')).toEqual({ route: '/fl/:from-:to', params: { from: 'x', to: 'y-z' } });
    });

    it('should give params with nothing inherited, safe for any param name', () => {
      const r = build(['/:__proto__/:constructor', '/x']);
      const m = r.match('GET', '/a/b');
      expect(m).not.toBeNull();
      for (const key of ['toString', 'hasOwnProperty', 'valueOf']) expect(key in m!.params).toBe(false);
      expect(Object.keys(m!.params)).toEqual(['__proto__', 'constructor']);
      expect(m!.params.constructor).toBe('b');
      expect(Object.keys(r.match('GET', '/x')!.params)).toEqual([]);
    });

    it('should leave values percent-encoded and flag only matches that need decoding', () => {
      const r = build(['/a%20b/:id', '/u/:id']);
      expect(r.match('GET', '/u/a%2Fb')).toMatchObject({ params: { id: 'a%2Fb' }, needsDecode: true });
      expect(r.match('GET', '/u/plain')).toMatchObject({ needsDecode: false });
      expect(r.match('GET', '/a%20b/1')).toMatchObject({ params: { id: '1' }, needsDecode: false });
    });

    it('should match a pattern param only when its regex matches the whole value', () => {
      const r = build(['/n/:id(\\d+)', '/one/:d(\\d)']);
      expect(hit(r, '/n/123')).toEqual({ route: '/n/:id(\\d+)', params: { id: '123' } });
      expect(hit(r, '/n/12a')).toBeNull();
      expect(hit(r, '/one/12')).toBeNull();
    });

    it('should prefer pattern params, in registration order, over a plain param', () => {
      const r = build(['/u/:name', '/u/:id(\\d+)', '/u/:hex([0-9a-f]+)']);
      expect(hit(r, '/u/12')?.route).toBe('/u/:id(\\d+)');
      expect(hit(r, '/u/ff')?.route).toBe('/u/:hex([0-9a-f]+)');
      expect(hit(r, '/u/bob')?.route).toBe('/u/:name');
    });
  });

  describe('priority and backtracking', () => {
    it('should prefer a static segment over a param and a param over a wildcard', () => {
      const r = build(['/a/*rest', '/a/:x', '/a/b']);
      expect(hit(r, '/a/b')?.route).toBe('/a/b');
      expect(hit(r, '/a/c')?.route).toBe('/a/:x');
      expect(hit(r, '/a/c/d')?.route).toBe('/a/*rest');
    });

    it('should backtrack from a static branch into a param branch', () => {
      const r = build(['/a/:x/c', '/a/b/d']);
      expect(hit(r, '/a/b/c')).toEqual({ route: '/a/:x/c', params: { x: 'b' } });
      expect(hit(r, '/a/b/d')).toEqual({ route: '/a/b/d', params: {} });
    });

    it('should backtrack through several levels and fall back to a wildcard', () => {
      const r = build(['/s/:x/:y/end', '/s/q/:y/stop', '/s/*rest']);
      expect(hit(r, '/s/q/1/end')).toEqual({ route: '/s/:x/:y/end', params: { x: 'q', y: '1' } });
      expect(hit(r, '/s/q/1/stop')).toEqual({ route: '/s/q/:y/stop', params: { y: '1' } });
      expect(hit(r, '/s/q/1/other')).toEqual({ route: '/s/*rest', params: { rest: 'q/1/other' } });
    });

    it('should find a route whenever one matches, with the params it implies (property)', () => {
      // Whole-segment params over a tiny alphabet make static/param overlaps, and so backtracking, common.
      const segment = fc.constantFrom('a', 'b', ':p', '*w');
      const shape = fc.array(segment, { minLength: 1, maxLength: 4 }).filter((s) => !s.slice(0, -1).includes('*w'));
      const toPattern = (s: string[]): string => s.map((x, i) => (x === ':p' ? `/:p${i}` : `/${x}`)).join('');
      const toRegex = (s: string[]): RegExp =>
        new RegExp(`^${s.map((x) => (x === ':p' ? '/([^/]+)' : x === '*w' ? '/(.*)' : `/${x}`)).join('')}$`);
      const paths = fc
        .array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 5 })
        .map((s) => `/${s.join('/')}`);
      fc.assert(
        fc.property(fc.uniqueArray(shape, { maxLength: 12, selector: (s) => s.join('/') }), paths, (shapes, path) => {
          const r = makeRouter({ strict: true });
          for (const s of shapes) r.add('GET', toPattern(s), toPattern(s));
          const m = r.match('GET', path);
          const expected = shapes.some((s) => toRegex(s).test(path));
          expect(m !== null).toBe(expected);
          if (m === null) return;
          const s = shapes.find((x) => toPattern(x) === m.path)!;
          const groups = toRegex(s).exec(path)!.slice(1);
          expect(Object.values(m.params)).toEqual(groups);
        }),
      );
    });

    it('should backtrack from a rejected pattern param to the plain one', () => {
      const r = build(['/p/:id(\\d+)/x', '/p/:slug/y']);
      expect(hit(r, '/p/12/y')).toEqual({ route: '/p/:slug/y', params: { slug: '12' } });
    });
  });

  describe('wildcards', () => {
    it('should capture the rest of the path, slashes included, under its name or *', () => {
      const r = build(['/files/*path', '/static/*']);
      expect(hit(r, '/files/a/b/c.txt')).toEqual({ route: '/files/*path', params: { path: 'a/b/c.txt' } });
      expect(hit(r, '/static/x/y')).toEqual({ route: '/static/*', params: { '*': 'x/y' } });
    });

    it('should match an empty tail', () => {
      const r = build(['/files/*path']);
      expect(hit(r, '/files/')).toEqual({ route: '/files/*path', params: { path: '' } });
      expect(hit(r, '/files')).toEqual({ route: '/files/*path', params: { path: '' } });
      expect(hit(build(['/files/*path'], { strict: true }), '/files')).toBeNull();
    });

    it('should let an explicit route win over the empty-tail alias, in either order', () => {
      expect(hit(build(['/files', '/files/*path']), '/files')?.route).toBe('/files');
      expect(hit(build(['/files/*path', '/files']), '/files')?.route).toBe('/files');
    });
  });

  describe('optional params', () => {
    it('should match with and without an optional last segment', () => {
      const r = build(['/docs/:lang?']);
      expect(hit(r, '/docs')).toEqual({ route: '/docs/:lang?', params: {} });
      expect(hit(r, '/docs/en')).toEqual({ route: '/docs/:lang?', params: { lang: 'en' } });
      expect('lang' in r.match('GET', '/docs')!.params).toBe(false);
    });

    it('should match every prefix of a run of optional segments', () => {
      const r = build(['/p/:a?/:b?', '/:lang?']);
      expect(hit(r, '/p')?.params).toEqual({});
      expect(hit(r, '/p/1')?.params).toEqual({ a: '1' });
      expect(hit(r, '/p/1/2')?.params).toEqual({ a: '1', b: '2' });
      expect(hit(r, '/')?.route).toBe('/:lang?');
      expect(hit(r, '/fr')?.params).toEqual({ lang: 'fr' });
    });
  });

  describe('conflicts', () => {
    it('should reject the same static path twice, naming both paths', () => {
      const r = build(['/a/b']);
      expect(conflictOf(r, '/a/b')).toMatch(/"\/a\/b".*"\/a\/b"/);
    });

    it('should reject two params that differ only in name, naming both paths', () => {
      const message = conflictOf(build(['/u/:id']), '/u/{name}');
      expect(message).toContain('"/u/{name}"');
      expect(message).toContain('"/u/:id"');
    });

    it('should reject an optional expansion that duplicates a route, and leave the table unchanged', () => {
      const r = build(['/docs']);
      expect(conflictOf(r, '/docs/:lang?')).toContain('"/docs"');
      expect(hit(r, '/docs/en')).toBeNull();
    });

    it('should reject the same regex twice and a trailing-slash twin unless strict', () => {
      expect(conflictOf(build(['/n/:a(\\d+)']), '/n/:b(\\d+)')).toContain('"/n/:a(\\d+)"');
      expect(conflictOf(build(['/a']), '/a/')).toContain('"/a"');
      expect(() => build(['/a', '/a/'], { strict: true })).not.toThrow();
    });

    it('should accept routes that differ in method, regex or kind of segment', () => {
      expect(() => build(['GET /u/:id', 'POST /u/:id', '/u/:n(\\d+)', '/u/*rest', '/u/me'])).not.toThrow();
    });
  });

  describe('maxParamLength', () => {
    it('should match a param of exactly the limit and not one longer', () => {
      const r = build(['/u/:id'], { maxParamLength: 5 });
      expect(hit(r, '/u/12345')?.params).toEqual({ id: '12345' });
      expect(hit(r, '/u/123456')).toBeNull();
    });

    it('should default to 100 and let another route take the long value', () => {
      const r = build(['/u/:id', '/u/*rest']);
      expect(hit(r, `/u/${'x'.repeat(100)}`)?.route).toBe('/u/:id');
      expect(hit(r, `/u/${'x'.repeat(101)}`)?.route).toBe('/u/*rest');
    });

    it('should reject a limit that is not a positive integer', () => {
      for (const maxParamLength of [0, -1, 1.5, Number.NaN])
        expect(() => makeRouter({ maxParamLength })).toThrow(RangeError);
    });
  });

  describe('freeze', () => {
    it('should make add throw ERR_ROUTER_FROZEN after freeze() or the first match', () => {
      const frozen = build(['/a']);
      frozen.freeze();
      expect(() => frozen.add('GET', '/b', 'b')).toThrow(expect.objectContaining({ code: 'ERR_ROUTER_FROZEN' }));
      const served = build(['/a']);
      served.match('GET', '/a');
      expect(() => served.add('GET', '/b', 'b')).toThrow(expect.objectContaining({ code: 'ERR_ROUTER_FROZEN' }));
    });
  });

  describe('allowed', () => {
    it('should list every method with a matching route, sorted', () => {
      const r = build(['PUT /u/:id', 'GET /u/:id', 'DELETE /u/me', 'POST /u', 'PATCH /u/*rest']);
      expect(r.allowed('/u/me')).toEqual(['DELETE', 'GET', 'PATCH', 'PUT']);
      // `/u` is `/u/` when not strict, and `/u/*rest` takes an empty tail.
      expect(r.allowed('/u')).toEqual(['PATCH', 'POST']);
      expect(build(['POST /u', 'PATCH /u/*rest'], { strict: true }).allowed('/u')).toEqual(['POST']);
      expect(r.allowed('/nope')).toEqual([]);
      expect(r.allowed('u')).toEqual([]);
    });
  });

  describe('caseSensitive', () => {
    it('should match static text exactly by default', () => {
      expect(hit(build(['/Users']), '/users')).toBeNull();
    });

    it('should fold static text only when false, keeping param values as sent', () => {
      const r = build(['/Users/:Id/Posts'], { caseSensitive: false });
      expect(conflictOf(r, '/users/:x/posts')).toContain('"/Users/:Id/Posts"');
      expect(hit(r, '/USERS/AbC/posts')).toEqual({ route: '/Users/:Id/Posts', params: { Id: 'AbC' } });
    });
  });

  describe('strict', () => {
    it('should make one trailing slash optional by default, and no more than one', () => {
      const r = build(['/a', '/b/', '/u/:id', '/']);
      expect(hit(r, '/a/')?.route).toBe('/a');
      expect(hit(r, '/b')?.route).toBe('/b/');
      expect(hit(r, '/u/1/')?.params).toEqual({ id: '1' });
      expect(hit(r, '/a//')).toBeNull();
      expect(hit(r, '//')).toBeNull();
    });

    it('should treat a trailing slash as significant when strict', () => {
      const r = build(['/a', '/b/', '/u/:id'], { strict: true });
      expect(hit(r, '/a/')).toBeNull();
      expect(hit(r, '/b')).toBeNull();
      expect(hit(r, '/b/')?.route).toBe('/b/');
      expect(hit(r, '/u/1/')).toBeNull();
    });
  });
}
