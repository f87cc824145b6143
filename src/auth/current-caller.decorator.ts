import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type Caller, callerName, type RequestWithCaller } from './caller.js';

/** The name of the caller of an HTTP route (its key's name, or `anonymous`), as `AccessGuard` identified it. */
export const CallerName = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const caller: Caller | undefined = context.switchToHttp().getRequest<RequestWithCaller>().caller;
  return caller ? callerName(caller) : 'anonymous';
});
