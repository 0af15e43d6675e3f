import { describe, expect, it } from 'vitest';
import { RadixTree } from '../../src/router/radix-tree.js';
import { runRouterConformance } from './conformance.js';

describe('RadixTree', () => {
  runRouterConformance((options) => new RadixTree<string>(options));
});

// Behaviour specific to this implementation: how it walks, not what it answers.
describe('RadixTree internals', () => {
  it('should behave as its TSDoc example says', () => {
    const tree = new RadixTree<string>();
    tree.add('GET', '/users/:id', 'showUser');
    expect(tree.match('GET', '/users/42')).toEqual({
      value: 'showUser',
      params: { id: '42' },
      path: '/users/:id',
      needsDecode: false,
    });
    expect(tree.allowed('/users/42')).toEqual(['GET']);
  });

  it('should walk a very deep route without recursion', () => {
    const tree = new RadixTree<string>();
    const depth = 5_000;
    const pattern = Array.from({ length: depth }, (_, i) => `/s${i}/:p${i}`).join('');
    tree.add('GET', pattern, 'deep');
    tree.add('GET', '/*rest', 'tail');
    const path = Array.from({ length: depth }, (_, i) => `/s${i}/v`).join('');
    expect(Object.keys(tree.match('GET', path)!.params)).toHaveLength(depth);
    // The last segment fails, so every level backtracks before the wildcard answers.
    expect(tree.match('GET', `${path}/extra`)?.value).toBe('tail');
  });

  it('should reset its reused frames between calls', () => {
    const tree = new RadixTree<string>();
    tree.add('GET', '/a/:x/:y/z', 'deep');
    tree.add('GET', '/a/:x', 'short');
    expect(tree.match('GET', '/a/1/2/nope')).toBeNull();
    expect(tree.match('GET', '/a/9')).toMatchObject({ value: 'short', params: { x: '9' } });
    expect(tree.match('GET', '/a/1/2/z')).toMatchObject({ value: 'deep', params: { x: '1', y: '2' } });
  });

  it('should give every match its own params object', () => {
    const tree = new RadixTree<string>();
    tree.add('GET', '/a/:x', 'a');
    const first = tree.match('GET', '/a/1')!;
    const second = tree.match('GET', '/a/2')!;
    expect(first.params).not.toBe(second.params);
    expect(first.params.x).toBe('1');
  });

  it('should mark its errors with stable codes', () => {
    const tree = new RadixTree<string>();
    tree.add('GET', '/a', 'a');
    expect(() => tree.add('GET', '/a', 'b')).toThrow(expect.objectContaining({ code: 'ERR_ROUTER_CONFLICT' }));
    expect(() => tree.add('', '/b', 'b')).toThrow(TypeError);
    expect(() => tree.add('GET', 'b', 'b')).toThrow(TypeError);
    tree.allowed('/a');
    expect(() => tree.add('GET', '/c', 'c')).toThrow(expect.objectContaining({ code: 'ERR_ROUTER_FROZEN' }));
  });

  it('should stop scanning a segment once it passes maxParamLength', () => {
    const tree = new RadixTree<string>({ maxParamLength: 8 });
    tree.add('GET', '/f/{name}.json', 'json');
    expect(tree.match('GET', '/f/12345678.json')?.params).toEqual({ name: '12345678' });
    expect(tree.match('GET', `/f/${'x'.repeat(100_000)}.json`)).toBeNull();
  });
});
