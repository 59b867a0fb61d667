import type { IncomingMessage } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';

/**
 * Parses JSON request bodies, and treats an empty one as no body at all.
 *
 * Why: body-parser turns an empty body into `{}` when the content type is JSON (its special case
 * for "a common client-side mistake"), and leaves the body undefined without that content type.
 * The same empty request was then a valid, empty change on routes whose fields are all optional
 * (200 `{"submitted":0,"changed":0}` on POST /v1/clusters/{id}/changes, a default service on PUT)
 * and a 400 without the header. With no body in both cases, ZodPipe gives both the same answer:
 * 400, the body is required, and what it looks like. `{}` sent on purpose is still `{}`.
 * express.json rather than Nest's useBodyParser, which reserves `verify` for its rawBody option.
 */
export function useJsonBody(app: NestExpressApplication, limit: string): void {
  const empty = new WeakSet<IncomingMessage>();
  app.use(
    express.json({
      limit,
      // Called with the raw bytes before they are parsed, also when there are none.
      verify: (req, _res, raw) => {
        if (raw.length === 0) empty.add(req);
      },
    }),
  );
  app.use((req: IncomingMessage & { body?: unknown }, _res: unknown, next: () => void) => {
    if (empty.has(req)) req.body = undefined;
    next();
  });
}
