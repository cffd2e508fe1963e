// The command table: each command's handler and the states that allow it (STYLE.md 3).
import type { CommandName } from '../ast.ts';
import { append } from './append.ts';
import { authenticate } from './authenticate.ts';
import { cancelupdate } from './cancelupdate.ts';
import { capability } from './capability.ts';
import { check } from './check.ts';
import { close } from './close.ts';
import { compress } from './compress.ts';
import { copy } from './copy.ts';
import { create } from './create.ts';
import { del } from './delete.ts';
import { enable } from './enable.ts';
import { expunge } from './expunge.ts';
import { fetch } from './fetch.ts';
import { id } from './id.ts';
import { idle } from './idle.ts';
import { list } from './list.ts';
import { login } from './login.ts';
import { logout } from './logout.ts';
import { lsub } from './lsub.ts';
import { getmetadata, setmetadata } from './metadata.ts';
import { move } from './move.ts';
import { namespace } from './namespace.ts';
import { noop } from './noop.ts';
import { notify } from './notify.ts';
import { getquota, getquotaroot, setquota } from './quota.ts';
import { rename } from './rename.ts';
import { replace } from './replace.ts';
import { search } from './search.ts';
import { sort } from './sort.ts';
import { thread } from './thread.ts';
import { examine, select } from './select.ts';
import { starttls } from './starttls.ts';
import { status } from './status.ts';
import { store } from './store.ts';
import { subscribe } from './subscribe.ts';
import type { Handler } from './types.ts';
import { unselect } from './unselect.ts';
import { unauthenticate } from './unauthenticate.ts';
import { genurlauth, resetkey, urlfetch } from './urlauth.ts';
import { unsubscribe } from './unsubscribe.ts';

/** Commands absent here are answered BAD "not supported". */
export const COMMANDS: { readonly [N in CommandName]?: Handler<N> } = {
  CAPABILITY: capability,
  NOOP: noop,
  LOGOUT: logout,
  STARTTLS: starttls,
  AUTHENTICATE: authenticate,
  LOGIN: login,
  ID: id,
  ENABLE: enable,
  NAMESPACE: namespace,
  SELECT: select,
  EXAMINE: examine,
  CREATE: create,
  DELETE: del,
  RENAME: rename,
  SUBSCRIBE: subscribe,
  UNSUBSCRIBE: unsubscribe,
  LIST: list,
  LSUB: lsub,
  STATUS: status,
  APPEND: append,
  IDLE: idle,
  CHECK: check,
  CLOSE: close,
  UNSELECT: unselect,
  EXPUNGE: expunge,
  FETCH: fetch,
  STORE: store,
  COPY: copy,
  MOVE: move,
  SEARCH: search,
  SORT: sort,
  CANCELUPDATE: cancelupdate,
  THREAD: thread,
  GETQUOTA: getquota,
  GETQUOTAROOT: getquotaroot,
  COMPRESS: compress,
  UNAUTHENTICATE: unauthenticate,
  REPLACE: replace,
  GETMETADATA: getmetadata,
  SETMETADATA: setmetadata,
  NOTIFY: notify,
  SETQUOTA: setquota,
  GENURLAUTH: genurlauth,
  RESETKEY: resetkey,
  URLFETCH: urlfetch,
};
