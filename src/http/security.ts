import { ServerCredentials } from '@grpc/grpc-js';
import type { INestApplication } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import type { AppConfig } from '../config/app-config.js';

/**
 * HTTP hardening: security headers on every response, a 404 and an error too (Nest's, the same
 * headers and defaults as helmet 8: no `X-Powered-By`; a content security policy that allows no
 * inline script, which the dashboard and Swagger UI do without), and CORS only for the origins
 * configured in CORS_ORIGINS (none by default: browsers on other sites cannot call).
 */
export function useSecurityHeaders(app: INestApplication, config: AppConfig): void {
  app.useSecurityHeaders({
    contentSecurityPolicy: {
      directives: {
        // Inline styles: the dashboard's stylesheet and Swagger UI's. No inline scripts anywhere.
        'style-src': ["'self'", "'unsafe-inline'"],
        // The API may be served over plain HTTP on a private network: do not rewrite its URLs to https.
        'upgrade-insecure-requests': null,
      },
    },
  });
  const origins = config.security.corsOrigins;
  if (origins.length > 0) {
    app.enableCors({
      origin: origins,
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Idempotency-Key', 'X-Correlation-Id', 'traceparent'],
      exposedHeaders: ['Idempotent-Replayed', 'X-Correlation-Id', 'traceparent', 'Retry-After'],
    });
  }
}

/**
 * gRPC transport security: plaintext by default (loopback); TLS with GRPC_TLS_CERT and
 * GRPC_TLS_KEY; mutual TLS when GRPC_TLS_CA is set too (clients must present a certificate it
 * signed). The files are read at start, so a missing one stops the start with its path.
 */
export function grpcCredentials(config: AppConfig): ServerCredentials {
  const tls = config.security.grpcTls;
  if (!tls) return ServerCredentials.createInsecure();
  const read = (path: string, variable: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  };
  const ca = tls.ca ? read(tls.ca, 'GRPC_TLS_CA') : null;
  return ServerCredentials.createSsl(ca, [{ cert_chain: read(tls.cert, 'GRPC_TLS_CERT'), private_key: read(tls.key, 'GRPC_TLS_KEY') }], ca !== null);
}
