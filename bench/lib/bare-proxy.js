// The floor for bench/gateway.js: the least an HTTP hop written on node:http costs, with none of
// the gateway's work (no JSON-RPC parsing, sessions, token, routing, balancing or logs).
//   node bench/lib/bare-proxy.js <listen port> <target port>
// Every request goes to 127.0.0.1:<target port> as it came, on a keep-alive agent, body buffered.
// Answers go back as they came, except the one thing the gateway also does: a POST answered by an
// SSE stream that carries a single message is answered as that message in JSON (one write), as the
// gateway answers a call with nothing to send before its result. Prints "ready" once listening.
import { Agent, createServer, request } from 'node:http';

const [port, target] = process.argv.slice(2).map(Number);
const agent = new Agent({ keepAlive: true });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host']);

const pick = (headers) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));

const read = (stream) =>
  new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });

const server = createServer(async (req, res) => {
  try {
    const body = await read(req);
    const upstream = request({
      host: '127.0.0.1',
      port: target,
      method: req.method,
      path: req.url,
      headers: pick(req.headers),
      agent,
    });
    upstream.once('error', () => res.destroy());
    upstream.once('response', async (answer) => {
      const headers = pick(answer.headers);
      const sse = String(answer.headers['content-type']).startsWith('text/event-stream');
      if (req.method !== 'POST' || !sse) {
        res.writeHead(answer.statusCode, headers);
        answer.pipe(res);
        return;
      }
      // The body changes below: node:http computes its length again.
      delete headers['content-length'];
      const events = (await read(answer))
        .toString('utf8')
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6));
      if (events.length !== 1) {
        res.writeHead(answer.statusCode, headers).end(events.map((e) => `data: ${e}\n\n`).join(''));
        return;
      }
      headers['content-type'] = 'application/json';
      delete headers['cache-control'];
      res.writeHead(answer.statusCode, headers).end(events[0]);
    });
    upstream.end(body.length === 0 ? undefined : body);
  } catch {
    res.destroy();
  }
});
server.listen(port, '127.0.0.1', () => console.log('ready'));
