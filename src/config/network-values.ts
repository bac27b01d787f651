// Checks for the network-shaped inputs (MQTT topic filters, host:port, DNS names): pure, each returns the problem
// in words or undefined, so a schema can put it in an input error.

/** MQTT's limit on a topic (v3.1.1 and v5 §4.7.3): 65535 bytes of UTF-8. */
export const MAX_TOPIC_BYTES = 65_535;

/** A topic filter per MQTT §4.7: `#` alone in the last level, `+` alone in its level, no NUL, not empty. */
export function topicFilterProblem(filter: string): string | undefined {
  if (filter.length === 0) return 'a topic filter is empty';
  if (filter.includes('\u0000')) return `'${visible(filter)}' contains a NUL character`;
  if (Buffer.byteLength(filter, 'utf8') > MAX_TOPIC_BYTES) {
    return `a topic filter is ${Buffer.byteLength(filter, 'utf8')} bytes of UTF-8, more than ${MAX_TOPIC_BYTES}`;
  }
  const levels = filter.split('/');
  for (const [n, level] of levels.entries()) {
    if (level.includes('#') && (level !== '#' || n !== levels.length - 1)) {
      return `'${filter}': '#' must be the last level and alone in it (e.g. a/b/#)`;
    }
    if (level.includes('+') && level !== '+') {
      return `'${filter}': '+' must be alone in its level (e.g. a/+/c)`;
    }
  }
  return undefined;
}

/** A topic name or prefix: a topic filter without wildcards. */
export function topicNameProblem(topic: string): string | undefined {
  if (/[#+]/.test(topic)) return `'${topic}' must not contain wildcards (+, #)`;
  return topicFilterProblem(topic);
}

const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** A DNS name (or an IPv4 address, which has the same shape): dot-separated labels, 253 characters at most. */
export function dnsNameProblem(name: string): string | undefined {
  if (name.length > 253) return `'${name.slice(0, 40)}…' is longer than 253 characters`;
  const labels = name.replace(/\.$/, '').split('.');
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined) {
    return `'${visible(name)}' is not a DNS name: '${visible(bad)}' is not a label of letters, digits and '-' (at most 63)`;
  }
  return undefined;
}

/** `host:port` with port 1-65535; an IPv6 address goes in brackets (`[fd00::5]:18884`). */
export function hostPortProblem(value: string): string | undefined {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d+)$/.exec(value);
  if (!m) {
    return value.split(':').length > 2 && !value.startsWith('[')
      ? `'${visible(value)}' looks like an IPv6 address without brackets: write [address]:port`
      : `'${visible(value)}' is not host:port`;
  }
  const [, v6, host, port] = m;
  if (v6 !== undefined && !/^[0-9A-Fa-f:.]+$/.test(v6)) return `'[${visible(v6)}]' is not an IPv6 address`;
  if (host !== undefined) {
    if (host === '') return `'${visible(value)}' has no host before ':'`;
    const p = dnsNameProblem(host);
    if (p) return p;
  }
  const n = Number(port);
  if (!(n >= 1 && n <= 65_535)) return `port ${port} is outside 1-65535`;
  return undefined;
}

/** Control characters shown as \uXXXX, so they never reach a terminal raw. */
function visible(s: string): string {
  return s.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
