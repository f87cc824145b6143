import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { type INestApplication, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type GrpcOptions, Transport } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { randomUUID } from 'node:crypto';
import { AppModule } from './app.module.js';
import { rateLimiter } from './auth/rate-limit.js';
import type { AppConfig } from './config/app-config.js';
import { grpcServices } from './grpc/proto-files.js';
import { ErrorsFilter } from './http/errors.filter.js';
import { grpcCredentials, useSecurityHeaders } from './http/security.js';
import { validationPipe } from './http/validation.js';
import { Metrics } from './observability/metrics.js';
import { contextFrom, currentTraceparent, inSpan, SpanKind } from './observability/tracing.js';
import { TracingInterceptor } from './observability/tracing.interceptor.js';

const CORRELATION_ID = /^[\w.:-]{1,128}$/;

/** Builds the whole app (HTTP, Swagger, gRPC) the same way for `main.ts` and for the tests. */
export async function createApp(config: AppConfig, logStream?: DestinationStream): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logStream), { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(Logger));
  useSecurityHeaders(app, config);
  app.use((req: Request & { correlationId?: string }, res: Response, next: NextFunction) => {
    const given = req.header('x-correlation-id');
    req.correlationId = given && CORRELATION_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Correlation-Id', req.correlationId);
    next();
  });
  const { httpDuration } = app.get(Metrics);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const end = httpDuration.startTimer({ method: req.method });
    // A server span for the request, continuing the caller's `traceparent` if it sent one.
    void inSpan(`HTTP ${req.method}`, SpanKind.SERVER, contextFrom(req.header('traceparent')), () => ({ 'http.request.method': req.method }), (span) => {
      const traceparent = currentTraceparent();
      if (traceparent) res.setHeader('traceparent', traceparent); // so a client can find its trace
      return new Promise<void>((resolve) => {
        res.once('finish', () => {
          // The route pattern (`/api/v1/orders/:id`), never the raw path: labels stay bounded.
          const route = req.route ? `${req.baseUrl}${req.route.path as string}` : 'unmatched';
          end({ route, status: String(res.statusCode) });
          if (span.isRecording()) {
            span.updateName(`${req.method} ${route}`);
            span.setAttributes({ 'http.route': route, 'http.response.status_code': res.statusCode });
          }
          resolve();
        });
        next();
      });
    });
  });
  app.use(rateLimiter(config));
  // After the correlation id, so a body it refuses is answered with one; after the rate limit, so
  // a caller over it costs no parsing.
  app.useBodyParser('json', { limit: '1mb' });
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
