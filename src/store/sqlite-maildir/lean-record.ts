// A message record for FETCH and friends (messageRecords), with or without the envelope and
// body JSON in its row.
// A class, not an object literal with getters per row: FETCH of 200 messages makes 200 of them
// and V8 builds a literal with accessors slowly. envelope and body are getters of the class, read
// from the index if something asks (a row without the stored wire text, a UTF8=ACCEPT session):
// a spread copy ({ ...rec }) leaves them out.
import type { BodyPart, ImapEnvelope } from '../../mime/types.ts';
import type { MessageRecord, MessageWire } from '../store.ts';
import { flagList } from './flags.ts';
import type { RecordRow } from './imap-sql.ts';

/** EMAILID (RFC 8474 objectid): "M" and the original row id; ids never repeat (AUTOINCREMENT). */
export const emailIdText = (id: number): string => `M${id.toString(16).padStart(8, '0')}`;

/** Reads the JSON columns of a message row; null when the row is gone. */
export type JsonOf = (id: number) => { envelope: string; body: string } | null;

const json = (rec: LeanRecord, jsonOf: JsonOf, id: number): { envelope: string; body: string } => {
  const j = jsonOf(id);
  if (j === null) throw new Error(`message ${rec.uid} is gone from the index`);
  return j;
};

export class LeanRecord implements MessageRecord {
  readonly uid: number;
  /** Undefined when the row was read without its flags (the caller asks for neither). */
  private readonly rowModSeq: number | undefined;
  private flagsOf: string[] | undefined;
  readonly size: number;
  readonly dataOffset: number;
  readonly wire: MessageWire | null;
  private readonly row: RecordRow;
  private readonly dir: string | undefined;
  private readonly jsonOf: JsonOf;
  private parsed: { envelope: ImapEnvelope; body: BodyPart } | undefined;

  constructor(r: RecordRow, dir: string | undefined, jsonOf: JsonOf) {
    this.uid = r.uid;
    this.rowModSeq = r.modseq;
    this.flagsOf = r.flags === undefined ? undefined : flagList(r.flags, r.keywords ?? null);
    this.size = r.size;
    this.dataOffset = r.data_offset;
    this.wire = r.envelope_imap === null || r.body_imap === null || r.bodystructure_imap === null
      ? null
      : { envelope: r.envelope_imap, body: r.body_imap, bodyStructure: r.bodystructure_imap };
    this.row = r;
    this.dir = dir;
    this.jsonOf = jsonOf;
    this.parsed = undefined;
  }

  get modSeq(): number {
    if (this.rowModSeq === undefined) throw new Error('record read without its flags');
    return this.rowModSeq;
  }

  get flags(): string[] {
    if (this.flagsOf === undefined) throw new Error('record read without its flags');
    return this.flagsOf;
  }

  set flags(f: string[]) {
    this.flagsOf = f;
  }

  // What FETCH rarely asks for is made when asked.
  get internalDate(): Date {
    return new Date(this.row.internal_date);
  }

  get savedDate(): Date {
    return new Date(this.row.saved_at);
  }

  get emailId(): string {
    return emailIdText(this.row.email_id);
  }

  get location(): string | undefined {
    return this.dir === undefined ? undefined : `${this.dir}/${this.row.file}`;
  }

  get envelope(): ImapEnvelope {
    return this.load().envelope;
  }

  get body(): BodyPart {
    return this.load().body;
  }

  private load(): { envelope: ImapEnvelope; body: BodyPart } {
    if (this.parsed === undefined) {
      const j = json(this, this.jsonOf, this.row.id);
      this.parsed = { envelope: JSON.parse(j.envelope) as ImapEnvelope, body: JSON.parse(j.body) as BodyPart };
    }
    return this.parsed;
  }
}
