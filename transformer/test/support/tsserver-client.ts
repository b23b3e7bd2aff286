import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";

/** A minimal tsserver protocol client: JSON requests in, Content-Length framed messages out. */
export interface TsServerClient {
  request(command: string, args: object): Promise<{ success: boolean; body?: unknown; message?: string }>;
  close(): void;
}

/** Spawns `node tsserver.js` with `args` and speaks the protocol over stdio. */
export function startTsServer(tsserverJs: string, args: readonly string[], cwd: string): TsServerClient {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [tsserverJs, ...args], {
    cwd,
    stdio: "pipe",
  });
  let buffer = Buffer.alloc(0);
  let seq = 0;
  const pending = new Map<
    number,
    (response: { success: boolean; body?: unknown; message?: string }) => void
  >();
  child.stdout.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const headerEnd = buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const match = /Content-Length: (\d+)/.exec(buffer.subarray(0, headerEnd).toString("utf8"));
      if (!match) throw new Error(`unexpected tsserver output: ${buffer.toString("utf8").slice(0, 200)}`);
      const length = Number(match[1]);
      if (buffer.length < headerEnd + 4 + length) return;
      const message = JSON.parse(buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString("utf8")) as {
        type: string;
        request_seq?: number;
        success: boolean;
        body?: unknown;
        message?: string;
      };
      buffer = buffer.subarray(headerEnd + 4 + length);
      if (message.type === "response" && message.request_seq !== undefined) {
        pending.get(message.request_seq)?.(message);
        pending.delete(message.request_seq);
      }
    }
  });
  return {
    request(command, args) {
      const id = ++seq;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        child.stdin.write(`${JSON.stringify({ seq: id, type: "request", command, arguments: args })}\n`);
      });
    },
    close() {
      child.stdin.end();
      child.kill();
    },
  };
}
