import http from 'node:http';

/**
 * A Docker Engine API client over a unix socket with kept-alive connections (one unless told), so a timed
 * request pays for no connect: what a warm SDK client (docker's Go client, docker-py) does between calls.
 */
export interface EngineResponse {
  status: number;
  body: string;
}

export class EngineError extends Error {
  override name = 'EngineError';

  /** the HTTP status, when the server answered */
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export class EngineClient {
  private readonly agent: http.Agent;

  /**
   * prefix: an API version ("/v1.41"), or '' for the server's own; maxSockets: kept-alive connections, so that
   * many requests can be in flight at once (the throughput batches), one by default.
   */
  constructor(
    readonly socketPath: string,
    private readonly prefix = '',
    maxSockets = 1,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request(method: string, path: string, body?: unknown, timeoutMs = 60_000): Promise<EngineResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = payload
      ? { 'Content-Type': 'application/json', 'Content-Length': payload.length }
      : {};
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.socketPath,
          agent: this.agent,
          method,
          path: this.prefix + path,
          headers,
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new EngineError(`${method} ${path}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** The request, failing unless the status is one of `ok`. */
  async expect(method: string, path: string, ok: readonly number[], body?: unknown): Promise<EngineResponse> {
    const res = await this.request(method, path, body);
    if (!ok.includes(res.status))
      throw new EngineError(`${method} ${path}: HTTP ${res.status} ${engineMessage(res.body)}`, res.status);
    return res;
  }

  /** GET /_ping answers OK (false while nothing listens or the server is not ready). */
  async ping(): Promise<boolean> {
    try {
      const res = await this.request('GET', '/_ping', undefined, 2000);
      return res.status === 200 && res.body === 'OK';
    } catch {
      return false;
    }
  }

  /** POST /containers/create: `cmd` on the default (bridge) network; returns the ID. */
  async create(image: string, cmd: readonly string[]): Promise<string> {
    const res = await this.expect('POST', '/containers/create', [201], {
      Image: image,
      Cmd: cmd,
      HostConfig: { NetworkMode: 'bridge' },
    });
    return (JSON.parse(res.body) as { Id: string }).Id;
  }

  /** POST /containers/{id}/start: 204, or 304 when it already runs. */
  async start(id: string): Promise<void> {
    await this.expect('POST', `/containers/${encodeURIComponent(id)}/start`, [204, 304]);
  }

  /** DELETE /containers/{id}?force=1&v=1: killed if running, gone either way. */
  async remove(id: string): Promise<void> {
    await this.expect('DELETE', `/containers/${encodeURIComponent(id)}?force=1&v=1`, [204, 404]);
  }

  async json<T>(path: string): Promise<T> {
    return JSON.parse((await this.expect('GET', path, [200])).body) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Docker's error body is {"message": …}. */
function engineMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body.trim();
  } catch {
    return body.trim();
  }
}
