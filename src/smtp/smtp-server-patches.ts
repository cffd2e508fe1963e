// Two behaviours of smtp-server (pinned at an exact version in package.json) that our policy
// needs changed, patched in one place so an upgrade has one file to re-check; the e2e tests
// cover both.
//
// 1. Enhanced status codes: smtp-server derives the enhanced code of an error reply from its
//    numeric code (554 always becomes 5.6.0), but a relay refusal must read "554 5.7.1". Our
//    MailError replies carry their own enhanced code at the start of the text; such text is
//    sent as it is instead of getting a second, derived code.
// 2. Greeting delay: smtp-server always waits 100 ms before the 220 greeting to catch clients
//    that talk too soon. That caps a single-connection sender at 10 messages a second; the
//    delay is a setting here (`limits.greeting_delay`, default 0 as in Postfix's smtpd).
// 3. AUTH before STARTTLS (submission, RFC 3207 §4, RFC 4954 §4): smtp-server still lists AUTH
//    in EHLO before TLS and refuses it with a non-standard 538. With the server option
//    `authNeedsTls(remoteAddress)` returning true, a connection without TLS gets no AUTH in
//    EHLO and "530 5.7.0 Must issue a STARTTLS command first" for AUTH (the server itself is
//    configured with allowInsecureAuth so that the exempt ones, loopback, can log in).
// 4. Bare CR, LF or NUL inside a command line (RFC 5321 §2.3.8): smtp-server passes them on,
//    so "MAIL FROM:<a@b> ENVID=x<CR>X-Injected: 1" was accepted. Such a line is refused with
//    501 and counts as a bad command (test/e2e/attacks-smtp.test.ts).
// 5. Unknown commands: smtp-server closes after a fixed 10; the server option
//    `maxBadCommands` (limits.max_bad_commands) applies to them too.
// 6. A quoted local part with a space (MAIL FROM:<"a b"@x>, RFC 5321 §4.1.2 Quoted-string):
//    smtp-server splits the command on white space before it finds the path, and answered
//    501. The spaces inside the quotes are hidden from it and given back in the address.
// 7. DATA and RSET take no arguments (RFC 5321 §4.1.1.4, §4.1.1.5): smtp-server ignored them,
//    so "DATA x" started the message. Such a line gets 501 and counts as a bad command, as
//    Postfix answers.
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;

type Send = (this: unknown, code: number, data: unknown, context?: unknown) => void;
type ParseAddress = (this: unknown, name: string, command: Buffer | string) => { address: string; args: unknown } | false;

/** Stands for a space inside a quoted local part while smtp-server splits the command. */
const HIDDEN_SPACE = '\uE000';
const QUOTED_LOCAL = /<(?:@[^:<>]*:)?"(?:[^"\\]|\\.)*"@/g;
type Handler = (this: ConnectionInternals, command: Buffer, callback: () => void) => void;
type ConnectionInternals = {
  _server: { options: { maxClients?: number; greetingDelayMs?: number; maxBadCommands?: number; authNeedsTls?: (ip: string) => boolean }; connections: Set<unknown> };
  _upgrading?: boolean;
  _ready?: boolean;
  _nextHandler?: unknown;
  _isSupported(name: string): boolean;
  /** Ours: unknown or malformed command lines so far in this connection. */
  badLines?: number;
  session: { disabledCommands?: string[] };
  secure: boolean;
  remoteAddress: string;
  _setListeners(cb: () => void): void;
  send: Send;
  name: string;
  connectionReady(): void;
};

let installed = false;

export function patchSmtpServer(): void {
  if (installed) return;
  installed = true;
  const proto = (SMTPConnection as unknown as {
    prototype: ConnectionInternals & { init(): void; handler_EHLO: Handler; handler_AUTH: Handler; _onCommand: Handler; _parseAddressCommand: ParseAddress };
  }).prototype;

  const parseAddress = proto._parseAddressCommand;
  proto._parseAddressCommand = function (name, command) {
    const text = command.toString();
    if (!text.includes('"') || text.includes(HIDDEN_SPACE)) return parseAddress.call(this, name, command);
    const hidden = text.replace(QUOTED_LOCAL, (m) => m.replace(/ /g, HIDDEN_SPACE));
    const parsed = parseAddress.call(this, name, hidden);
    if (parsed && typeof parsed.address === 'string') parsed.address = parsed.address.replaceAll(HIDDEN_SPACE, ' ');
    return parsed;
  };

  const tlsFirst = (c: ConnectionInternals) => !c.secure && c._server.options.authNeedsTls?.(c.remoteAddress) === true;
  const ehlo = proto.handler_EHLO;
  proto.handler_EHLO = function (command, callback) {
    if (!tlsFirst(this)) return ehlo.call(this, command, callback);
    // The EHLO reply is built synchronously: hide AUTH for just this call.
    const before = this.session.disabledCommands;
    this.session.disabledCommands = [...(before ?? (this._server.options as { disabledCommands?: string[] }).disabledCommands ?? []), 'AUTH'];
    try {
      ehlo.call(this, command, callback);
    } finally {
      this.session.disabledCommands = before;
    }
  };
  const auth = proto.handler_AUTH;
  proto.handler_AUTH = function (command, callback) {
    if (!tlsFirst(this)) return auth.call(this, command, callback);
    this.send(530, '5.7.0 Must issue a STARTTLS command first');
    callback();
  };

  const onCommand = proto._onCommand;
  proto._onCommand = function (command, callback) {
    // While upgrading, during DATA continuation (AUTH, _nextHandler) or before the greeting
    // the library's own handling is right (it discards, or refuses the early talker).
    if (this._upgrading || this._nextHandler || !this._ready) return onCommand.call(this, command, callback);
    const limit = this._server.options.maxBadCommands ?? 10;
    const bare = command.includes(13) || command.includes(10) || command.includes(0);
    const line = command.toString('latin1').trim();
    const name = line.split(' ')[0].toUpperCase();
    const lmtpAlias = name === 'LHLO' || name === 'HELO' || name === 'EHLO';
    const noArguments = (name === 'DATA' || name === 'RSET') && line.length > name.length;
    if (!bare && !noArguments && (lmtpAlias || this._isSupported(name))) return onCommand.call(this, command, callback);
    this.badLines = (this.badLines ?? 0) + 1;
    if (this.badLines >= limit) return this.send(421, '4.7.0 Too many errors; closing connection');
    if (bare) this.send(501, '5.5.2 Bare CR, LF or NUL in command line');
    else if (noArguments) this.send(501, `5.5.4 Syntax: ${name}`);
    else return onCommand.call(this, command, callback);
    setImmediate(() => callback?.());
  };

  const send = proto.send;
  proto.send = function (code, data, context) {
    if (typeof data === 'string' && ENHANCED.test(data) && context === undefined) return send.call(this, code, data, false);
    return send.call(this, code, data, context);
  };

  // Same as the library's init(), with the delay taken from the server options.
  proto.init = function (this: ConnectionInternals) {
    this._setListeners(() => {
      const opts = this._server.options;
      if (opts.maxClients && this._server.connections.size > opts.maxClients) {
        return this.send(421, this.name + ' Too many connected clients, try again in a moment', false);
      }
      const delay = opts.greetingDelayMs ?? 0;
      if (delay <= 0) return this.connectionReady();
      setTimeout(() => this.connectionReady(), delay).unref();
    });
  };
}
