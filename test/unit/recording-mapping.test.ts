import { isoDurationSeconds, mapRecording, mapTranscript } from '../../src/upstreams/recording/mapping';
import { idProblem, normaliseE164 } from '../../src/upstreams/recording/ids';
import { UpstreamBadResponseError } from '../../src/errors';

describe('isoDurationSeconds', () => {
  it.each([
    ['PT13.67S', 13.67],
    ['PT4M5.2S', 245.2],
    ['PT1H0M3S', 3603],
    ['PT1H', 3600],
    ['PT0S', 0],
    ['PT0,5S', 0.5],
    ['P1DT2H', 93600],
    ['P1W', 604800],
    ['PT0.1S', 0.1],
  ])('%s is %d s', (text, seconds) => {
    expect(isoDurationSeconds(text)).toBe(seconds);
  });

  it.each(['', 'P', 'PT', 'P1DT', '13.67', 'P1M', 'P1Y', 'PT-1S', '-PT1S', 'PT1.5.2S', null, undefined])(
    '%p has no length in seconds (null)',
    (text) => {
      expect(isoDurationSeconds(text)).toBeNull();
    },
  );
});

describe('mapRecording', () => {
  const row = {
    applicationId: 'app-1',
    accountId: '9900000',
    callId: 'c-1',
    parentCallId: 'c-0',
    recordingId: 'r-1',
    to: '+15555555555',
    from: '+15555555556',
    transferCallerId: '+15555555557',
    transferTo: '+15555555558',
    duration: 'PT13.67S',
    direction: 'outbound',
    channels: 1,
    startTime: '2022-06-17T22:19:40.375Z',
    endTime: '2022-06-17T22:20:00.000Z',
    fileFormat: 'mp3',
    status: 'complete',
    mediaUrl: 'https://voice.bandwidth.com/api/v2/accounts/9900000/calls/c-1/recordings/r-1/media',
    transcription: { id: 't-1', status: 'available', completedTime: '2022-06-13T18:46:29.715Z', url: 'https://x' },
    recordingName: 'name',
  };

  it('maps every field of CallRecordingMetadata', () => {
    expect(mapRecording(row, '9900000', '+08:00')).toEqual({
      id: 'r-1',
      accountId: '9900000',
      applicationId: 'app-1',
      callId: 'c-1',
      parentCallId: 'c-0',
      to: '+15555555555',
      from: '+15555555556',
      transferCallerId: '+15555555557',
      transferTo: '+15555555558',
      duration: 'PT13.67S',
      durationSeconds: 13.67,
      direction: 'OUTBOUND',
      channels: 1,
      startTime: '2022-06-17T22:19:40.375Z',
      endTime: '2022-06-17T22:20:00.000Z',
      fileFormat: 'MP3',
      status: 'complete',
      recordingName: 'name',
      hasMedia: true,
      transcription: { id: 't-1', status: 'available', completedTime: '2022-06-13T18:46:29.715Z', url: 'https://x' },
    });
  });

  it('answers UNKNOWN for enum values it does not know, null for what is absent, and the account it was read from', () => {
    const mapped = mapRecording({ recordingId: 'r-2', callId: 'c-2', direction: 'sideways', fileFormat: 'ogg' }, '123', 'Z');
    expect(mapRecording({ recordingId: 'r-3', callId: 'c-3' }, '123', 'Z')).toMatchObject({ direction: null, fileFormat: null });
    expect(mapped).toMatchObject({
      id: 'r-2',
      accountId: '123',
      direction: 'UNKNOWN',
      fileFormat: 'UNKNOWN',
      duration: null,
      durationSeconds: null,
      hasMedia: false,
      transcription: null,
      startTime: null,
    });
  });

  it('answers an Error, not a throw, for a row it cannot read', () => {
    expect(mapRecording({ callId: 'c-1' }, '1', 'Z')).toBeInstanceOf(UpstreamBadResponseError);
    expect(mapRecording({ recordingId: 'r', callId: 'c', channels: 'two' }, '1', 'Z')).toBeInstanceOf(UpstreamBadResponseError);
    expect(mapRecording('nope', '1', 'Z')).toBeInstanceOf(UpstreamBadResponseError);
  });
});

describe('mapTranscript', () => {
  it('keeps the channel order and joins the text with newlines', () => {
    expect(
      mapTranscript({
        transcripts: [
          { text: 'caller', confidence: 0.9 },
          { text: 'app', confidence: 0.5, speaker: 1 },
        ],
      }),
    ).toEqual({
      segments: [
        { text: 'caller', confidence: 0.9, speaker: null },
        { text: 'app', confidence: 0.5, speaker: 1 },
      ],
      text: 'caller\napp',
    });
  });

  it('an empty answer is an empty transcript; a wrong shape is an Error', () => {
    expect(mapTranscript({})).toEqual({ segments: [], text: '' });
    expect(mapTranscript({ transcripts: 'x' })).toBeInstanceOf(UpstreamBadResponseError);
  });
});

describe('Bandwidth ids and numbers', () => {
  it.each([
    ['accountId', '9900000', true],
    ['accountId', '99a', false],
    ['callId', 'c-15ac29a2-1331029c-2cb0-4a07-b215-b22865662d85', true],
    ['callId', 'c/1', false],
    ['recordingId', '', false],
    ['recordingId', 'r'.repeat(129), false],
  ] as const)('%s %p valid: %p', (kind, value, valid) => {
    expect(idProblem(kind, value) === null).toBe(valid);
  });

  it('reads E.164, also when already percent-encoded once', () => {
    expect(normaliseE164('+19195551234')).toBe('+19195551234');
    expect(normaliseE164('%2b19195551234')).toBe('+19195551234');
    expect(normaliseE164('%2B19195551234')).toBe('+19195551234');
    expect(normaliseE164('19195551234')).toBeNull();
    expect(normaliseE164(' 19195551234')).toBeNull();
    expect(normaliseE164('%252B19195551234')).toBeNull();
    expect(normaliseE164('+0123')).toBeNull();
  });
});
