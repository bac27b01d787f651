// Simulated DeviceHub devices: each tag publishes on devicehub.alias.<device>.<tag> and
// devicehub.raw.<deviceId>.<tagId> (docs.litmus.io, DeviceHub default topics), with the message fields Litmus'
// Grafana data source reads (success, datatype, timestamp, registerId, value, deviceId, tagName, deviceName,
// description). NATS-style matching: '*' one token, '>' the rest.
import { randomUUID } from 'node:crypto';

export interface SimTag {
  id: string;
  name: string;
}

export interface SimDevice {
  id: string;
  name: string;
  tags: SimTag[];
}

export function defaultDevices(): SimDevice[] {
  const device = (name: string, tags: string[]): SimDevice => ({
    id: randomUUID().toUpperCase(),
    name,
    tags: tags.map((t) => ({ id: randomUUID(), name: t })),
  });
  return [device('press1', ['temperature', 'pressure']), device('sim01', ['counter', 'state'])];
}

export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

export interface TagSubject {
  subject: string;
  device: SimDevice;
  tag: SimTag;
}

/** Every subject a tag publishes on, alias and raw. */
export function tagSubjects(devices: SimDevice[]): TagSubject[] {
  return devices.flatMap((device) =>
    device.tags.flatMap((tag) => [
      { subject: `devicehub.alias.${device.name}.${tag.name}`, device, tag },
      { subject: `devicehub.raw.${device.id}.${tag.id}`, device, tag },
    ]),
  );
}

export function tagMessage(t: TagSubject, n: number): string {
  return JSON.stringify({
    success: true,
    datatype: 'float64',
    timestamp: Date.now(),
    registerId: t.tag.id,
    value: Math.round((20 + Math.sin(n / 5) * 5) * 100) / 100,
    deviceId: t.device.id,
    tagName: t.tag.name,
    deviceName: t.device.name,
    description: '',
  });
}
