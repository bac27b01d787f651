// Certificate subjects: one parser (RFC 4514 string form) for the subject inputs, the certificates we issue, the
// stage's comparison with an issued certificate and the broker's authorization subjects. Pure: no x509 import,
// so input validation can use it without loading the PKI.
//
// Accepted: `type=value` pairs separated by `,` (e.g. `CN=Plant 7 Root CA, O=Contoso\, Inc, C=DE`), or a bare
// common name without `=` at its start (`Contoso, Inc` is the common name "Contoso, Inc"). Deliberately:
// - special characters in a value are escaped with a backslash (`\,` `\+` `\"` `\\` `\;` `\<` `\>` `\=`, a
//   leading `\#` or `\ `), or as UTF-8 hex pairs (`\C3\BC`); whitespace around types, `=`, `,` and `+` is
//   ignored (the broker's `CN = x` spelling parses);
// - quoted values (RFC 1779/2253 compatibility, not RFC 4514) and `#`-hex BER values are rejected;
// - `+` multi-valued RDNs are read (certificates may hold them) but rejected in inputs (`multiValued: false`):
//   how the broker matches them is not specified;
// - control characters are rejected, raw or hex-escaped; C is 2 letters; no value is empty.
//
// Comparison (`sameDistinguishedName`): types by OID, whatever spelling; values RFC 4518-ish: NFKC, trimmed,
// inner whitespace collapsed to one space, case-insensitive (X.520 caseIgnoreMatch). So `CN=Plant  7` and
// `cn = plant 7` are the same subject: changing only letter case or spacing never re-issues a certificate.

import { didYouMean } from '../config/suggest.js';

export type AsnStringTag = 'printableString' | 'utf8String' | 'ia5String';

export interface AttributeType {
  /** The short name OpenSSL and Node print (`CN`, `street`, `emailAddress`). */
  name: string;
  oid: string;
  /** Other accepted spellings; matching is case-insensitive. */
  aliases: readonly string[];
  /** Upper bound in characters (RFC 5280 appendix A). */
  maxLength: number;
  /** printable: PrintableString only; ia5: ASCII only; country: two letters; text: any (DirectoryString). */
  kind: 'text' | 'printable' | 'ia5' | 'country';
}

export const ATTRIBUTE_TYPES: readonly AttributeType[] = [
  { name: 'CN', oid: '2.5.4.3', aliases: ['commonName'], maxLength: 64, kind: 'text' },
  { name: 'O', oid: '2.5.4.10', aliases: ['organizationName'], maxLength: 64, kind: 'text' },
  { name: 'OU', oid: '2.5.4.11', aliases: ['organizationalUnitName'], maxLength: 64, kind: 'text' },
  { name: 'C', oid: '2.5.4.6', aliases: ['countryName'], maxLength: 2, kind: 'country' },
  { name: 'L', oid: '2.5.4.7', aliases: ['localityName'], maxLength: 128, kind: 'text' },
  { name: 'ST', oid: '2.5.4.8', aliases: ['stateOrProvinceName', 'S'], maxLength: 128, kind: 'text' },
  { name: 'street', oid: '2.5.4.9', aliases: ['streetAddress'], maxLength: 128, kind: 'text' },
  { name: 'DC', oid: '0.9.2342.19200300.100.1.25', aliases: ['domainComponent'], maxLength: 63, kind: 'ia5' },
  { name: 'UID', oid: '0.9.2342.19200300.100.1.1', aliases: ['userId'], maxLength: 128, kind: 'text' },
  { name: 'serialNumber', oid: '2.5.4.5', aliases: [], maxLength: 64, kind: 'printable' },
  { name: 'emailAddress', oid: '1.2.840.113549.1.9.1', aliases: ['E', 'email'], maxLength: 255, kind: 'ia5' },
  { name: 'title', oid: '2.5.4.12', aliases: ['T'], maxLength: 64, kind: 'text' },
  { name: 'GN', oid: '2.5.4.42', aliases: ['givenName', 'G'], maxLength: 64, kind: 'text' },
  { name: 'SN', oid: '2.5.4.4', aliases: ['surname'], maxLength: 64, kind: 'text' },
];

export const ATTRIBUTE_TYPE_NAMES: readonly string[] = ATTRIBUTE_TYPES.map((t) => t.name);

/** For input documentation: the accepted form in one line. */
export const DN_FORM =
  'a distinguished name such as CN=Plant 7 Root CA, O=Contoso\\, Inc, C=DE (types ' +
  `${ATTRIBUTE_TYPE_NAMES.join(', ')}; escape , + " \\ ; < > in a value with a backslash) or a bare common name`;

const MAX_TEXT = 1024;

export interface Ava {
  type: AttributeType;
  value: string;
}
export type Rdn = Ava[];
export type DistinguishedName = Rdn[];

export type DnParse = { ok: true; dn: DistinguishedName } | { ok: false; problem: string };

const lookup = new Map<string, AttributeType>();
for (const t of ATTRIBUTE_TYPES) {
  for (const n of [t.name, ...t.aliases, t.oid]) lookup.set(n.toLowerCase(), t);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const HEX = /^[0-9A-Fa-f]{2}$/;
const SPECIALS = new Set([',', '+', '"', '\\', '<', '>', ';', '=', '#', ' ']);
const MUST_ESCAPE = new Set(['"', ';', '<', '>']);

const codePoint = (c: string): string => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

function checkValue(t: AttributeType, value: string): string | undefined {
  if (value.length === 0) return `${t.name} has an empty value`;
  const bad = CONTROL.exec(value);
  if (bad) return `the ${t.name} value contains the control character ${codePoint(bad[0])}`;
  if (t.kind === 'country' && !/^[A-Za-z]{2}$/.test(value)) {
    return `C must be a two-letter country code (ISO 3166), not '${value.slice(0, 64)}'`;
  }
  if ([...value].length > t.maxLength) {
    return `the ${t.name} value is ${[...value].length} characters long, more than ${t.maxLength}`;
  }
  if (t.kind === 'printable' && !PRINTABLE.test(value)) {
    return `the ${t.name} value may hold only letters, digits, spaces and ' ( ) + , - . / : = ?`;
  }
  if (t.kind === 'ia5' && !/^[\x20-\x7e]*$/.test(value)) {
    return `the ${t.name} value must be ASCII`;
  }
  if (t.name === 'DC' && !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/.test(value)) {
    return `DC must be one DNS label (letters, digits and '-'), not '${value}'`;
  }
  return undefined;
}

/** Reads one value from `text` at `i`; returns the value and the index of the separator (or the end). */
function readValue(
  text: string,
  start: number,
  typeName: string,
): { value: string; end: number } | { problem: string } {
  let i = start;
  while (text[i] === ' ') i++;
  if (text[i] === '"') {
    return {
      problem: `quoted values are not accepted (RFC 4514): escape special characters with a backslash instead, e.g. O=Contoso\\, Inc`,
    };
  }
  if (text[i] === '#') {
    return {
      problem: `the ${typeName} value starts with '#' (a hex-encoded BER value, not accepted): write the text, escaping a leading '#' as \\#`,
    };
  }
  let out = '';
  let kept = 0; // length of `out` up to the last escaped character (escaped trailing spaces are kept)
  const bytes: number[] = [];
  const flush = (): string | undefined => {
    if (bytes.length === 0) return undefined;
    try {
      out += new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
    } catch {
      return `the hex escapes in the ${typeName} value are not valid UTF-8`;
    }
    bytes.length = 0;
    kept = out.length;
    return undefined;
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      const pair = text.slice(i + 1, i + 3);
      if (HEX.test(pair)) {
        bytes.push(parseInt(pair, 16));
        i += 2;
        continue;
      }
      const bad = flush();
      if (bad) return { problem: bad };
      const next = text[i + 1];
      if (next === undefined) return { problem: `the ${typeName} value ends with a lone backslash` };
      if (!SPECIALS.has(next)) {
        return {
          problem: `'\\${next}' in the ${typeName} value is not an escape: a backslash precedes one of , + " \\ ; < > = # space, or two hex digits`,
        };
      }
      out += next;
      kept = out.length;
      i++;
      continue;
    }
    const bad = flush();
    if (bad) return { problem: bad };
    if (c === ',' || c === '+') break;
    if (MUST_ESCAPE.has(c)) {
      return { problem: `'${c}' in the ${typeName} value must be escaped as \\${c}` };
    }
    out += c;
    if (c !== ' ') kept = out.length;
  }
  const bad = flush();
  if (bad) return { problem: bad };
  return { value: out.slice(0, kept), end: i };
}

/**
 * Parses a subject. `multiValued` allows `+` RDNs (reading certificates); inputs leave it off. Never throws.
 */
export function parseDistinguishedName(text: string, options: { multiValued?: boolean } = {}): DnParse {
  const bad = CONTROL.exec(text);
  if (bad) return { ok: false, problem: `contains the control character ${codePoint(bad[0])}` };
  if (text.length > MAX_TEXT) return { ok: false, problem: `is longer than ${MAX_TEXT} characters` };
  // Only leading space is dropped here: a trailing space may be escaped (`CN=x\ `); the value reader keeps it.
  const s = text.trimStart();
  if (s.trim() === '') return { ok: false, problem: 'is empty' };
  if (!/^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)+)\s*=/.test(s)) {
    // A bare common name, taken literally.
    const t = lookup.get('cn')!;
    const problem = checkValue(t, s.trim());
    return problem ? { ok: false, problem } : { ok: true, dn: [[{ type: t, value: s.trim() }]] };
  }
  const dn: DistinguishedName = [];
  let rdn: Rdn = [];
  let i = 0;
  for (;;) {
    const eq = s.indexOf('=', i);
    const sep = s.slice(i).search(/[,+]/);
    if (eq < 0 || (sep >= 0 && i + sep < eq)) {
      const part = s.slice(i, sep >= 0 ? i + sep : undefined).trim();
      if (part === '') return { ok: false, problem: `has an empty part (nothing between separators)` };
      return {
        ok: false,
        problem: `'${part}' has no '=': each part is type=value, and a comma inside a value must be escaped, e.g. O=Contoso\\, Inc`,
      };
    }
    const typeText = s.slice(i, eq).trim();
    const type = lookup.get(typeText.toLowerCase());
    if (!type) {
      return {
        ok: false,
        problem: `'${typeText}' is not a supported attribute type${didYouMean(typeText, ATTRIBUTE_TYPE_NAMES)}; use one of ${ATTRIBUTE_TYPE_NAMES.join(', ')}`,
      };
    }
    const read = readValue(s, eq + 1, type.name);
    if ('problem' in read) return { ok: false, problem: read.problem };
    const problem = checkValue(type, read.value);
    if (problem) return { ok: false, problem };
    rdn.push({ type, value: type.kind === 'country' ? read.value.toUpperCase() : read.value });
    const sepChar = s[read.end];
    if (sepChar === '+') {
      if (!options.multiValued) {
        return {
          ok: false,
          problem: `'+' makes a multi-valued RDN, which is not supported: separate attributes with ',' or escape a literal plus as \\+`,
        };
      }
    } else {
      dn.push(rdn);
      rdn = [];
    }
    if (sepChar === undefined) break;
    i = read.end + 1;
    if (s.slice(i).trim() === '')
      return { ok: false, problem: `ends with '${sepChar}' and nothing after it` };
  }
  if (dn.length > 16) return { ok: false, problem: `has ${dn.length} parts, more than 16` };
  return { ok: true, dn };
}

function escapeValue(v: string): string {
  return v
    .replace(/[\\,+"<>;]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ');
}

/** RFC 4514 text with the short names Node prints: `CN=x, O=y`; `equals: ' = '` gives the broker's `CN = x`. */
export function formatDistinguishedName(dn: DistinguishedName, equals = '='): string {
  return dn
    .map((rdn) => rdn.map((a) => `${a.type.name}${equals}${escapeValue(a.value)}`).join(' + '))
    .join(', ');
}

/** A subject input (valid: checked at input validation) in the RFC 4514 form certificates are compared in. */
export function toDistinguishedName(subject: string): string {
  const p = parseDistinguishedName(subject);
  if (!p.ok) throw new Error(`invalid subject: ${p.problem}`);
  return formatDistinguishedName(p.dn);
}

const canonicalValue = (v: string): string => v.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();

/** A comparison key: types by OID, values per the rules at the top; AVAs within an RDN in sorted order. */
export function canonicalDistinguishedName(dn: DistinguishedName): string {
  return JSON.stringify(dn.map((rdn) => rdn.map((a) => `${a.type.oid}=${canonicalValue(a.value)}`).sort()));
}

/** Node prints a certificate's subject one RDN per line (`CN=x\nO=y`); this is its one-line RFC 4514 form. */
export const nodeSubjectText = (subject: string): string => subject.split('\n').join(', ');

/** Whether two subjects name the same entity; a subject that does not parse compares as trimmed text. */
export function sameDistinguishedName(a: string, b: string): boolean {
  const pa = parseDistinguishedName(a, { multiValued: true });
  const pb = parseDistinguishedName(b, { multiValued: true });
  if (pa.ok && pb.ok) return canonicalDistinguishedName(pa.dn) === canonicalDistinguishedName(pb.dn);
  return a.trim() === b.trim();
}

/** The string type a value is encoded with: what @peculiar/x509 picks for text, fixed types elsewhere. */
export function asnStringTag(a: Ava): AsnStringTag {
  if (a.type.kind === 'ia5') return 'ia5String';
  if (a.type.kind === 'printable' || a.type.kind === 'country') return 'printableString';
  return PRINTABLE.test(a.value) ? 'printableString' : 'utf8String';
}

/** @peculiar/x509's JSON name (OIDs, explicit string types), so its string parser is never involved. */
export function toX509JsonName(
  dn: DistinguishedName,
): Array<Record<string, Array<Partial<Record<AsnStringTag, string>>>>> {
  return dn.map((rdn) => {
    const item: Record<string, Array<Partial<Record<AsnStringTag, string>>>> = {};
    for (const a of rdn) (item[a.type.oid] ??= []).push({ [asnStringTag(a)]: a.value });
    return item;
  });
}
