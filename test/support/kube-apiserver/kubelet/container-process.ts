// The program a sandbox container runs: `node -e CONTAINER_SCRIPT` with its config in LITMUS_CONTAINER (JSON). It
// listens on 127.0.0.1:0 for each container port (HTTP, or HTTPS with the given certificate; any request gets 200
// `ok`), reports the containerPort → host port mapping to the kubelet over IPC, logs to stdout, and exits after
// `crashAfterMs` with `exitCode` when told to.

export interface ContainerConfig {
  pod: string;
  container: string;
  image: string;
  listen: { port: number; tls: boolean }[];
  crashAfterMs?: number;
  exitCode?: number;
  cert?: string;
  key?: string;
}

export const CONTAINER_SCRIPT = `
const http = require('node:http');
const https = require('node:https');
const cfg = JSON.parse(process.env.LITMUS_CONTAINER);
const log = (m) => process.stdout.write(new Date().toISOString() + ' ' + m + '\\n');
log('container ' + cfg.container + ' of pod ' + cfg.pod + ' starting (image ' + cfg.image + ')');
const ports = {};
let pending = cfg.listen.length;
const done = () => { if (process.send) process.send({ type: 'ports', ports }); };
for (const p of cfg.listen) {
  const handler = (req, res) => {
    log((p.tls ? 'https' : 'http') + ' ' + req.method + ' ' + req.url + ' on :' + p.port);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok ' + cfg.container + ' ' + req.url + '\\n');
  };
  const server = p.tls ? https.createServer({ cert: cfg.cert, key: cfg.key }, handler) : http.createServer(handler);
  server.listen(0, '127.0.0.1', () => {
    ports[p.port] = server.address().port;
    log('listening on :' + p.port + (p.tls ? ' (tls)' : '') + ' at 127.0.0.1:' + ports[p.port]);
    if (--pending === 0) done();
  });
}
if (pending === 0) { log('not listening on any port'); done(); }
if (typeof cfg.crashAfterMs === 'number') {
  setTimeout(() => {
    process.stderr.write('crashing after ' + cfg.crashAfterMs + 'ms with exit code ' + (cfg.exitCode ?? 1) + '\\n');
    process.exit(cfg.exitCode ?? 1);
  }, cfg.crashAfterMs);
}
process.on('SIGTERM', () => { log('received SIGTERM, exiting'); process.exit(0); });
process.on('disconnect', () => process.exit(0));
setInterval(() => {}, 1 << 30);
`;
