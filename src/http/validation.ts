import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';

function flatten(errors: ValidationError[], prefix = ''): { field: string; messages: string[] }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** The global pipe: unknown fields refused, bodies turned into DTO classes, every bad field named. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    exceptionFactory: (errors) => {
      const fields = flatten(errors).map((f) => ({
        ...f,
        // Name nested fields by their path ("items.0.quantity"), not only their last key.
        messages: f.messages.map((m) => (f.field.includes('.') ? `${f.field}: ${m}` : m)),
      }));
      const message = `Validation failed: ${fields.flatMap((f) => f.messages).join('; ')}`;
      return new BadRequestException({ code: 'VALIDATION_FAILED', message, errors: fields });
    },
  });
}
