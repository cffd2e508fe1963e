// The contract between the session and the one-file-per-command handlers (STYLE.md 3).
import type { ArgsOf, CommandName } from '../ast.ts';
import type { Session } from '../session.ts';

export type SessionState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

/** The tagged completion; undefined when the handler answers later (IDLE, AUTHENTICATE). */
export type Reply = { status: 'OK' | 'NO' | 'BAD'; text: string; code?: string } | undefined;

export type CommandOf<N extends CommandName> = { readonly tag: string; readonly name: N; readonly uid: boolean; readonly args: ArgsOf<N> };

export type Handler<N extends CommandName> = {
  /** States in which the command is valid; the dispatcher answers BAD in the others. */
  readonly states: readonly SessionState[];
  /** RFC 9051 §7.5.1: false for FETCH, STORE, SEARCH: pending EXPUNGEs wait. Default true. */
  readonly expungeAfter?: boolean;
  run(s: Session, cmd: CommandOf<N>): Promise<Reply>;
};

export const ANY: readonly SessionState[] = ['not-authenticated', 'authenticated', 'selected'];
export const NOT_AUTH: readonly SessionState[] = ['not-authenticated'];
export const AUTHED: readonly SessionState[] = ['authenticated', 'selected'];
export const SELECTED: readonly SessionState[] = ['selected'];

export const ok = (text: string, code?: string): Reply => ({ status: 'OK', text, ...(code === undefined ? {} : { code }) });
export const no = (text: string, code?: string): Reply => ({ status: 'NO', text, ...(code === undefined ? {} : { code }) });
export const bad = (text: string, code?: string): Reply => ({ status: 'BAD', text, ...(code === undefined ? {} : { code }) });
