/**
 * The type-level record of a chained router's named routes, which `router.url()` reads.
 *
 * Rules, each measured with bench/router-types.ts (`npx tsx bench/router-types.ts`):
 * - A named registration adds one {@link NamedRoute} node in front of the ones before it, a type
 *   of constant size. Accumulating `Names & Record<N, P>` instead made each chained call cost time
 *   in the size of the intersection so far: 800 chained named routes checked in 1.7 s, 1,600 in 6.3 s.
 * - Nothing walks the list until `url()` is typed, and then the walk happens once per router type:
 *   the names become one union of literals and the paths one table, and each `url()` call is a
 *   lookup in them.
 * - The walk peels four nodes per step: TypeScript stops a tail-recursive conditional type after
 *   1,000 steps, so one node per step would end `url()` typing at 1,000 names, four at 4,000.
 */
import type { Params } from './types.js';

/**
 * One named route in a router's type: its name, its full path pattern, and the names registered
 * before it (`{}` at the end of the list).
 *
 * @example
 * type Names = NamedRoute<'post', '/posts/:id', NamedRoute<'user', '/users/:id', {}>>
 */
export interface NamedRoute<N extends string, P extends string, Prev> {
  readonly name: N;
  readonly path: P;
  readonly prev: Prev;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyNamed = NamedRoute<string, string, any>;

/**
 * Every node of list `L` as a union of `${name}\0${path}` literals, four nodes per recursion step.
 * Literals, not the nodes or `[name, path]` tuples: a union of object types costs more to build
 * with every member (check time of one `url()` after 1,600 chained names, on a minimal class:
 * 0.96 s with nodes, 0.79 s with tuples, 0.48 s with literals). Names hold no NUL character.
 */
type Entries<L, Acc extends string = never> =
  L extends NamedRoute<infer N1, infer P1, infer L1>
    ? L1 extends NamedRoute<infer N2, infer P2, infer L2>
      ? L2 extends NamedRoute<infer N3, infer P3, infer L3>
        ? L3 extends NamedRoute<infer N4, infer P4, infer L4>
          ? Entries<L4, Acc | `${N1}\0${P1}` | `${N2}\0${P2}` | `${N3}\0${P3}` | `${N4}\0${P4}`>
          : Acc | `${N1}\0${P1}` | `${N2}\0${P2}` | `${N3}\0${P3}`
        : Acc | `${N1}\0${P1}` | `${N2}\0${P2}`
      : Acc | `${N1}\0${P1}`
    : Acc;

type NameOf<E> = E extends `${infer N}\0${string}` ? N : never;

/** `{ name: path }` for every named route of `L`: its members are resolved once per router type. */
type NameTable<L> = { [E in Entries<L> as NameOf<E>]: E extends `${string}\0${infer P}` ? P : never };

/**
 * The path of route `N`, read as one property of the table. Not `N extends keyof NameTable<…>`:
 * the keys of a mapped type with an `as` clause are re-derived from every entry on each check,
 * which made a `url()` call per name quadratic.
 */
type PathOf<Names, N> = NameTable<Names> extends { readonly [K in N & string]: infer P extends string } ? P : string;

/**
 * The names `url()` accepts: the registered ones, or any string when the type knows none (a
 * router not built by chaining, or `any`).
 *
 * @example
 * type N = RouteName<NamedRoute<'user', '/users/:id', {}>> // 'user'
 */
export type RouteName<Names> = Names extends AnyNamed ? NameOf<Entries<Names>> : string;

/**
 * The params `url()` takes for route `N`: its keys (optional ones optional), as strings or numbers.
 *
 * @example
 * type U = UrlParams<NamedRoute<'doc', '/docs/:section/:lang?', {}>, 'doc'> // { section: string | number; lang?: string | number }
 */
export type UrlParams<Names, N> = Names extends AnyNamed
  ? PathOf<Names, N> extends infer P extends string
    ? string extends P
      ? Record<string, string | number>
      : { [K in keyof Params<P>]: string | number }
    : never
  : Record<string, string | number>;
