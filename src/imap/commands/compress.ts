// COMPRESS=DEFLATE (RFC 4978 §3): the tagged OK goes out uncompressed, everything after it
// is deflated; a second COMPRESS is BAD [COMPRESSIONACTIVE].
import { statusLine } from '../response.ts';
import { AUTHED, bad, type Handler } from './types.ts';

export const compress: Handler<'COMPRESS'> = {
  states: AUTHED,
  async run(s, cmd) {
    if (s.compressed) return bad('DEFLATE is already active', 'COMPRESSIONACTIVE');
    if (cmd.args.algorithm !== 'DEFLATE') return bad('Only DEFLATE is supported');
    await s.send(statusLine(cmd.tag, 'OK', 'DEFLATE active'));
    s.startCompression();
    return undefined;
  },
};
