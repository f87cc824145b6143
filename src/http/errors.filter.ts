import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { throwError, type Observable } from 'rxjs';
import { toGrpcError } from '../grpc/grpc-errors.js';
import { ERROR_STATUS, isModuleError } from '../errors/module-errors.js';

interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  errors?: unknown;
}

/**
 * The one place errors become answers, for HTTP and for gRPC. Business errors map by code;
 * anything unexpected is logged here with its stack and answered as a bare 500 / INTERNAL.
 */
@Catch()
export class ErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ErrorsFilter.name);

  catch(error: unknown, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() === 'rpc') return throwError(() => toGrpcError(error, this.logger));
    const http = host.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const body = this.toBody(error);
    if (body.statusCode >= 500) this.logger.error(`${req.method} ${req.url} failed`, error instanceof Error ? error.stack : String(error));
    void http.getResponse<FastifyReply>().status(body.statusCode).send({ ...body, correlationId: req.id });
  }

  private toBody(error: unknown): ErrorBody {
    if (isModuleError(error)) return { statusCode: ERROR_STATUS[error.code].http, code: error.code, message: error.message };
    const body = bodyError(error);
    if (body) return body;
    if (error instanceof HttpException) return fromHttpException(error);
    return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, code: 'INTERNAL', message: 'Internal server error' };
  }
}

/**
 * The HTTP server's refusals of a body before any route runs: malformed JSON (or a `__proto__`
 * key) and an oversized body. (Nest hands Fastify's 4xx errors on as an HttpException with the
 * error as its cause; their messages hold no stack.)
 */
function bodyError(error: unknown): ErrorBody | null {
  const code = ((error instanceof HttpException ? error.cause : error) as { code?: unknown } | undefined)?.code;
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return { statusCode: HttpStatus.BAD_REQUEST, code: 'MALFORMED_BODY', message: 'Request body is not valid JSON' };
  }
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { statusCode: HttpStatus.PAYLOAD_TOO_LARGE, code: 'PAYLOAD_TOO_LARGE', message: 'Request body is larger than 1 MB' };
  }
  return null;
}

function fromHttpException(error: HttpException): ErrorBody {
  const statusCode = error.getStatus();
  const response = error.getResponse();
  const fallbackCode = (HttpStatus[statusCode] as string | undefined) ?? 'ERROR';
  if (typeof response === 'string') return { statusCode, code: fallbackCode, message: response };
  const r = response as { code?: string; message?: string | string[]; errors?: unknown };
  const message = Array.isArray(r.message) ? r.message.join('; ') : (r.message ?? error.message);
  return { statusCode, code: r.code ?? fallbackCode, message, ...(r.errors !== undefined && { errors: r.errors }) };
}
