// A small HTTP(S) client for the web listener tests: any Host header, self-signed certificates
// accepted, the raw body back. Also parses XML and plists with Python's standard library, an
// independent parser, so a document we write is checked by code we did not write.
import http from 'node:http';
import https from 'node:https';
import { run } from './tools.ts';

export type WebResponse = { status: number; headers: http.IncomingHttpHeaders; body: string };

export function webRequest(
  port: number,
  opts: { secure?: boolean; method?: string; path: string; host?: string; body?: string; headers?: Record<string, string> },
): Promise<WebResponse> {
  return new Promise((resolve, reject) => {
    const lib = opts.secure ? https : http;
    const req = lib.request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: { host: opts.host ?? 'localhost', ...(opts.body !== undefined ? { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(opts.body) } : {}), ...opts.headers },
        rejectUnauthorized: false,
        servername: opts.host && !/^[\d.]+$/.test(opts.host) ? opts.host.replace(/:\d+$/, '') : undefined,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** XML as JSON: {tag, attrs, text, children}, namespaces in {uri}local form (ElementTree). */
export type XmlNode = { tag: string; attrs: Record<string, string>; text: string; children: XmlNode[] };

export async function parseXmlWithPython(xml: string): Promise<XmlNode> {
  const script = `
import sys, json, xml.etree.ElementTree as ET
def conv(e):
    return {"tag": e.tag, "attrs": dict(e.attrib), "text": (e.text or "").strip(), "children": [conv(c) for c in e]}
print(json.dumps(conv(ET.fromstring(sys.stdin.buffer.read()))))
`;
  const r = await run('python3', ['-c', script], { input: xml });
  if (r.code !== 0) throw new Error(`python3 could not parse the XML: ${r.stderr}`);
  return JSON.parse(r.stdout) as XmlNode;
}

export async function parsePlistWithPython(text: string): Promise<Record<string, unknown>> {
  const script = `
import sys, json, plistlib
print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))
`;
  const r = await run('python3', ['-c', script], { input: text });
  if (r.code !== 0) throw new Error(`python3 plistlib could not load the profile: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** Children of a node by local tag name (ignoring the namespace). */
export const kids = (n: XmlNode, local: string): XmlNode[] => n.children.filter((c) => c.tag.replace(/^\{[^}]*\}/, '') === local);
export const textOf = (n: XmlNode, local: string): string | undefined => kids(n, local)[0]?.text;
