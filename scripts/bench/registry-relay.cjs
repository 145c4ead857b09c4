// `node registry-relay.cjs PORT SOCKET`: listens on 127.0.0.1:PORT in the network namespace it runs in and
// pipes every connection to the unix socket SOCKET (the pull section's registry). The bench runs one in the
// host's namespace and one in its dockerd's (through nsenter), so both engines reach the registry by the same
// name, 127.0.0.1:PORT, through the same kind of hop. Prints "ready" once listening.
'use strict';
const net = require('node:net');

const [port, socket] = process.argv.slice(2);
const server = net.createServer((client) => {
  const upstream = net.connect(socket);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', end).on('close', end);
  upstream.on('error', end).on('close', end);
  client.pipe(upstream).pipe(client);
});
server.on('error', (err) => {
  console.error(`registry-relay: ${err.message}`);
  process.exit(1);
});
server.listen(Number(port), '127.0.0.1', () => console.log('ready'));
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => process.exit(0));
