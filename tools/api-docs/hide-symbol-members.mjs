// @ts-check
/**
 * A typedoc plugin: leaves out members keyed by a module symbol (`[kReply]`, `[kSettle]`, …). Those
 * are the engine's interface to the http room (src/engine/exchange.ts), unreachable without the
 * unexported symbol, so they are not part of the API a user reads.
 */
import { Converter, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    for (const r of project.getReflectionsByKind(ReflectionKind.SomeMember | ReflectionKind.Accessor)) {
      if (r.name.startsWith('[')) project.removeReflection(r);
    }
  });
}
