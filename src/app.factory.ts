import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { type INestApplication, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type GrpcOptions, Transport } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { maxHeaderSize as MAX_HEADER_BYTES } from 'node:http';
import { AppModule } from './app.module.js';
import { rateLimiter } from './auth/rate-limit.js';
import type { AppConfig } from './config/app-config.js';
import { grpcServices } from './grpc/proto-files.js';
import { ErrorsFilter } from './http/errors.filter.js';
import { BODY_LIMIT, correlationId, useBodyParsers, useRequestHooks } from './http/request-hooks.js';
import { grpcCredentials, useSecurityHeaders } from './http/security.js';
import { validationPipe } from './http/validation.js';
import { Metrics } from './observability/metrics.js';
import { TracingInterceptor } from './observability/tracing.interceptor.js';

/** Builds the whole app (HTTP, Swagger, gRPC) the same way for `main.ts` and for the tests. */
export async function createApp(config: AppConfig, logStream?: DestinationStream): Promise<INestApplication> {
  // Fastify rather than Express, for less CPU per request. The request id is the correlation id.
  // Path parameters of any length reach validation, which names the one too long (the router
  // would answer 414 past 100 characters); the URL's length is bounded by Node's header limit.
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT, genReqId: correlationId, routerOptions: { maxParamLength: MAX_HEADER_BYTES } });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logStream), adapter, { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(Logger));
  const fastify = adapter.getInstance();
  useSecurityHeaders(app, config);
  useRequestHooks(fastify, app.get(Metrics));
  // After the correlation id, so that a refusal carries one; before the body is read, so that a
  // caller over the limit costs no parsing.
  const limit = rateLimiter(config);
  if (limit) fastify.addHook('onRequest', limit);
  useBodyParsers(fastify);
  app.setGlobalPrefix('api/v1', {
    exclude: [
      { path: 'health', method: RequestMethod.GET },
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
      { path: 'dashboard', method: RequestMethod.GET },
      { path: 'dashboard/app.js', method: RequestMethod.GET },
    ],
  });
  app.useGlobalPipes(validationPipe());
  app.useGlobalFilters(new ErrorsFilter());
  app.useGlobalInterceptors(new TracingInterceptor());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Saga orchestrator')
      .setDescription('Orders run as sagas across the order, inventory and payment modules, through a transactional outbox.')
      .setVersion('1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (API_KEYS); needed once keys are configured' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });

  // The gRPC services of the hosted modules only: another module's calls are answered by its own process.
  const grpc = grpcServices(config.modules);
  if (config.grpcPort > 0 && grpc.packages.length > 0) {
    app.connectMicroservice<GrpcOptions>(
      {
        transport: Transport.GRPC,
        options: {
          url: `${config.grpcHost.includes(':') ? `[${config.grpcHost}]` : config.grpcHost}:${config.grpcPort}`, // an IPv6 address in brackets
          credentials: grpcCredentials(config),
          maxReceiveMessageLength: config.security.grpcMaxMessageBytes,
          maxSendMessageLength: config.security.grpcMaxMessageBytes,
          package: grpc.packages,
          protoPath: grpc.protoFiles,
          loader: { longs: String, enums: String, defaults: true, oneofs: true },
          // The handlers get camelCase fields (the loader's), but reflection serves the files as
          // written (snake_case), so that clients built from it use the .proto's names. The wire
          // format is by field number: both describe the same bytes.
          onLoadPackageDefinition: (_pkg, server) => new ReflectionService(loadSync(grpc.protoFiles, { keepCase: true })).addToServer(server),
        },
      },
      { inheritAppConfig: true },
    );
  }
  return app;
}

/** Starts HTTP and gRPC listeners; the caller owns `app.close()`. */
export async function listen(app: INestApplication, config: AppConfig): Promise<void> {
  await app.startAllMicroservices();
  await app.listen(config.port, config.host);
}
