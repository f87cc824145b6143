import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * What the HTTP server does before any route runs, the same as it did on Express: bodies of any
 * type reach validation, refusals carry the API's error shape, the correlation id and the
 * security headers, and an empty JSON body is an empty object.
 */
describe('the HTTP server', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ grpc: false, env: { RELAY_ENABLED: 'false' } });
  });
  afterAll(() => t?.close());

  const order = '/api/v1/orders';
  const securityHeaders = (res: request.Response) => ({
    csp: typeof res.headers['content-security-policy'],
    nosniff: res.headers['x-content-type-options'],
    poweredBy: res.headers['x-powered-by'],
    correlation: typeof res.headers['x-correlation-id'],
  });
  const secured = { csp: 'string', nosniff: 'nosniff', poweredBy: undefined, correlation: 'string' };

  it('an empty JSON body is an empty object: the fields it lacks are named', async () => {
    const res = await request(t.http).post(order).set('Content-Type', 'application/json').send('').expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: expect.arrayContaining([{ field: 'customerId', messages: ['customerId is required'] }]) });
  });

  it.each([
    ['application/x-www-form-urlencoded', 'customerId=c'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="customerId"\r\n\r\nc\r\n--x--\r\n'],
    ['application/xml', '<order/>'],
  ])('a %s body is not read: 400, body must be a JSON object', async (type, body) => {
    const res = await request(t.http).post(order).set('Content-Type', type).send(body).expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'body', messages: ['body must be a JSON object'] }] });
  });

  it('a __proto__ key is refused as malformed, before any handler', async () => {
    const res = await request(t.http).post(order).set('Content-Type', 'application/json').send('{"customerId":"c","__proto__":{"x":1}}').expect(400);
    expect(res.body).toMatchObject({ code: 'MALFORMED_BODY' });
  });

  it('a refusal before any route (an unknown path, an oversized body) carries the error shape, the correlation id and the security headers', async () => {
    const missing = await request(t.http).get('/api/v1/nothing-here').set('X-Correlation-Id', 'http-404').expect(404);
    expect(missing.body).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: expect.any(String), correlationId: 'http-404' });
    expect(securityHeaders(missing)).toEqual(secured);
    const huge = await request(t.http).post(order).set('Content-Type', 'application/json').send(`{"customerId":"${'x'.repeat(1024 * 1024)}"}`).expect(413);
    expect(huge.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', correlationId: huge.headers['x-correlation-id'] });
    expect(securityHeaders(huge)).toEqual(secured);
  });

  it('keeps a well-formed X-Correlation-Id and replaces any other', async () => {
    const kept = await request(t.http).get('/health/live').set('X-Correlation-Id', 'abc-123.x:y').expect(200);
    expect(kept.headers['x-correlation-id']).toBe('abc-123.x:y');
    const replaced = await request(t.http).get('/health/live').set('X-Correlation-Id', 'no spaces allowed').expect(200);
    expect(replaced.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves Swagger UI, its document and the dashboard', async () => {
    expect((await request(t.http).get('/docs').redirects(1).expect(200)).text).toContain('swagger-ui');
    expect((await request(t.http).get('/docs/swagger-ui.css').expect(200)).headers['content-type']).toContain('text/css');
    expect((await request(t.http).get('/docs-json').expect(200)).body.openapi).toMatch(/^3\./);
    const page = await request(t.http).get('/dashboard').expect(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect((await request(t.http).get('/dashboard/app.js').expect(200)).headers['content-type']).toBe('text/javascript; charset=utf-8');
  });
});
