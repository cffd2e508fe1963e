// The Maildir carries what the index has, in Dovecot's layout, so that Dovecot, mutt and our
// own rebuild (`store repair --full`) read the same mail: flags and keyword letters in the file
// names (renamed after every STORE), the keywords' letters in dovecot-keywords, the APPEND
// date as the file's mtime; and adoption reads Dovecot's keyword letters back.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it, type TestContext } from 'node:test';
import { runCli } from '../harness/cli.ts';
import { Wire } from '../harness/imap-wire.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';

const message = (subject: string): string => `From: a@remote.test\r\nTo: u@names.test\r\nSubject: ${subject}\r\n\r\nbody of ${subject}\r\n`;

async function login(t: TestServer): Promise<Wire> {
  const c = await Wire.open(t.imapPort);
  assert.match(await c.cmd('L', 'LOGIN u@names.test secret'), /L OK/);
  await c.cmd('E', 'ENABLE IMAP4rev2'); // no \\Recent in the FLAGS compared below
  return c;
}

async function append(c: Wire, tag: string, flags: string, date: string, body: string): Promise<void> {
  c.send(`${tag} APPEND INBOX (${flags}) "${date}" {${Buffer.byteLength(body)}+}\r\n${body}\r\n`);
  assert.match(await c.until(new RegExp(`${tag} (OK|NO|BAD)[^\\r]*\\r\\n`)), new RegExp(`${tag} OK`));
}

/** The names in cur/ and new/ once they carry `want` (renames follow a STORE within a turn or two). */
async function settledNames(root: string, want: (names: string[]) => boolean): Promise<string[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const names = [...(await readdir(path.join(root, 'cur'))), ...(await readdir(path.join(root, 'new'))).map((n) => `new:${n}`)].sort();
    if (want(names) || Date.now() > deadline) return names;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A server with the one account, u@names.test; stopped and its directory removed after the
 *  test, whatever happens (the tests stop it themselves and start another on its directory). */
async function fresh(tc: TestContext): Promise<{ t: TestServer; dir: string; root: string }> {
  const t = await startTestServer();
  tc.after(async () => {
    await t.server.stop();
    await rm(t.dataDir, { recursive: true, force: true });
  });
  await t.addDomain('names.test');
  await t.addUser('u@names.test');
  return { t, dir: t.dataDir, root: path.join(t.dataDir, 'mail', 'names.test', 'u') };
}

/** Another server on the same data directory, for `use`, then stopped. */
async function restarted(dir: string, use: (t: TestServer) => Promise<void>): Promise<void> {
  const t = await startTestServer({}, dir);
  try {
    await use(t);
  } finally {
    await t.stop();
  }
}

const info = (names: string[]): string[] => names.map((n) => n.slice(n.indexOf(':2,') + 3)).sort();

describe('Maildir names follow the index', () => {
  it('renames files for their flags and keywords, dates APPENDs by mtime, and a full rebuild keeps both', async (tc) => {
    const { t, dir, root } = await fresh(tc);
    const c = await login(t);
    await append(c, 'A1', '\\Seen', '01-Jan-2020 10:00:00 +0100', message('one'));
    await append(c, 'A2', '$Forwarded Work', '02-Feb-2021 12:30:00 +0000', message('two'));
    await append(c, 'A3', '', '03-Mar-2019 08:00:00 +0000', message('three'));
    assert.equal(await readFile(path.join(root, 'dovecot-keywords'), 'utf8'), '0 $Forwarded\n1 Work\n');
    assert.deepEqual(info(await settledNames(root, () => true)), ['', 'S', 'ab']);
    // Subscriptions in Dovecot's file format, kept with the index.
    assert.match(await c.cmd('C', 'CREATE "Reçus/2024"'), /C OK/);
    assert.match(await c.cmd('U1', 'SUBSCRIBE "Reçus/2024"'), /U1 OK/);
    assert.match(await c.cmd('U2', 'UNSUBSCRIBE Trash'), /U2 OK/);
    assert.equal(await readFile(path.join(root, 'subscriptions'), 'utf8'), 'V\t2\n\nArchive\nDrafts\nINBOX\nJunk\nRe&AOc-us\t2024\nSent\n');

    assert.match(await c.cmd('S', 'SELECT INBOX'), /S OK/);
    assert.match(await c.cmd('F1', 'UID STORE 1 +FLAGS (\\Flagged $Junk)'), /F1 OK/);
    assert.match(await c.cmd('F2', 'UID STORE 2 -FLAGS (Work)'), /F2 OK/);
    assert.match(await c.cmd('F3', 'UID STORE 3 +FLAGS (\\Seen \\Answered)'), /F3 OK/);
    const names = await settledNames(root, (n) => info(n).join() === 'FSc,RS,a');
    assert.deepEqual(info(names), ['FSc', 'RS', 'a']);
    assert.equal(await readFile(path.join(root, 'dovecot-keywords'), 'utf8'), '0 $Forwarded\n1 Work\n2 $Junk\n');
    // The bodies are read under their new names.
    assert.match(await c.cmd('B', 'UID FETCH 1:3 (BODY.PEEK[TEXT])'), /body of one[\s\S]*body of two[\s\S]*body of three[\s\S]*B OK/);
    const mtimes = await Promise.all(names.map(async (n) => (await stat(path.join(root, 'cur', n))).mtime.toISOString()));
    assert.deepEqual(mtimes.sort(), ['2019-03-03T08:00:00.000Z', '2020-01-01T09:00:00.000Z', '2021-02-02T12:30:00.000Z']);
    c.send('Z LOGOUT\r\n');
    await t.server.stop();

    // What another reader (or our rebuild) takes from the files alone: the same flags and dates.
    const full = await runCli(['store', 'repair', 'u@names.test', '--full', '--data', dir]);
    assert.equal(full.code, 0, full.stderr);
    await restarted(dir, async (t2) => {
      const c2 = await login(t2);
      await c2.cmd('S', 'SELECT INBOX');
      const fetched = await c2.cmd('F', 'FETCH 1:* (FLAGS INTERNALDATE)');
      assert.match(fetched, /\* 1 FETCH \(FLAGS \(\\Seen \\Answered\) INTERNALDATE "03-Mar-2019 08:00:00 \+0000"\)/);
      assert.match(fetched, /\* 2 FETCH \(FLAGS \(\\Seen \\Flagged \$Junk\) INTERNALDATE "01-Jan-2020 09:00:00 \+0000"\)/);
      assert.match(fetched, /\* 3 FETCH \(FLAGS \(\$Forwarded\) INTERNALDATE "02-Feb-2021 12:30:00 \+0000"\)/);
      c2.send('Z LOGOUT\r\n');
    });
  });

  it('adopts a Dovecot Maildir: keyword letters, mtimes, bare LFs stored as CRLF', async (tc) => {
    const { t, dir, root } = await fresh(tc);
    await t.server.stop();
    const folder = path.join(root, '.Lists');
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(path.join(folder, sub), { recursive: true });
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(path.join(root, '.Old.Caf&AOk-', sub), { recursive: true });
    // Dovecot's subscriptions: Lists and a folder of ours, not Old/Café.
    await writeFile(path.join(root, 'subscriptions'), 'V\t2\n\nLists\nSent\n');
    await writeFile(path.join(folder, 'dovecot-keywords'), '0 $Forwarded\n1 Work\n3 Later\n');
    const body = message('from dovecot');
    const file = path.join(folder, 'cur', `1700000000.M1P1.otherhost,S=${body.length}:2,Sabd`);
    await writeFile(file, body);
    const old = new Date('2023-11-14T22:13:20Z');
    await utimes(file, old, old);
    // Dovecot stores with bare LFs by default (mail_save_crlf = no); S= is the LF size, W= the CRLF one.
    const lf = 'From: b@remote.test\nSubject: lf only\n\nline one\nline two\n';
    const lfFile = path.join(folder, 'cur', `1700000100.M2P1.otherhost,S=${lf.length},W=${lf.length + 5}:2,S`);
    await writeFile(lfFile, lf);
    await utimes(lfFile, old, old);
    // A conversion cut short by a crash: the LF file and its CRLF copy under one unique name.
    const twice = 'Subject: twice\n\nbody\n';
    await writeFile(path.join(folder, 'cur', `1700000200.M3P1.otherhost,S=${twice.length}:2,`), twice);
    await writeFile(path.join(folder, 'cur', `1700000200.M3P1.otherhost,S=${twice.length + 3}:2,`), twice.replaceAll('\n', '\r\n'));
    await restarted(dir, async (t2) => {
      const c = await login(t2);
      await c.cmd('S', 'SELECT Lists');
      assert.match(await c.cmd('F', 'FETCH 1 (FLAGS INTERNALDATE)'), /\* 1 FETCH \(FLAGS \(\\Seen \$Forwarded Work Later\) INTERNALDATE "14-Nov-2023 22:13:20 \+0000"\)/);
      const crlf = lf.replaceAll('\n', '\r\n');
      const lfFetch = await c.cmd('G', 'FETCH 2 (RFC822.SIZE INTERNALDATE BODY.PEEK[])');
      assert.ok(lfFetch.includes(`RFC822.SIZE ${crlf.length} INTERNALDATE "14-Nov-2023 22:13:20 +0000" BODY[] {${crlf.length}}\r\n${crlf}`), lfFetch);
      assert.match(await c.cmd('H', 'SEARCH SUBJECT twice'), /ESEARCH \(TAG "H"\) ALL 3\r\n/);
      assert.match(await c.cmd('N', 'STATUS Lists (MESSAGES)'), /MESSAGES 3/);
      const lsub = await c.cmd('U', 'LSUB "" *');
      assert.match(lsub, /\* LSUB \([^)]*\) "\/" Lists\r\n/);
      assert.doesNotMatch(lsub, /Caf/);
      assert.ok((await c.cmd('V', 'LIST "" Old/*')).includes(`"/" "${Buffer.from('Old/Café').toString('latin1')}"\r\n`)); // UTF-8 (IMAP4rev2)
      const names = (await readdir(path.join(folder, 'cur'))).filter((n) => !n.startsWith('1700000000')).sort();
      assert.deepEqual(names, [`1700000100.M2P1.otherhost,S=${crlf.length}:2,S`, `1700000200.M3P1.otherhost,S=${twice.length + 3}:2,`]);
      c.send('Z LOGOUT\r\n');
    });
  });

  it('follows another program\'s renames: read under the new name while running, its flags taken at the next start', async (tc) => {
    const { t, dir, root } = await fresh(tc);
    const c = await login(t);
    await append(c, 'A1', '', '01-Jan-2020 10:00:00 +0000', message('one'));
    await append(c, 'A2', 'Work', '01-Jan-2020 11:00:00 +0000', message('two'));
    const [one, two] = (await readdir(path.join(root, 'cur'))).sort();
    // mutt marks both read and replied while the server runs: it renames the files.
    await rename(path.join(root, 'cur', one), path.join(root, 'cur', one.replace(/:2,.*$/, ':2,RS')));
    await rename(path.join(root, 'cur', two), path.join(root, 'cur', two.replace(/:2,.*$/, ':2,Sa')));
    await c.cmd('S', 'SELECT INBOX');
    const modSeq = Number(/HIGHESTMODSEQ (\d+)/.exec(await c.cmd('T', 'STATUS INBOX (HIGHESTMODSEQ)'))![1]);
    assert.match(await c.cmd('B', 'FETCH 1:2 (BODY.PEEK[TEXT])'), /body of one[\s\S]*body of two[\s\S]*B OK/);
    // The flags of the new names are the messages' now, and the sessions hear of it.
    assert.match(await c.cmd('N', 'FETCH 1:2 (FLAGS)'), /\* 1 FETCH \(FLAGS \(\\Seen \\Answered\)\)[\s\S]*\* 2 FETCH \(FLAGS \(\\Seen Work\)\)/);
    // A search that reads the files (a string under 3 characters) finds a file renamed again.
    const [renamedTwo] = (await readdir(path.join(root, 'cur'))).filter((n) => n.endsWith(':2,Sa'));
    await rename(path.join(root, 'cur', renamedTwo), path.join(root, 'cur', renamedTwo.replace(/:2,Sa$/, ':2,RSa')));
    assert.match(await c.cmd('Q', 'SEARCH BODY "of"'), /\* ESEARCH \(TAG "Q"\) ALL 1:2\r\n\* 2 FETCH \(UID 2 FLAGS \(\\Seen \\Answered Work\) MODSEQ \(\d+\)\)\r\nQ OK/);
    c.send('Z LOGOUT\r\n');
    await t.server.stop();
    // And while it is stopped: flagged too.
    const [renamed] = (await readdir(path.join(root, 'cur'))).filter((n) => n.endsWith(':2,RS'));
    await rename(path.join(root, 'cur', renamed), path.join(root, 'cur', renamed.replace(/:2,RS$/, ':2,FRS')));
    await restarted(dir, async (t2) => {
      const c2 = await login(t2);
      await c2.cmd('S', 'SELECT INBOX');
      const fetched = await c2.cmd('F', 'FETCH 1:2 (FLAGS MODSEQ)');
      assert.match(fetched, /\* 1 FETCH \(FLAGS \(\\Seen \\Answered \\Flagged\) MODSEQ \((\d+)\)\)/);
      assert.match(fetched, /\* 2 FETCH \(FLAGS \(\\Seen \\Answered Work\) MODSEQ \((\d+)\)\)/);
      for (const m of fetched.matchAll(/MODSEQ \((\d+)\)/g)) assert.ok(Number(m[1]) > modSeq, 'a flag change clients can find with CHANGEDSINCE');
      c2.send('Z LOGOUT\r\n');
    });
  });

  it('renames at start the files whose names do not show the index\'s flags (Maildirs written before names followed flags)', async (tc) => {
    const { t, dir, root } = await fresh(tc);
    const c = await login(t);
    await append(c, 'A1', '', '01-Jan-2020 10:00:00 +0000', message('one'));
    await append(c, 'A2', '', '01-Jan-2020 11:00:00 +0000', message('two'));
    c.send('Z LOGOUT\r\n');
    await t.server.stop();
    // As an older Mailhaven left them: flags changed in the index only.
    const db = new DatabaseSync(path.join(dir, 'mailhaven.db'));
    db.exec("UPDATE message_flags SET flags = 1, keywords = ' Work ' WHERE uid = 1"); // \Seen
    db.close();
    await restarted(dir, async () => {
      assert.deepEqual(info(await settledNames(root, (n) => info(n).join() === ',Sa')), ['', 'Sa']);
      assert.equal(await readFile(path.join(root, 'dovecot-keywords'), 'utf8'), '0 Work\n');
    });
  });
});
