import { describe, expect, test } from 'vitest';
import { tunnelFailure } from '../../src/kube/node-kube-client.js';

describe('tunnelFailure: one line for a port-forward that could not open', () => {
  test.each([
    {
      name: 'an API answer with a Status body',
      e: {
        code: 404,
        body: '{"kind":"Status","message":"services \\"litmusedge\\" not found"}',
        message: 'HTTP-Code: 404\nMessage: Unknown API Status Code!\nBody: ...\nHeaders: {...}',
      },
      want: 'HTTP 404: services "litmusedge" not found',
    },
    {
      name: 'an API answer without a Status body',
      e: { code: 502, body: '<html>bad gateway</html>' },
      want: 'HTTP 502',
    },
    {
      name: 'a parsed Status body',
      e: { code: 403, body: { message: 'forbidden: get pods/portforward' } },
      want: 'HTTP 403: forbidden: get pods/portforward',
    },
    {
      name: 'a network error',
      e: new Error('connect ECONNREFUSED 127.0.0.1:6443\n    at stack'),
      want: 'connect ECONNREFUSED 127.0.0.1:6443',
    },
  ])('$name', ({ e, want }) => {
    expect(tunnelFailure(e)).toBe(want);
  });
});
