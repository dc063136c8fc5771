/**
 * DNS messages (RFC 1035) as the dns kind needs them: one query out, a whole response in, every record
 * written as text the way miekg/dns's RR.String() does (blackbox_exporter's validate_*_rrs regexes match
 * that text, e.g. "example.com.\t300\tIN\tA\t93.184.216.34").
 */

export const RECORD_TYPES = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  CAA: 257,
  ANY: 255,
} as const;
export type RecordType = keyof typeof RECORD_TYPES;
const TYPE_NAMES = new Map<number, string>(Object.entries(RECORD_TYPES).map(([k, v]) => [v, k]));
const CLASS_NAMES = new Map<number, string>([
  [1, 'IN'],
  [3, 'CH'],
  [4, 'HS'],
  [255, 'ANY'],
]);

export const RCODES = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
} as const;
export type Rcode = keyof typeof RCODES;
export const RCODE_NAMES = new Map<number, string>(Object.entries(RCODES).map(([k, v]) => [v, k]));

export interface DnsRecord {
  name: string;
  type: number;
  ttl: number;
  /** As miekg/dns writes it: name, TTL, class, type and data, tab-separated. */
  text: string;
  /** The data part of `text`. */
  data: string;
  /** SOA only. */
  serial?: number;
}

export interface Message {
  id: number;
  rcode: number;
  flags: number;
  answers: DnsRecord[];
  authorities: DnsRecord[];
  additionals: DnsRecord[];
}

/** A query for `name` (fully qualified or not) of `type`, class IN. */
export function encodeQuery(id: number, name: string, type: number, recursionDesired: boolean): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(recursionDesired ? 0x0100 : 0, 2);
  header.writeUInt16BE(1, 4);
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  const parts = labels.map((label) => {
    const bytes = Buffer.from(label, 'utf8');
    if (bytes.length > 63) throw new Error(`label too long in "${name}"`);
    return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  });
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([header, ...parts, Buffer.from([0]), tail]);
}

/** A name at `offset`, following compression pointers; returns it (with the final dot) and where it ends. */
function readName(buf: Buffer, offset: number): [string, number] {
  const labels: string[] = [];
  let end = -1;
  for (let hops = 0; hops < 128; hops++) {
    const len = buf.readUInt8(offset);
    if (len === 0) {
      if (end < 0) end = offset + 1;
      return [labels.length ? `${labels.join('.')}.` : '.', end];
    }
    if ((len & 0xc0) === 0xc0) {
      if (end < 0) end = offset + 2;
      offset = buf.readUInt16BE(offset) & 0x3fff;
      continue;
    }
    const label = buf.subarray(offset + 1, offset + 1 + len);
    if (label.length < len) throw new Error('truncated name');
    labels.push(escapeLabel(label));
    offset += 1 + len;
  }
  throw new Error('name compression loop');
}

/** As miekg/dns: a dot or backslash inside a label, and unprintable bytes, are escaped. */
function escapeLabel(label: Buffer): string {
  let out = '';
  for (const b of label) {
    if (
      b === 0x2e ||
      b === 0x5c ||
      b === 0x22 ||
      b === 0x28 ||
      b === 0x29 ||
      b === 0x3b ||
      b === 0x20 ||
      b === 0x40 ||
      b === 0x24
    )
      out += `\\${String.fromCharCode(b)}`;
    else if (b < 0x21 || b > 0x7e) out += `\\${String(b).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return out;
}

/** A character-string quoted as miekg/dns writes TXT data. */
function quoteString(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b < 0x20 || b > 0x7e) out += `\\${String(b).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `"${out}"`;
}

/** An IPv6 address as Go's net.IP.String(): lower case, the longest run of zero groups (2+) as "::". */
export function formatIPv6(bytes: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${[...bytes.subarray(12)].join('.')}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function readData(
  buf: Buffer,
  type: number,
  start: number,
  length: number,
): { data: string; serial?: number } {
  const rdata = buf.subarray(start, start + length);
  switch (type) {
    case RECORD_TYPES.A:
      return { data: [...rdata].join('.') };
    case RECORD_TYPES.AAAA:
      return { data: formatIPv6(rdata) };
    case RECORD_TYPES.NS:
    case RECORD_TYPES.CNAME:
    case RECORD_TYPES.PTR:
      return { data: readName(buf, start)[0] };
    case RECORD_TYPES.MX:
      return { data: `${buf.readUInt16BE(start)} ${readName(buf, start + 2)[0]}` };
    case RECORD_TYPES.TXT: {
      const strings: string[] = [];
      for (let i = 0; i < rdata.length;) {
        const len = rdata[i] as number;
        strings.push(quoteString(rdata.subarray(i + 1, i + 1 + len)));
        i += 1 + len;
      }
      return { data: strings.join(' ') };
    }
    case RECORD_TYPES.SOA: {
      const [mname, afterM] = readName(buf, start);
      const [rname, afterR] = readName(buf, afterM);
      const nums = [0, 4, 8, 12, 16].map((o) => buf.readUInt32BE(afterR + o));
      return { data: `${mname} ${rname} ${nums.join(' ')}`, serial: nums[0] };
    }
    case RECORD_TYPES.SRV:
      return {
        data: `${buf.readUInt16BE(start)} ${buf.readUInt16BE(start + 2)} ${buf.readUInt16BE(start + 4)} ${readName(buf, start + 6)[0]}`,
      };
    case RECORD_TYPES.CAA: {
      const tagLen = rdata[1] as number;
      const tag = rdata.subarray(2, 2 + tagLen).toString('latin1');
      return { data: `${rdata[0]} ${tag} ${quoteString(rdata.subarray(2 + tagLen))}` };
    }
    default:
      return { data: `\\# ${length} ${rdata.toString('hex')}`.trim() };
  }
}

/** Decodes a whole response; throws on a malformed one. */
export function decodeMessage(buf: Buffer): Message {
  if (buf.length < 12) throw new Error('short DNS message');
  const counts = [4, 6, 8, 10].map((o) => buf.readUInt16BE(o)) as [number, number, number, number];
  let offset = 12;
  for (let i = 0; i < counts[0]; i++) offset = readName(buf, offset)[1] + 4;
  const sections: DnsRecord[][] = [[], [], []];
  for (const [s, count] of [counts[1], counts[2], counts[3]].entries()) {
    for (let i = 0; i < count; i++) {
      const [name, afterName] = readName(buf, offset);
      const type = buf.readUInt16BE(afterName);
      const klass = buf.readUInt16BE(afterName + 2);
      const ttl = buf.readUInt32BE(afterName + 4);
      const length = buf.readUInt16BE(afterName + 8);
      const start = afterName + 10;
      if (start + length > buf.length) throw new Error('truncated DNS record');
      offset = start + length;
      // OPT (EDNS) records carry no name, TTL or class in the usual sense; miekg prints them apart.
      const typeName = TYPE_NAMES.get(type) ?? `TYPE${type}`;
      const className = CLASS_NAMES.get(klass) ?? `CLASS${klass}`;
      const { data, serial } = readData(buf, type, start, length);
      (sections[s] as DnsRecord[]).push({
        name,
        type,
        ttl,
        data,
        serial,
        text: `${name}\t${ttl}\t${className}\t${typeName}\t${data}`,
      });
    }
  }
  const flags = buf.readUInt16BE(2);
  return {
    id: buf.readUInt16BE(0),
    flags,
    rcode: flags & 0x0f,
    answers: sections[0] as DnsRecord[],
    authorities: sections[1] as DnsRecord[],
    additionals: sections[2] as DnsRecord[],
  };
}
