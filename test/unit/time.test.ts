import { parseRfc3339, toUtcIso } from '../../src/time';

describe('upstream times become UTC ISO with milliseconds', () => {
  it.each([
    [1677919688000, '+08:00', '2023-03-04T08:48:08.000Z'],
    ['1677919688000', '+08:00', '2023-03-04T08:48:08.000Z'],
    ['1677919688', '+08:00', '2023-03-04T08:48:08.000Z'],
    ['2023-11-24 17:13:52', '+08:00', '2023-11-24T09:13:52.000Z'],
    ['2023/10/27 15:46:19', '+08:00', '2023-10-27T07:46:19.000Z'],
    ['2023-11-24T17:13:52', '-05:00', '2023-11-24T22:13:52.000Z'],
    ['2016-05-30T14:55:57.316+10:00', '+08:00', '2016-05-30T04:55:57.316Z'],
    ['2023-03-04T08:48:08Z', '+08:00', '2023-03-04T08:48:08.000Z'],
  ])('%j read in %s → %s', (input, zone, expected) => {
    expect(toUtcIso(input, zone)).toBe(expected);
  });

  it.each([null, undefined, '', 'yesterday', {}])('answers null for %j', (input) => {
    expect(toUtcIso(input, '+08:00')).toBeNull();
  });
});

describe('RFC 3339 arguments', () => {
  it.each(['2024-02-29T12:00:00Z', '2023-03-04T08:48:08.123456+05:30', '1999-12-31t23:59:59-00:00'])('accepts %s', (t) => {
    expect(parseRfc3339(t)).toEqual(expect.any(Number));
  });
  it.each([
    '2023-02-29T12:00:00Z',
    '2023-13-01T00:00:00Z',
    '2023-03-04 08:48:08Z',
    '2023-03-04T08:48:08',
    'tomorrow',
    '2023-03-04T25:00:00Z',
  ])('refuses %s', (t) => {
    expect(parseRfc3339(t)).toBeUndefined();
  });
});
