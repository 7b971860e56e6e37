import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Mallbridge API')
    .setDescription(
      'Links a seller\'s sales sites (NextEngine, Qoo10 JP, 11st, Crossmall, Smaregi POS) to a fulfillment service.\n\n' +
        'Authenticate with `Authorization: Bearer <api key>`. Errors are `application/problem+json`. ' +
        'Lists are cursor-paginated (`limit` ≤ 200, `cursor` → `{ data, nextCursor }`). ' +
        'Mutating POSTs accept an `Idempotency-Key` header: a replay returns the first response and changes nothing.',
    )
    .setVersion('1.0.0')
    .setLicense('Proprietary', 'https://mallbridge.dev/license')
    .addServer('/', 'This server')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key' })
    .addSecurityRequirements('bearer')
    .build();
  return SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
}
