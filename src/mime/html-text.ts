// HTML to plain text for the search index: tags dropped, script/style/comments dropped, the
// common entities decoded. One forward scan with indexOf, so hostile markup (thousands of
// unclosed tags) costs linear time, which a regex with backtracking would not guarantee.

const BLOCK = new Set(['br', 'p', 'div', 'tr', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'blockquote', 'pre', 'hr']);

const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', laquo: '«', raquo: '»', lsquo: '‘', rsquo: '’',
  ldquo: '“', rdquo: '”', euro: '€', bull: '•', middot: '·', shy: '',
};

function decodeEntities(s: string): string {
  if (s.indexOf('&') === -1) return s;
  return s.replace(/&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g, (m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : ' ';
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

function isTagStart(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2f || c === 0x21 || c === 0x3f;
}

export function htmlToText(html: string): string {
  let out = '';
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt === -1) {
      out += html.slice(i);
      break;
    }
    out += html.slice(i, lt);
    if (!isTagStart(html.charCodeAt(lt + 1))) {
      out += '<';
      i = lt + 1;
      continue;
    }
    if (html.startsWith('<!--', lt)) {
      const e = html.indexOf('-->', lt + 4);
      i = e === -1 ? html.length : e + 3;
      out += ' ';
      continue;
    }
    const gt = html.indexOf('>', lt);
    if (gt === -1) break;
    const name = /^<\/?([a-zA-Z0-9]+)/.exec(html.slice(lt, Math.min(gt + 1, lt + 16)))?.[1].toLowerCase() ?? '';
    i = gt + 1;
    if ((name === 'script' || name === 'style') && html[lt + 1] !== '/') {
      const re = new RegExp(`</${name}`, 'gi');
      re.lastIndex = i;
      const m = re.exec(html);
      const close = m === null ? -1 : html.indexOf('>', m.index);
      i = close === -1 ? html.length : close + 1;
    }
    out += BLOCK.has(name) ? '\n' : ' ';
  }
  return decodeEntities(out)
    .replace(/[ \t\r\f\v\u00a0]+/g, ' ')
    .replace(/ ?\n[\s]*/g, '\n')
    .trim();
}
