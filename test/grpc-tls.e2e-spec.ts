import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, type ClientTls } from '../scripts/grpc-client.mjs';
import { startTestApp, type TestApp } from './support/test-app.js';

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makeCertificates(dir: string): Record<'ca' | 'caKey' | 'server' | 'serverKey' | 'client' | 'clientKey' | 'stranger' | 'strangerKey', string> {
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...newKey, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=saga-test-ca');
  writeFileSync(path('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const signed = (name: string, ca: string, caKey: string, ext?: string) => {
    openssl('req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', ...(ext ? ['-extfile', ext] : []));
  };
  signed('server', 'ca.pem', 'ca.key', 'san.ext');
  signed('client', 'ca.pem', 'ca.key');
  // A client whose certificate another CA signed: mutual TLS must refuse it.
  openssl('req', '-x509', ...newKey, '-keyout', 'other-ca.key', '-out', 'other-ca.pem', '-days', '1', '-subj', '/CN=other-ca');
  signed('stranger', 'other-ca.pem', 'other-ca.key');
  return {
    ca: path('ca.pem'),
    caKey: path('ca.key'),
    server: path('server.pem'),
    serverKey: path('server.key'),
    client: path('client.pem'),
    clientKey: path('client.key'),
    stranger: path('stranger.pem'),
    strangerKey: path('stranger.key'),
  };
}

const KEY = 'tls-test-admin-key-000001';

describe('gRPC transport security and limits', () => {
  let dir: string;
  let certs: ReturnType<typeof makeCertificates>;
  const apps: TestApp[] = [];
  const codeOf = (app: TestApp, req: object, tls?: ClientTls) =>
    call(`127.0.0.1:${app.config.grpcPort}`, 'InventoryService.GetStock', req, { apiKey: KEY, tls, deadlineMs: 3000 }).then(
      () => status.OK,
      (e: { code: number }) => e.code,
    );
  const start = async (env: Record<string, string>) => {
    const app = await startTestApp({ env: { API_KEYS: `tls-admin:admin:${KEY}`, ...env } });
    apps.push(app);
    return app;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'saga-tls-'));
    certs = makeCertificates(dir);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('TLS (GRPC_TLS_CERT, GRPC_TLS_KEY): a client that trusts the CA is served, a plaintext one is not', async () => {
    const t = await start({ GRPC_TLS_CERT: certs.server, GRPC_TLS_KEY: certs.serverKey });
    const req = { product_id: 'nothing_here' };
    expect(await codeOf(t, req, { ca: readFileSync(certs.ca) })).toBe(status.NOT_FOUND); // served: an answer from the app
    expect(await codeOf(t, req)).toBe(status.UNAVAILABLE); // plaintext: no channel
  });

  it('mutual TLS (GRPC_TLS_CA too): only clients with a certificate the CA signed are served', async () => {
    const t = await start({ GRPC_TLS_CERT: certs.server, GRPC_TLS_KEY: certs.serverKey, GRPC_TLS_CA: certs.ca });
    const req = { product_id: 'nothing_here' };
    const ca = readFileSync(certs.ca);
    expect(await codeOf(t, req, { ca, cert: readFileSync(certs.client), key: readFileSync(certs.clientKey) })).toBe(status.NOT_FOUND);
    expect(await codeOf(t, req, { ca })).toBe(status.UNAVAILABLE);
    expect(await codeOf(t, req, { ca, cert: readFileSync(certs.stranger), key: readFileSync(certs.strangerKey) })).toBe(status.UNAVAILABLE);
  });

  it('refuses a message larger than GRPC_MAX_MESSAGE_BYTES before decoding it', async () => {
    const t = await start({ GRPC_MAX_MESSAGE_BYTES: '2048' });
    expect(await codeOf(t, { product_id: 'p'.repeat(1000) })).toBe(status.INVALID_ARGUMENT); // under the limit: validated
    expect(await codeOf(t, { product_id: 'p'.repeat(4000) })).toBe(status.RESOURCE_EXHAUSTED);
  });
});
