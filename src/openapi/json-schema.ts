/**
 * Standard Schema → JSON Schema for one OpenAPI document, and the document's
 * `components.schemas`. Through the Standard JSON Schema interface (`schema['~standard'].jsonSchema`,
 * which zod 4 implements), so the generator imports no validator library.
 *
 * Rules (tested in test/openapi/document.test.ts):
 * - A schema is converted once per document, as its **input** type (`jsonSchema.input`, draft
 *   2020-12): what a client sends, and what a handler hands over for a response (a response body is
 *   sent as the handler gave it; response validation checks, it does not transform).
 * - A schema carrying an id (zod: `.meta({ id: 'Todo' })`) is a component of that name, wherever it
 *   appears (root or nested): the converter's `$defs` are hoisted to `components.schemas` and their
 *   `$ref`s rewritten. Two different schemas under one id throw.
 * - A body or response schema object without an id used by more than one operation is a component
 *   too, named after its first use (`CreateTodoBody`, `GetTodoResponse200`); one used once is inline.
 *   Names the converter invents (zod's `__schema0` for a recursive schema without an id) are
 *   prefixed by that same name, so two conversions never share one.
 * - A schema that offers no JSON Schema (a Standard Schema library without the interface) is `{}`
 *   — any value. One whose conversion throws (zod: `z.date()`, a transform's output) throws,
 *   naming where it was used.
 */
import type { StandardSchemaV1 } from '../http/validation.js';

/** A JSON Schema (2020-12) object, as OpenAPI 3.1 takes it. */
export type JsonSchema = { [key: string]: unknown };

const DEFS = '#/$defs/';
const COMPONENTS = '#/components/schemas/';

interface Converter {
  readonly input?: (options: { target: string }) => Record<string, unknown>;
}

/**
 * Converts schemas for one document and collects its `components.schemas`.
 *
 * @example
 * const schemas = new SchemaRegistry(new Map())
 * schemas.convert(Todo, 'GetTodoResponse200', 'GET /todos/{id}') // { $ref: '#/components/schemas/Todo' }
 */
export class SchemaRegistry {
  /** `components.schemas`, by name. */
  readonly components: Record<string, JsonSchema> = {};
  readonly #serialised = new Map<string, string>();
  readonly #done = new Map<object, JsonSchema>();
  /** How many operations use each body/response schema object. */
  readonly #uses: ReadonlyMap<object, number>;

  constructor(uses: ReadonlyMap<object, number>) {
    this.#uses = uses;
  }

  /**
   * The JSON Schema of `schema`: a `$ref` when it is a component (see the module rules), else
   * inline. `name` names it if it must become one; `where` is for error messages.
   *
   * @throws {Error} when the conversion throws, or two different schemas claim one name
   */
  convert(schema: StandardSchemaV1, name: string, where: string): JsonSchema {
    const done = this.#done.get(schema);
    if (done !== undefined) return done;
    const converter = (schema['~standard'] as { jsonSchema?: Converter }).jsonSchema;
    let raw: Record<string, unknown>;
    if (typeof converter?.input !== 'function') raw = {};
    else {
      try {
        raw = converter.input({ target: 'draft-2020-12' });
      } catch (err) {
        throw new Error(`${where}: the schema has no JSON Schema form: ${(err as Error).message}`, { cause: err });
      }
    }
    const { $schema: _ignored, $defs, ...root } = raw as JsonSchema & { $defs?: Record<string, JsonSchema> };
    const renames = new Map<string, string>();
    for (const key of Object.keys($defs ?? {})) renames.set(key, key.startsWith('__') ? `${name}${key}` : key);
    // A recursive schema without an id refers to its root as `#`: the root must be a component.
    const selfRef = JSON.stringify(root).includes('"$ref":"#"');
    for (const [key, def] of Object.entries($defs ?? {}))
      this.#add(renames.get(key)!, rewrite(def, renames, name), where);
    let out = rewrite(root, renames, name);
    if (selfRef || (this.#uses.get(schema) ?? 0) > 1) {
      if (!isRef(out)) {
        this.#add(name, out, where);
        out = { $ref: COMPONENTS + name };
      }
    }
    this.#done.set(schema, out);
    return out;
  }

  /**
   * A component by name (`$ref` followed), for expanding an object schema into parameters.
   *
   * @example registry.resolve({ $ref: '#/components/schemas/Page' }) // { type: 'object', … }
   */
  resolve(schema: JsonSchema): JsonSchema {
    const ref = schema['$ref'];
    if (typeof ref === 'string' && ref.startsWith(COMPONENTS))
      return this.components[ref.slice(COMPONENTS.length)] ?? {};
    return schema;
  }

  #add(name: string, schema: JsonSchema, where: string): void {
    const text = JSON.stringify(schema);
    const had = this.#serialised.get(name);
    if (had === undefined) {
      this.#serialised.set(name, text);
      this.components[name] = schema;
    } else if (had !== text) {
      throw new Error(`${where}: two different schemas are named ${JSON.stringify(name)}`);
    }
  }
}

function isRef(s: JsonSchema): boolean {
  return typeof s['$ref'] === 'string' && Object.keys(s).length === 1;
}

/** A copy of `value` with `#/$defs/x` refs pointing to the components, and `#` to `self`. */
function rewrite(value: JsonSchema, renames: ReadonlyMap<string, string>, self: string): JsonSchema {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v !== 'object' || v === null) return v;
    const out: JsonSchema = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') {
        out[k] =
          x === '#'
            ? COMPONENTS + self
            : x.startsWith(DEFS)
              ? COMPONENTS + (renames.get(x.slice(DEFS.length)) ?? x.slice(DEFS.length))
              : x;
      } else out[k] = walk(x);
    }
    return out;
  };
  return walk(value) as JsonSchema;
}
