import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Request, Response } from 'express';

export interface OpenApiInfo {
  title: string;
  description: string;
}

/** Serves the service's OpenAPI document, built from its controllers, at /openapi.json (no token). */
export function serveOpenApi(app: INestApplication, info: OpenApiInfo): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(info.title)
      .setDescription(info.description)
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  app.use('/openapi.json', (_req: Request, res: Response) => void res.json(document));
}
