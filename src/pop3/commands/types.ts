// The contract between the session and the one-file-per-command handlers (STYLE.md 3): each
// handler states the session states it is valid in; the dispatcher enforces them once.
import type { Command, CommandName } from '../parser.ts';
import type { Session } from '../session.ts';

/** RFC 1939 §3: AUTHORIZATION, then TRANSACTION after login, then UPDATE at QUIT. */
export type Pop3State = 'authorization' | 'transaction' | 'update';

export type CommandOf<N extends CommandName> = Extract<Command, { name: N }>;

export type Handler<N extends CommandName> = {
  readonly states: readonly Pop3State[];
  /** Writes its own response (single or multi-line). */
  run(s: Session, cmd: CommandOf<N>): Promise<void>;
};

export const AUTHORIZATION: readonly Pop3State[] = ['authorization'];
export const TRANSACTION: readonly Pop3State[] = ['transaction'];
export const EITHER: readonly Pop3State[] = ['authorization', 'transaction'];
