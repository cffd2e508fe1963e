// A FETCH record read without the envelope and body JSON (messageRecords(…, { json: false })).
// A class, not an object literal with getters per row: FETCH of 200 messages makes 200 of them
// and V8 builds a literal with accessors slowly. envelope and body are getters of the class, read
// from the index if something asks (a row without the stored wire text, a UTF8=ACCEPT session):
// a spread copy ({ ...rec }) leaves them out.
import type { BodyPart, ImapEnvelope } from '../../mime/types.ts';
import type { MessageRecord, MessageWire } from '../store.ts';
import { flagList } from './flags.ts';
import type { RecordRow } from './imap-sql.ts';

/** Reads the JSON columns of a message row; null when the row is gone. */
export type JsonOf = (id: number) => { envelope: string; body: string } | null;

const json = (rec: LeanRecord, jsonOf: JsonOf, id: number): { envelope: string; body: string } => {
  const j = jsonOf(id);
  if (j === null) throw new Error(`message ${rec.uid} is gone from the index`);
  return j;
};

export class LeanRecord implements MessageRecord {
  readonly uid: number;
  readonly modSeq: number;
  flags: string[];
  readonly internalDate: Date;
  readonly size: number;
  readonly dataOffset: number;
  readonly wire: MessageWire | null;
  readonly emailId: string;
  readonly savedDate: Date;
  readonly location: string | undefined;
  private readonly id: number;
  private readonly jsonOf: JsonOf;
  private parsed: { envelope: ImapEnvelope; body: BodyPart } | undefined;

  constructor(r: RecordRow, emailId: string, dir: string | undefined, jsonOf: JsonOf) {
    this.uid = r.uid;
    this.modSeq = r.modseq;
    this.flags = flagList(r.flags, r.keywords);
    this.internalDate = new Date(r.internal_date);
    this.size = r.size;
    this.dataOffset = r.data_offset;
    this.wire = r.envelope_imap === null || r.body_imap === null || r.bodystructure_imap === null
      ? null
      : { envelope: r.envelope_imap, body: r.body_imap, bodyStructure: r.bodystructure_imap };
    this.emailId = emailId;
    this.savedDate = new Date(r.saved_at);
    this.location = dir === undefined ? undefined : `${dir}/${r.file}`;
    this.id = r.id;
    this.jsonOf = jsonOf;
    this.parsed = undefined;
  }

  get envelope(): ImapEnvelope {
    return this.load().envelope;
  }

  get body(): BodyPart {
    return this.load().body;
  }

  private load(): { envelope: ImapEnvelope; body: BodyPart } {
    if (this.parsed === undefined) {
      const j = json(this, this.jsonOf, this.id);
      this.parsed = { envelope: JSON.parse(j.envelope) as ImapEnvelope, body: JSON.parse(j.body) as BodyPart };
    }
    return this.parsed;
  }
}
