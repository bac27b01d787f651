// The login server's /v2/ side: every registry request is passed, streamed both ways, to the docker-registry peer
// behind it. The Host header is kept, so the registry builds upload Locations for the login server (as ACR's front
// end does); hop-by-hop headers are not forwarded; repeated headers (WWW-Authenticate) keep their order.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Agent, request } from 'node:https';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer']);

export interface Upstream {
  port: number;
  /** PEM the registry's certificate chains to. */
  ca: string;
}

export interface RegistryProxy {
  forward(req: IncomingMessage, res: ServerResponse): void;
  close(): void;
}

export function createRegistryProxy(upstream: () => Upstream | undefined): RegistryProxy {
  let agent: Agent | undefined;
  return {
    forward(req, res) {
      const to = upstream();
      if (!to) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"errors":[{"code":"UNAVAILABLE","message":"registry not started"}]}');
        return;
      }
      agent ??= new Agent({ keepAlive: true, ca: to.ca });
      const headers: OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k)) headers[k] = v;
      const up = request(
        { host: '127.0.0.1', port: to.port, method: req.method, path: req.url, headers, agent },
        (answer) => {
          const raw: string[] = [];
          for (let i = 0; i < answer.rawHeaders.length; i += 2) {
            const k = answer.rawHeaders[i]!;
            if (!HOP_BY_HOP.has(k.toLowerCase())) raw.push(k, answer.rawHeaders[i + 1]!);
          }
          res.writeHead(answer.statusCode ?? 502, raw);
          answer.pipe(res);
        },
      );
      up.on('error', () => {
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(
            '{"errors":[{"code":"UNAVAILABLE","message":"the registry behind the login server did not answer"}]}',
          );
        } else {
          res.destroy();
        }
      });
      // A client that goes away mid-request must not leave the upstream request hanging.
      res.on('close', () => {
        if (!res.writableFinished) up.destroy();
      });
      req.pipe(up);
    },
    close() {
      agent?.destroy();
    },
  };
}
