// UNAUTHENTICATE (RFC 8437): ends the login without ending the connection; the selected
// mailbox is released without an implicit expunge (like UNSELECT) and LOGIN or AUTHENTICATE
// may follow.
import { AUTHED, ok, type Handler } from './types.ts';

export const unauthenticate: Handler<'UNAUTHENTICATE'> = {
  states: AUTHED,
  async run(s) {
    s.log.info({ event: 'imap.unauthenticate', user: s.account?.address }, 'logged out, connection kept');
    s.loggedOut();
    return ok('Unauthenticate completed');
  },
};
