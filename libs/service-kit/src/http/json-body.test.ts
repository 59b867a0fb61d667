import { Body, Controller, HttpCode, Module, Post, type INestApplication } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServiceApp } from '../app/service-app';
import { HttpExceptionFilter } from './http-exception.filter';
import { ZodPipe } from './zod-input';

/** Every field optional, like the registry's batch of changes: `{}` is a valid (empty) body. */
const Changes = z.strictObject({ upsert: z.array(z.string()).default([]), note: z.string().optional() });
/** A union, like the registry's cluster registration: fields are required when every option has them. */
const Registration = z.discriminatedUnion('kind', [
  z.strictObject({ id: z.string(), kind: z.literal('static') }),
  z.strictObject({ id: z.string(), kind: z.literal('kubernetes'), connection: z.string() }),
]);

@Controller()
class BodiesController {
  @Post('changes')
  @HttpCode(200)
  changes(@Body(new ZodPipe(Changes)) body: z.infer<typeof Changes>) {
    return body;
  }

  @Post('registrations')
  @HttpCode(200)
  register(@Body(new ZodPipe(Registration)) body: z.infer<typeof Registration>) {
    return body;
  }
}

@Module({
  controllers: [BodiesController],
  providers: [{ provide: APP_FILTER, useValue: new HttpExceptionFilter({ service: 'test' }) }],
})
class BodiesModule {}

describe('request bodies (createServiceApp)', () => {
  let app: INestApplication;
  let url: string;
  beforeAll(async () => {
    app = await createServiceApp(BodiesModule as never, {
      logger: false,
      openApi: { title: 't', description: 't' },
    });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app?.close();
  });

  const post = async (path: string, body: string | undefined, contentType?: string) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: contentType ? { 'content-type': contentType } : {},
      body,
    });
    return { status: res.status, body: (await res.json()) as { message: string } };
  };

  const required =
    'request body is required: send a JSON object {"upsert"?, "note"?} with content-type: application/json ' +
    '(? marks optional fields; /openapi.json describes them)';

  it.each([
    ['an empty body with content-type: application/json', '', 'application/json'],
    ['an empty body without a content type', '', undefined],
    ['no body at all', undefined, undefined],
    ['a body that is not JSON by its content type', 'upsert=a', 'text/plain'],
  ])(
    'refuses %s with one 400 that says the body is required and what it looks like',
    async (_, body, type) => {
      expect(await post('/changes', body, type)).toEqual({
        status: 400,
        body: {
          statusCode: 400,
          error: 'Bad Request',
          message: required,
          issues: [{ path: '', message: 'is required' }],
        },
      });
    },
  );

  it('takes {} sent on purpose as the empty object it is', async () => {
    expect(await post('/changes', '{}', 'application/json')).toEqual({ status: 200, body: { upsert: [] } });
  });

  it('still says when a body is not valid JSON', async () => {
    const res = await post('/changes', ' ', 'application/json');
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^request body is not valid JSON/);
  });

  it('lists the fields of every option of a union, required where every option requires them', async () => {
    expect((await post('/registrations', '', 'application/json')).body.message).toMatch(
      /^request body is required: send a JSON object \{"id", "kind", "connection"\?\}/,
    );
  });
});
