// The seed's JavaScript client (socket.io-client 4.x), driven by the tests over stdin/stdout.
//
// Each stdin line is a JSON command naming a socket by `id`:
//   {"op": "connect", "id", "url", "token"?, "via": "auth"|"header"|"bearer"|"query"|"none",
//    "transports"?: [...]}
//   {"op": "emit", "id", "event", "data"}      (prints the acknowledgement)
//   {"op": "close", "id"}
// Each stdout line is what one socket saw: {"id", "event", "args"}, with the events `connect`,
// `connect_error` ({message, data}), `disconnect`, `ack` and every server event by its name.
import { createInterface } from "node:readline";
import { io } from "socket.io-client";

const sockets = new Map();
const print = (id, event, args) => process.stdout.write(JSON.stringify({ id, event, args }) + "\n");

function connect({ id, url, token, via, transports }) {
  const options = { reconnection: false, forceNew: true, timeout: 10000 };
  if (transports) options.transports = transports;
  if (via === "auth") options.auth = { token };
  if (via === "header") options.extraHeaders = { token };
  if (via === "bearer") options.extraHeaders = { Authorization: `Bearer ${token}` };
  if (via === "query") options.query = { token };
  const socket = io(url, options);
  sockets.set(id, socket);
  socket.on("connect", () => print(id, "connect", [socket.io.engine.transport.name]));
  socket.on("connect_error", (err) => print(id, "connect_error", [{ message: err.message, data: err.data }]));
  socket.on("disconnect", (reason) => print(id, "disconnect", [reason]));
  socket.io.engine?.on("upgrade", (transport) => print(id, "upgrade", [transport.name]));
  socket.onAny((event, ...args) => print(id, event, args));
}

createInterface({ input: process.stdin }).on("line", (line) => {
  const command = JSON.parse(line);
  const socket = sockets.get(command.id);
  if (command.op === "connect") connect(command);
  if (command.op === "emit") socket.emit(command.event, command.data, (answer) => print(command.id, "ack", [answer]));
  if (command.op === "close") socket.close();
}).on("close", () => {
  for (const socket of sockets.values()) socket.close();
  process.exit(0);
});
print(null, "ready", []);
