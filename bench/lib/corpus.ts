/**
 * A deterministic corpus of realistic messages for the IMAP benchmark: the same seed gives the
 * same bytes, so both servers get exactly the same mailbox.
 *
 * - 2–8 KB each; senders drawn evenly from a pool of 20, so `SEARCH FROM "<one sender>"` hits
 *   about 5 %; one rare word (`RARE_WORD`) in the body of about 1 % (only in bodies, never in
 *   headers, so `SEARCH TEXT` and `SEARCH BODY` agree);
 * - about 70 % text/plain (some quoted-printable), 15 % multipart/alternative (text + HTML),
 *   15 % multipart/mixed with a base64 attachment (PDF, PNG or ZIP-looking bytes).
 */

/** A small fast PRNG (mulberry32): a seed in, numbers in [0, 1) out. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The word that appears in about 1 % of the bodies. */
export const RARE_WORD = 'quokkaphant';

/** The 20 senders; each sends about 5 % of the messages. The first is the one searched for. */
export const SENDERS: readonly { name: string; address: string }[] = [
  ['Ines Okafor', 'ines.okafor@northwind.example'],
  ['Marcus Lindqvist', 'marcus@lindqvist.example'],
  ['Priya Raman', 'priya.raman@fabrikam.example'],
  ['Tomás Herrera', 'tomas.herrera@contoso.example'],
  ['GitHub', 'notifications@github.example'],
  ['Hannah Becker', 'h.becker@uni-example.de'],
  ['Oluwaseun Adeyemi', 'seun@adeyemi.example'],
  ['Le Van Minh', 'minh.le@saigonsoft.example'],
  ['Newsletter Weekly', 'news@weekly-digest.example'],
  ['Sofia Rossi', 'sofia.rossi@trattoria.example'],
  ['Kenji Watanabe', 'kenji.w@tokyo-labs.example'],
  ['Amelie Laurent', 'amelie.laurent@paris-atelier.example'],
  ['Bank Statements', 'no-reply@bigbank.example'],
  ['Dmitri Volkov', 'dvolkov@volga.example'],
  ['Grace Mwangi', 'grace.mwangi@nairobi.example'],
  ['Jira', 'jira@tracker.example'],
  ['Carlos Mendes', 'cmendes@lisboa.example'],
  ['Freya Nilsen', 'freya@fjord.example'],
  ['Ahmed Haddad', 'ahmed.haddad@cedar.example'],
  ['Zoe Campbell', 'zoe.campbell@highland.example'],
].map(([name, address]) => ({ name, address }));

/** What `SEARCH FROM` looks for: part of the first sender's address, in no other sender. */
export const FROM_KEY = 'ines.okafor';

const WORDS = (
  'the of and to in is that it for on with as was at by this be from or have an are not but all '
  + 'meeting report project budget quarter review draft deadline schedule update invoice contract '
  + 'release server deploy ticket customer feedback design proposal agenda summary attached please '
  + 'thanks regards tomorrow friday monday week next last team office travel hotel flight booking '
  + 'payment account balance order shipping delivery tracking package return refund question answer '
  + 'issue bug fix test build merge branch commit version feature request support manager director '
  + 'lunch dinner coffee call phone video link document spreadsheet slides numbers figures chart '
  + 'morning afternoon evening holiday vacation conference workshop training session speaker venue'
).split(' ');

const SUBJECT_WORDS = ['Re:', 'Fwd:', 'Update on', 'Question about', 'Your', 'Weekly', 'Invoice for', 'Notes from', 'Reminder:', 'Draft'];

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)];
}

/** Text of about `bytes` bytes in lines of at most 76 characters; with the rare word if `rare`. */
function paragraphText(rnd: () => number, bytes: number, rare: boolean): string {
  const lines: string[] = [];
  let total = 0;
  let line = '';
  let sentenceStart = true;
  const rareAt = rare ? Math.floor(rnd() * bytes) : -1;
  let placed = false;
  while (total + line.length < bytes) {
    let w = pick(rnd, WORDS);
    if (!placed && rareAt >= 0 && total + line.length >= rareAt) {
      w = RARE_WORD;
      placed = true;
    }
    if (sentenceStart) w = w[0].toUpperCase() + w.slice(1);
    sentenceStart = rnd() < 0.08;
    if (sentenceStart) w += '.';
    if (line.length + w.length + 1 > 72) {
      lines.push(line);
      total += line.length + 2;
      line = '';
      if (rnd() < 0.1) {
        lines.push('');
        total += 2;
      }
    }
    line = line ? `${line} ${w}` : w;
  }
  if (rare && !placed) line = `${line} ${RARE_WORD}`;
  lines.push(line);
  return lines.join('\r\n');
}

function base64Lines(rnd: () => number, bytes: number, magic: number[]): string {
  const buf = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) buf[i] = i < magic.length ? magic[i] : Math.floor(rnd() * 256);
  const b64 = buf.toString('base64');
  const out: string[] = [];
  for (let i = 0; i < b64.length; i += 76) out.push(b64.slice(i, i + 76));
  return out.join('\r\n');
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function rfc5322Date(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAY_NAMES[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** Message number `i` (0-based) of the corpus with `seed`, CRLF line endings. */
export function makeMessage(i: number, seed: number, recipient: string): Buffer {
  const rnd = prng((seed * 1_000_003 + i * 2_654_435_761) >>> 0);
  const sender = SENDERS[Math.floor(rnd() * SENDERS.length)];
  // About 1 % of the messages carry the rare word: decided by its own draw, so it is spread out.
  const rare = rnd() < 0.01;
  const size = 2048 + Math.floor(rnd() * 6144);
  const kind = rnd();
  const date = Date.UTC(2024, 0, 1) + Math.floor(i * 300_000 + rnd() * 300_000);
  const subject = `${pick(rnd, SUBJECT_WORDS)} ${pick(rnd, WORDS)} ${pick(rnd, WORDS)} #${1000 + (i % 9000)}`;
  const headers = [
    'Return-Path: <' + sender.address + '>',
    `Received: from mx.example (mx.example [192.0.2.${1 + (i % 250)}]) by mail.bench.test with ESMTPS id ${i.toString(36)}; ${rfc5322Date(date + 2000)}`,
    `From: ${sender.name} <${sender.address}>`,
    `To: Bench User <${recipient}>`,
    `Subject: ${subject}`,
    `Date: ${rfc5322Date(date)}`,
    `Message-ID: <${i.toString(36)}.${Math.floor(rnd() * 1e9).toString(36)}@${sender.address.split('@')[1]}>`,
    'MIME-Version: 1.0',
  ];
  const parts: string[] = [];
  if (kind < 0.7) {
    headers.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 7bit');
    parts.push(paragraphText(rnd, size - 600, rare));
  } else if (kind < 0.85) {
    const boundary = `=_alt_${i.toString(36)}`;
    const text = paragraphText(rnd, Math.floor((size - 900) / 2), rare);
    const html = `<html><body><p>${text.replace(/\r\n\r\n/g, '</p><p>')}</p></body></html>`;
    headers.push(`Content-Type: multipart/alternative; boundary="${boundary}"`);
    parts.push(
      'This is a multi-part message in MIME format.',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 7bit',
      '',
      text,
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: 7bit',
      '',
      html,
      `--${boundary}--`,
      '',
    );
  } else {
    const boundary = `=_mixed_${i.toString(36)}`;
    const attachBytes = Math.floor((size - 1200) * 0.5);
    const textBytes = size - 1200 - Math.ceil(attachBytes * 4 / 3);
    const [type, ext, magic] = pick(rnd, [
      ['application/pdf', 'pdf', [0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37]],
      ['image/png', 'png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
      ['application/zip', 'zip', [0x50, 0x4b, 0x03, 0x04]],
    ] as const);
    headers.push(`Content-Type: multipart/mixed; boundary="${boundary}"`);
    parts.push(
      'This is a multi-part message in MIME format.',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 7bit',
      '',
      paragraphText(rnd, Math.max(300, textBytes), rare),
      `--${boundary}`,
      `Content-Type: ${type}; name="${pick(rnd, WORDS)}-${i}.${ext}"`,
      `Content-Disposition: attachment; filename="${pick(rnd, WORDS)}-${i}.${ext}"`,
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(rnd, attachBytes, [...magic]),
      `--${boundary}--`,
      '',
    );
  }
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${parts.join('\r\n')}\r\n`, 'utf8');
}

/** The whole corpus, and how many messages have the rare word and the searched-for sender. */
export interface Corpus {
  messages: Buffer[];
  bytes: number;
  rareHits: number;
  fromHits: number;
}

export function makeCorpus(count: number, seed: number, recipient: string): Corpus {
  const messages: Buffer[] = [];
  let bytes = 0;
  let rareHits = 0;
  let fromHits = 0;
  const from = `<${SENDERS[0].address}>`;
  for (let i = 0; i < count; i++) {
    const m = makeMessage(i, seed, recipient);
    messages.push(m);
    bytes += m.length;
    // SEARCH is case-insensitive, and the word may start a sentence.
    const text = m.toString('latin1').toLowerCase();
    if (text.includes(RARE_WORD)) rareHits++;
    if (text.includes(from)) fromHits++;
  }
  return { messages, bytes, rareHits, fromHits };
}
