// DeviceHub topics and where the connector sends them. DeviceHub topics are NATS-style subjects with '.' between
// tokens and wildcards '*' (one token) and '>' (the rest), e.g. devicehub.alias.press1.temp or
// devicehub.raw.<deviceId>.> (docs.litmus.io, DeviceHub "Default Topics and Descriptions"; Litmus' Grafana data
// source validates the same token rules). Each requested topic becomes one subscription of the integration whose
// remote (MQTT) topic is the subject's literal tokens joined by '/' under topic-prefix: a pattern sends all the
// tags it matches to one remote topic (the Jumpstart maps devices to remote topics such as `le.sim01` the same
// way), and the broker's authorization (topic-prefix) admits exactly those names.

/** Why `subject` is not a DeviceHub topic or pattern; undefined when it is one. */
export function subjectProblem(subject: string): string | undefined {
  if (subject.length === 0) return 'a topic is empty';
  if (subject.length > 1024) return `'${subject.slice(0, 40)}…' is longer than 1024 characters`;
  const tokens = subject.split('.');
  for (const [i, t] of tokens.entries()) {
    if (t === '') return `'${subject}' has an empty token (two dots, or a dot at either end)`;
    if (/\s/.test(t)) return `'${subject}' contains white space`;
    if (t.includes('>') && (t !== '>' || i !== tokens.length - 1))
      return `'${subject}': '>' must be the last token and alone in it (e.g. devicehub.alias.press1.>)`;
    if (t.includes('*') && t !== '*')
      return `'${subject}': '*' must be alone in its token (e.g. devicehub.alias.*)`;
    if (/[#+/]/.test(t))
      return `'${subject}' uses MQTT syntax ('/', '+', '#'); DeviceHub topics use '.', '*' and '>'`;
  }
  if (tokens.every((t) => t === '*' || t === '>'))
    return `'${subject}' matches everything: name at least one token`;
  return undefined;
}

export const isPattern = (subject: string): boolean => subject.split('.').some((t) => t === '*' || t === '>');

/** devicehub.alias.press1.* under `litmus` -> litmus/devicehub/alias/press1. */
export function remoteTopicFor(subject: string, prefix: string | undefined): string {
  const literal = subject.split('.').filter((t) => t !== '*' && t !== '>');
  const root = (prefix ?? '').replace(/\/+$/, '');
  return [...(root ? [root] : []), ...literal].join('/');
}
