import { describe, expect, it } from '@jest/globals';
import { QueryRunnerAlreadyReleasedError } from 'typeorm';
import { isTransientDatabaseError } from './transient-errors.js';

const pgError = (code: string, message = 'error') => Object.assign(new Error(message), { code });

describe('isTransientDatabaseError', () => {
  it('is true for a lost or refused connection, a deadlock, a serialization failure, a shutdown, a statement timeout', () => {
    for (const error of [
      pgError('08006'),
      pgError('40001'),
      pgError('40P01'),
      pgError('57P01', 'terminating connection due to administrator command'),
      pgError('57014', 'canceling statement due to statement timeout'),
      pgError('53300'),
      pgError('ECONNREFUSED'),
      new Error('Connection terminated unexpectedly'),
      new QueryRunnerAlreadyReleasedError(),
    ]) {
      expect([error.message, isTransientDatabaseError(error)]).toEqual([error.message, true]);
    }
  });

  it('is false for what was asked: bad data, a violated constraint, a definition that throws', () => {
    for (const error of [
      pgError('22P05', 'unsupported Unicode escape sequence'),
      pgError('22003', 'integer out of range'),
      pgError('23505', 'duplicate key value violates unique constraint'),
      new TypeError("Cannot read properties of undefined (reading 'data')"),
      new Error('saga type retired is not registered'),
      'a string',
      undefined,
    ]) {
      expect([String(error), isTransientDatabaseError(error)]).toEqual([String(error), false]);
    }
  });
});
