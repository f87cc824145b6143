export function call(address: string, target: string, request: object, options?: { keepCase?: boolean; deadlineMs?: number }): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export function listServices(address: string): Promise<string[]>;
