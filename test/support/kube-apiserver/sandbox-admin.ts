// /_sandbox/faults: lets a process outside the test (a running `npm run demo -- --keep`, a shell with curl) give
// the stand-in's fault plan more rules. Admin token only; the body is the JSON a fault plan file holds (a list of
// rules, see ../faults/load.ts).
//   POST   /_sandbox/faults   append the rules        → 200 {added, pending}
//   GET    /_sandbox/faults   the plan's state        → 200 {pending, hits}
//   DELETE /_sandbox/faults   drop every rule and hit → 200 {pending: 0}
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultPlanError, parseFaultRules, type FaultPlan } from '../faults/index.js';

export const SANDBOX_ADMIN_PREFIX = '/_sandbox/';

function send(res: ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(`${JSON.stringify(body)}\n`);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length });
  res.end(data);
}

/** Serves a /_sandbox/ path; `admin` says whether the caller used the admin token. */
export async function sandboxAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  admin: boolean,
  faults: FaultPlan,
): Promise<void> {
  if (!admin) return send(res, 403, { message: 'the sandbox admin endpoints take the admin token only' });
  if (path !== '/_sandbox/faults') return send(res, 404, { message: `no sandbox endpoint ${path}` });
  switch (req.method) {
    case 'GET':
      return send(res, 200, { pending: faults.pending, hits: faults.hits });
    case 'DELETE':
      faults.reset();
      return send(res, 200, { pending: 0 });
    case 'POST': {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      let rules;
      try {
        rules = parseFaultRules(JSON.parse(Buffer.concat(chunks).toString('utf8')), 'POST /_sandbox/faults');
      } catch (e) {
        const message = e instanceof FaultPlanError ? e.message : `not valid JSON: ${(e as Error).message}`;
        return send(res, 400, { message });
      }
      faults.add(...rules);
      return send(res, 200, { added: rules.length, pending: faults.pending });
    }
    default:
      return send(res, 405, { message: `${req.method} is not supported on ${path}` });
  }
}
