// The Node + ws peer for scripts/bench-realtime.sh (issue #12): Fazt's socket protocol served by
// Node's http module and the `ws` module (Debian's node-ws, /usr/share/nodejs/ws), one process.
//
//   client → server  {"type":"subscribe","channel":C}   → {"type":"subscribed","channel":C,"offset":N,"epoch":E}
//                    {"type":"unsubscribe","channel":C} → {"type":"unsubscribed","channel":C}
//                    {"type":"publish","channel":C,"data":D}
//                    {"type":"ping"}                    → {"type":"pong"}
//                    any other text (not JSON)          → sent back unchanged (the echo handler)
//   server → client  {"type":"message","channel":C,"data":D,"offset":N,"timestamp":T}
//                    {"type":"ping"} every 30 s
//   HTTP             POST /_fazt/api/v1/apps/A/channels/C/messages (JSON body, no auth)
//                    → 201 {"app","channel","offset"}
//
// A broadcast encodes the message once (JSON.stringify) and sends that string to every subscriber
// with client.send(text) in a loop — ws's ordinary way. Usage: node ws-peer.js [PORT] (0 = any);
// prints {"port":N} when listening.
'use strict';
const http = require('http');
let WebSocket;
try {
  WebSocket = require('ws');
} catch (e) {
  WebSocket = require('/usr/share/nodejs/ws');
}

const port = Number(process.argv[2] || 0);
const epoch = Date.now().toString(36);
const channels = new Map(); // name → {offset, subscribers: Set<ws>}

function channel(name) {
  let c = channels.get(name);
  if (!c) {
    c = { offset: 0, subscribers: new Set() };
    channels.set(name, c);
  }
  return c;
}

function publish(name, data) {
  const c = channel(name);
  c.offset += 1;
  const text = JSON.stringify({ type: 'message', channel: name, data, offset: c.offset, timestamp: Date.now() });
  for (const client of c.subscribers) {
    if (client.readyState === WebSocket.OPEN) client.send(text);
  }
  return c.offset;
}

const server = http.createServer((req, res) => {
  const m = /^\/_fazt\/api\/v1\/apps\/([^/]+)\/channels\/([^/]+)\/messages$/.exec(req.url);
  if (req.method !== 'POST' || !m) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not found"}');
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let data;
    try {
      data = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":"bad json"}');
      return;
    }
    const app = decodeURIComponent(m[1]);
    const name = decodeURIComponent(m[2]);
    const offset = publish(name, data);
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ app, channel: name, offset }));
  });
});

const wss = new WebSocket.Server({ server, path: '/_ws', perMessageDeflate: false });
wss.on('connection', (ws) => {
  const mine = new Set();
  ws.on('message', (raw, isBinary) => {
    if (isBinary) return;
    let msg;
    try {
      msg = JSON.parse(raw.toString());
    } catch (e) {
      ws.send(raw.toString()); // not a protocol message: the "socket handler" echoes it (wake latency)
      return;
    }
    switch (msg && msg.type) {
      case 'subscribe': {
        if (typeof msg.channel !== 'string') return;
        const c = channel(msg.channel);
        c.subscribers.add(ws);
        mine.add(msg.channel);
        ws.send(JSON.stringify({ type: 'subscribed', channel: msg.channel, offset: c.offset, epoch }));
        break;
      }
      case 'unsubscribe': {
        const c = channels.get(msg.channel);
        if (c) c.subscribers.delete(ws);
        mine.delete(msg.channel);
        ws.send(JSON.stringify({ type: 'unsubscribed', channel: msg.channel }));
        break;
      }
      case 'publish':
        if (typeof msg.channel === 'string') publish(msg.channel, msg.data);
        break;
      case 'ping':
        ws.send('{"type":"pong"}');
        break;
      case 'pong':
        break;
      default:
        ws.send(JSON.stringify({ type: 'error', code: 'unknown_type', error: 'unknown type' }));
    }
  });
  ws.on('close', () => {
    for (const name of mine) {
      const c = channels.get(name);
      if (c) c.subscribers.delete(ws);
    }
  });
  ws.on('error', () => {});
});

setInterval(() => {
  for (const client of wss.clients) {
    if (client.readyState === WebSocket.OPEN) {
      client.send('{"type":"ping"}');
      client.ping();
    }
  }
}, 30000).unref();

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.on('SIGTERM', () => process.exit(0));
