export interface ClientTls {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}
export function call(address: string, target: string, request: object, options?: { keepCase?: boolean; deadlineMs?: number; apiKey?: string; tls?: ClientTls }): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export function listServices(address: string, options?: { tls?: ClientTls }): Promise<string[]>;
