/**
 * The Standard Schema v1 interface (standardschema.dev) that `validate()` takes. It is declared in
 * src/http/validation.ts, with the rest of the validation contract the router reads as well.
 */
export type {
  InferInput,
  InferOutput,
  StandardIssue,
  StandardResult,
  StandardSchemaProps,
  StandardSchemaV1,
} from '../../http/validation.js';
