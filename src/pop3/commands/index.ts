// The command table: one handler per POP3 command, each with the states it is valid in.
// APOP is deliberately absent (it needs plaintext-equivalent passwords on the server).
import type { CommandName } from '../parser.ts';
import { auth } from './auth.ts';
import { capa } from './capa.ts';
import { dele } from './dele.ts';
import { list } from './list.ts';
import { noop } from './noop.ts';
import { pass } from './pass.ts';
import { quit } from './quit.ts';
import { retr, top } from './retr.ts';
import { rset } from './rset.ts';
import { stat } from './stat.ts';
import { stls } from './stls.ts';
import type { Handler } from './types.ts';
import { uidl } from './uidl.ts';
import { user } from './user.ts';

export const COMMANDS: { readonly [N in CommandName]: Handler<N> } = {
  CAPA: capa,
  STLS: stls,
  USER: user,
  PASS: pass,
  AUTH: auth,
  STAT: stat,
  LIST: list,
  RETR: retr,
  DELE: dele,
  RSET: rset,
  TOP: top,
  UIDL: uidl,
  NOOP: noop,
  QUIT: quit,
};
