// MQTT topic filters (MQTT 3.1.1 §4.7 / MQTT 5 §4.7): matching a topic name against a filter.

/** Whether `topic` matches `filter` ('+' one level, '#' the rest, including the parent level). */
export function matchesFilter(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const p = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (f[i] !== '+' && f[i] !== p[i]) return false;
  }
  return f.length === p.length;
}
