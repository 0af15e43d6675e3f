/** `errorFor` under the name the validation middleware uses; see src/http/errors.ts. */
export { errorFor as fail } from '../http/errors.js';
