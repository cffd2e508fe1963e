// Open SMTP connections kept for a few seconds after a transaction, so the next message to the
// same destination goes out on the same connection (no new TCP and TLS handshake).
import type { SmtpClient } from './smtp-client.ts';

type Idle = { client: SmtpClient; timer: NodeJS.Timeout };

export class ConnectionCache {
  private readonly idle = new Map<string, Idle[]>();
  private readonly idleMs: number;

  constructor(idleMs: number) {
    this.idleMs = idleMs;
  }

  /** A usable idle connection to this destination, if one is waiting. */
  take(key: string): SmtpClient | null {
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const it = list.pop()!;
      clearTimeout(it.timer);
      if (it.client.usable) return it.client;
      it.client.close();
    }
    this.idle.delete(key);
    return null;
  }

  /** Keeps the connection for the next message, or closes it with QUIT. */
  give(key: string, client: SmtpClient): void {
    // A broken connection (an error reply to RSET, a dropped socket) is closed, not kept.
    if (!client.usable) return client.close();
    if (this.idleMs <= 0) return client.quit();
    const list = this.idle.get(key) ?? [];
    const it: Idle = {
      client,
      timer: setTimeout(() => {
        const l = this.idle.get(key);
        const i = l ? l.indexOf(it) : -1;
        if (l && i >= 0) l.splice(i, 1);
        if (l && l.length === 0) this.idle.delete(key);
        client.quit();
      }, this.idleMs),
    };
    list.push(it);
    this.idle.set(key, list);
  }

  closeAll(): void {
    for (const list of this.idle.values()) {
      for (const it of list) {
        clearTimeout(it.timer);
        it.client.quit();
      }
    }
    this.idle.clear();
  }
}
