import { describe, expect, it } from 'vitest';
import { expandOptional, parsePath, type PathToken } from '../../src/router/path.js';

/** A compact spelling of tokens so each case reads as one line. */
function show(tokens: readonly PathToken[]): string[] {
  return tokens.map((t) => {
    if (t.kind === 'static') return `'${t.text}'`;
    if (t.kind === 'wildcard') return `*${t.name}`;
    return `:${t.name}${t.source === null ? '' : `(${t.source})`}${t.optional ? '?' : ''}`;
  });
}

describe('parsePath', () => {
  it.each([
    ['/', ["'/'"]],
    ['/users/all', ["'/users/all'"]],
    ['/user/:id', ["'/user/'", ':id']],
    ['/user/{id}', ["'/user/'", ':id']],
    ['/users/:id/posts/{postId}', ["'/users/'", ':id', "'/posts/'", ':postId']],
    ['/files/{name}.json', ["'/files/'", ':name', "'.json'"]],
    ['/flights/:from-:to', ["'/flights/'", ':from', "'-'", ':to']],
    ['/u/:id(\\d+)', ["'/u/'", ':id(\\d+)']],
    ['/u/{id(\\d+)}', ["'/u/'", ':id(\\d+)']],
    ['/u/:id([a-z)]+)', ["'/u/'", ':id([a-z)]+)']],
    ['/u/:id((?:ab)+)/x', ["'/u/'", ':id((?:ab)+)', "'/x'"]],
    ['/docs/:lang?', ["'/docs/'", ':lang?']],
    ['/docs/{lang}?', ["'/docs/'", ':lang?']],
    ['/:a?/:b?', ["'/'", ':a?', "'/'", ':b?']],
    ['/files/*path', ["'/files/'", '*path']],
    ['/static/*', ["'/static/'", '**']],
    ['/v1/{name}::cancel', ["'/v1/'", ':name', "':cancel'"]],
    ['/a(b)', ["'/a(b)'"]],
  ])('should tokenize %s', (pattern, expected) => {
    expect(show(parsePath(pattern).tokens)).toEqual(expected);
  });

  it('should anchor a param regex to the whole value', () => {
    const token = parsePath('/u/:id(\\d+)').tokens[1];
    expect(token?.kind === 'param' && token.pattern).toBeInstanceOf(RegExp);
    if (token?.kind !== 'param' || token.pattern === null) throw new Error('expected a restricted param');
    expect(token.pattern.test('123')).toBe(true);
    expect(token.pattern.test('12a')).toBe(false);
    expect(token.pattern.test('a12')).toBe(false);
  });

  it('should anchor an alternation as a whole, not just its last branch', () => {
    const token = parsePath('/u/:kind(a|b)').tokens[1];
    if (token?.kind !== 'param' || token.pattern === null) throw new Error('expected a restricted param');
    expect(token.pattern.test('ab')).toBe(false);
    expect(token.pattern.test('xb')).toBe(false);
  });

  it('should keep the original pattern', () => {
    expect(parsePath('/a/:b').pattern).toBe('/a/:b');
  });

  it.each([
    ['users/:id', "must start with '/'"],
    ['', "must start with '/'"],
    ['/user/{id', "unclosed '{'"],
    ['/user/{id(\\d{2})', "unclosed '{'"],
    ['/user/{', "unclosed '{'"],
    ['/user/{}', 'empty param name'],
    ['/user/:', 'empty param name'],
    ['/user/:/x', 'empty param name'],
    ['/user/{a-b}', 'unexpected "-"'],
    ['/a/:id/b/:id', 'duplicate param name "id"'],
    ['/a/:path/*path', 'duplicate param name "path"'],
    ['/a/*/:b', 'wildcard must be the last'],
    ['/a/*rest/', 'wildcard must be the last'],
    ['/a/:id(\\d+', "unclosed '('"],
    ['/a/:id()', 'empty regex'],
    ['/a/:id([)', "unclosed '('"],
    ['/a/:id(+)', 'invalid regex'],
    ['/a/:x:y', 'separated from the previous param'],
    ['/a/{x}{y}', 'separated from the previous param'],
    ['/a/:x*', 'separated from the previous param'],
    ['/a/:lang?/b', 'only optional params may follow'],
    ['/a/:lang?/', 'trailing slash'],
    ['/a/x:lang?', 'whole path segment'],
    ['/a/:lang?x', 'whole path segment'],
    ['/a/b}', 'unexpected "}"'],
    ['/a?b', 'unexpected "?"'],
  ])('should reject %s with a TypeError naming the pattern', (pattern, reason) => {
    expect(() => parsePath(pattern)).toThrow(TypeError);
    expect(() => parsePath(pattern)).toThrow(`"${pattern}"`);
    expect(() => parsePath(pattern)).toThrow(reason);
  });

  it('should keep the RegExp error as the cause of an invalid regex', () => {
    try {
      parsePath('/a/:id(+)');
      expect.unreachable();
    } catch (err) {
      expect((err as TypeError).cause).toBeInstanceOf(SyntaxError);
    }
  });
});

describe('expandOptional', () => {
  it('should yield the pattern itself when nothing is optional', () => {
    expect(expandOptional(parsePath('/a/:b')).map(show)).toEqual([["'/a/'", ':b']]);
  });

  it('should drop an optional segment together with its slash', () => {
    expect(expandOptional(parsePath('/docs/:lang?')).map(show)).toEqual([["'/docs'"], ["'/docs/'", ':lang?']]);
  });

  it('should yield one route per optional segment, shortest first', () => {
    expect(expandOptional(parsePath('/p/:a?/:b?')).map(show)).toEqual([
      ["'/p'"],
      ["'/p/'", ':a?'],
      ["'/p/'", ':a?', "'/'", ':b?'],
    ]);
  });

  it('should keep the root when the only segment is optional', () => {
    expect(expandOptional(parsePath('/:lang?')).map(show)).toEqual([["'/'"], ["'/'", ':lang?']]);
  });
});
