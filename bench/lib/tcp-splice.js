// A second reference for bench/gateway.js: a hop that moves bytes and parses nothing, on node:net.
//   node bench/lib/tcp-splice.js <listen port> <target port>
// Each connection gets its own connection to 127.0.0.1:<target port>; bytes are copied both ways
// as they come. What an extra hop costs without HTTP; no gateway can be this (it must read MCP to
// route it). Prints "ready" once listening.
import { connect, createServer } from 'node:net';

const [port, target] = process.argv.slice(2).map(Number);

createServer({ noDelay: true }, (downstream) => {
  const upstream = connect({ host: '127.0.0.1', port: target, noDelay: true });
  downstream.on('data', (chunk) => upstream.write(chunk));
  upstream.on('data', (chunk) => downstream.write(chunk));
  downstream.once('close', () => upstream.destroy());
  upstream.once('close', () => downstream.destroy());
  downstream.on('error', () => undefined);
  upstream.on('error', () => undefined);
}).listen(port, '127.0.0.1', () => console.log('ready'));
